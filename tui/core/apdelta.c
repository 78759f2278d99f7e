/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * apdelta: the agent's table of results and what was sent (see apdelta.h).  Entries live
 * in one array, found through an open-addressing hash of (path, kind); the pending ones
 * are also listed by index, so a delta never walks the table.
 */
#include "core/apdelta.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct apd_ent {
        char *path;
        uint32_t hash;
        bool is_list;
        bool pending; /* changed since the last message that carried it */
        bool trunc;
        int err; /* -1: no result yet (the first one is a change) */
        char *data;
        size_t len, cap;
        char **names; /* list: the last listing (sorted) */
        size_t n;
        char **sent; /* list: the names last sent (== names when they are the same array) */
        size_t nsent;
};

struct apd {
        struct apd_ent *e;
        size_t n, cap;
        uint32_t *slot; /* index + 1 of an entry, 0: free; nslot a power of two */
        size_t nslot;
        size_t *pend; /* indices of the pending entries */
        size_t npend, cappend;
};

int apd_new(struct apd **out)
{
        *out = calloc(1, sizeof(**out));
        return *out ? 0 : -ENOMEM;
}

static void apd_names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static void apd_ent_free(struct apd_ent *e)
{
        free(e->path);
        free(e->data);
        if (e->sent != e->names)
                apd_names_free(e->sent, e->nsent);
        apd_names_free(e->names, e->n);
}

void apd_free(struct apd *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                apd_ent_free(&d->e[i]);
        free(d->e);
        free(d->slot);
        free(d->pend);
        free(d);
}

size_t apd_pending(const struct apd *d)
{
        return d->npend;
}

size_t apd_size(const struct apd *d)
{
        return d->n;
}

/* FNV-1a of the path, the kind mixed in */
static uint32_t apd_hash(const char *path, bool is_list)
{
        uint32_t h = 2166136261u;

        for (const unsigned char *p = (const unsigned char *)path; *p; p++)
                h = (h ^ *p) * 16777619u;
        return is_list ? h ^ 0x9e3779b9u : h;
}

/* The slot of (path, is_list): its entry's, or the free one where it would go. */
static size_t apd_probe(const struct apd *d, const char *path, bool is_list, uint32_t h)
{
        size_t mask = d->nslot - 1, i = h & mask;

        for (;;) {
                uint32_t s = d->slot[i];

                if (!s)
                        return i;
                const struct apd_ent *e = &d->e[s - 1];

                if (e->hash == h && e->is_list == is_list && strcmp(e->path, path) == 0)
                        return i;
                i = (i + 1) & mask;
        }
}

/* Rebuild the slots for n entries (at most half full).  0 or -ENOMEM. */
static int apd_rehash(struct apd *d, size_t n)
{
        size_t nslot = 64;
        uint32_t *slot;

        while (nslot < 2 * n)
                nslot *= 2;
        if (nslot > UINT32_MAX)
                return -ENOMEM;
        slot = calloc(nslot, sizeof(*slot));
        if (!slot)
                return -ENOMEM;
        free(d->slot);
        d->slot = slot;
        d->nslot = nslot;
        for (size_t i = 0; i < d->n; i++)
                d->slot[apd_probe(d, d->e[i].path, d->e[i].is_list, d->e[i].hash)] =
                    (uint32_t)(i + 1);
        return 0;
}

/* The entry of path (created when absent), or NULL (ENOMEM). */
static struct apd_ent *apd_get(struct apd *d, const char *path, bool is_list)
{
        uint32_t h = apd_hash(path, is_list);
        size_t i;
        struct apd_ent *e;

        if (d->nslot) {
                i = apd_probe(d, path, is_list, h);
                if (d->slot[i])
                        return &d->e[d->slot[i] - 1];
        }
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 256;
                struct apd_ent *ne = realloc(d->e, cap * sizeof(*ne));

                if (!ne)
                        return NULL;
                d->e = ne;
                d->cap = cap;
        }
        if (2 * (d->n + 1) > d->nslot && apd_rehash(d, d->n + 1) < 0)
                return NULL;
        e = &d->e[d->n];
        memset(e, 0, sizeof(*e));
        e->path = strdup(path);
        if (!e->path)
                return NULL;
        e->hash = h;
        e->is_list = is_list;
        e->err = -1;
        d->slot[apd_probe(d, path, is_list, h)] = (uint32_t)(d->n + 1);
        d->n++;
        return e;
}

/* Room in the pending list for one more (before anything changes).  0 or -ENOMEM. */
static int apd_pend_room(struct apd *d)
{
        if (d->npend < d->cappend)
                return 0;
        size_t cap = d->cappend ? d->cappend * 2 : 64;
        size_t *np = realloc(d->pend, cap * sizeof(*np));

        if (!np)
                return -ENOMEM;
        d->pend = np;
        d->cappend = cap;
        return 0;
}

static void apd_mark(struct apd *d, struct apd_ent *e)
{
        if (!e->pending)
                d->pend[d->npend++] = (size_t)(e - d->e);
        e->pending = true;
}

int apd_file(struct apd *d, const char *path, int err, const char *data, size_t len, bool trunc)
{
        struct apd_ent *e = apd_get(d, path, false);

        if (!e || apd_pend_room(d) < 0)
                return -ENOMEM;
        if (err) {
                if (e->err == err && e->trunc == trunc)
                        return 0;
                e->len = 0;
        } else {
                if (e->err == 0 && e->trunc == trunc && e->len == len &&
                    memcmp(e->data, data, len) == 0)
                        return 0;
                if (len + 1 > e->cap) {
                        /* reuse the buffer; grow it in steps (a file that keeps growing) */
                        size_t cap = len + 1 < 64 ? 64 : len + 1 + len / 4;
                        char *nd = malloc(cap);

                        if (!nd)
                                return -ENOMEM;
                        free(e->data);
                        e->data = nd;
                        e->cap = cap;
                }
                memcpy(e->data, data, len);
                e->data[len] = '\0';
                e->len = len;
        }
        e->err = err;
        e->trunc = trunc;
        apd_mark(d, e);
        return 1;
}

static bool apd_names_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

static char **apd_names_dup(char *const *names, size_t n)
{
        char **c = calloc(n ? n : 1, sizeof(*c));

        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(names[i]))) {
                        apd_names_free(c, i);
                        return NULL;
                }
        return c;
}

int apd_list(struct apd *d, const char *path, int err, char *const *names, size_t n)
{
        struct apd_ent *e = apd_get(d, path, true);
        char **c = NULL;

        if (!e || apd_pend_room(d) < 0)
                return -ENOMEM;
        if (e->err == err && (err || apd_names_eq(e->names, e->n, names, n)))
                return 0;
        if (!err && !(c = apd_names_dup(names, n)))
                return -ENOMEM;
        if (e->names != e->sent)
                apd_names_free(e->names, e->n);
        e->names = c;
        e->n = err ? 0 : n;
        e->err = err;
        apd_mark(d, e);
        return 1;
}

/* ---- messages ---------------------------------------------------------------------------- */

static int apd_cmp(const void *pa, const void *pb)
{
        const struct apd_ent *a = *(struct apd_ent *const *)pa, *b = *(struct apd_ent *const *)pb;
        int r = strcmp(a->path, b->path);

        return r ? r : (int)a->is_list - (int)b->is_list;
}

/* The names in a (sorted) not in b (sorted): borrowed pointers into a. */
static size_t apd_minus(char **a, size_t na, char **b, size_t nb, char **out)
{
        size_t i = 0, k = 0, n = 0;

        while (i < na) {
                int r = k < nb ? strcmp(a[i], b[k]) : -1;

                if (r < 0)
                        out[n++] = a[i++];
                else if (r > 0)
                        k++;
                else
                        i++, k++;
        }
        return n;
}

void apd_msg_done(struct ap_msg *m)
{
        if (m->kind == AP_DELTA)
                for (size_t i = 0; i < m->nlists; i++) {
                        free(m->lists[i].names);
                        free(m->lists[i].del);
                }
        free(m->lists);
        free(m->files);
        m->lists = NULL;
        m->files = NULL;
        m->nlists = m->nfiles = 0;
}

/* The root's listing, or NULL. */
static struct apd_ent *apd_root(const struct apd *d)
{
        size_t i;

        if (!d->nslot)
                return NULL;
        i = apd_probe(d, "", true, apd_hash("", true));
        return d->slot[i] ? &d->e[d->slot[i] - 1] : NULL;
}

static int apd_name_cmp(const void *key, const void *name)
{
        return strcmp(key, *(char *const *)name);
}

/* Whether the device of path (its first component) is in the root's listing names[0..n). */
static bool apd_listed(char *const *names, size_t n, const char *path)
{
        const char *slash = strchr(path, '/');
        char top[256];
        size_t len = slash ? (size_t)(slash - path) : strlen(path);

        if (!path[0])
                return true;
        if (len >= sizeof(top))
                return true; /* longer than any name: keep it */
        memcpy(top, path, len);
        top[len] = '\0';
        return bsearch(top, names, n, sizeof(*names), apd_name_cmp) != NULL;
}

/*
 * Drop the entries of devices the root's listing does not name: those the listing just
 * lost (the client drops its copies on the listing's "del"), and those that came and went
 * between two messages (the client never heard of them); a device that comes back is new.
 * When the listing did not change (and for a delta), only the pending entries are looked
 * at: an entry is only added by a read, and a read marks it.
 */
static void apd_drop_unlisted(struct apd *d, bool all)
{
        const struct apd_ent *root = apd_root(d);
        char **names;
        size_t nn, w = 0, ndrop = 0;

        if (!root || root->err)
                return;
        /* (the entries move below: the root's with them, its names stay where they are) */
        names = root->names;
        nn = root->n;
        all = all || root->pending;
        for (size_t i = 0; i < (all ? d->n : d->npend); i++)
                if (!apd_listed(names, nn, d->e[all ? i : d->pend[i]].path))
                        ndrop++;
        if (!ndrop)
                return;
        for (size_t i = 0; i < d->n; i++) {
                if (!apd_listed(names, nn, d->e[i].path)) {
                        apd_ent_free(&d->e[i]);
                        continue;
                }
                d->e[w++] = d->e[i];
        }
        d->n = w;
        d->npend = 0; /* the indices moved */
        for (size_t i = 0; i < d->n; i++)
                if (d->e[i].pending)
                        d->pend[d->npend++] = i;
        if (apd_rehash(d, d->n) < 0) {
                /* keep the larger table: every entry still fits in it */
                memset(d->slot, 0, d->nslot * sizeof(*d->slot));
                for (size_t i = 0; i < d->n; i++)
                        d->slot[apd_probe(d, d->e[i].path, d->e[i].is_list, d->e[i].hash)] =
                            (uint32_t)(i + 1);
        }
}

int apd_msg(struct apd *d, bool full, struct ap_msg *m)
{
        size_t n;
        struct apd_ent **idx;

        apd_drop_unlisted(d, full);
        n = full ? d->n : d->npend;
        idx = malloc((n ? n : 1) * sizeof(*idx));

        m->kind = full ? AP_SNAP : AP_DELTA;
        m->lists = calloc(n ? n : 1, sizeof(*m->lists));
        m->files = calloc(n ? n : 1, sizeof(*m->files));
        m->nlists = m->nfiles = 0;
        if (!idx || !m->lists || !m->files)
                goto nomem;
        for (size_t i = 0; i < n; i++)
                idx[i] = &d->e[full ? i : d->pend[i]];
        qsort(idx, n, sizeof(*idx), apd_cmp);
        for (size_t i = 0; i < n; i++) {
                struct apd_ent *e = idx[i];

                if (e->err < 0)
                        continue; /* no result yet (an allocation failed on the first) */
                if (!e->is_list) {
                        m->files[m->nfiles++] = (struct ap_file){.path = e->path,
                                                                 .err = e->err,
                                                                 .data = e->data,
                                                                 .len = e->len,
                                                                 .trunc = e->trunc};
                        continue;
                }
                struct ap_list *l = &m->lists[m->nlists++];

                *l = (struct ap_list){.path = e->path, .err = e->err, .full = full};
                if (full) {
                        l->names = e->names;
                        l->n = e->n;
                        continue;
                }
                /* a delta's lists own their arrays (apd_msg_done), the names are borrowed */
                l->names = calloc(e->n + 1, sizeof(char *));
                l->del = calloc(e->nsent + 1, sizeof(char *));
                if (!l->names || !l->del)
                        goto nomem;
                l->n = apd_minus(e->names, e->n, e->sent, e->nsent, l->names);
                l->ndel = apd_minus(e->sent, e->nsent, e->names, e->n, l->del);
        }
        free(idx);
        return 0;
nomem:
        free(idx);
        apd_msg_done(m);
        return -ENOMEM;
}

void apd_sent(struct apd *d, struct ap_msg *m)
{
        apd_msg_done(m);
        /* a listing changes only through apd_list(), which marks it: the others were sent */
        for (size_t i = 0; i < d->npend; i++) {
                struct apd_ent *e = &d->e[d->pend[i]];

                e->pending = false;
                if (!e->is_list || e->sent == e->names)
                        continue;
                apd_names_free(e->sent, e->nsent);
                e->sent = e->names;
                e->nsent = e->n;
        }
        d->npend = 0;
}
