/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay_tab: what a replay knows of each path: the last recorded result of a read (READ)
 * and of a listing (LIST), found by a hash of the type and the path (a recording of
 * hundreds of devices has thousands of paths, looked up on every replayed read).
 */
#ifndef MIGTOP_CORE_REPLAY_TAB_H
#define MIGTOP_CORE_REPLAY_TAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rec_read.h"
#include "core/src.h"

/* One path's last result. */
struct replay_ent {
        unsigned type; /* REC_READ, REC_LIST */
        char *path;
        int err;
        bool truncated;
        int64_t t_start, t_end;
        char *data; /* READ: bytes (NUL-terminated); LIST: names, each NUL-terminated */
        size_t len, n;
};

/* Zeroed: empty. */
struct replay_tab {
        struct replay_ent *e;
        size_t n, cap;
        size_t *slot; /* open addressing: entry index + 1, 0 free; nslot a power of two */
        size_t nslot;
};

struct replay_ent *replay_tab_find(const struct replay_tab *t, unsigned type, const char *path);
/* Record ev (a READ or LIST) as its path's last result.  0 or -ENOMEM. */
int replay_tab_apply(struct replay_tab *t, const struct rec_ev *ev);
void replay_tab_clear(struct replay_tab *t);
/*
 * e's result as a read's (e may be NULL: ENOENT, never read while recording, at time now).
 * 0 or -ENOMEM.
 */
int replay_tab_read(const struct replay_ent *e, int64_t now, struct src_read *out);
/* The last listing of path, as a listing (ENOENT when none).  0 or -ENOMEM. */
int replay_tab_list(const struct replay_tab *t, const char *path, struct src_list *out);

#endif
