/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fsm: the VFIO migration protocol v2 state machine, as the kernel runs it
 * (include/uapi/linux/vfio.h, drivers/vfio/vfio_main.c vfio_mig_get_next_state()).
 * Parses what debugfs `state` and `features` print, and classifies observed changes.
 */
#ifndef MIGTOP_CORE_FSM_H
#define MIGTOP_CORE_FSM_H

#include <stdbool.h>
#include <stddef.h>

/* Values equal enum vfio_device_mig_state; FSM_INVALID is the kernel's "Invalid" line. */
enum fsm_state {
        FSM_ERROR = 0,
        FSM_STOP = 1,
        FSM_RUNNING = 2,
        FSM_STOP_COPY = 3,
        FSM_RESUMING = 4,
        FSM_RUNNING_P2P = 5,
        FSM_PRE_COPY = 6,
        FSM_PRE_COPY_P2P = 7,
        FSM_INVALID = 8,
        FSM_NSTATES = 9
};

/* Feature bits: the first three equal VFIO_MIGRATION_*; DIRTY_TRACKING is migtop's own. */
#define FSM_F_STOP_COPY      (1u << 0)
#define FSM_F_P2P            (1u << 1)
#define FSM_F_PRE_COPY       (1u << 2)
#define FSM_F_DIRTY_TRACKING (1u << 3)
/* Assumed when the kernel has no `features` file: every state may be seen. */
#define FSM_F_ALL (FSM_F_STOP_COPY | FSM_F_P2P | FSM_F_PRE_COPY)

/* Longest single-arc path between two states of the table (RUNNING -> ... -> RESUMING). */
#define FSM_MAX_STEPS 4

/* Canonical kernel spelling ("STOP_COPY", "Invalid"); never NULL. */
const char *fsm_state_name(enum fsm_state s);

/*
 * Parse the contents of a `state` file (exactly one line, newline optional).
 * Accepts every string the kernel has printed, including the v11 patch's
 * "RESUMING_P2P" (meaning RUNNING_P2P).  Returns 0, or -EINVAL for empty/unknown text,
 * -EPROTO for more than one line or trailing garbage.
 */
int fsm_state_parse(const char *text, size_t len, enum fsm_state *out);

/*
 * Parse a `features` file: one name per line ("stop-copy", "p2p", "pre-copy",
 * "dirty-tracking").  Unknown names are counted in *unknown (may be NULL) and otherwise
 * ignored.  Returns 0 or -EINVAL for bytes that cannot be a feature list.
 */
int fsm_features_parse(const char *text, size_t len, unsigned *features, unsigned *unknown);

/* The features file's name of one FSM_F_* bit ("pre-copy"), NULL for an unknown bit. */
const char *fsm_feature_name(unsigned bit);
/*
 * The names of the set bits, space-separated, in the kernel's order ("" for none), as
 * snprintf: returns the length it needed (it is cut to size - 1).
 */
size_t fsm_features_format(unsigned features, char *buf, size_t size);

/*
 * Whether a state can exist on a device with these features (ERROR/STOP/RUNNING/... always).
 * STOP_COPY is mandatory for a migration device, so every function here treats it as set
 * even when a features list omits it; FSM_F_DIRTY_TRACKING plays no part.  FSM_INVALID
 * (and any out-of-range value) is never valid.
 */
bool fsm_state_valid(enum fsm_state s, unsigned features);

/*
 * The kernel's next step from cur towards target (vfio_mig_get_next_state()).
 * Returns 0 and sets *next, or -EINVAL when either state is invalid for the features or
 * the arc is blocked (STOP_COPY -> PRE_COPY[_P2P]).  cur == target gives *next = target.
 * As in the kernel (state_flags_table[ERROR] = ~0U), ERROR is never a valid cur or target:
 * -EINVAL.  *next is left untouched on error.
 */
int fsm_next_step(enum fsm_state cur, enum fsm_state target, unsigned features,
                  enum fsm_state *next);

/* Whether from -> to is one arc the kernel executes directly (a single driver call). */
bool fsm_is_direct_arc(enum fsm_state from, enum fsm_state to, unsigned features);

enum fsm_class {
        FSM_CLASS_SAME,        /* no change */
        FSM_CLASS_DIRECT,      /* one arc */
        FSM_CLASS_COMBINATION, /* several arcs; steps[] holds the unseen intermediate states */
        FSM_CLASS_TO_ERROR,    /* any state -> ERROR: a transition failed */
        FSM_CLASS_RESET,       /* ERROR -> anything: only a device reset leaves ERROR */
        FSM_CLASS_IMPOSSIBLE   /* no path connects them (or a state invalid for the features) */
};

struct fsm_change {
        enum fsm_class cls;
        enum fsm_state from, to;
        unsigned nsteps;                     /* intermediate states, excluding from and to */
        enum fsm_state steps[FSM_MAX_STEPS]; /* in order */
};

/*
 * Classify an observed change between two consecutive samples.  Checked in this order:
 * from == to -> SAME (even for an invalid state); a state invalid for the features ->
 * IMPOSSIBLE; to == ERROR -> TO_ERROR; from == ERROR -> RESET; otherwise the table's path:
 * DIRECT, COMBINATION (steps[] = the states in between), or IMPOSSIBLE when the table has
 * no path (STOP_COPY -> PRE_COPY[_P2P]).  nsteps is 0 for every class but COMBINATION.
 */
void fsm_classify(enum fsm_state from, enum fsm_state to, unsigned features,
                  struct fsm_change *out);

/* "direct", "combination", ... (stable names: used as JSON values). */
const char *fsm_class_name(enum fsm_class c);

#endif
