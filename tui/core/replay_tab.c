/* SPDX-License-Identifier: GPL-2.0-only */
/* replay_tab: the last recorded result of each path (see replay_tab.h). */
#include "replay_tab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t rt_hash(unsigned type, const char *path)
{
        uint64_t h = 1469598103934665603ULL ^ type; /* FNV-1a */

        for (const unsigned char *c = (const unsigned char *)path; *c; c++)
                h = (h ^ *c) * 1099511628211ULL;
        return (size_t)(h ^ h >> 32);
}

/* The slot of (type, path): its entry's, or the free one where it would go. */
static size_t *rt_slot(const struct replay_tab *t, unsigned type, const char *path)
{
        size_t mask = t->nslot - 1;

        for (size_t i = rt_hash(type, path) & mask;; i = (i + 1) & mask) {
                const struct replay_ent *e;

                if (!t->slot[i])
                        return &t->slot[i];
                e = &t->e[t->slot[i] - 1];
                if (e->type == type && strcmp(e->path, path) == 0)
                        return &t->slot[i];
        }
}

struct replay_ent *replay_tab_find(const struct replay_tab *t, unsigned type, const char *path)
{
        size_t *s;

        if (!t->nslot)
                return NULL;
        s = rt_slot(t, type, path);
        return *s ? &t->e[*s - 1] : NULL;
}

/* Room for one more entry: the array, and the slots kept at most half full. */
static int rt_grow(struct replay_tab *t)
{
        if (t->n == t->cap) {
                size_t ncap = t->cap ? t->cap * 2 : 64;
                struct replay_ent *ne = realloc(t->e, ncap * sizeof(*ne));

                if (!ne)
                        return -ENOMEM;
                t->e = ne;
                t->cap = ncap;
        }
        if ((t->n + 1) * 2 > t->nslot) {
                size_t nn = t->nslot ? t->nslot * 2 : 128;
                size_t *ns = calloc(nn, sizeof(*ns)), *old = t->slot;

                if (!ns)
                        return -ENOMEM;
                t->slot = ns;
                t->nslot = nn;
                for (size_t i = 0; i < t->n; i++)
                        *rt_slot(t, t->e[i].type, t->e[i].path) = i + 1;
                free(old);
        }
        return 0;
}

int replay_tab_apply(struct replay_tab *t, const struct rec_ev *ev)
{
        struct replay_ent *e;
        size_t len = 0;
        char *d;

        if (ev->type == REC_READ) {
                len = ev->len;
                d = malloc(len + 1);
                if (!d)
                        return -ENOMEM;
                memcpy(d, ev->data, len + 1);
        } else {
                for (size_t i = 0; i < ev->n; i++)
                        len += strlen(ev->names[i]) + 1;
                d = malloc(len + 1);
                if (!d)
                        return -ENOMEM;
                for (size_t i = 0, off = 0; i < ev->n; i++) {
                        size_t k = strlen(ev->names[i]) + 1;

                        memcpy(d + off, ev->names[i], k);
                        off += k;
                }
        }
        e = replay_tab_find(t, ev->type, ev->path);
        if (!e) {
                char *path = strdup(ev->path);

                if (!path || rt_grow(t) < 0) {
                        free(path);
                        free(d);
                        return -ENOMEM;
                }
                e = &t->e[t->n];
                memset(e, 0, sizeof(*e));
                e->type = ev->type;
                e->path = path;
                *rt_slot(t, e->type, e->path) = ++t->n;
        }
        free(e->data);
        e->data = d;
        e->len = len;
        e->n = ev->type == REC_LIST ? ev->n : 0;
        e->err = ev->err;
        e->truncated = ev->truncated;
        e->t_start = ev->t_start ? ev->t_start : ev->t_ns;
        e->t_end = ev->t_end ? ev->t_end : ev->t_ns;
        return 0;
}

void replay_tab_clear(struct replay_tab *t)
{
        for (size_t i = 0; i < t->n; i++) {
                free(t->e[i].path);
                free(t->e[i].data);
        }
        free(t->e);
        free(t->slot);
        memset(t, 0, sizeof(*t));
}

int replay_tab_read(const struct replay_ent *e, int64_t now, struct src_read *out)
{
        memset(out, 0, sizeof(*out));
        out->t_start = out->t_end = now;
        if (!e) {
                out->err = ENOENT; /* never read while recording */
                return 0;
        }
        out->err = e->err;
        out->truncated = e->truncated;
        out->t_start = e->t_start;
        out->t_end = e->t_end;
        if (e->err)
                return 0;
        out->data = malloc(e->len + 1);
        if (!out->data)
                return -ENOMEM;
        memcpy(out->data, e->data, e->len + 1);
        out->len = e->len;
        return 0;
}

int replay_tab_list(const struct replay_tab *t, const char *path, struct src_list *out)
{
        const struct replay_ent *e = replay_tab_find(t, REC_LIST, path);
        char **names;

        memset(out, 0, sizeof(*out));
        if (!e) {
                out->err = ENOENT;
                return 0;
        }
        if (e->err) {
                out->err = e->err;
                return 0;
        }
        names = calloc(e->n + 1, sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0, off = 0; i < e->n; i++) {
                names[i] = strdup(e->data + off);
                if (!names[i]) {
                        while (i--)
                                free(names[i]);
                        free(names);
                        return -ENOMEM;
                }
                off += strlen(e->data + off) + 1;
        }
        src_list_take(out, names, e->n);
        return 0;
}
