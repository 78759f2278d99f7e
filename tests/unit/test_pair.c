// SPDX-License-Identifier: GPL-2.0-only
/*
 * pair_compare() with the hisi_acc checks (acccheck.c): stream, accept, restore, capture,
 * each from what the kernel shows: trees in kernel format read through a fake source
 * (dev_data a register snapshot with a zero header, migf_data the saved stream with its
 * length line), plus what the caller knows besides (kernel log records, the PCI device ID
 * from sysfs, the state changes a poller saw).  Offsets come from tests/kacc.h.
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

#include "../kacc.h"
#include "core/acccheck.h"
#include "core/pair.h"
#include "core/tree.h"
#include "fakesrc.h"

#define SRC "0000:3b:00.1"
#define DST "0000:86:00.1"

#define PUT(b, F, v) put_le(b, offsetof(struct k_acc_v2, F), sizeof(((struct k_acc_v2 *)0)->F), v)

static void put_le(uint8_t *b, size_t off, size_t n, uint64_t v)
{
        for (size_t i = 0; i < n; i++)
                b[off + i] = (uint8_t)(v >> (8 * i));
}

/* A VF's saved stream: header of the saving VF, vf_qm_state, registers. */
struct vf {
        uint64_t magic;
        uint32_t qp_num, dev_id, iso, qp_base, major, qm_state;
        uint32_t eqc0; /* qm_eqc_dw[0] (the registers differ by it) */
        uint32_t ifc_mask;
};

static const struct vf q16 = {ACC_MAGIC_V2, 16, 0xa256, 0, 0, 1, 0, 0x11110000, 1};

static void vf_bytes(const struct vf *v, uint8_t b[ACC_STRUCT_SIZE], bool header)
{
        memset(b, 0, ACC_STRUCT_SIZE);
        if (header) {
                PUT(b, acc_magic, v->magic);
                PUT(b, qp_num, v->qp_num);
                PUT(b, dev_id, v->dev_id);
                PUT(b, que_iso_cfg, v->iso);
                PUT(b, qp_base, v->qp_base);
                if (v->magic == ACC_MAGIC_V2)
                        PUT(b, major_ver, v->major);
        }
        PUT(b, vf_qm_state, v->qm_state);
        PUT(b, eq_int_mask, 1);
        PUT(b, ifc_int_source, 2);
        PUT(b, ifc_int_mask, v->ifc_mask);
        PUT(b, page_size, 4);
        for (unsigned i = 0; i < 7; i++) {
                PUT(b, qm_eqc_dw[i], (i ? 0x11110000u : v->eqc0) + i);
                PUT(b, qm_aeqc_dw[i], 0x22220000u + i);
        }
}

static void add_dump(struct src *s, const char *dev, const char *file, const char *prefix,
                     const uint8_t *b, const char *tail)
{
        char path[256], text[4096];
        size_t n = fakesrc_format_dump(text, sizeof(text), prefix, b, ACC_DUMP_SIZE, NULL);

        snprintf(text + n, sizeof(text) - n, "%s", tail);
        snprintf(path, sizeof(path), "%s/migration/hisi_acc/%s", dev, file);
        assert_int_equal(fakesrc_text(s, path, text), 0);
}

/* migf_data: the copy of total bytes (zero past them), "migrate data length: total". */
static void add_migf(struct src *s, const char *dev, const struct vf *v, size_t total)
{
        uint8_t b[ACC_STRUCT_SIZE];
        char tail[64];

        vf_bytes(v, b, true);
        if (total < ACC_STRUCT_SIZE)
                memset(b + total, 0, ACC_STRUCT_SIZE - total);
        snprintf(tail, sizeof(tail), "migrate data length: %zu\n", total);
        add_dump(s, dev, "migf_data", "Mig Data:", b, tail);
}

/* dev_data: no header, vf_qm_state = the driver's cache, the registers of v. */
static void add_dev(struct src *s, const char *dev, const struct vf *v, unsigned cache)
{
        uint8_t b[ACC_STRUCT_SIZE];
        struct vf r = *v;
        char tail[64];

        r.qm_state = cache;
        vf_bytes(&r, b, false);
        snprintf(tail, sizeof(tail), "guest driver load: %u\ndata size: 176\n", cache);
        add_dump(s, dev, "dev_data", "Dev Data:", b, tail);
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

/* The source stopped after saving v (176 bytes, or 40 when its guest driver was not up). */
static void source_saved(struct src *s, const struct vf *v, size_t total)
{
        add_core(s, SRC, "STOP\n");
        add_dev(s, SRC, v, total == ACC_STRUCT_SIZE ? 0 : 1);
        add_migf(s, SRC, v, total);
}

/* The destination closed after a refused stream: RESUMING, EINVAL, what it received. */
static void dest_closed(struct src *s, const struct vf *received, size_t total)
{
        add_core(s, DST, "RESUMING\n");
        add_errno(s, DST, "dev_data", EINVAL);
        add_errno(s, DST, "cmd_state", EINVAL);
        add_migf(s, DST, received, total);
}

/* The destination after RESUMING->STOP: loaded registers, ifc_int_mask 0 after the load. */
static void dest_loaded(struct src *s, const struct vf *v, size_t total)
{
        struct vf r = *v;

        r.ifc_mask = 0; /* qm_dev_cmd_init() unmasks after the load: not compared */
        add_core(s, DST, "STOP\n");
        add_dev(s, DST, &r, total == ACC_STRUCT_SIZE ? v->qm_state : 1);
        add_migf(s, DST, v, total);
}

static struct kmsg_rec krec(uint64_t seq, int level, const char *dev, const char *msg)
{
        struct kmsg_rec r;

        memset(&r, 0, sizeof(r));
        r.seq = seq;
        r.ts_us = 5123456789 + (int64_t)seq;
        r.level = level;
        snprintf(r.subsystem, sizeof(r.subsystem), "pci");
        snprintf(r.device, sizeof(r.device), "%s", dev);
        snprintf(r.text, sizeof(r.text), "hisi_acc_vfio_pci %s: %s", dev, msg);
        return r;
}

/* A normal migration's timelines: the source's STOP_COPY overlaps the destination's RESUMING */
static const struct pair_event tl_src[] = {{100, 90, FSM_RUNNING, FSM_STOP_COPY},
                                           {300, 290, FSM_STOP_COPY, FSM_STOP}};
static const struct pair_event tl_dst[] = {{80, 70, FSM_STOP, FSM_RESUMING},
                                           {320, 310, FSM_RESUMING, FSM_STOP}};
/* a destination resumed long after the source stopped copying */
static const struct pair_event tl_dst_late[] = {{500, 490, FSM_STOP, FSM_RESUMING},
                                                {600, 590, FSM_RESUMING, FSM_STOP}};

struct both {
        struct tree t;
        struct pair_side a, b;
        struct pair_result p;
};

static void read_tree(struct src *s, struct both *x)
{
        memset(x, 0, sizeof(*x));
        assert_int_equal(tree_read(s, &x->t), 0);
        assert_int_equal(x->t.err, 0);
        pair_side_init(&x->a, tree_find(&x->t, SRC));
        pair_side_init(&x->b, tree_find(&x->t, DST));
        assert_non_null(x->a.dev);
        assert_non_null(x->b.dev);
        src_close(s);
}

static void watched(struct pair_side *sd, const struct pair_event *tl, size_t n)
{
        sd->timeline = tl;
        sd->ntimeline = n;
        sd->timeline_known = true;
        sd->now_ns = 1000;
}

static void run(struct both *x)
{
        assert_int_equal(pair_compare(&x->a, &x->b, &x->p), 0);
}

static const struct check *chk(const struct pair_result *p, const char *name)
{
        for (unsigned i = 0; i < p->checks.n; i++)
                if (strcmp(p->checks.c[i].name, name) == 0)
                        return &p->checks.c[i];
        fail_msg("no check %s", name);
        return NULL;
}

static const struct match_mismatch *mis(const struct check *c, const char *field)
{
        for (unsigned i = 0; i < c->nmis; i++)
                if (c->mis[i].field && strcmp(c->mis[i].field, field) == 0)
                        return &c->mis[i];
        return NULL;
}

/* The case: q16 stream into a q8 VF; the VMM closed the destination. */
static void q16_into_q8_rejected_by_the_kernel_line(void **state)
{
        struct src *s = fakesrc_new();
        struct kmsg_rec log[3];
        const struct check *c;
        const struct match_mismatch *m;
        struct both x;

        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_closed(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        log[0] = krec(1040, 6, DST, "enabling device (0000 -> 0002)");
        log[1] = krec(1041, 3, DST, "failed to match VF qp num");
        log[2] = krec(1042, 6, DST, "unrelated later line");
        x.b.klog = log;
        x.b.nklog = 3;
        x.b.klog_active = true;
        run(&x);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        c = chk(&x.p, "accept");
        assert_int_equal(c->verdict, CHECK_FAIL);
        m = mis(c, "qp_num");
        assert_non_null(m);
        assert_true(m->src_valid);
        assert_int_equal(m->src, 16);
        assert_false(m->dst_valid); /* the destination's queue count is in no file */
        assert_true(c->has_kline);
        assert_int_equal(c->kline.seq, 1041);
        assert_string_equal(c->kline.text, "hisi_acc_vfio_pci " DST ": failed to match VF qp num");
        assert_non_null(
            strstr(c->reason, "\"hisi_acc_vfio_pci " DST ": failed to match VF qp num\""));
        /* dev_id is not flagged: the kernel got past it; dev_data is never used */
        assert_null(mis(c, "dev_id"));
        assert_int_equal(x.p.match.n, 1);
        assert_string_equal(x.p.match.m[0].field, "qp_num");
        /* the other checks cannot tell from one snapshot */
        assert_int_equal(chk(&x.p, "stream")->verdict, CHECK_UNKNOWN);
        assert_int_equal(chk(&x.p, "restore")->verdict, CHECK_UNKNOWN);
        assert_int_equal(chk(&x.p, "capture")->verdict, CHECK_PASS);
        tree_free(&x.t);
}

/*
 * A refused resume while the VMM still holds both devices: no copy exists on either side
 * (the copies are taken when the data files are disabled), yet the destination's kernel
 * has said which rule failed.  The accept check fails on that line, values unknown.
 */
static void kernel_line_decides_before_any_copy(void **state)
{
        struct src *s = fakesrc_new();
        struct kmsg_rec log = krec(11, 3, DST, "failed to match VF qp num");
        const struct check *c;
        const struct match_mismatch *m;
        struct both x;

        add_core(s, SRC, "STOP_COPY\n");
        add_dev(s, SRC, &q16, 1);
        add_errno(s, SRC, "migf_data", EAGAIN);
        add_core(s, DST, "RESUMING\n");
        add_dev(s, DST, &q16, 1);
        add_errno(s, DST, "migf_data", EAGAIN);
        read_tree(s, &x);
        x.b.klog = &log;
        x.b.nklog = 1;
        x.b.klog_active = true;
        run(&x);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        c = chk(&x.p, "accept");
        assert_int_equal(c->verdict, CHECK_FAIL);
        assert_true(c->has_kline);
        assert_int_equal(c->kline.seq, 11);
        m = mis(c, "qp_num");
        assert_non_null(m);
        assert_false(m->src_valid);
        assert_false(m->dst_valid);
        assert_non_null(strstr(c->reason, "failed to match VF qp num"));
        /* without the line, nothing can be said yet */
        x.b.nklog = 0;
        run(&x);
        assert_int_equal(chk(&x.p, "accept")->verdict, CHECK_UNKNOWN);
        assert_int_equal(x.p.match.verdict, MATCH_INCOMPLETE);
        tree_free(&x.t);
}

/* Each of the driver's lines fails the accept check on its field, quoted. */
static void each_kernel_line_names_its_rule(void **state)
{
        static const struct {
                const char *msg;
                const char *field;
                enum acccheck_line line;
        } tab[] = {
            {"failed to match ACC_DEV_MAGIC", "acc_magic", ACCCHECK_LINE_MAGIC},
            {"failed to match VF devices", "dev_id", ACCCHECK_LINE_DEVID},
            {"failed to get vft qp nums", "qp_num", ACCCHECK_LINE_NOQP},
            {"failed to match VF qp num", "qp_num", ACCCHECK_LINE_QPNUM},
            {"failed to read QM_QUE_ISO_CFG_V", "que_iso_cfg", ACCCHECK_LINE_ISO_READ},
            {"failed to match isolation state", "que_iso_cfg", ACCCHECK_LINE_ISO},
        };

        for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
                struct src *s = fakesrc_new();
                struct kmsg_rec log = krec(7, 3, DST, tab[i].msg);
                const struct check *c;
                struct both x;

                assert_int_equal(acccheck_line(log.text), tab[i].line);
                source_saved(s, &q16, ACC_STRUCT_SIZE);
                dest_closed(s, &q16, ACC_STRUCT_SIZE);
                read_tree(s, &x);
                x.b.klog = &log;
                x.b.nklog = 1;
                run(&x);
                c = chk(&x.p, "accept");
                assert_int_equal(c->verdict, CHECK_FAIL);
                assert_non_null(mis(c, tab[i].field));
                assert_int_equal(c->nmis, 1);
                assert_non_null(strstr(c->reason, tab[i].msg));
                assert_int_equal(x.p.match.verdict, MATCH_REJECT);
                tree_free(&x.t);
        }
}

static void kernel_lines_are_recognised_exactly(void **state)
{
        assert_int_equal(acccheck_line("hisi_acc_vfio_pci 0000:86:00.1: migration driver "
                                       "version<2.0> not match!"),
                         ACCCHECK_LINE_VERSION);
        assert_int_equal(acccheck_line("hisi_acc_vfio_pci 0000:86:00.1: failed to recover the VF!"),
                         ACCCHECK_LINE_RECOVER);
        assert_int_equal(acccheck_line("hisi_acc_vfio_pci 0000:86:00.1: resume dma addr is NULL!"),
                         ACCCHECK_LINE_DMA_NULL);
        /* the source side's save logs these on the PF, with a '!': not match rules */
        assert_int_equal(acccheck_line("hisi_sec2 0000:7d:00.0: failed to get vft qp nums!"),
                         ACCCHECK_LINE_NONE);
        assert_int_equal(acccheck_line("hisi_sec2 0000:7d:00.0: failed to read QM_QUE_ISO_CFG_V!"),
                         ACCCHECK_LINE_NONE);
        assert_int_equal(acccheck_line("failed to match VF qp num"), ACCCHECK_LINE_QPNUM);
        assert_int_equal(acccheck_line("xfailed to match VF qp num"), ACCCHECK_LINE_NONE);
        assert_int_equal(acccheck_line("something else"), ACCCHECK_LINE_NONE);
        assert_int_equal(acccheck_line(NULL), ACCCHECK_LINE_NONE);
}

/* On the live log (same clock), a line older than the last entry into RESUMING is from an
 * earlier attempt: it decides nothing for this one. */
static void stale_kernel_line_ignored(void **state)
{
        struct src *s = fakesrc_new();
        struct kmsg_rec log = krec(5, 3, DST, "failed to match VF qp num");
        struct both x;

        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_closed(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        watched(&x.b, tl_dst, 1); /* RESUMING entered between 70 and 80 ns */
        log.ts_us = 0;            /* logged at 0 ns: before */
        x.b.klog = &log;
        x.b.nklog = 1;
        x.b.klog_same_clock = true;
        run(&x);
        assert_int_equal(chk(&x.p, "accept")->verdict, CHECK_UNKNOWN);
        assert_false(chk(&x.p, "accept")->has_kline);
        log.ts_us = 1; /* 1000 ns: during this RESUMING */
        run(&x);
        assert_int_equal(chk(&x.p, "accept")->verdict, CHECK_FAIL);
        x.b.klog_same_clock = false; /* a --kmsg file: no time to compare, the line counts */
        log.ts_us = 0;
        run(&x);
        assert_int_equal(chk(&x.p, "accept")->verdict, CHECK_FAIL);
        tree_free(&x.t);
}

/* The version line comes first (dev_info), then the magic line; both are evidence. */
static void newer_driver_version_refused(void **state)
{
        struct src *s = fakesrc_new();
        struct kmsg_rec log[2];
        struct vf v = q16;
        const struct check *c;
        const struct match_mismatch *m;
        struct both x;

        v.major = 2;
        source_saved(s, &v, ACC_STRUCT_SIZE);
        dest_closed(s, &v, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        log[0] = krec(1, 6, DST, "migration driver version<2.0> not match!");
        log[1] = krec(2, 3, DST, "failed to match ACC_DEV_MAGIC");
        x.b.klog = log;
        x.b.nklog = 2;
        run(&x);
        c = chk(&x.p, "accept");
        assert_int_equal(c->verdict, CHECK_FAIL);
        m = mis(c, "major_ver");
        assert_non_null(m); /* decided from the header alone */
        assert_int_equal(m->src, 2);
        assert_int_equal(m->dst, 1);
        tree_free(&x.t);
}

/* No log, no timeline: qp_num and que_iso_cfg cannot be known; dev_id from sysfs can. */
static void accept_without_the_kernel_is_unknown(void **state)
{
        struct src *s = fakesrc_new();
        const struct check *c;
        const struct match_mismatch *m;
        struct both x;

        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_closed(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        run(&x);
        c = chk(&x.p, "accept");
        assert_int_equal(c->verdict, CHECK_UNKNOWN);
        assert_non_null(strstr(c->reason, "qp_num"));
        assert_non_null(strstr(c->reason, "que_iso_cfg"));
        assert_non_null(strstr(c->reason, "dev_id")); /* no PCI device ID */
        assert_int_equal(c->nmis, 0);
        assert_int_equal(x.p.match.verdict, MATCH_INCOMPLETE);

        x.b.pci_device = 0xa256;
        run(&x);
        c = chk(&x.p, "accept");
        assert_int_equal(c->verdict, CHECK_UNKNOWN);
        assert_null(strstr(c->reason, "dev_id"));

        x.b.pci_device = 0xa259; /* the rule the kernel applies: predicted from sysfs */
        run(&x);
        c = chk(&x.p, "accept");
        assert_int_equal(c->verdict, CHECK_FAIL);
        m = mis(c, "dev_id");
        assert_non_null(m);
        assert_int_equal(m->src, 0xa256);
        assert_int_equal(m->dst, 0xa259);
        assert_true(m->dst_valid);
        tree_free(&x.t);
}

/* The happy path, watched: every check passes. */
static void watched_migration_accepted(void **state)
{
        struct src *s = fakesrc_new();
        struct both x;

        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_loaded(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        watched(&x.a, tl_src, 2);
        watched(&x.b, tl_dst, 2);
        x.b.pci_device = 0xa256;
        run(&x);
        for (unsigned i = 0; i < x.p.checks.n; i++)
                if (x.p.checks.c[i].verdict != CHECK_PASS)
                        fail_msg("%s: %s", x.p.checks.c[i].name, x.p.checks.c[i].reason);
        assert_int_equal(x.p.checks.n, 4);
        assert_int_equal(x.p.match.verdict, MATCH_ACCEPT);
        assert_int_equal(x.p.match.n, 0);
        assert_non_null(strstr(chk(&x.p, "accept")->reason, "left RESUMING for STOP"));
        tree_free(&x.t);
}

/* A register the load did not restore fails `restore` on that field. */
static void restore_names_the_register(void **state)
{
        struct src *s = fakesrc_new();
        struct vf other = q16;
        const struct check *c;
        const struct match_mismatch *m;
        struct both x;

        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_loaded(s, &q16, ACC_STRUCT_SIZE);
        other.eqc0 = 0x11119999;
        other.ifc_mask = 0;
        add_dev(s, DST, &other, 0);
        read_tree(s, &x);
        watched(&x.a, tl_src, 2);
        watched(&x.b, tl_dst, 2);
        run(&x);
        c = chk(&x.p, "restore");
        assert_int_equal(c->verdict, CHECK_FAIL);
        assert_int_equal(c->nmis, 1);
        m = mis(c, "qm_eqc_dw[0]");
        assert_non_null(m);
        assert_int_equal(m->src, 0x11110000);
        assert_int_equal(m->dst, 0x11119999);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        tree_free(&x.t);
}

/* Zero DMA addresses: the kernel marks the VF not ready and says so. */
static void restore_quotes_a_null_dma_resume(void **state)
{
        struct src *s = fakesrc_new();
        struct kmsg_rec log = krec(9, 6, DST, "resume dma addr is NULL!");
        struct vf v = q16;
        const struct check *c;
        const struct match_mismatch *m;
        struct both x;

        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_loaded(s, &q16, ACC_STRUCT_SIZE);
        v.ifc_mask = 0;
        add_dev(s, DST, &v, 1); /* cached QM_NOT_READY despite the stream's 0 */
        read_tree(s, &x);
        watched(&x.a, tl_src, 2);
        watched(&x.b, tl_dst, 2);
        x.b.klog = &log;
        x.b.nklog = 1;
        run(&x);
        c = chk(&x.p, "restore");
        assert_int_equal(c->verdict, CHECK_FAIL);
        m = mis(c, "vf_qm_state");
        assert_non_null(m);
        assert_int_equal(m->src, 0);
        assert_int_equal(m->dst, 1);
        assert_true(c->has_kline);
        assert_non_null(strstr(m->reason, "resume dma addr is NULL!"));
        tree_free(&x.t);
}

/* Lengths: a 40-byte header-only stream is accepted and restores nothing; 100 bytes fail. */
static void stream_length_rules(void **state)
{
        struct src *s = fakesrc_new();
        struct kmsg_rec log = krec(3, 3, DST, "failed to recover the VF!");
        struct vf v = q16;
        const struct check *c;
        const struct match_mismatch *m;
        struct both x;

        v.qm_state = 1;
        source_saved(s, &v, ACC_MATCH_SIZE);
        dest_loaded(s, &v, ACC_MATCH_SIZE);
        read_tree(s, &x);
        watched(&x.a, tl_src, 2);
        watched(&x.b, tl_dst, 2);
        x.b.pci_device = 0xa256;
        run(&x);
        assert_int_equal(chk(&x.p, "accept")->verdict, CHECK_PASS);
        assert_int_equal(chk(&x.p, "restore")->verdict, CHECK_PASS);
        assert_non_null(strstr(chk(&x.p, "restore")->reason, "40-byte"));
        assert_int_equal(chk(&x.p, "capture")->verdict, CHECK_PASS);
        assert_int_equal(chk(&x.p, "stream")->verdict, CHECK_PASS);
        tree_free(&x.t);

        /* 100 of 176 bytes arrived: RESUMING->STOP failed, the VMM closed the device */
        s = fakesrc_new();
        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_closed(s, &q16, 100);
        read_tree(s, &x);
        watched(&x.a, tl_src, 2);
        watched(&x.b, tl_dst, 1); /* entered RESUMING, never left it */
        x.b.klog = &log;
        x.b.nklog = 1;
        run(&x);
        c = chk(&x.p, "stream");
        assert_int_equal(c->verdict, CHECK_FAIL);
        m = mis(c, "length");
        assert_non_null(m);
        assert_int_equal(m->src, 176);
        assert_int_equal(m->dst, 100);
        c = chk(&x.p, "accept");
        assert_int_equal(c->verdict, CHECK_FAIL);
        m = mis(c, "length"); /* saved 176, received 100 */
        assert_non_null(m);
        assert_int_equal(m->src, 176);
        assert_true(m->dst_valid);
        assert_int_equal(m->dst, 100);
        assert_non_null(strstr(m->reason, "EINVAL"));
        c = chk(&x.p, "restore");
        assert_int_equal(c->verdict, CHECK_FAIL);
        assert_true(c->has_kline);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        tree_free(&x.t);
}

/* stream: damage is named; copies of different migrations are not compared. */
static void stream_damage_and_other_migrations(void **state)
{
        struct src *s = fakesrc_new();
        struct vf damaged = q16;
        const struct check *c;
        struct both x;

        damaged.qp_num = 17;
        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_closed(s, &damaged, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        watched(&x.a, tl_src, 2);
        watched(&x.b, tl_dst, 1);
        run(&x);
        c = chk(&x.p, "stream");
        assert_int_equal(c->verdict, CHECK_FAIL);
        assert_non_null(mis(c, "qp_num"));
        assert_non_null(strstr(c->reason, "transport"));
        tree_free(&x.t);

        s = fakesrc_new();
        source_saved(s, &q16, ACC_STRUCT_SIZE);
        dest_loaded(s, &damaged, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        watched(&x.a, tl_src, 2);
        watched(&x.b, tl_dst_late, 2);
        run(&x);
        c = chk(&x.p, "stream");
        assert_int_equal(c->verdict, CHECK_UNKNOWN);
        assert_int_equal(c->nmis, 0);
        assert_non_null(strstr(c->reason, "different migrations"));
        tree_free(&x.t);
}

/* While the source saves, or an open destination resumes, their copies are older ones. */
static void copies_taken_later_are_not_compared(void **state)
{
        struct src *s = fakesrc_new();
        struct vf old = q16;
        const struct check *c;
        struct both x;

        old.qp_num = 4; /* an earlier migration's stream */
        source_saved(s, &q16, ACC_STRUCT_SIZE);
        add_core(s, DST, "RESUMING\n");
        add_dev(s, DST, &q16, 1); /* still open: dev_data readable */
        add_migf(s, DST, &old, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        run(&x);
        c = chk(&x.p, "stream");
        assert_int_equal(c->verdict, CHECK_UNKNOWN);
        assert_int_equal(c->nmis, 0);
        assert_non_null(strstr(c->reason, "still resuming"));
        /* nor is its length taken for what it received */
        assert_null(mis(chk(&x.p, "accept"), "length"));
        tree_free(&x.t);

        s = fakesrc_new();
        add_core(s, SRC, "STOP_COPY\n");
        add_dev(s, SRC, &q16, 0);
        add_migf(s, SRC, &old, ACC_STRUCT_SIZE);
        dest_closed(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        run(&x);
        c = chk(&x.p, "stream");
        assert_int_equal(c->verdict, CHECK_UNKNOWN);
        assert_non_null(strstr(c->reason, "still saving"));
        assert_int_equal(chk(&x.p, "capture")->verdict, CHECK_UNKNOWN);
        tree_free(&x.t);
}

/* capture: the stopped source against what it saved. */
static void capture_compares_the_stopped_source(void **state)
{
        struct src *s = fakesrc_new();
        struct vf moved = q16;
        const struct check *c;
        struct both x;

        moved.eqc0 = 0x11110042;
        add_core(s, SRC, "STOP\n");
        add_dev(s, SRC, &moved, 0);
        add_migf(s, SRC, &q16, ACC_STRUCT_SIZE);
        dest_loaded(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        run(&x); /* no timeline: the copy may be older than the last stop */
        c = chk(&x.p, "capture");
        assert_int_equal(c->verdict, CHECK_UNKNOWN);
        assert_int_equal(c->nmis, 0);
        watched(&x.a, tl_src, 2);
        run(&x);
        c = chk(&x.p, "capture");
        assert_int_equal(c->verdict, CHECK_FAIL);
        assert_non_null(mis(c, "qm_eqc_dw[0]"));
        tree_free(&x.t);
}

/*
 * A console started after the migration ended watches a stopped source whose stop it never
 * saw: equal registers still pass (as with one snapshot), differences are not findings.
 */
static void capture_when_the_stop_was_not_seen(void **state)
{
        static const struct pair_event none[] = {{0}};
        struct src *s = fakesrc_new();
        struct vf moved = q16;
        const struct check *c;
        struct both x;

        add_core(s, SRC, "STOP\n");
        add_dev(s, SRC, &q16, 0);
        add_migf(s, SRC, &q16, ACC_STRUCT_SIZE);
        dest_loaded(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        watched(&x.a, none, 0); /* watched, no change seen: it was STOP from the start */
        run(&x);
        c = chk(&x.p, "capture");
        assert_int_equal(c->verdict, CHECK_PASS);
        tree_free(&x.t);

        s = fakesrc_new();
        moved.eqc0 = 0x11110042;
        add_core(s, SRC, "STOP\n");
        add_dev(s, SRC, &moved, 0);
        add_migf(s, SRC, &q16, ACC_STRUCT_SIZE);
        dest_loaded(s, &q16, ACC_STRUCT_SIZE);
        read_tree(s, &x);
        watched(&x.a, none, 0);
        run(&x);
        c = chk(&x.p, "capture");
        assert_int_equal(c->verdict, CHECK_UNKNOWN);
        assert_int_equal(c->nmis, 0);
        assert_non_null(strstr(c->reason, "not seen coming from STOP_COPY"));
        tree_free(&x.t);
}

/* Devices without a driver directory (mlx5, virtio...): nothing to compare, said so. */
static void no_driver_dir(void **state)
{
        struct src *s = fakesrc_new();
        struct both x;
        char path[256];

        snprintf(path, sizeof(path), "%s/migration/state", SRC);
        assert_int_equal(fakesrc_text(s, path, "STOP\n"), 0);
        snprintf(path, sizeof(path), "%s/migration/state", DST);
        assert_int_equal(fakesrc_text(s, path, "RUNNING\n"), 0);
        read_tree(s, &x);
        run(&x);
        assert_null(x.p.dir);
        assert_int_equal(x.p.checks.n, 0);
        assert_int_equal(x.p.match.verdict, MATCH_INCOMPLETE);
        assert_non_null(strstr(x.p.msg, DST));
        tree_free(&x.t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(q16_into_q8_rejected_by_the_kernel_line),
            cmocka_unit_test(each_kernel_line_names_its_rule),
            cmocka_unit_test(kernel_lines_are_recognised_exactly),
            cmocka_unit_test(stale_kernel_line_ignored),
            cmocka_unit_test(newer_driver_version_refused),
            cmocka_unit_test(accept_without_the_kernel_is_unknown),
            cmocka_unit_test(watched_migration_accepted),
            cmocka_unit_test(restore_names_the_register),
            cmocka_unit_test(restore_quotes_a_null_dma_resume),
            cmocka_unit_test(stream_length_rules),
            cmocka_unit_test(stream_damage_and_other_migrations),
            cmocka_unit_test(copies_taken_later_are_not_compared),
            cmocka_unit_test(capture_compares_the_stopped_source),
            cmocka_unit_test(kernel_line_decides_before_any_copy),
            cmocka_unit_test(capture_when_the_stop_was_not_seen),
            cmocka_unit_test(no_driver_dir),
        };

        return cmocka_run_group_tests_name("pair", tests, NULL, NULL);
}
