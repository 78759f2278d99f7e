// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmpmodel: what the compare view shows for a source and a destination read through a
 * fake source in the kernel's dump format: values with mismatch and "rejects" marks, the
 * check's reasons, hex bytes with diff flags, file status lines and n/N navigation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pair.h"
#include "core/tree.h"
#include "fakesrc.h"
#include "ui/cmpmodel.h"

#define SRC "0000:3b:00.1"
#define DST "0000:86:00.1"

/* struct acc_vf_data offsets (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.h) */
#define OFF_QP_NUM  8
#define OFF_DEV_ID  12
#define OFF_ISO     16
#define OFF_QP_BASE 20
#define OFF_QM_ST   24
#define OFF_MAJOR   28

struct vf {
        uint32_t qp_num, dev_id, iso, qp_base, page_size;
};

static const struct vf vf_default = {16, 0xa256, 0, 0, 4};
#define OFF_PAGE_SIZE 60

static void put_le(uint8_t *b, size_t off, uint64_t v, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                b[off + i] = (uint8_t)(v >> (8 * i));
}

/* migf_data: the saved stream (header and registers); dev_data: registers only. */
static void vf_bytes_of(const struct vf *v, uint8_t b[ACC_DUMP_SIZE], bool header)
{
        memset(b, 0, ACC_DUMP_SIZE);
        if (header) {
                put_le(b, 0, ACC_MAGIC_V2, 8);
                put_le(b, OFF_QP_NUM, v->qp_num, 4);
                put_le(b, OFF_DEV_ID, v->dev_id, 4);
                put_le(b, OFF_ISO, v->iso, 4);
                put_le(b, OFF_QP_BASE, v->qp_base, 4);
                put_le(b, OFF_MAJOR, ACC_DRV_MAJOR, 2);
        }
        put_le(b, OFF_QM_ST, 1, 4);
        put_le(b, OFF_PAGE_SIZE, v->page_size, 4);
        for (unsigned i = 64; i < 120; i += 4)
                put_le(b, i, 0x11110000u + i, 4);
}

static void vf_bytes(const struct vf *v, uint8_t b[ACC_DUMP_SIZE])
{
        vf_bytes_of(v, b, true);
}

/* A hisi_acc dump file: the kernel's seq_hex_dump of the first len bytes, then tail. */
static void add_dump(struct src *s, const char *dev, const char *file, const struct vf *v,
                     size_t len)
{
        const bool dev_data = strcmp(file, "dev_data") == 0;
        uint8_t b[ACC_DUMP_SIZE];
        char text[2048], path[256];
        size_t n;

        vf_bytes_of(v, b, !dev_data);
        n = fakesrc_format_dump(text, sizeof(text), dev_data ? "Dev Data:" : "Mig Data:", b, len,
                                NULL);
        assert_true(n > 0);
        snprintf(text + n, sizeof(text) - n, "%s",
                 dev_data ? "guest driver load: 1\ndata size: 176\n"
                          : "migrate data length: 176\n");
        snprintf(path, sizeof(path), "%s/migration/hisi_acc/%s", dev, file);
        assert_int_equal(fakesrc_text(s, path, text), 0);
}

static void add_errno(struct src *s, const char *dev, const char *file, int err)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/migration/hisi_acc/%s", dev, file);
        assert_int_equal(fakesrc_errno(s, path, err), 0);
}

static void add_core(struct src *s, const char *dev, const char *state)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/migration/state", dev);
        assert_int_equal(fakesrc_text(s, path, state), 0);
        snprintf(path, sizeof(path), "%s/migration/hisi_acc/cmd_state", dev);
        assert_int_equal(fakesrc_text(s, path, "mailbox cmd channel ready!\n"), 0);
}

struct fx {
        struct tree t;
        struct pair_side sa, sb;
        struct pair_result p;
        struct cmpm_model m;
};

/* The destination's kernel log for the next fx_build() (the compare reads it). */
static const struct kmsg_rec *fx_klog;

static struct kmsg_rec fx_line(const char *msg)
{
        struct kmsg_rec r;

        memset(&r, 0, sizeof(r));
        r.seq = 42;
        r.level = 3;
        snprintf(r.device, sizeof(r.device), "%s", DST);
        snprintf(r.text, sizeof(r.text), "hisi_acc_vfio_pci %s: %s", DST, msg);
        return r;
}

static void fx_build(struct src *s, struct fx *x, enum cmpm_against against)
{
        const struct tree_dev *a, *b;

        memset(x, 0, sizeof(*x));
        assert_int_equal(tree_read(s, &x->t), 0);
        src_close(s);
        a = tree_find(&x->t, SRC);
        b = tree_find(&x->t, DST);
        assert_non_null(a);
        assert_non_null(b);
        pair_side_init(&x->sa, a);
        pair_side_init(&x->sb, b);
        if (fx_klog) {
                x->sb.klog = fx_klog;
                x->sb.nklog = 1;
                fx_klog = NULL;
        }
        assert_int_equal(pair_compare(&x->sa, &x->sb, &x->p), 0);
        assert_int_equal(cmpm_build(&x->m, a, b, &x->p, against), 0);
}

static void fx_free(struct fx *x)
{
        cmpm_free(&x->m);
        tree_free(&x->t);
}

/* Source stopped after STOP_COPY; destination in RESUMING whose resume was refused and
 * that the VMM has not closed yet: its own registers (dv), no copy yet (EAGAIN). */
static struct src *qpnum_src(const struct vf *dv)
{
        struct src *s = fakesrc_new();

        assert_non_null(s);
        add_core(s, SRC, "STOP\n");
        add_dump(s, SRC, "dev_data", &vf_default, ACC_DUMP_SIZE);
        add_dump(s, SRC, "migf_data", &vf_default, ACC_DUMP_SIZE);
        add_core(s, DST, "RESUMING\n");
        add_dump(s, DST, "dev_data", dv, ACC_DUMP_SIZE);
        add_errno(s, DST, "migf_data", EAGAIN);
        return s;
}

static long row_of(const struct cmpm_model *m, const char *field)
{
        for (size_t r = 0; r < m->nrows; r++)
                if (strcmp(m->rows[r].field, field) == 0)
                        return (long)r;
        return -1;
}

static long line_of(const struct cmpm_model *m, enum cmpm_line_kind kind, const char *text)
{
        for (unsigned k = 0; k < m->nlines; k++)
                if (m->lines[k].kind == kind && strstr(m->lines[k].text, text))
                        return (long)k;
        return -1;
}

/* The kernel's line rejects qp_num: marked on the stream the check used, with the reason. */
static void test_qp_num_mismatch_marked_with_reason(void **state)
{
        struct kmsg_rec line = fx_line("failed to match VF qp num");
        const struct cmpm_cell *sc, *mc;
        struct vf d = vf_default;
        struct fx x;
        long r, rid, ml;

        d.qp_num = 8;
        fx_klog = &line;
        fx_build(qpnum_src(&d), &x, CMPM_VS_PEER);
        assert_string_equal(x.m.dir, "hisi_acc");
        r = row_of(&x.m, "qp_num");
        assert_true(r >= 0);
        sc = &x.m.pane[CMPM_SRC_DEV].cells[r];
        mc = &x.m.pane[CMPM_SRC_MIGF].cells[r];
        /* the stream carries qp_num; dev_data (a register snapshot) does not */
        assert_string_equal(mc->val[0], "16 (0x10)");
        assert_string_equal(sc->val[0], CMPM_ABSENT);
        assert_false(sc->present);
        /* the accept check used the source's stream: it says why */
        assert_true(x.m.rows[r].rejects);
        assert_string_equal(x.m.rows[r].reason, "failed to match VF qp num");
        assert_true(mc->rejects);
        assert_string_equal(mc->reason, "failed to match VF qp num");
        assert_false(sc->rejects);
        /* the verdict panel names it; the destination's value cannot be known */
        assert_int_equal(x.m.verdict, MATCH_REJECT);
        assert_string_equal(x.m.summary, "failed: accept");
        assert_int_equal(x.m.nreasons, 1);
        ml = line_of(&x.m, CMPM_LINE_MISMATCH, "failed to match VF qp num");
        assert_true(ml >= 0);
        assert_non_null(strstr(x.m.lines[ml].text, "source 16"));
        assert_non_null(strstr(x.m.lines[ml].text, "destination ?"));
        /* the failing check comes first, the kernel's line quoted verbatim right under it */
        assert_int_equal(x.m.nchecks, 4);
        assert_int_equal(x.m.nfail, 1);
        assert_int_equal(x.m.lines[0].kind, CMPM_LINE_CHECK);
        assert_int_equal(x.m.lines[0].verdict, CHECK_FAIL);
        assert_true(strncmp(x.m.lines[0].text, "accept   fail     qp_num", 24) == 0);
        assert_int_equal(x.m.lines[1].kind, CMPM_LINE_KERNEL);
        assert_int_equal(x.m.lines[1].level, 3);
        assert_string_equal(x.m.lines[1].text,
                            "kernel: hisi_acc_vfio_pci " DST ": failed to match VF qp num"
                            "  (destination, err)");
        assert_int_equal(x.m.nkernel, 1);
        /* the other checks follow, one line each, no kernel line */
        for (unsigned k = 2; k < x.m.nlines; k++)
                assert_int_not_equal(x.m.lines[k].kind, CMPM_LINE_KERNEL);
        /* dev_data carries no match header: said so, not shown as zeros */
        assert_true(sc->not_carried);
        assert_false(mc->not_carried);
        r = row_of(&x.m, "acc_magic");
        assert_int_equal(r, 0); /* rows in offset order */
        assert_true(x.m.pane[CMPM_DST_DEV].cells[r].not_carried);
        r = row_of(&x.m, "vf_qm_state");
        assert_true(r >= 0);
        assert_false(x.m.pane[CMPM_SRC_DEV].cells[r].not_carried);
        assert_string_equal(x.m.pane[CMPM_SRC_DEV].cells[r].val[0], "1");
        assert_string_equal(x.m.pane[CMPM_SRC_DEV].cells[r].note,
                            "QM_NOT_READY: guest driver not running");
        /* the lines after the dump: guest driver load with its meaning, the length line */
        r = row_of(&x.m, "guest driver load");
        assert_true(r > row_of(&x.m, "padding"));
        assert_true(x.m.rows[r].line);
        assert_string_equal(x.m.pane[CMPM_SRC_DEV].cells[r].val[0], "1");
        assert_string_equal(x.m.pane[CMPM_SRC_DEV].cells[r].note,
                            "QM_NOT_READY: guest driver not running");
        assert_true(x.m.pane[CMPM_SRC_MIGF].cells[r].not_carried);
        r = row_of(&x.m, "migrate data length");
        assert_true(r >= 0);
        assert_string_equal(x.m.pane[CMPM_SRC_MIGF].cells[r].val[0], "176");
        assert_true(x.m.pane[CMPM_SRC_DEV].cells[r].not_carried);
        assert_false(x.m.pane[CMPM_DST_MIGF].cells[r].not_carried); /* not read: no claim */
        r = row_of(&x.m, "qp_num");
        /* dev_id is not rejected: the kernel got past it */
        rid = row_of(&x.m, "dev_id");
        assert_true(rid >= 0);
        assert_false(x.m.rows[rid].rejects);
        /* the two dev_data snapshots hold the same registers: no difference */
        for (size_t k = 0; k < x.m.nrows; k++)
                if (x.m.pane[CMPM_SRC_DEV].cells[k].mismatch ||
                    x.m.pane[CMPM_DST_DEV].cells[k].mismatch)
                        fail_msg("dev_data differs on %s", x.m.rows[k].field);
        fx_free(&x);
}

static void test_identical_pair_has_no_differences(void **state)
{
        struct src *s = fakesrc_new();
        struct fx x;

        assert_non_null(s);
        add_core(s, SRC, "STOP\n");
        add_dump(s, SRC, "dev_data", &vf_default, ACC_DUMP_SIZE);
        add_dump(s, SRC, "migf_data", &vf_default, ACC_DUMP_SIZE);
        add_core(s, DST, "RUNNING\n");
        add_dump(s, DST, "dev_data", &vf_default, ACC_DUMP_SIZE);
        add_dump(s, DST, "migf_data", &vf_default, ACC_DUMP_SIZE);
        fx_build(s, &x, CMPM_VS_PEER);
        /* one snapshot, no kernel log: nothing fails, qp_num and que_iso_cfg stay unknown */
        assert_int_equal(x.m.verdict, MATCH_INCOMPLETE);
        assert_int_equal(x.m.nreasons, 0);
        assert_true(x.m.nrows > 10);
        assert_int_equal(x.m.nhex, ACC_DUMP_SIZE / 16);
        assert_int_equal(cmpm_ndiff(&x.m, CMPM_DECODED), 0);
        assert_int_equal(cmpm_ndiff(&x.m, CMPM_HEX), 0);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, -1, 1), -1);
        assert_int_equal(cmpm_next(&x.m, CMPM_HEX, 3, -1), -1);
        for (unsigned p = 0; p < CMPM_NPANES; p++) {
                assert_true(x.m.pane[p].ok);
                assert_string_equal(x.m.pane[p].status_line, "");
                assert_int_equal(x.m.pane[p].ndiff_bytes, 0);
                for (size_t r = 0; r < x.m.nrows; r++) {
                        assert_false(x.m.pane[p].cells[r].mismatch);
                        assert_false(x.m.pane[p].cells[r].rejects);
                }
        }
        fx_free(&x);
}

static void test_not_migrated_pane_shows_status(void **state)
{
        struct fx x;
        const struct cmpm_pane *pn;

        fx_build(qpnum_src(&vf_default), &x, CMPM_VS_PEER);
        pn = &x.m.pane[CMPM_DST_MIGF];
        assert_false(pn->ok);
        assert_int_equal(pn->status, DRV_ST_NOT_MIGRATED);
        assert_non_null(strstr(pn->status_line, "not migrated (EAGAIN)"));
        /* said once, then the driver's explanation */
        assert_null(strstr(pn->status_line + 1, "EAGAIN: "));
        assert_null(strstr(pn->status_line + 1, "not migrated: "));
        assert_true(strlen(pn->status_line) > strlen("not migrated (EAGAIN): "));
        assert_string_equal(pn->dev, DST);
        assert_string_equal(pn->title, "destination migf_data");
        /* its rows are there, aligned with the others, with no value */
        for (size_t r = 0; r < x.m.nrows; r++) {
                assert_false(pn->cells[r].present);
                assert_string_equal(pn->cells[r].val[0], CMPM_ABSENT);
                assert_false(pn->cells[r].mismatch);
        }
        for (size_t r = 0; r < x.m.nhex; r++)
                assert_int_equal(pn->hex[r].present, 0);
        /* the other panes are fine */
        assert_true(x.m.pane[CMPM_SRC_MIGF].ok);
        assert_string_equal(x.m.pane[CMPM_SRC_DEV].status_line, "");
        assert_int_equal(cmpm_ndiff(&x.m, CMPM_DECODED), 0);
        fx_free(&x);
}

/* The destination's copy differs in dev_id (row 2), qp_num (row 1) and qp_base (row 4):
 * n/N walk them and wrap; its kernel refused dev_id. */
static void test_navigation_wraps(void **state)
{
        struct kmsg_rec line = fx_line("failed to match VF devices");
        struct vf d = {8, 0xa259, 0, 32, 4};
        struct src *s = fakesrc_new();
        struct fx x;
        long q, id, base;

        assert_non_null(s);
        add_core(s, SRC, "STOP\n");
        add_dump(s, SRC, "dev_data", &vf_default, ACC_DUMP_SIZE);
        add_dump(s, SRC, "migf_data", &vf_default, ACC_DUMP_SIZE);
        add_core(s, DST, "RESUMING\n");
        add_errno(s, DST, "dev_data", EINVAL);
        add_dump(s, DST, "migf_data", &d, ACC_DUMP_SIZE);
        fx_klog = &line;
        fx_build(s, &x, CMPM_VS_PEER);
        q = row_of(&x.m, "qp_num");
        id = row_of(&x.m, "dev_id");
        base = row_of(&x.m, "qp_base");
        assert_true(q < id && id < base);
        assert_int_equal(cmpm_ndiff(&x.m, CMPM_DECODED), 3);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, -1, 1), q);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, q, 1), id);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, id, 1), base);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, base, 1), q);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, q, -1), base);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, base, -1), id);
        /* from a row between differences */
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, id + 1, -1), id);
        assert_int_equal(cmpm_next(&x.m, CMPM_DECODED, (long)x.m.nrows, 1), q);
        /* qp_base is not a match rule: marked, not rejected */
        assert_true(x.m.pane[CMPM_DST_MIGF].cells[base].mismatch);
        assert_false(x.m.rows[base].rejects);
        assert_true(x.m.rows[id].rejects);
        /* hex: every difference is in row 0 and row 1 */
        assert_int_equal(cmpm_ndiff(&x.m, CMPM_HEX), 2);
        assert_int_equal(cmpm_next(&x.m, CMPM_HEX, 1, 1), 0);
        assert_int_equal(cmpm_next(&x.m, CMPM_HEX, 0, -1), 1);
        fx_free(&x);
}

/* CMPM_VS_SELF: the source's dev_data changed since it was sent. */
static void test_self_compare_dev_vs_migf(void **state)
{
        struct vf live = vf_default;
        struct src *s = fakesrc_new();
        struct fx x;
        long base;

        assert_non_null(s);
        live.page_size = 5; /* a register: dev_data carries it */
        add_core(s, SRC, "RUNNING\n");
        add_dump(s, SRC, "dev_data", &live, ACC_DUMP_SIZE);
        add_dump(s, SRC, "migf_data", &vf_default, ACC_DUMP_SIZE);
        add_core(s, DST, "RUNNING\n");
        add_dump(s, DST, "dev_data", &live, ACC_DUMP_SIZE);
        add_dump(s, DST, "migf_data", &vf_default, ACC_DUMP_SIZE);
        fx_build(s, &x, CMPM_VS_SELF);
        base = row_of(&x.m, "page_size");
        assert_int_equal(x.m.pane[CMPM_SRC_DEV].counterpart, CMPM_SRC_MIGF);
        assert_true(x.m.pane[CMPM_SRC_DEV].cells[base].mismatch);
        assert_true(x.m.pane[CMPM_SRC_MIGF].cells[base].mismatch);
        assert_int_equal(x.m.pane[CMPM_SRC_DEV].hex[3].diff, 1u << (OFF_PAGE_SIZE - 48));
        /* a header field the register snapshot does not carry is no difference */
        base = row_of(&x.m, "qp_num");
        assert_true(x.m.pane[CMPM_SRC_DEV].cells[base].not_carried);
        assert_false(x.m.pane[CMPM_SRC_MIGF].cells[base].mismatch);
        assert_false(x.m.rows[base].mismatch);
        cmpm_free(&x.m);

        /* the same trees source vs destination: identical file for file */
        assert_int_equal(
            cmpm_build(&x.m, tree_find(&x.t, SRC), tree_find(&x.t, DST), &x.p, CMPM_VS_PEER), 0);
        assert_int_equal(cmpm_ndiff(&x.m, CMPM_DECODED), 0);
        assert_int_equal(cmpm_ndiff(&x.m, CMPM_HEX), 0);
        fx_free(&x);
}

/* The hex row reads exactly as the kernel's dump line, and col_end locates each byte. */
static void test_hex_row_text_matches_kernel_dump(void **state)
{
        struct vf d = vf_default;
        uint8_t b[ACC_DUMP_SIZE];
        char kernel[2048], line[128];
        size_t end[ACC_DUMP_SIZE], col[CMPM_HEX_COLS];
        struct fx x;
        size_t n;

        struct src *s = fakesrc_new();

        d.qp_num = 8;
        add_core(s, SRC, "STOP\n");
        add_dump(s, SRC, "migf_data", &vf_default, ACC_DUMP_SIZE);
        add_core(s, DST, "RESUMING\n");
        add_dump(s, DST, "migf_data", &d, ACC_DUMP_SIZE);
        fx_build(s, &x, CMPM_VS_PEER);
        vf_bytes(&d, b);
        assert_true(fakesrc_format_dump(kernel, sizeof(kernel), "", b, ACC_DUMP_SIZE, end) > 0);
        n = cmpm_hex_format(&x.m, CMPM_DST_MIGF, 0, line, sizeof(line), col);
        assert_int_equal(n, strcspn(kernel, "\n"));
        assert_memory_equal(line, kernel, n);
        assert_int_equal(col[OFF_QP_NUM], end[OFF_QP_NUM]);
        assert_memory_equal(line + col[OFF_QP_NUM] - 2, "08", 2);
        /* rows past the data, or a too small buffer: nothing, no overflow */
        assert_int_equal(cmpm_hex_format(&x.m, CMPM_DST_MIGF, x.m.nhex, line, sizeof(line), NULL),
                         0);
        assert_true(cmpm_hex_format(&x.m, CMPM_DST_MIGF, 0, line, 12, NULL) < 12);
        fx_free(&x);
}

/* A dump cut off inside row 8 (a short read): the bytes the destination lacks differ. */
static void add_cut_dump(struct src *s, const char *dev, const struct vf *v, size_t keep)
{
        uint8_t b[ACC_DUMP_SIZE];
        size_t end[ACC_DUMP_SIZE];
        char text[2048], path[256];

        vf_bytes(v, b);
        assert_true(fakesrc_format_dump(text, sizeof(text), "Mig Data:", b, ACC_DUMP_SIZE, end) >
                    0);
        text[end[keep - 1]] = '\0';
        snprintf(path, sizeof(path), "%s/migration/hisi_acc/migf_data", dev);
        assert_int_equal(fakesrc_text(s, path, text), 0);
}

static void test_cut_data_missing_bytes_differ(void **state)
{
        struct src *s = fakesrc_new();
        const struct cmpm_pane *dp;
        struct fx x;
        long pad;

        assert_non_null(s);
        add_core(s, SRC, "STOP\n");
        add_errno(s, SRC, "dev_data", EINVAL);
        add_dump(s, SRC, "migf_data", &vf_default, ACC_DUMP_SIZE);
        add_core(s, DST, "RUNNING\n");
        add_errno(s, DST, "dev_data", EINVAL);
        add_cut_dump(s, DST, &vf_default, 132);
        fx_build(s, &x, CMPM_VS_PEER);
        dp = &x.m.pane[CMPM_DST_MIGF];
        assert_true(dp->ok);
        assert_true(dp->cut);
        assert_true(dp->len >= 128 && dp->len < ACC_DUMP_SIZE);
        assert_int_equal(x.m.nhex, 9);
        /* what the destination has is shown and equal; the rest is flagged on the source */
        assert_int_equal(dp->hex[8].diff, 0);
        assert_int_equal(x.m.pane[CMPM_SRC_MIGF].hex[8].diff,
                         (uint16_t)(0xffffu & ~dp->hex[8].present));
        assert_int_equal(x.m.pane[CMPM_SRC_MIGF].hex[7].diff, 0);
        assert_int_equal(cmpm_next(&x.m, CMPM_HEX, -1, 1), 8);
        pad = row_of(&x.m, "padding");
        assert_true(pad >= 0);
        assert_true(x.m.pane[CMPM_SRC_MIGF].cells[pad].mismatch);
        assert_string_equal(dp->cells[pad].val[0], CMPM_ABSENT);
        assert_false(dp->cells[pad].mismatch);
        fx_free(&x);
}

/* No destination (not chosen yet) and no pair result: panes say so, nothing crashes. */
static void test_missing_device_and_pair(void **state)
{
        struct src *s = qpnum_src(&vf_default);
        struct cmpm_model m;
        struct tree t;

        assert_int_equal(tree_read(s, &t), 0);
        src_close(s);
        assert_int_equal(cmpm_build(&m, tree_find(&t, SRC), NULL, NULL, CMPM_VS_PEER), 0);
        assert_string_equal(m.dir, "hisi_acc");
        assert_true(m.pane[CMPM_SRC_DEV].ok);
        assert_false(m.pane[CMPM_DST_DEV].ok);
        assert_null(m.pane[CMPM_DST_DEV].dev);
        assert_non_null(strstr(m.pane[CMPM_DST_DEV].status_line, "no destination device"));
        assert_int_equal(m.verdict, MATCH_INCOMPLETE);
        assert_int_equal(cmpm_ndiff(&m, CMPM_DECODED), 0);
        assert_true(m.nrows > 0);
        cmpm_free(&m);
        assert_int_equal(cmpm_build(&m, NULL, NULL, NULL, CMPM_VS_SELF), 0);
        assert_int_equal(m.nrows, 0);
        assert_int_equal(m.nhex, 0);
        assert_int_equal(cmpm_next(&m, CMPM_HEX, -1, -1), -1);
        cmpm_free(&m);
        tree_free(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_qp_num_mismatch_marked_with_reason),
            cmocka_unit_test(test_identical_pair_has_no_differences),
            cmocka_unit_test(test_not_migrated_pane_shows_status),
            cmocka_unit_test(test_navigation_wraps),
            cmocka_unit_test(test_self_compare_dev_vs_migf),
            cmocka_unit_test(test_hex_row_text_matches_kernel_dump),
            cmocka_unit_test(test_cut_data_missing_bytes_differ),
            cmocka_unit_test(test_missing_device_and_pair),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
