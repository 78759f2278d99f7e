/* SPDX-License-Identifier: GPL-2.0-only */
/* rec_tab: the recording writer's last known results (see rec_tab.h). */
#include "rec_tab.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rec_tab_hash(unsigned host, unsigned type, const char *path)
{
        uint64_t h = 1469598103934665603ULL;

        h = (h ^ host) * 1099511628211ULL;
        h = (h ^ type) * 1099511628211ULL;
        for (const unsigned char *p = (const unsigned char *)path; *p; p++)
                h = (h ^ *p) * 1099511628211ULL;
        return h;
}

/* The entry of (host, type, path), a new one when absent; NULL on allocation failure. */
struct rec_ent *rec_tab_find(const struct rec_tab *w, unsigned host, unsigned type,
                             const char *path)
{
        size_t i;

        if (!w->cap)
                return NULL;
        i = rec_tab_hash(host, type, path) & (w->cap - 1);
        for (; w->e[i].path; i = (i + 1) & (w->cap - 1)) {
                struct rec_ent *e = &w->e[i];

                if (e->host == host && e->type == type && strcmp(e->path, path) == 0)
                        return e;
        }
        return NULL;
}

/* A new entry for (host, type, path) (not in the table yet); NULL on allocation failure. */
struct rec_ent *rec_tab_add(struct rec_tab *w, unsigned host, unsigned type, const char *path)
{
        size_t i;

        if ((w->n + 1) * 2 > w->cap) {
                size_t ncap = w->cap ? w->cap * 2 : 64;
                struct rec_ent *nt = calloc(ncap, sizeof(*nt));

                if (!nt)
                        return NULL;
                for (size_t j = 0; j < w->cap; j++) {
                        struct rec_ent *e = &w->e[j];

                        if (!e->path)
                                continue;
                        i = rec_tab_hash(e->host, e->type, e->path) & (ncap - 1);
                        while (nt[i].path)
                                i = (i + 1) & (ncap - 1);
                        nt[i] = *e;
                }
                free(w->e);
                w->e = nt;
                w->cap = ncap;
        }
        i = rec_tab_hash(host, type, path) & (w->cap - 1);
        while (w->e[i].path)
                i = (i + 1) & (w->cap - 1);
        w->e[i].path = strdup(path);
        if (!w->e[i].path)
                return NULL;
        w->e[i].host = host;
        w->e[i].type = type;
        w->n++;
        return &w->e[i];
}

void rec_tab_free(struct rec_tab *w)
{
        for (size_t i = 0; i < w->cap; i++) {
                free(w->e[i].path);
                free(w->e[i].data);
        }
        free(w->e);
        w->e = NULL;
        w->cap = w->n = 0;
}
