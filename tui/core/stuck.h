/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stuck: how long a device may stay in one migration state before it is flagged "stuck",
 * per state (`--stuck STATE=SECONDS,...`, config key `stuck`), and the check itself.
 *
 * Defaults, from the v2 FSM (include/uapi/linux/vfio.h):
 *   STOP_COPY, PRE_COPY, PRE_COPY_P2P: 60 s.  The "saving group": a data transfer session
 *     is open and a VMM streams it out; left there, the session (and in STOP_COPY a stopped
 *     device) waits for a reader that went away.
 *   RESUMING: 60 s.  The device is stopped loading a stream; "to abort a RESUMING session
 *     the device must be reset": a destination left there after a rejected stream stays so.
 *   RUNNING_P2P: 60 s.  A quiescent step a VMM passes through between RUNNING and STOP (or
 *     after RESUMING): the device may initiate no P2P DMA, or no DMA at all when it cannot
 *     tell P2P apart; no VMM rests there.
 *   RUNNING, STOP: never (0).  The resting states before and after a migration.
 *   ERROR: never (0).  Already a failure of its own, shown as such; only a reset leaves it.
 */
#ifndef MIGTOP_CORE_STUCK_H
#define MIGTOP_CORE_STUCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

/* Largest threshold accepted (seconds): 30 days. */
#define STUCK_MAX_S (30LL * 24 * 3600)

struct stuck_cfg {
        int64_t ms[FSM_NSTATES]; /* threshold per state in ms; 0: never stuck */
};

/* The defaults above. */
void stuck_default(struct stuck_cfg *c);

/*
 * Apply "STATE=SECONDS[,STATE=SECONDS...]" on top of c (states not named keep their value;
 * a later entry for the same state wins).  STATE is a state name as the kernel prints it
 * (case ignored: "resuming" too); SECONDS a decimal number >= 0 with at most 3 decimals
 * ("1", "0.5"), at most STUCK_MAX_S; 0 means never.  Blanks around an entry and around
 * its '=' are ignored.  Returns 0, or -EINVAL with a
 * one-line reason in err (c unchanged then).
 */
int stuck_parse(struct stuck_cfg *c, const char *spec, char *err, size_t errlen);

/*
 * For collecting what a command line names: every state "not given" (-1; stuck_eval()
 * treats it as never).  stuck_merge() then copies the given ones (>= 0) over a base.
 */
void stuck_unset(struct stuck_cfg *c);
void stuck_merge(struct stuck_cfg *base, const struct stuck_cfg *over);

/*
 * Whether a device age_ns in state s is stuck: the state has a threshold and age_ns is
 * beyond it.  *over_ms (may be NULL) is the time beyond the threshold in ms (0 when not
 * stuck).
 */
bool stuck_eval(const struct stuck_cfg *c, enum fsm_state s, int64_t age_ns, int64_t *over_ms);

/*
 * When a device that entered state s at since_ns turns stuck (the first time beyond the
 * threshold, engine clock), or INT64_MAX when the state has no threshold.
 */
int64_t stuck_deadline_ns(const struct stuck_cfg *c, enum fsm_state s, int64_t since_ns);

/*
 * The thresholds that differ from 0 as a --stuck spec ("STOP_COPY=60,RESUMING=60,...";
 * "" when none), as snprintf: returns the length it needed.
 */
size_t stuck_format(const struct stuck_cfg *c, char *buf, size_t size);

/* "60s", "1.5s", "3m12s", "2h05m" for a duration in ms (>= 0), as snprintf. */
size_t stuck_fmt_dur(int64_t ms, char *buf, size_t size);

#endif
