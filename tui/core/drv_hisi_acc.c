/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drv_hisi_acc: HiSilicon ACC VFs (hisi_acc_vfio_pci, 6.13+), directory
 * migration/hisi_acc/ with dev_data, migf_data and cmd_state.
 *
 * A failing show() returns an errno and its text never reaches userspace, so the status
 * comes from the errno, per file: hisi_acc_vf_debug_check() returns EINVAL while no user
 * has the device open and EBUSY when the VF does not become ready; migf_data returns
 * EAGAIN until a migration has completed; cmd_state returns EINVAL when the mailbox
 * channel is not ready.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
                                 "EINVAL: device not opened: no VMM or "
                                 "user has the VF open, nothing to read yet");
                        return DRV_ST_NOT_OPENED;
                }
                if (idx == HISI_CMD_STATE) {
                        snprintf(msg, msglen,
                                 "EINVAL: device not opened (no VMM has the VF open) "
                                 "or the mailbox command channel is not ready");
                        return DRV_ST_NOT_OPENED;
                }
                break;
        case EAGAIN:
                if (idx == HISI_MIGF_DATA) {
                        snprintf(msg, msglen,
                                 "EAGAIN: not migrated: no migration has "
                                 "completed on this device yet");
                        return DRV_ST_NOT_MIGRATED;
                }
                break;
        case EBUSY:
        case ETIMEDOUT:
                snprintf(msg, msglen,
                         "%s: VF not ready: the hardware did not answer the driver's poll "
                         "(device resetting or hung?)",
                         err == EBUSY ? "EBUSY" : "ETIMEDOUT");
                return DRV_ST_NOT_READY;
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
    .decode = acc_decode,
    .match = match_check,
};
