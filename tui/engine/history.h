/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * history: per-device memory of what the poller saw, bounded whatever the run time.
 * A ring of state changes (with the FSM's classification and inferred steps) and, per
 * file, a ring of samples stored only when the content or status changed.
 */
#ifndef MIGTOP_ENGINE_HISTORY_H
#define MIGTOP_ENGINE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/fsm.h"

struct hist_change {
        int64_t t_ns;          /* when the new state was first seen */
        int64_t prev_seen_ns;  /* last time the old state was seen (the change lies between) */
        struct fsm_change fsm; /* from, to, class, inferred intermediate steps */
};

struct hist_states {
        struct hist_change *ring;   /* grown on demand up to cap (an idle device has none) */
        size_t cap, alloc, head, n; /* cap: the bound; alloc: slots in ring; head: oldest */
        uint64_t total;             /* changes ever recorded (n stops at cap) */
        /* ... of each fsm_class */
        uint64_t by_class[FSM_CLASS_IMPOSSIBLE + 1];
        int have_state;
        enum fsm_state cur;
        int64_t cur_since_ns; /* first sample showing cur */
        int64_t last_seen_ns; /* last sample (any) */
};

/* 0 or -ENOMEM; cap >= 1. */
int hist_states_init(struct hist_states *h, size_t cap);
void hist_states_free(struct hist_states *h);

/*
 * Feed one successful `state` sample.  Returns 1 when it recorded a change (the first
 * sample is not a change), 0 otherwise.
 */
int hist_states_observe(struct hist_states *h, int64_t t_ns, enum fsm_state s, unsigned features);

/* i-th change, 0 = oldest kept; NULL past the end. */
const struct hist_change *hist_states_at(const struct hist_states *h, size_t i);

/* Nanoseconds in the current state as of now_ns (0 when no state yet). */
int64_t hist_states_age(const struct hist_states *h, int64_t now_ns);

struct hist_sample {
        int64_t t_ns;    /* first time this content was read */
        int64_t last_ns; /* last time it was read unchanged */
        int err;         /* 0 or errno of the read */
        size_t len;
        unsigned char *data; /* malloc'd copy, or shared (NULL when err or len 0) */
        void *ref;           /* (history.c) set: data is shared, released with put(ref) */
};

struct hist_samples {
        struct hist_sample *ring; /* grown on demand up to cap */
        size_t cap, alloc, head, n;
        size_t bytes;     /* sum of len of kept samples */
        size_t max_bytes; /* oldest samples are dropped to stay under this */
        uint64_t total;
        void (*put)(void *ref); /* releases a shared sample's data (hist_samples_share) */
};

int hist_samples_init(struct hist_samples *h, size_t cap, size_t max_bytes);
void hist_samples_free(struct hist_samples *h);

/*
 * Feed one read result.  Stores a new sample only when err or content differ from the
 * newest kept one (else refreshes its last_ns).  Returns 1 stored, 0 unchanged, -ENOMEM.
 */
int hist_samples_observe(struct hist_samples *h, int64_t t_ns, int err, const void *data,
                         size_t len);

/*
 * The newest sample's bytes are also held by a counted owner (the parsed file's text): the
 * sample uses them (data stays valid until put(ref)) and frees its own copy.  Takes the
 * reference ref in every case (released at once when the bytes differ, the newest sample
 * already shares, or there is none).
 */
void hist_samples_share(struct hist_samples *h, const void *data, size_t len, void *ref,
                        void (*put)(void *ref));

const struct hist_sample *hist_samples_at(const struct hist_samples *h, size_t i);
const struct hist_sample *hist_samples_latest(const struct hist_samples *h);

#endif
