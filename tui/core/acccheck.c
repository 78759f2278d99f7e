// SPDX-License-Identifier: GPL-2.0-only
/*
 * acccheck: the four compare checks of hisi_acc (see acccheck.h), read against
 * drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c (6.12) and the 6.13+ debugfs code.
 *
 * Kernel facts used here:
 * - hisi_acc_vf_resume_write(): a write past sizeof(struct acc_vf_data) (176) fails with
 *   ENOMEM; otherwise the bytes are copied, total_length grows, then vf_qm_check_match()
 *   runs; a failing check makes that write fail with EFAULT.
 * - vf_qm_check_match(): nothing before 40 bytes (QM_MATCH_SIZE) or once match_done; then
 *   vf_qm_version_check() (V2: major_ver must be 1, else dev_info "migration driver
 *   version<%u.%u> not match!"; V1: accepted; other magic: refused), each refusal logged
 *   "failed to match ACC_DEV_MAGIC"; dev_id != the VF's PCI device ID "failed to match VF
 *   devices"; the PF's queue count <= 0 "failed to get vft qp nums"; != qp_num "failed to
 *   match VF qp num"; reading QM_QUE_ISO_CFG_V on the PF "failed to read
 *   QM_QUE_ISO_CFG_V"; que_iso_cfg differs "failed to match isolation state"; then
 *   match_done.  All dev_err/dev_info on the VF's PCI device.
 * - RESUMING->STOP runs hisi_acc_vf_load_state() -> vf_qm_load_data(): a total of 40
 *   returns at once, less than 176 fails with EINVAL ("failed to recover the VF!"), zero
 *   DMA addresses are accepted with the VF marked QM_NOT_READY ("resume dma addr is
 *   NULL!"); else QM_VF_STATE and the cached vf_qm_state take the stream's vf_qm_state,
 *   qm_set_regs() writes aeq_int_mask, eq_int_mask, ifc_int_source, ifc_int_mask,
 *   ifc_int_set, que_iso_cfg, page_size, the EQC and AEQC words, and qm_dev_cmd_init()
 *   then rewrites ifc_int_source (1, clear) and ifc_int_mask (0).  The load does not test
 *   match_done itself: a destination seen in STOP after RESUMING had its match check pass
 *   unless the VMM kept writing after a write failed with EFAULT (QEMU fails the load).
 * - vf_qm_state_save() on the source: QM not ready -> 40 bytes, vf_qm_state 1; else the
 *   registers, vf_qm_state 0, 176 bytes; the copy in migf_data is taken at STOP_COPY->STOP.
 */
#include "acccheck.h"
#include "acccheck_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ACCCHECK_NS 1000000000.0

static const char *const acccheck_eqc[7] = {"qm_eqc_dw[0]", "qm_eqc_dw[1]", "qm_eqc_dw[2]",
                                            "qm_eqc_dw[3]", "qm_eqc_dw[4]", "qm_eqc_dw[5]",
                                            "qm_eqc_dw[6]"};
static const char *const acccheck_aeqc[7] = {"qm_aeqc_dw[0]", "qm_aeqc_dw[1]", "qm_aeqc_dw[2]",
                                             "qm_aeqc_dw[3]", "qm_aeqc_dw[4]", "qm_aeqc_dw[5]",
                                             "qm_aeqc_dw[6]"};

/* ---- kernel log lines ------------------------------------------------------------------ */

static bool acccheck_ends(const char *text, const char *pat)
{
        size_t n = strlen(text), m = strlen(pat);

        while (n && (text[n - 1] == ' ' || text[n - 1] == '\n'))
                n--;
        return n >= m && memcmp(text + n - m, pat, m) == 0 && (n == m || text[n - m - 1] == ' ');
}

enum acccheck_line acccheck_line(const char *text)
{
        static const struct {
                const char *pat;
                enum acccheck_line line;
        } tab[] = {
            {"failed to match ACC_DEV_MAGIC", ACCCHECK_LINE_MAGIC},
            {"failed to match VF devices", ACCCHECK_LINE_DEVID},
            {"failed to get vft qp nums", ACCCHECK_LINE_NOQP},
            {"failed to match VF qp num", ACCCHECK_LINE_QPNUM},
            {"failed to read QM_QUE_ISO_CFG_V", ACCCHECK_LINE_ISO_READ},
            {"failed to match isolation state", ACCCHECK_LINE_ISO},
            {"failed to recover the VF!", ACCCHECK_LINE_RECOVER},
            {"resume dma addr is NULL!", ACCCHECK_LINE_DMA_NULL},
        };
        const char *v;

        if (!text)
                return ACCCHECK_LINE_NONE;
        for (size_t i = 0; i < NELEM(tab); i++)
                if (acccheck_ends(text, tab[i].pat))
                        return tab[i].line;
        v = strstr(text, "migration driver version<");
        if (v && strstr(v, "> not match!") && acccheck_ends(text, "not match!"))
                return ACCCHECK_LINE_VERSION;
        return ACCCHECK_LINE_NONE;
}

static bool acccheck_before_resume(const struct pair_side *s, const struct kmsg_rec *r);

/*
 * The newest record of a side's log that is one of the lines in want (a bit mask); on a
 * log with the timeline's clock, lines older than the last entry into RESUMING belong to
 * an earlier attempt and are skipped.
 */
const struct kmsg_rec *acccheck_find(const struct pair_side *s, unsigned want,
                                     enum acccheck_line *which)
{
        for (size_t i = s->nklog; s->klog && i > 0; i--) {
                enum acccheck_line l = acccheck_line(s->klog[i - 1].text);

                if (acccheck_before_resume(s, &s->klog[i - 1]))
                        break;
                if (l != ACCCHECK_LINE_NONE && (want & (1u << l))) {
                        if (which)
                                *which = l;
                        return &s->klog[i - 1];
                }
        }
        return NULL;
}

/* ---- files and the timeline ------------------------------------------------------------ */

const struct drv_file *acccheck_file(const struct tree_drvdir *d, const char *name)
{
        int idx = d ? drv_file_index(d->ops, name) : -1;

        if (idx < 0 || (unsigned)idx >= d->nfiles)
                return NULL;
        return &d->files[idx];
}

bool acccheck_usable(const struct drv_file *f)
{
        return f && f->status == DRV_ST_OK && f->has_fields && f->bytes;
}

/* "not_migrated (EAGAIN): EAGAIN: not migrated: ..." */
void acccheck_why(const struct drv_file *f, char *buf, size_t n)
{
        if (!f) {
                snprintf(buf, n, "absent");
                return;
        }
        if (drv_file_msg(f)[0])
                snprintf(buf, n, "%s: %s", drv_status_name(f->status), drv_file_msg(f));
        else
                snprintf(buf, n, "%s", drv_status_name(f->status));
}

bool acccheck_get(const struct acc_decoded *d, const char *name, uint64_t *v)
{
        const struct acc_field *f = acc_field_find(d, name);

        if (!f || !acc_field_valid(f))
                return false;
        *v = f->value[0];
        return true;
}

/* The last time the side spent in state st, as the widest interval the samples allow. */
struct acccheck_span {
        bool found;
        bool still;        /* still in st */
        int64_t in_lo;     /* entered after this (INT64_MIN: already in st when first seen) */
        int64_t out_hi;    /* left before this (INT64_MAX: still in st) */
        int64_t out_t;     /* when the next state was first seen */
        enum fsm_state to; /* the state it left for */
};

static struct acccheck_span acccheck_last(const struct pair_side *s, enum fsm_state st)
{
        struct acccheck_span sp = {.in_lo = INT64_MIN, .out_hi = INT64_MAX, .to = FSM_INVALID};
        size_t j = s->ntimeline;

        if (!s->timeline_known || !s->dev)
                return sp;
        if (s->dev->state_file.status == DRV_ST_OK && s->dev->state == st) {
                sp.found = sp.still = true;
        } else {
                while (j > 0 && s->timeline[j - 1].from != st)
                        j--;
                if (!j)
                        return sp;
                j--;
                sp.found = true;
                sp.out_hi = s->timeline[j].t_ns;
                sp.out_t = s->timeline[j].t_ns;
                sp.to = s->timeline[j].to;
        }
        while (j > 0 && s->timeline[j - 1].to != st)
                j--;
        if (j)
                sp.in_lo = s->timeline[j - 1].prev_ns;
        return sp;
}

static bool acccheck_before_resume(const struct pair_side *s, const struct kmsg_rec *r)
{
        struct acccheck_span sp;

        if (!s->klog_same_clock)
                return false;
        sp = acccheck_last(s, FSM_RESUMING);
        return sp.found && sp.in_lo != INT64_MIN && r->ts_us * 1000 < sp.in_lo;
}

/* The last change of the side from `from` to `to`, or NULL. */
const struct pair_event *acccheck_change(const struct pair_side *s, enum fsm_state from,
                                         enum fsm_state to)
{
        for (size_t i = s->ntimeline; s->timeline_known && i > 0; i--)
                if (s->timeline[i - 1].from == from && s->timeline[i - 1].to == to)
                        return &s->timeline[i - 1];
        return NULL;
}

double acccheck_ago(const struct pair_side *s, int64_t t)
{
        return (double)(s->now_ns - t) / ACCCHECK_NS;
}

void acccheck_ev_file(struct check *c, enum check_side side, const char *what,
                      const struct drv_file *f)
{
        if (f && f->has_fields && drv_fields(f)->stream_len >= 0)
                check_evidence_file(c, side, what, f, "length %" PRId64, drv_fields(f)->stream_len);
        else if (f && f->has_fields)
                check_evidence_file(c, side, what, f, "%s, %zu bytes",
                                    acc_layout_name(drv_fields(f)->layout), drv_fields(f)->len);
        else
                check_evidence_file(c, side, what, f, "%s",
                                    f && drv_file_msg(f)[0] ? drv_file_msg(f) : "");
}

/* Field by field, scalars and each array element: mismatches where both are known. */
unsigned acccheck_regs(struct check *c, const struct acc_decoded *a, const struct acc_decoded *b,
                       const char *const *names, size_t n, const char *reason, unsigned *compared)
{
        unsigned diffs = 0;

        for (size_t i = 0; i < n; i++) {
                const struct acc_field *fa = acc_field_find(a, names[i]);
                const struct acc_field *fb = acc_field_find(b, names[i]);

                if (!fa || !fb)
                        continue;
                for (unsigned k = 0; k < fa->count && k < fb->count && k < ACC_MAX_ELEMS; k++) {
                        const char *name = names[i];

                        if (!(fa->valid_mask & fb->valid_mask & (1u << k)))
                                continue;
                        (*compared)++;
                        if (fa->value[k] == fb->value[k])
                                continue;
                        if (fa->count > 1)
                                name = strcmp(names[i], "qm_eqc_dw") == 0 ? acccheck_eqc[k]
                                                                          : acccheck_aeqc[k];
                        check_mismatch(c, name, fa->value[k], true, fb->value[k], true, reason);
                        diffs++;
                }
        }
        return diffs;
}

/* ---- stream ----------------------------------------------------------------------------- */

/* Whether the two copies come from one migration; why in buf. */
static bool acccheck_in(const struct pair_side *s, enum fsm_state st)
{
        return s->dev && s->dev->state_file.status == DRV_ST_OK && s->dev->state == st;
}

static enum acccheck_same acccheck_same(const struct pair_side *src, const struct pair_side *dst,
                                        const struct tree_drvdir *dd, struct check *c, char *buf,
                                        size_t n)
{
        const struct drv_file *dv = acccheck_file(dd, "dev_data");
        struct acccheck_span sp, dp;

        /*
         * The copies are taken when a device leaves STOP_COPY, PRE_COPY or RESUMING, or is
         * closed or reset: while the source saves, or while a destination that is still
         * open (dev_data readable) resumes, the copy shown is an earlier migration's.
         */
        if (acccheck_in(src, FSM_STOP_COPY) || acccheck_in(src, FSM_PRE_COPY)) {
                snprintf(buf, n,
                         "the source is still saving (%s): its migf_data is an earlier "
                         "migration's",
                         fsm_state_name(src->dev->state));
                return SAME_NO;
        }
        if (acccheck_in(dst, FSM_RESUMING) && dv && dv->status == DRV_ST_OK) {
                snprintf(buf, n,
                         "the destination is still resuming and open: its migf_data is an "
                         "earlier migration's (the copy is taken when it leaves RESUMING or is "
                         "closed)");
                return SAME_NO;
        }
        if (!src->timeline_known || !dst->timeline_known) {
                snprintf(buf, n,
                         "no timeline (one snapshot): cannot tell whether both copies come from "
                         "the same migration");
                return SAME_UNKNOWN;
        }
        sp = acccheck_last(src, FSM_STOP_COPY);
        dp = acccheck_last(dst, FSM_RESUMING);
        if (!sp.found || !dp.found) {
                snprintf(buf, n,
                         "no %s seen while watching: cannot tell whether both copies come from "
                         "the same migration",
                         !sp.found ? "STOP_COPY on the source" : "RESUMING on the destination");
                return SAME_UNKNOWN;
        }
        check_evidence(c, CHECK_SRC, "state", "STOP_COPY %s", sp.still ? "now" : "seen, left");
        check_evidence(c, CHECK_DST, "state", "RESUMING %s", dp.still ? "now" : "seen, left");
        if (sp.in_lo > dp.out_hi || dp.in_lo > sp.out_hi) {
                snprintf(buf, n,
                         "different migrations: the source's STOP_COPY and the destination's "
                         "RESUMING do not overlap in time");
                return SAME_NO;
        }
        return SAME_YES;
}

static void acccheck_stream(const struct pair_side *src, const struct tree_drvdir *sd,
                            const struct pair_side *dst, const struct tree_drvdir *dd,
                            struct check_set *set, enum acccheck_same *same_out)
{
        const struct drv_file *sm = acccheck_file(sd, "migf_data");
        const struct drv_file *dm = acccheck_file(dd, "migf_data");
        struct check *c = check_add(set, "stream");
        char why[200], ws[240];
        enum acccheck_same same;
        size_t n, nb;

        *same_out = SAME_UNKNOWN;
        if (!c)
                return;
        acccheck_ev_file(c, CHECK_SRC, "migf_data", sm);
        acccheck_ev_file(c, CHECK_DST, "migf_data", dm);
        if (!acccheck_usable(sm) || !acccheck_usable(dm)) {
                acccheck_why(acccheck_usable(sm) ? dm : sm, ws, sizeof(ws));
                check_reason(c, "no copy on the %s to compare: migf_data %s",
                             acccheck_usable(sm) ? "destination" : "source", ws);
                return;
        }
        same = acccheck_same(src, dst, dd, c, why, sizeof(why));
        *same_out = same;
        n = drv_fields(sm)->len < drv_fields(dm)->len ? drv_fields(sm)->len : drv_fields(dm)->len;
        nb = match_diff_bytes(sm->bytes, n, dm->bytes, n, NULL, 0);
        if (same != SAME_YES) {
                check_reason(c, "%s (the copies %s)", why,
                             nb || drv_fields(sm)->stream_len != drv_fields(dm)->stream_len
                                 ? "differ"
                                 : "are equal");
                return;
        }
        if (drv_fields(sm)->stream_len != drv_fields(dm)->stream_len)
                check_mismatch(c, "length", (uint64_t)drv_fields(sm)->stream_len,
                               drv_fields(sm)->stream_len >= 0,
                               (uint64_t)drv_fields(dm)->stream_len,
                               drv_fields(dm)->stream_len >= 0,
                               "the destination holds another length than the source saved: "
                               "a truncated or extended stream, or a stale copy");
        {
                static const char *const all[] = {
                    "acc_magic",   "qp_num",         "dev_id",       "que_iso_cfg",  "qp_base",
                    "vf_qm_state", "major_ver",      "minor_ver",    "qm_rsv_state", "aeq_int_mask",
                    "eq_int_mask", "ifc_int_source", "ifc_int_mask", "ifc_int_set",  "page_size",
                    "qm_eqc_dw",   "qm_aeqc_dw"};
                unsigned cmp = 0;

                acccheck_regs(c, drv_fields(sm), drv_fields(dm), all, NELEM(all),
                              "the bytes differ: damage in transport, or a stale copy", &cmp);
        }
        if (c->nmis || nb) {
                c->verdict = CHECK_FAIL;
                check_reason(c,
                             "the destination's copy differs from the source's stream (%zu of "
                             "%zu bytes%s): damage in transport, or a stale copy",
                             nb, n,
                             drv_fields(sm)->stream_len != drv_fields(dm)->stream_len
                                 ? ", and the length"
                                 : "");
                return;
        }
        c->verdict = CHECK_PASS;
        check_reason(c, "the destination holds exactly the source's stream (%" PRId64 " bytes)",
                     drv_fields(sm)->stream_len);
}

/* ---- accept ----------------------------------------------------------------------------- */

enum { R_LENGTH, R_MAGIC, R_DEVID, R_QPNUM, R_ISO, R_N };
static const char *const acccheck_rule[R_N] = {"length", "magic and version", "dev_id", "qp_num",
                                               "que_iso_cfg"};

static const char *const acccheck_rule_field[R_N] = {"length", "acc_magic", "dev_id", "qp_num",
                                                     "que_iso_cfg"};

/* The rule a match-failure line of the kernel names. */
static unsigned acccheck_line_rule(enum acccheck_line which)
{
        switch (which) {
        case ACCCHECK_LINE_MAGIC:
        case ACCCHECK_LINE_VERSION:
                return R_MAGIC;
        case ACCCHECK_LINE_DEVID:
                return R_DEVID;
        case ACCCHECK_LINE_NOQP:
        case ACCCHECK_LINE_QPNUM:
                return R_QPNUM;
        default:
                return R_ISO;
        }
}

static const char *acccheck_line_reason(enum acccheck_line which)
{
        switch (which) {
        case ACCCHECK_LINE_NOQP:
                return "failed to get vft qp nums: the destination's PF gives it no queues";
        case ACCCHECK_LINE_QPNUM:
                return "failed to match VF qp num";
        case ACCCHECK_LINE_ISO_READ:
                return "failed to read QM_QUE_ISO_CFG_V on the PF";
        case ACCCHECK_LINE_ISO:
                return "failed to match isolation state";
        case ACCCHECK_LINE_DEVID:
                return "failed to match VF devices";
        default:
                return "failed to match ACC_DEV_MAGIC";
        }
}

static enum check_verdict acccheck_len_rule(int64_t len, const char **reason)
{
        if (len < 0) {
                *reason = "no length line";
                return CHECK_UNKNOWN;
        }
        if (len == ACC_MATCH_SIZE || len == ACC_STRUCT_SIZE) {
                *reason = NULL;
                return CHECK_PASS;
        }
        if (len > (int64_t)ACC_STRUCT_SIZE)
                *reason = "more than struct acc_vf_data (176): the resume write fails with ENOMEM";
        else if (len < (int64_t)ACC_MATCH_SIZE)
                *reason = "fewer than 40 bytes: no match check ran, and RESUMING->STOP fails "
                          "with EINVAL";
        else
                *reason = "neither 40 nor 176 bytes: the load at RESUMING->STOP fails with EINVAL";
        return CHECK_FAIL;
}

static void acccheck_accept(const struct pair_side *src, const struct tree_drvdir *sd,
                            const struct pair_side *dst, const struct tree_drvdir *dd,
                            enum acccheck_same same, struct check_set *set)
{
        const struct drv_file *sm = acccheck_file(sd, "migf_data");
        const struct drv_file *dm = acccheck_file(dd, "migf_data");
        const struct drv_file *hf = acccheck_usable(sm) ? sm : acccheck_usable(dm) ? dm : NULL;
        const struct drv_file *lf = hf;
        struct check *c = check_add(set, "accept");
        enum check_verdict r[R_N];
        const char *why[R_N] = {NULL};
        const struct acc_decoded *h;
        const struct kmsg_rec *kl;
        const struct pair_event *left;
        enum acccheck_line which = ACCCHECK_LINE_NONE;
        uint64_t v = 0;
        int first = -1;
        char ws[240];

        if (!c)
                return;
        for (unsigned i = 0; i < R_N; i++)
                r[i] = CHECK_UNKNOWN;
        acccheck_ev_file(c, hf == dm && hf ? CHECK_DST : CHECK_SRC, "migf_data", hf ? hf : sm);
        if (!hf) {
                /*
                 * No copy of the stream yet (a refused resume still holds both devices:
                 * the copies are taken when the data files are disabled), but the
                 * destination's kernel may already have said which rule failed.
                 */
                kl = acccheck_find(dst, LINES_MATCH, &which);
                if (kl) {
                        unsigned rule = acccheck_line_rule(which);

                        check_quote(c, CHECK_DST, kl);
                        check_evidence(c, CHECK_DST, "kernel_log", "seq %" PRIu64 ": %.120s",
                                       kl->seq, kl->text);
                        check_mismatch(c, acccheck_rule_field[rule], 0, false, 0, false,
                                       acccheck_line_reason(which));
                        c->verdict = CHECK_FAIL;
                        check_reason(c, "%s: the destination's kernel says \"%s\"",
                                     acccheck_rule[rule], kl->text);
                        return;
                }
                acccheck_why(sm, ws, sizeof(ws));
                check_reason(c, "no stream header: source migf_data %s", ws);
                return;
        }
        h = drv_fields(hf);
        /* what the destination received, unless the timeline shows its copy is older */
        if (hf == sm && acccheck_usable(dm) && same != SAME_NO) {
                lf = dm;
                acccheck_ev_file(c, CHECK_DST, "migf_data", dm);
        }

        /* the kernel's order: length, magic and version, dev_id, qp_num, que_iso_cfg */
        r[R_LENGTH] = acccheck_len_rule(drv_fields(lf)->stream_len, &why[R_LENGTH]);
        if (r[R_LENGTH] == CHECK_FAIL && lf != hf && h->stream_len >= 0)
                /* the source saved one length, the destination received another */
                check_mismatch(c, "length", (uint64_t)h->stream_len, true,
                               (uint64_t)drv_fields(lf)->stream_len, true, why[R_LENGTH]);
        else if (r[R_LENGTH] == CHECK_FAIL)
                check_mismatch(c, "length", (uint64_t)drv_fields(lf)->stream_len, true, 0, false,
                               why[R_LENGTH]);
        if (h->len >= ACC_MATCH_SIZE) {
                if (h->layout == ACC_LAYOUT_V1) {
                        r[R_MAGIC] = CHECK_PASS;
                } else if (h->layout == ACC_LAYOUT_V2) {
                        if (acccheck_get(h, "major_ver", &v) && v != ACC_DRV_MAJOR) {
                                r[R_MAGIC] = CHECK_FAIL;
                                why[R_MAGIC] = "migration driver version not match: failed to "
                                               "match ACC_DEV_MAGIC";
                                check_mismatch(c, "major_ver", v, true, ACC_DRV_MAJOR, true,
                                               why[R_MAGIC]);
                        } else {
                                r[R_MAGIC] = CHECK_PASS;
                        }
                } else {
                        r[R_MAGIC] = CHECK_FAIL;
                        why[R_MAGIC] = "failed to match ACC_DEV_MAGIC";
                        acccheck_get(h, "acc_magic", &v);
                        check_mismatch(c, "acc_magic", v, true, 0, false, why[R_MAGIC]);
                }
                if (acccheck_get(h, "dev_id", &v) && dst->pci_device >= 0) {
                        check_evidence(c, CHECK_DST, "sysfs", "PCI device ID %04x",
                                       (unsigned)dst->pci_device);
                        if (v == (uint64_t)dst->pci_device) {
                                r[R_DEVID] = CHECK_PASS;
                        } else {
                                r[R_DEVID] = CHECK_FAIL;
                                why[R_DEVID] = "failed to match VF devices";
                                check_mismatch(c, "dev_id", v, true, (uint64_t)dst->pci_device,
                                               true, why[R_DEVID]);
                        }
                } else {
                        why[R_DEVID] = "the destination's PCI device ID is unknown (an mdev, or "
                                       "no sysfs)";
                }
        } else {
                why[R_MAGIC] = "the copy holds fewer than 40 bytes";
        }
        why[R_QPNUM] = why[R_ISO] =
            "in no file of the destination: only the kernel's log line can tell";

        /* the kernel's own line decides: the rules before it passed, it stopped there */
        kl = acccheck_find(dst, LINES_MATCH, &which);
        left = acccheck_change(dst, FSM_RESUMING, FSM_STOP);
        if (kl) {
                unsigned fail_rule = acccheck_line_rule(which);
                const char *field = acccheck_rule_field[fail_rule];
                bool sv = acccheck_get(h, field, &v);
                const struct kmsg_rec *ver = NULL;

                check_quote(c, CHECK_DST, kl);
                check_evidence(c, CHECK_DST, "kernel_log", "seq %" PRIu64 ": %.120s", kl->seq,
                               kl->text);
                for (unsigned i = R_MAGIC; i < fail_rule; i++)
                        if (r[i] != CHECK_FAIL)
                                r[i] = CHECK_PASS;
                for (unsigned i = fail_rule + 1; i < R_N; i++)
                        r[i] = CHECK_UNKNOWN;
                if (which == ACCCHECK_LINE_MAGIC)
                        ver = acccheck_find(dst, LBIT(ACCCHECK_LINE_VERSION), NULL);
                if (r[fail_rule] != CHECK_FAIL) {
                        r[fail_rule] = CHECK_FAIL;
                        why[fail_rule] = kl->text;
                        check_mismatch(c, field, v, sv, 0, false, acccheck_line_reason(which));
                }
                if (ver)
                        check_evidence(c, CHECK_DST, "kernel_log", "seq %" PRIu64 ": %.120s",
                                       ver->seq, ver->text);
        } else if (left) {
                check_evidence(c, CHECK_DST, "state", "RESUMING -> STOP seen %.1f s before",
                               acccheck_ago(dst, left->t_ns));
                for (unsigned i = 0; i < R_N; i++)
                        if (r[i] == CHECK_UNKNOWN)
                                r[i] = CHECK_PASS;
        } else if (dst->klog_active) {
                check_evidence(c, CHECK_DST, "kernel_log", "%zu records, no match failure",
                               dst->nklog);
        }

        c->verdict = CHECK_PASS;
        for (unsigned i = 0; i < R_N; i++) {
                if (r[i] == CHECK_FAIL && first < 0)
                        first = (int)i;
                if (r[i] == CHECK_FAIL)
                        c->verdict = CHECK_FAIL;
                else if (r[i] == CHECK_UNKNOWN && c->verdict == CHECK_PASS)
                        c->verdict = CHECK_UNKNOWN;
        }
        if (c->verdict == CHECK_FAIL) {
                if (c->has_kline && (unsigned)first >= R_MAGIC && why[first] == kl->text)
                        check_reason(c, "%s: the destination's kernel says \"%s\"",
                                     acccheck_rule[first], kl->text);
                else
                        check_reason(c, "%s: %s", acccheck_rule[first],
                                     why[first] ? why[first] : "refused");
        } else if (c->verdict == CHECK_PASS) {
                check_reason(c, "%s%s",
                             left && !kl ? "the destination left RESUMING for STOP: "
                                           "its match check passed and the load ran; "
                                         : "",
                             h->layout == ACC_LAYOUT_V1
                                 ? "V1 data (accepted: the destination derives the EQ/AEQ DMA "
                                   "addresses from the context words)"
                                 : "the header meets every rule");
        } else {
                size_t off = 0;

                for (unsigned i = 0; i < R_N && off < sizeof(c->reason); i++) {
                        int k;

                        if (r[i] != CHECK_UNKNOWN)
                                continue;
                        k = snprintf(c->reason + off, sizeof(c->reason) - off, "%s%s: %s",
                                     off ? "; " : "", acccheck_rule[i],
                                     why[i] ? why[i] : "unknown");
                        if (k < 0)
                                break;
                        off += (size_t)k;
                }
        }
        (void)src;
}

void acccheck_run(const struct pair_side *src, const struct tree_drvdir *sd,
                  const struct pair_side *dst, const struct tree_drvdir *dd, struct check_set *out)
{
        enum acccheck_same same = SAME_UNKNOWN;

        memset(out, 0, sizeof(*out));
        acccheck_stream(src, sd, dst, dd, out, &same);
        acccheck_accept(src, sd, dst, dd, same, out);
        acccheck_restore(src, sd, dst, dd, same, out);
        acccheck_capture(src, sd, out);
}
