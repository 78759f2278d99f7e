/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drv_hisi_acc: HiSilicon ACC VFs (hisi_acc_vfio_pci, 6.13+), directory
 * migration/hisi_acc/ with dev_data, migf_data and cmd_state.
 *
 * A failing show() returns an errno and its text never reaches userspace, so the status
 * comes from the errno, per file and per kernel version (hisi_acc_vf_debug_check(),
 * hisi_acc_vf_dev_read(), hisi_acc_vf_migf_read(), hisi_acc_vf_debug_cmd(), 6.13+):
 *   dev_data  EINVAL     no user has the device open; or, on 6.13-6.15, a mailbox command
 *                        failed while reading the registers
 *             EBUSY      6.13-6.15: QM_VF_STATE stayed not ready (the guest's QM driver is
 *                        not running); 6.16+: a mailbox command failed (busy)
 *             ETIMEDOUT  6.16+: QM_VF_STATE not ready, or a mailbox command timed out
 *             EIO        6.16+: a mailbox command failed (the file still exists: the
 *                        device has not vanished; the engine decides that from the tree)
 *   cmd_state EINVAL     not opened, or the channel register reads all ones (not ready)
 *             EBUSY/ETIMEDOUT  QM_VF_STATE not ready (6.13-6.15 / 6.16+)
 *   migf_data EAGAIN     the copy holds fewer than 40 bytes: no migration completed
 *
 * dev_data is a register snapshot (no header), migf_data the saved stream with its length
 * line: hisi_decode() decodes each by what it carries.  The compare checks are in
 * acccheck.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "acccheck.h"
#include "drv.h"

enum { HISI_DEV_DATA, HISI_MIGF_DATA, HISI_CMD_STATE };

static const struct drv_file_desc hisi_files[] = {
    [HISI_DEV_DATA] = {.name = "dev_data",
                       .kind = DRV_FILE_DUMP,
                       .dump_prefix = "Dev Data:",
                       .length_key = "data size",
                       .costly = true,
                       .dump_len = ACC_DUMP_SIZE},
    [HISI_MIGF_DATA] = {.name = "migf_data",
                        .kind = DRV_FILE_DUMP,
                        .dump_prefix = "Mig Data:",
                        .length_key = "migrate data length",
                        .costly = false,
                        .dump_len = ACC_DUMP_SIZE},
    [HISI_CMD_STATE] = {.name = "cmd_state", .kind = DRV_FILE_TEXT, .costly = true},
};

static enum drv_status hisi_errno_status(unsigned idx, int err, char *msg, size_t msglen)
{
        switch (err) {
        case EINVAL:
                if (idx == HISI_DEV_DATA) {
                        snprintf(msg, msglen,
                                 "EINVAL: not opened (no VMM or user has the VF open), or "
                                 "(6.13-6.15) a mailbox command to the VF failed");
                        return DRV_ST_NOT_OPENED;
                }
                if (idx == HISI_CMD_STATE) {
                        snprintf(msg, msglen,
                                 "EINVAL: not opened (no VMM or user has the VF open), or the "
                                 "mailbox command channel is not ready (its register reads all "
                                 "ones)");
                        return DRV_ST_NOT_OPENED;
                }
                break;
        case EAGAIN:
                if (idx == HISI_MIGF_DATA) {
                        snprintf(msg, msglen,
                                 "EAGAIN: not migrated: no migration has completed on this "
                                 "device yet (the copy holds fewer than 40 bytes)");
                        return DRV_ST_NOT_MIGRATED;
                }
                break;
        case EBUSY:
                if (idx == HISI_DEV_DATA) {
                        snprintf(msg, msglen,
                                 "EBUSY: the guest's QM driver is not running (QM_VF_STATE not "
                                 "ready, 6.13-6.15), or (6.16+) a mailbox command failed; not a "
                                 "hung device");
                        return DRV_ST_NOT_READY;
                }
                if (idx == HISI_CMD_STATE) {
                        snprintf(msg, msglen,
                                 "EBUSY: the guest's QM driver is not running (QM_VF_STATE not "
                                 "ready); not a hung device");
                        return DRV_ST_NOT_READY;
                }
                break;
        case ETIMEDOUT:
                if (idx == HISI_DEV_DATA) {
                        snprintf(msg, msglen,
                                 "ETIMEDOUT: the guest's QM driver is not running (QM_VF_STATE "
                                 "not ready, 6.16+), or a mailbox command timed out; not a hung "
                                 "device");
                        return DRV_ST_NOT_READY;
                }
                if (idx == HISI_CMD_STATE) {
                        snprintf(msg, msglen,
                                 "ETIMEDOUT: the guest's QM driver is not running (QM_VF_STATE "
                                 "not ready); not a hung device");
                        return DRV_ST_NOT_READY;
                }
                break;
        case EIO:
                if (idx == HISI_DEV_DATA) {
                        snprintf(msg, msglen,
                                 "EIO: a mailbox command to the VF failed (6.16+); the file is "
                                 "still there, the device has not vanished");
                        return DRV_ST_MAILBOX;
                }
                break;
        case ENOENT:
                snprintf(msg, msglen,
                         "ENOENT: no such file (device removed, or a kernel "
                         "without this hisi_acc debugfs file)");
                return DRV_ST_ABSENT;
        default:
                break;
        }
        return drv_errno_generic(err, msg, msglen);
}

/* dev_data: a register snapshot; migf_data: the saved stream, as long as its length line. */
static bool hisi_decode(unsigned idx, const uint8_t *buf, size_t len, const struct kv_list *kv,
                        struct acc_decoded *out)
{
        uint64_t length;

        switch (idx) {
        case HISI_DEV_DATA:
                acc_decode_registers(buf, len, out);
                return true;
        case HISI_MIGF_DATA:
                if (kv && kv_get_u64(kv, "migrate data length", &length) == 0) {
                        acc_decode(buf, length < len ? (size_t)length : len, out);
                        out->stream_len = length > INT64_MAX ? INT64_MAX : (int64_t)length;
                } else {
                        acc_decode(buf, len, out);
                }
                return true;
        default:
                return false;
        }
}

static bool hisi_text_is(const char *text, size_t len, const char *want)
{
        size_t n = strlen(want);

        if (len == n + 1 && text[n] == '\n')
                len = n;
        return len == n && memcmp(text, want, n) == 0;
}

static enum drv_status hisi_text_status(unsigned idx, const char *text, size_t len, char *msg,
                                        size_t msglen)
{
        static const char ok_old[] = "mailbox cmd channel state is OK:0x";
        const char *nl;
        size_t line;

        msg[0] = '\0';
        if (idx != HISI_CMD_STATE)
                return DRV_ST_OK;
        if (hisi_text_is(text, len, "mailbox cmd channel ready!"))
                return DRV_ST_OK;
        nl = memchr(text, '\n', len);
        line = nl ? (size_t)(nl - text) : len;
        if (line > sizeof(ok_old) - 1 && memcmp(text, ok_old, sizeof(ok_old) - 1) == 0 &&
            (!nl || line + 1 == len)) {
                size_t i = sizeof(ok_old) - 1;

                while (i < line && strchr("0123456789abcdefABCDEF", text[i]) && text[i])
                        i++;
                if (i == line)
                        return DRV_ST_OK;
        }
        if (hisi_text_is(text, len, "mailbox cmd channel not ready!")) {
                snprintf(msg, msglen, "the mailbox command channel is not ready");
                return DRV_ST_NOT_READY;
        }
        snprintf(msg, msglen, "unexpected cmd_state text \"%.60s\"", text);
        for (char *p = msg; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                        *p = '?';
        return DRV_ST_ERROR;
}

const struct drv_ops drv_hisi_acc_ops = {
    .name = "hisi_acc",
    .nfiles = sizeof(hisi_files) / sizeof(hisi_files[0]),
    .files = hisi_files,
    .errno_status = hisi_errno_status,
    .text_status = hisi_text_status,
    .decode = hisi_decode,
    .checks = acccheck_run,
};
