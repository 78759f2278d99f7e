/* SPDX-License-Identifier: GPL-2.0-only */
#include "fakesrc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_entry {
        char *path;
        char *data;
        size_t len;
        int err;
        bool dir;
        unsigned reads;
};

struct fake {
        pthread_mutex_t lock;
        struct fake_entry *e;
        size_t n, cap;
        void (*hook)(struct src *s, const char *path, void *arg);
        void *hook_arg;
        struct src *self;
};

static struct fake_entry *fake_find(struct fake *f, const char *path)
{
        for (size_t i = 0; i < f->n; i++)
                if (strcmp(f->e[i].path, path) == 0)
                        return &f->e[i];
        return NULL;
}

/* Whether path names a directory implied by an entry below it. */
static bool fake_implied_dir(struct fake *f, const char *path)
{
        size_t pl = strlen(path);

        if (pl == 0)
                return true;
        for (size_t i = 0; i < f->n; i++)
                if (strncmp(f->e[i].path, path, pl) == 0 && f->e[i].path[pl] == '/')
                        return true;
        return false;
}

/* The errno of the nearest ancestor of path set up with fakesrc_errno(), or 0. */
static int fake_ancestor_err(struct fake *f, const char *path)
{
        for (size_t i = 0; i < f->n; i++) {
                size_t el = strlen(f->e[i].path);

                if (f->e[i].err && strncmp(path, f->e[i].path, el) == 0 && path[el] == '/')
                        return f->e[i].err;
        }
        return 0;
}

static int fake_read_locked(struct fake *f, const char *path, struct src_read *out)
{
        struct fake_entry *e = fake_find(f, path);

        if (e)
                e->reads++;
        out->err = fake_ancestor_err(f, path);
        if (out->err)
                return 0;
        if (!e) {
                out->err = fake_implied_dir(f, path) ? EISDIR : ENOENT;
                return 0;
        }
        if (e->err) {
                out->err = e->err;
                return 0;
        }
        if (e->dir) {
                out->err = EISDIR;
                return 0;
        }
        out->data = malloc(e->len + 1);
        if (!out->data)
                return -ENOMEM;
        if (e->len)
                memcpy(out->data, e->data, e->len);
        out->data[e->len] = '\0';
        out->len = e->len;
        return 0;
}

static int fake_list_locked(struct fake *f, const char *path, struct src_list *out)
{
        struct fake_entry *e = fake_find(f, path);
        size_t pl = strlen(path), n = 0;
        char **names;

        if (e)
                e->reads++;
        out->err = fake_ancestor_err(f, path);
        if (out->err)
                return 0;
        if (e && e->err) {
                out->err = e->err;
                return 0;
        }
        if (e && !e->dir) {
                out->err = ENOTDIR;
                return 0;
        }
        if (!e && !fake_implied_dir(f, path)) {
                out->err = ENOENT;
                return 0;
        }
        names = calloc(f->n + 1, sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++) {
                const char *p = f->e[i].path, *rest, *slash;
                size_t len;
                bool dup = false;

                if (pl) {
                        if (strncmp(p, path, pl) != 0 || p[pl] != '/')
                                continue;
                        rest = p + pl + 1;
                } else {
                        rest = p;
                }
                slash = strchr(rest, '/');
                len = slash ? (size_t)(slash - rest) : strlen(rest);
                if (len == 0)
                        continue;
                for (size_t j = 0; j < n && !dup; j++)
                        dup = strlen(names[j]) == len && strncmp(names[j], rest, len) == 0;
                if (dup)
                        continue;
                names[n] = strndup(rest, len);
                if (!names[n]) {
                        for (size_t j = 0; j < n; j++)
                                free(names[j]);
                        free(names);
                        return -ENOMEM;
                }
                n++;
        }
        src_list_take(out, names, n);
        return 0;
}

static void fake_hook(struct fake *f, const char *path)
{
        void (*fn)(struct src * s, const char *path, void *arg);
        void *arg;

        pthread_mutex_lock(&f->lock);
        fn = f->hook;
        arg = f->hook_arg;
        pthread_mutex_unlock(&f->lock);
        if (fn)
                fn(f->self, path, arg);
}

static int fake_read(void *ctx, const char *path, struct src_read *out)
{
        struct fake *f = ctx;
        int ret;

        fake_hook(f, path);
        pthread_mutex_lock(&f->lock);
        ret = fake_read_locked(f, path, out);
        pthread_mutex_unlock(&f->lock);
        return ret;
}

static int fake_list(void *ctx, const char *path, struct src_list *out)
{
        struct fake *f = ctx;
        int ret;

        fake_hook(f, path);
        pthread_mutex_lock(&f->lock);
        ret = fake_list_locked(f, path, out);
        pthread_mutex_unlock(&f->lock);
        return ret;
}

static void fake_destroy(void *ctx)
{
        struct fake *f = ctx;

        for (size_t i = 0; i < f->n; i++) {
                free(f->e[i].path);
                free(f->e[i].data);
        }
        free(f->e);
        pthread_mutex_destroy(&f->lock);
        free(f);
}

static const struct src_ops fake_ops = {
    .kind = "fake",
    .read = fake_read,
    .list = fake_list,
    .destroy = fake_destroy,
};

struct src *fakesrc_new(void)
{
        struct fake *f = calloc(1, sizeof(*f));
        struct src *s;

        if (!f)
                return NULL;
        pthread_mutex_init(&f->lock, NULL);
        if (src_new(&fake_ops, f, "fake:", &s) < 0) {
                pthread_mutex_destroy(&f->lock);
                free(f);
                return NULL;
        }
        f->self = s;
        return s;
}

static struct fake_entry *fake_add(struct fake *f, const char *path)
{
        struct fake_entry *e = fake_find(f, path);

        if (e) {
                free(e->data);
                e->data = NULL;
                e->len = 0;
                e->err = 0;
                e->dir = false;
                return e;
        }
        if (f->n == f->cap) {
                size_t ncap = f->cap ? f->cap * 2 : 16;
                struct fake_entry *ne = realloc(f->e, ncap * sizeof(*ne));

                if (!ne)
                        return NULL;
                f->e = ne;
                f->cap = ncap;
        }
        e = &f->e[f->n];
        memset(e, 0, sizeof(*e));
        e->path = strdup(path);
        if (!e->path)
                return NULL;
        f->n++;
        return e;
}

static int fake_set(struct src *s, const char *path, const void *data, size_t len, int err,
                    bool dir)
{
        struct fake *f = s->ctx;
        struct fake_entry *e;
        int ret = 0;

        pthread_mutex_lock(&f->lock);
        e = fake_add(f, path);
        if (!e) {
                ret = -ENOMEM;
                goto out;
        }
        e->err = err;
        e->dir = dir;
        if (data) {
                e->data = malloc(len ? len : 1);
                if (!e->data) {
                        e->err = EIO;
                        ret = -ENOMEM;
                        goto out;
                }
                if (len)
                        memcpy(e->data, data, len);
                e->len = len;
        }
out:
        pthread_mutex_unlock(&f->lock);
        return ret;
}

int fakesrc_file(struct src *s, const char *path, const void *data, size_t len)
{
        return fake_set(s, path, data ? data : "", len, 0, false);
}

int fakesrc_text(struct src *s, const char *path, const char *text)
{
        return fakesrc_file(s, path, text, strlen(text));
}

int fakesrc_errno(struct src *s, const char *path, int err)
{
        return fake_set(s, path, NULL, 0, err, false);
}

int fakesrc_dir(struct src *s, const char *path)
{
        return fake_set(s, path, NULL, 0, 0, true);
}

unsigned fakesrc_reads(struct src *s, const char *path)
{
        struct fake *f = s->ctx;
        struct fake_entry *e;
        unsigned n;

        pthread_mutex_lock(&f->lock);
        e = fake_find(f, path);
        n = e ? e->reads : 0;
        pthread_mutex_unlock(&f->lock);
        return n;
}

void fakesrc_remove(struct src *s, const char *path)
{
        struct fake *f = s->ctx;
        size_t pl = strlen(path), k = 0;

        pthread_mutex_lock(&f->lock);
        for (size_t i = 0; i < f->n; i++) {
                struct fake_entry *e = &f->e[i];

                if (strncmp(e->path, path, pl) == 0 &&
                    (e->path[pl] == '\0' || e->path[pl] == '/')) {
                        free(e->path);
                        free(e->data);
                        continue;
                }
                f->e[k++] = *e;
        }
        f->n = k;
        pthread_mutex_unlock(&f->lock);
}

void fakesrc_on_access(struct src *s, void (*fn)(struct src *s, const char *path, void *arg),
                       void *arg)
{
        struct fake *f = s->ctx;

        pthread_mutex_lock(&f->lock);
        f->hook = fn;
        f->hook_arg = arg;
        pthread_mutex_unlock(&f->lock);
}

size_t fakesrc_format_dump(char *buf, size_t size, const char *prefix, const uint8_t *data,
                           size_t len, size_t *byte_end)
{
        size_t pos = 0;
        int n;

        for (size_t i = 0; i < len; i += 16) {
                size_t linelen = len - i < 16 ? len - i : 16;

                n = snprintf(buf + pos, size - pos, "%s%.8x: ", prefix, (unsigned)i);
                if (n < 0 || (size_t)n >= size - pos)
                        return 0;
                pos += (size_t)n;
                for (size_t j = 0; j < linelen; j++) {
                        n = snprintf(buf + pos, size - pos, "%s%02x", j ? " " : "", data[i + j]);
                        if (n < 0 || (size_t)n >= size - pos)
                                return 0;
                        pos += (size_t)n;
                        if (byte_end)
                                byte_end[i + j] = pos;
                }
                if (pos + 2 > size)
                        return 0;
                buf[pos++] = '\n';
                buf[pos] = '\0';
        }
        if (pos < size)
                buf[pos] = '\0';
        return pos;
}
