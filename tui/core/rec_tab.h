/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_tab: what the recording writer knows last of each (host, type, path): the result a
 * new one is compared with (only changes are written) and what a keyframe repeats.  An
 * open-addressing hash table (a recording of hundreds of devices has thousands of paths).
 */
#ifndef MIGTOP_CORE_REC_TAB_H
#define MIGTOP_CORE_REC_TAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The last known result of one (host, type, path). */
struct rec_ent {
        char *path; /* NULL: free slot */
        unsigned host, type;
        int err;
        bool truncated;
        int64_t t, t_start, t_end;
        char *data; /* READ: the bytes; LIST: names, each NUL-terminated */
        size_t len, n;
};

/* Zeroed: empty.  cap is 0 or a power of two; e[i].path NULL: a free slot. */
struct rec_tab {
        struct rec_ent *e;
        size_t cap, n;
};

/* The entry of (host, type, path), or NULL. */
struct rec_ent *rec_tab_find(const struct rec_tab *t, unsigned host, unsigned type,
                             const char *path);
/* A new entry for (host, type, path) (not in the table yet); NULL on allocation failure. */
struct rec_ent *rec_tab_add(struct rec_tab *t, unsigned host, unsigned type, const char *path);
void rec_tab_free(struct rec_tab *t);

#endif
