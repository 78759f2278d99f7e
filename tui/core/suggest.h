/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * suggest: which source and destination the console suggests comparing while a migration
 * runs, and on what evidence.
 *
 * A source is a device in the saving group (PRE_COPY, PRE_COPY_P2P, STOP_COPY), a
 * destination one in RESUMING (include/uapi/linux/vfio.h: "STOP -> RESUMING ... The data
 * stream fed into the data_fd should be taken from the data transfer output of a single FD
 * during saving").  Evidence, strongest first:
 *   content  the destination's migf_data header (the first ACC_MATCH_SIZE bytes: magic,
 *            version, qp_num, dev_id, que_iso_cfg, qp_base) equals the source's, with a
 *            known magic.  The hisi_acc driver copies the migration file on leaving
 *            STOP_COPY/RESUMING/PRE_COPY, on reset and on close: equal headers say the
 *            destination's last stream was saved by a device like this source.
 *   timing   the destination whose RESUMING began closest after the source's saving
 *            began (its first PRE_COPY[_P2P] or STOP_COPY without leaving the group); when
 *            none began after it, the closest before (a VMM may enter RESUMING when the
 *            incoming migration starts, before the source's STOP_COPY).
 *   none     one candidate of each: they are the pair; more: the first in list order.
 * Ties are broken by the next evidence, then by list order.
 */
#ifndef MIGTOP_CORE_SUGGEST_H
#define MIGTOP_CORE_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

#define SUGGEST_HDR_LEN 40u /* = ACC_MATCH_SIZE */

struct suggest_dev {
        enum fsm_state state; /* current state */
        bool gone;            /* vanished: never suggested */
        /* when its role's state run began (engine clock ns), -1 when not known: see
           suggest_began() */
        int64_t began_ns;
        enum fsm_state began_state; /* the state that began it (PRE_COPY, STOP_COPY, ...) */
        const uint8_t *hdr;         /* migf_data's first SUGGEST_HDR_LEN bytes, or NULL */
};

enum suggest_by {
        SUGGEST_NONE,    /* no source or no destination */
        SUGGEST_CONTENT, /* migf_data headers equal */
        SUGGEST_TIMING,  /* when RESUMING began */
        SUGGEST_ONLY,    /* the only source and the only destination */
        SUGGEST_ORDER,   /* several, nothing to tell them apart: first in list order */
};

struct suggest_result {
        long src, dst; /* indices into the devices, -1 when none */
        enum suggest_by by;
        int64_t delta_ns;         /* dst began - src began (timing known for this pair) */
        bool timed;               /* delta_ns is known */
        enum fsm_state src_began; /* the state the source's saving began with */
        bool tie;                 /* another pair had the same evidence: list order chose */
        unsigned nsrc, ndst;      /* candidates */
};

/*
 * The i-th state change of a device (0 = oldest kept): its new state in *to, the state it
 * left in *from, when it was seen in *t_ns.  false past the end.
 */
typedef bool (*suggest_change_fn)(const void *ctx, size_t i, enum fsm_state *from,
                                  enum fsm_state *to, int64_t *t_ns);

/*
 * When a device in state cur entered its role: for RESUMING the change into it; for a
 * saving-group state the first change into the group not followed by leaving it (PRE_COPY
 * -> STOP_COPY began at PRE_COPY).  n changes through at().  Returns the time, or -1 when
 * the history does not say (no change into it kept: it was already so at the first
 * sample, or cur has no role); *first (may be NULL) gets the state that began it.
 */
int64_t suggest_began(enum fsm_state cur, size_t n, suggest_change_fn at, const void *ctx,
                      enum fsm_state *first);

/* Whether s is a source state (the saving group). */
bool suggest_is_source(enum fsm_state s);

/* The suggested pair among n devices.  out->by is SUGGEST_NONE when there is none. */
void suggest_pair(const struct suggest_dev *devs, size_t n, struct suggest_result *out);

/*
 * The evidence in words, as snprintf: "by content: migf_data headers equal", "by timing:
 * RESUMING began 0.4 s after STOP_COPY", "by list order: 2 destinations in RESUMING, no
 * state history or migf_data to tell them apart", "the only STOP_COPY and RESUMING
 * devices".  A tie adds "; tie: first in list order".
 */
size_t suggest_describe(const struct suggest_result *r, const struct suggest_dev *devs, char *buf,
                        size_t size);

#endif
