// SPDX-License-Identifier: GPL-2.0-only
/*
 * klog: kernel log sources (see klog.h): the live /dev/kmsg, a file of records, and the
 * bounded per-device ring.
 */
#include "engine/klog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KLOG_FILE_MAX (256u * 1024u * 1024u) /* a --kmsg file larger than this is refused */

struct klog {
        const struct klog_ops *ops;
        void *ctx;
        char *source;
        bool live;
        enum klog_state state;
        char msg[256];
        klog_tap_fn *tap; /* --record: each record's raw bytes */
        void *tap_ctx;
};

/* ---- the live /dev/kmsg ---- */

struct klog_dev {
        int fd;
        size_t n; /* bytes of the last record in buf */
        char buf[KLOG_READ_BUF];
};

static int klog_dev_fd(void *ctx)
{
        return ((struct klog_dev *)ctx)->fd;
}

static int klog_dev_next(void *ctx, struct kmsg_rec *out, char *err, size_t errsz)
{
        struct klog_dev *d = ctx;
        ssize_t n;

        for (;;) {
                n = read(d->fd, d->buf, sizeof(d->buf));
                if (n >= 0 || errno != EINTR)
                        break;
        }
        if (n > 0) {
                d->n = (size_t)n;
                if (kmsg_parse(d->buf, (size_t)n, out, err, errsz) < 0)
                        return KLOG_BAD;
                return KLOG_REC;
        }
        if (n == 0) {
                /* not something /dev/kmsg does (/dev/null would): stop, or it polls forever */
                snprintf(err, errsz, "end of file: not a kernel log device");
                return -ENODATA;
        }
        switch (errno) {
        case EAGAIN:
                return KLOG_NONE;
        case EPIPE:
                return KLOG_GAP;
        case EINVAL:
                /* devkmsg_read moved past the record before finding it too large */
                snprintf(err, errsz, "a record larger than %u bytes was skipped", KLOG_READ_BUF);
                return KLOG_BAD;
        default:
                n = errno;
                snprintf(err, errsz, "reading /dev/kmsg: %s", strerror((int)n));
                return (int)-n;
        }
}

static void klog_dev_destroy(void *ctx)
{
        struct klog_dev *d = ctx;

        if (d->fd >= 0)
                close(d->fd);
        free(d);
}

static const char *klog_dev_raw(void *ctx, size_t *len)
{
        struct klog_dev *d = ctx;

        *len = d->n;
        return d->buf;
}

static const struct klog_ops klog_dev_ops = {
    .kind = "kmsg",
    .fd = klog_dev_fd,
    .next = klog_dev_next,
    .destroy = klog_dev_destroy,
    .raw = klog_dev_raw,
};

/* ---- a file of records ---- */

/* The file's text, checked whole at open, parsed again record by record (memory: its size). */
struct klog_file {
        char *buf;
        size_t len, pos;
        size_t last; /* where the last record returned began */
        unsigned line;
};

static int klog_file_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static int klog_file_next(void *ctx, struct kmsg_rec *out, char *err, size_t errsz)
{
        struct klog_file *f = ctx;
        int ret;

        f->last = f->pos;
        ret = kmsg_file_next(f->buf, f->len, &f->pos, &f->line, out, err, errsz);

        if (ret == 0)
                return KLOG_END;
        return ret < 0 ? KLOG_BAD : KLOG_REC; /* checked at open: never bad */
}

static void klog_file_destroy(void *ctx)
{
        struct klog_file *f = ctx;

        free(f->buf);
        free(f);
}

static const char *klog_file_raw(void *ctx, size_t *len)
{
        struct klog_file *f = ctx;

        *len = f->pos - f->last;
        return f->buf + f->last;
}

static const struct klog_ops klog_file_ops = {
    .kind = "file",
    .fd = klog_file_fd,
    .next = klog_file_next,
    .raw = klog_file_raw,
    .destroy = klog_file_destroy,
};

/* Read the whole file; 0 or negative errno with err set. */
static int klog_slurp(const char *path, int fd, char **buf, size_t *len, char *err, size_t errsz)
{
        struct stat st;
        size_t cap, n = 0;
        char *b;

        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                snprintf(err, errsz,
                         "%s: --kmsg wants a file of /dev/kmsg records or a kmsg character "
                         "device",
                         path);
                return -EINVAL;
        }
        if ((uint64_t)st.st_size > KLOG_FILE_MAX) {
                snprintf(err, errsz, "%s: larger than %u MiB", path, KLOG_FILE_MAX >> 20);
                return -EFBIG;
        }
        cap = (size_t)st.st_size + 1;
        b = malloc(cap);
        if (!b)
                return -ENOMEM;
        for (;;) {
                ssize_t r = read(fd, b + n, cap - 1 - n);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        int e = errno;

                        snprintf(err, errsz, "%s: %s", path, strerror(e));
                        free(b);
                        return -e;
                }
                if (r == 0 || n + (size_t)r == cap - 1) {
                        n += (size_t)r;
                        break;
                }
                n += (size_t)r;
        }
        b[n] = '\0';
        *buf = b;
        *len = n;
        return 0;
}

static int klog_file_load(const char *path, int fd, struct klog_file **out, char *err, size_t errsz)
{
        struct klog_file *f = calloc(1, sizeof(*f));
        struct kmsg_rec *r = malloc(sizeof(*r));
        char why[200];
        size_t pos = 0;
        unsigned line = 1;
        int ret = -ENOMEM;

        if (f && r)
                ret = klog_slurp(path, fd, &f->buf, &f->len, err, errsz);
        /* every record checked now: a malformed file is refused with its line */
        while (ret == 0 &&
               (ret = kmsg_file_next(f->buf, f->len, &pos, &line, r, why, sizeof(why))) == 1)
                ret = 0;
        if (ret < 0 && f && f->buf && ret == -EINVAL)
                snprintf(err, errsz, "%s: %s", path, why);
        free(r);
        if (ret < 0) {
                if (f)
                        klog_file_destroy(f);
                return ret;
        }
        f->line = 1;
        *out = f;
        return 0;
}

/* ---- the handle ---- */

int klog_new(const struct klog_ops *ops, void *ctx, const char *source, bool live,
             struct klog **out)
{
        struct klog *k = calloc(1, sizeof(*k));

        *out = NULL;
        if (!k || !(k->source = strdup(source ? source : "?"))) {
                free(k);
                return -ENOMEM;
        }
        k->ops = ops;
        k->ctx = ctx;
        k->live = live;
        *out = k;
        return 0;
}

int klog_unavailable(const char *source, bool live, const char *msg, struct klog **out)
{
        int ret = klog_new(NULL, NULL, source, live, out);

        if (ret < 0)
                return ret;
        (*out)->state = KLOG_ST_UNAVAILABLE;
        snprintf((*out)->msg, sizeof((*out)->msg), "%s", msg);
        return 0;
}

void klog_free(struct klog *k)
{
        if (!k)
                return;
        if (k->ops && k->ops->destroy)
                k->ops->destroy(k->ctx);
        free(k->source);
        free(k);
}

void klog_open_message(int err, const char *path, char *msg, size_t size)
{
        char v[16] = "";
        FILE *f;

        switch (err) {
        case EPERM:
        case EACCES:
                f = fopen("/proc/sys/kernel/printk_devkmsg", "r");
                if (f) {
                        if (!fgets(v, sizeof(v), f))
                                v[0] = '\0';
                        fclose(f);
                }
                if (strncmp(v, "off", 3) == 0)
                        snprintf(msg, size, "%s is disabled (kernel.printk_devkmsg=off)", path);
                else if (geteuid() != 0)
                        snprintf(msg, size,
                                 "not root: %s needs CAP_SYSLOG or kernel.dmesg_restrict=0", path);
                else
                        snprintf(msg, size, "%s: %s (CAP_SYSLOG missing, or a security module)",
                                 path, strerror(err));
                break;
        case ENOENT:
                snprintf(msg, size, "%s does not exist (no devtmpfs here?)", path);
                break;
        default:
                snprintf(msg, size, "cannot open %s: %s", path, strerror(err));
                break;
        }
}

int klog_open(const char *path, struct klog **out, char *err, size_t errsz)
{
        struct stat st;
        int fd, ret;

        *out = NULL;
        if (err && errsz)
                err[0] = '\0';
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
                struct klog_dev *d = malloc(sizeof(*d));

                if (!d) {
                        close(fd);
                        return -ENOMEM;
                }
                d->fd = fd;
                ret = klog_new(&klog_dev_ops, d, path, true, out);
                if (ret < 0)
                        klog_dev_destroy(d);
                return ret;
        }
        if (fd < 0) {
                int e = errno;

                /* a live device that refuses us: run on without the kernel log */
                if (stat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
                        char why[256];

                        klog_open_message(e, path, why, sizeof(why));
                        return klog_unavailable(path, true, why, out);
                }
                snprintf(err, errsz, "%s: %s", path, strerror(e));
                return -e;
        }
        {
                struct klog_file *f;

                ret = klog_file_load(path, fd, &f, err, errsz);
                close(fd);
                if (ret < 0)
                        return ret;
                ret = klog_new(&klog_file_ops, f, path, false, out);
                if (ret < 0)
                        klog_file_destroy(f);
                return ret;
        }
}

int klog_open_buf(char *buf, size_t len, const char *source, struct klog **out)
{
        struct klog_file *f = calloc(1, sizeof(*f));
        int ret;

        *out = NULL;
        if (!f) {
                free(buf);
                return -ENOMEM;
        }
        f->buf = buf;
        f->len = len;
        f->line = 1;
        ret = klog_new(&klog_file_ops, f, source, false, out);
        if (ret < 0)
                klog_file_destroy(f);
        return ret;
}

int klog_fd(const struct klog *k)
{
        if (k->state != KLOG_ST_OK || !k->ops || !k->ops->fd)
                return -1;
        return k->ops->fd(k->ctx);
}

int klog_next(struct klog *k, struct kmsg_rec *out, char *err, size_t errsz)
{
        int ret;

        if (k->state != KLOG_ST_OK || !k->ops)
                return KLOG_END;
        err[0] = '\0';
        ret = k->ops->next(k->ctx, out, err, errsz);
        if (ret == KLOG_REC && k->tap && k->ops->raw) {
                size_t n = 0;
                const char *raw = k->ops->raw(k->ctx, &n);

                k->tap(k->tap_ctx, raw, n);
        }
        if (ret >= 0)
                return ret;
        k->state = KLOG_ST_UNAVAILABLE;
        snprintf(k->msg, sizeof(k->msg), "%s", err[0] ? err : strerror(-ret));
        return KLOG_END;
}

void klog_set_tap(struct klog *k, klog_tap_fn *fn, void *ctx)
{
        k->tap = fn;
        k->tap_ctx = ctx;
}

enum klog_state klog_state(const struct klog *k)
{
        return k->state;
}

const char *klog_message(const struct klog *k)
{
        return k->state == KLOG_ST_OK ? "" : k->msg;
}

const char *klog_source(const struct klog *k)
{
        return k->source;
}

const char *klog_kind(const struct klog *k)
{
        return k->ops ? k->ops->kind : "kmsg";
}

bool klog_live(const struct klog *k)
{
        return k->live;
}

/* ---- the ring ---- */

void klog_ring_init(struct klog_ring *r, size_t cap)
{
        memset(r, 0, sizeof(*r));
        r->cap = cap ? cap : 1;
}

int klog_ring_push(struct klog_ring *r, const struct kmsg_rec *rec)
{
        if (!r->rec) {
                r->rec = malloc(r->cap * sizeof(*r->rec));
                if (!r->rec)
                        return -ENOMEM;
        }
        if (r->n < r->cap) {
                r->rec[(r->head + r->n) % r->cap] = *rec;
                r->n++;
        } else {
                r->rec[r->head] = *rec;
                r->head = (r->head + 1) % r->cap;
        }
        r->total++;
        r->by_level[rec->level & 7]++;
        return 0;
}

const struct kmsg_rec *klog_ring_at(const struct klog_ring *r, size_t i)
{
        if (i >= r->n)
                return NULL;
        return &r->rec[(r->head + i) % r->cap];
}

void klog_ring_filter(struct klog_ring *r, bool (*drop)(const struct kmsg_rec *, void *), void *ctx)
{
        size_t keep = 0;

        /* compact in place, oldest first (a slot is written only after it was read) */
        for (size_t i = 0; i < r->n; i++) {
                struct kmsg_rec tmp = r->rec[(r->head + i) % r->cap];

                if (drop(&tmp, ctx))
                        continue;
                r->rec[(r->head + keep) % r->cap] = tmp;
                keep++;
        }
        r->n = keep;
}

void klog_ring_free(struct klog_ring *r)
{
        free(r->rec);
        r->rec = NULL;
        r->n = r->head = 0;
}
