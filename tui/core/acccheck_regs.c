// SPDX-License-Identifier: GPL-2.0-only
/*
 * acccheck_regs: the two register checks of hisi_acc (see acccheck.h): restore (the
 * destination's registers after the load against the stream's) and capture (the stopped
 * source's registers against its saved stream).  The kernel facts they rest on are listed
 * at the top of acccheck.c.
 */
#include "acccheck.h"
#include "acccheck_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Registers vf_qm_load_data() restores and nothing rewrites after it. */
static const char *const acccheck_restored[] = {"aeq_int_mask", "eq_int_mask", "ifc_int_set",
                                                "page_size",    "qm_eqc_dw",   "qm_aeqc_dw"};
/* Registers vf_qm_state_save() saves (qm_get_regs()). */
static const char *const acccheck_saved[] = {"aeq_int_mask", "eq_int_mask", "ifc_int_source",
                                             "ifc_int_mask", "ifc_int_set", "page_size",
                                             "qm_eqc_dw",    "qm_aeqc_dw"};

/* ---- restore and capture ---------------------------------------------------------------- */

void acccheck_restore(const struct pair_side *src, const struct tree_drvdir *sd,
                      const struct pair_side *dst, const struct tree_drvdir *dd,
                      enum acccheck_same same, struct check_set *set)
{
        const struct drv_file *sm = acccheck_file(sd, "migf_data");
        const struct drv_file *dm = acccheck_file(dd, "migf_data");
        const struct drv_file *dv = acccheck_file(dd, "dev_data");
        const struct drv_file *hf = acccheck_usable(dm) ? dm : acccheck_usable(sm) ? sm : NULL;
        const struct pair_event *left = acccheck_change(dst, FSM_RESUMING, FSM_STOP);
        struct check *c = check_add(set, "restore");
        const struct kmsg_rec *kl;
        unsigned cmp = 0;
        uint64_t a, b;
        char ws[240];

        if (!c)
                return;
        (void)src;
        (void)same;
        if (hf)
                acccheck_ev_file(c, hf == dm ? CHECK_DST : CHECK_SRC, "migf_data", hf);
        acccheck_ev_file(c, CHECK_DST, "dev_data", dv);
        kl = acccheck_find(dst, LBIT(ACCCHECK_LINE_RECOVER), NULL);
        if (!left) {
                if (kl) {
                        check_quote(c, CHECK_DST, kl);
                        c->verdict = CHECK_FAIL;
                        check_reason(c,
                                     "the load at RESUMING->STOP failed: the destination's "
                                     "kernel says \"%s\"",
                                     kl->text);
                } else if (!dst->timeline_known) {
                        check_reason(c, "no timeline (one snapshot): cannot tell whether the "
                                        "destination left RESUMING for STOP");
                } else {
                        check_reason(c, "the destination has not been seen leaving RESUMING for "
                                        "STOP");
                }
                return;
        }
        check_evidence(c, CHECK_DST, "state", "RESUMING -> STOP seen %.1f s before",
                       acccheck_ago(dst, left->t_ns));
        if (!hf) {
                acccheck_why(dm, ws, sizeof(ws));
                check_reason(c, "no stream to compare with: destination migf_data %s", ws);
                return;
        }
        if (drv_fields(hf)->stream_len == ACC_MATCH_SIZE) {
                c->verdict = CHECK_PASS;
                check_reason(c, "nothing to restore: the stream is the 40-byte header only (the "
                                "source's guest driver was not running)");
                return;
        }
        if (!dst->dev || dst->dev->state_file.status != DRV_ST_OK || dst->dev->state != FSM_STOP) {
                check_reason(c, "the destination is no longer in STOP: once the guest runs its "
                                "driver changes the registers");
                return;
        }
        if (!acccheck_usable(dv)) {
                acccheck_why(dv, ws, sizeof(ws));
                check_reason(c, "destination dev_data %s", ws);
                return;
        }
        if (acccheck_get(drv_fields(hf), "vf_qm_state", &a) &&
            acccheck_get(drv_fields(dv), "vf_qm_state", &b)) {
                cmp++;
                if (a != b) {
                        const struct kmsg_rec *dn =
                            acccheck_find(dst, LBIT(ACCCHECK_LINE_DMA_NULL), NULL);

                        if (dn)
                                check_quote(c, CHECK_DST, dn);
                        check_mismatch(c, "vf_qm_state", a, true, b, true,
                                       dn ? "resume dma addr is NULL!: the stream's DMA addresses "
                                            "are zero, the kernel marked the VF not ready"
                                          : "guest driver load not restored (the kernel marks the "
                                            "VF not ready when the stream's DMA addresses are "
                                            "zero)");
                }
        }
        acccheck_regs(c, drv_fields(hf), drv_fields(dv), acccheck_restored,
                      NELEM(acccheck_restored),
                      "not restored: the destination's register differs from the stream", &cmp);
        if (c->nmis) {
                c->verdict = CHECK_FAIL;
                check_reason(c, "%u of %u restored values differ from the stream", c->nmis, cmp);
        } else if (!cmp) {
                check_reason(c, "no register present in both");
        } else {
                c->verdict = CHECK_PASS;
                check_reason(c,
                             "the destination's registers equal the stream's (%u values; "
                             "ifc_int_source and ifc_int_mask are rewritten after the load)",
                             cmp);
        }
}

void acccheck_capture(const struct pair_side *src, const struct tree_drvdir *sd,
                      struct check_set *set)
{
        const struct drv_file *sm = acccheck_file(sd, "migf_data");
        const struct drv_file *sv = acccheck_file(sd, "dev_data");
        const struct pair_event *stop = acccheck_change(src, FSM_STOP_COPY, FSM_STOP);
        struct check *c = check_add(set, "capture");
        const char *const *names = acccheck_saved;
        size_t nnames = NELEM(acccheck_saved);
        unsigned cmp = 0;
        uint64_t a, b;
        bool certain;
        char ws[240];

        if (!c)
                return;
        acccheck_ev_file(c, CHECK_SRC, "migf_data", sm);
        acccheck_ev_file(c, CHECK_SRC, "dev_data", sv);
        if (!src->dev || src->dev->state_file.status != DRV_ST_OK || src->dev->state != FSM_STOP) {
                check_reason(c, "the source is not stopped after STOP_COPY (state %s)",
                             src->dev && src->dev->state_file.status == DRV_ST_OK
                                 ? fsm_state_name(src->dev->state)
                                 : "unknown");
                return;
        }
        /*
         * Differences are findings only when the stop is known to follow the save: the
         * last change seen is STOP_COPY -> STOP.  Otherwise (one snapshot, or a watch that
         * began after the stop) equal registers still show the copy is the device's.
         */
        certain = src->timeline_known && stop && src->ntimeline &&
                  &src->timeline[src->ntimeline - 1] == stop;
        if (certain)
                check_evidence(c, CHECK_SRC, "state", "STOP_COPY -> STOP seen %.1f s before",
                               acccheck_ago(src, stop->t_ns));
        else if (src->timeline_known)
                check_evidence(c, CHECK_SRC, "state",
                               "the last stop was not seen coming from STOP_COPY");
        if (!acccheck_usable(sm) || !acccheck_usable(sv)) {
                acccheck_why(acccheck_usable(sm) ? sv : sm, ws, sizeof(ws));
                check_reason(c, "source %s %s", acccheck_usable(sm) ? "dev_data" : "migf_data", ws);
                return;
        }
        if (acccheck_get(drv_fields(sm), "vf_qm_state", &a) &&
            acccheck_get(drv_fields(sv), "vf_qm_state", &b)) {
                cmp++;
                if (a != b)
                        check_mismatch(c, "vf_qm_state", a, true, b, true,
                                       "the driver's cached guest driver load differs from the "
                                       "saved one");
        }
        if (drv_fields(sm)->stream_len == ACC_MATCH_SIZE)
                nnames = 0; /* a 40-byte save holds no registers */
        acccheck_regs(c, drv_fields(sm), drv_fields(sv), names, nnames,
                      "the stopped source's register differs from what it saved", &cmp);
        if (c->nmis && !certain) {
                check_reason(c, "%u of %u values differ, but %s the copy may predate the last stop",
                             c->nmis, cmp,
                             src->timeline_known ? "with the stop not seen coming from STOP_COPY"
                                                 : "with no timeline");
                c->nmis = 0; /* not a finding: nothing to flag */
                return;
        }
        if (c->nmis) {
                c->verdict = CHECK_FAIL;
                check_reason(c,
                             "%u of %u values differ: the saved state is not the stopped "
                             "device's",
                             c->nmis, cmp);
                return;
        }
        c->verdict = CHECK_PASS;
        check_reason(c, "the stopped source's registers equal its saved stream (%u values%s)", cmp,
                     drv_fields(sm)->stream_len == ACC_MATCH_SIZE ? ", a 40-byte save" : "");
}
