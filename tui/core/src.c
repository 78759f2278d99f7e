/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src: the read layer and its local-filesystem source.  Reads loop until EOF (a seq_file
 * may hand its output over in several chunks), retry on EINTR and stop at SRC_READ_MAX.
 */
#include "src.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SRC_ERRNO_SUFFIX ".errno"

struct src_local {
        atomic_int dirfd; /* the root; replaced when the root is made again (see below) */
        unsigned flags;
        char *root;
        /*
         * Descriptors of roots replaced: a worker may still be reading through one, so
         * they are closed only with the source (one per module reload: few).
         */
        int *retired;
        size_t nretired;
};

int64_t src_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *src_errno_name(int err)
{
        if (err <= 0)
                return NULL;
        return strerrorname_np(err);
}

static bool src_is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int src_errno_parse(const char *name)
{
        char buf[32];
        size_t n = 0;

        if (!name)
                return 0;
        while (src_is_space(*name))
                name++;
        while (name[n] && !src_is_space(name[n])) {
                if (n == sizeof(buf) - 1)
                        return 0; /* longer than any errno name */
                buf[n] = name[n];
                n++;
        }
        buf[n] = '\0';
        for (const char *p = name + n; *p; p++)
                if (!src_is_space(*p))
                        return 0; /* a second word */
        if (n == 0)
                return 0;
        for (int e = 1; e < 512; e++) {
                const char *s = strerrorname_np(e);

                if (s && strcmp(s, buf) == 0)
                        return e;
        }
        return 0;
}

/*
 * Read fd until EOF into out (at most SRC_READ_MAX bytes kept).  The first chunk goes to
 * the stack and the result is allocated at its size: most files polled are a few bytes
 * (state, cmd_state), and a 4 KB heap buffer per read cost more than the read itself
 * (glibc serves blocks that size from its bins, not from the per-thread cache).
 */
#define SRC_FIRST_CHUNK 4096u

static int src_read_fd(int fd, struct src_read *out)
{
        char first[SRC_FIRST_CHUNK];
        size_t cap = sizeof(first);
        char *buf = first;

        out->len = 0;
        for (;;) {
                ssize_t r;

                if (out->len == cap) {
                        size_t ncap = cap * 2 > SRC_READ_MAX + 1 ? SRC_READ_MAX + 1 : cap * 2;
                        char *nbuf;

                        if (ncap == cap) {
                                /* one byte past the limit was read: the content is longer */
                                out->truncated = 1;
                                out->len = SRC_READ_MAX;
                                break;
                        }
                        nbuf = buf == first ? malloc(ncap + 1) : realloc(buf, ncap + 1);
                        if (!nbuf) {
                                if (buf != first)
                                        free(buf);
                                return -ENOMEM;
                        }
                        if (buf == first)
                                memcpy(nbuf, first, out->len);
                        buf = nbuf;
                        cap = ncap;
                }
                r = read(fd, buf + out->len, cap - out->len);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        out->err = errno;
                        if (buf != first)
                                free(buf);
                        out->len = 0;
                        return 0;
                }
                if (r == 0)
                        break;
                out->len += (size_t)r;
        }
        if (buf == first) {
                buf = malloc(out->len + 1);
                if (!buf)
                        return -ENOMEM;
                memcpy(buf, first, out->len);
        }
        buf[out->len] = '\0';
        out->data = buf;
        return 0;
}

static int src_open_at(int dirfd, const char *path, int flags)
{
        int fd;

        do {
                fd = openat(dirfd, *path ? path : ".", flags | O_CLOEXEC | O_NOCTTY);
        } while (fd < 0 && errno == EINTR);
        return fd;
}

/* With SRC_LOCAL_ERRNO_FILES: the errno recorded for path, 0 if none. */
static int src_local_sidecar(struct src_local *l, const char *path)
{
        struct src_read r = {0};
        size_t plen = strlen(path);
        char *side = malloc(plen + sizeof(SRC_ERRNO_SUFFIX));
        int fd, err;

        if (!side)
                return -ENOMEM;
        memcpy(side, path, plen);
        memcpy(side + plen, SRC_ERRNO_SUFFIX, sizeof(SRC_ERRNO_SUFFIX));
        fd = src_open_at(atomic_load(&l->dirfd), side, O_RDONLY | O_NONBLOCK);
        free(side);
        if (fd < 0)
                return 0;
        err = src_read_fd(fd, &r);
        close(fd);
        if (err < 0)
                return err;
        err = r.err ? r.err : src_errno_parse(r.data ? r.data : "");
        src_read_free(&r);
        return err ? err : EIO;
}

static int src_local_read(void *ctx, const char *path, struct src_read *out)
{
        struct src_local *l = ctx;
        int fd, ret;

        if (l->flags & SRC_LOCAL_ERRNO_FILES) {
                ret = src_local_sidecar(l, path);
                if (ret < 0)
                        return ret;
                if (ret > 0) {
                        out->err = ret;
                        return 0;
                }
        }
        /*
         * Open and read in blocking mode, as a debugfs read that waits on a driver lock
         * does (a FIFO in a fixture blocks the same way): callers that must not wait read
         * through the engine's workers, with a deadline.
         */
        fd = src_open_at(atomic_load(&l->dirfd), path, O_RDONLY);
        if (fd < 0) {
                out->err = errno;
                return 0;
        }
        ret = src_read_fd(fd, out);
        close(fd);
        return ret;
}

static int src_name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void src_list_take(struct src_list *out, char **names, size_t n)
{
        if (n > 1)
                qsort(names, n, sizeof(*names), src_name_cmp);
        out->names = names;
        out->n = n;
}

static bool src_has_suffix(const char *s, const char *suf)
{
        size_t a = strlen(s), b = strlen(suf);

        return a > b && strcmp(s + a - b, suf) == 0;
}

static int src_names_add(char ***names, size_t *n, size_t *cap, const char *name, size_t len)
{
        char *copy;

        for (size_t i = 0; i < *n; i++)
                if (strlen((*names)[i]) == len && memcmp((*names)[i], name, len) == 0)
                        return 0;
        if (*n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 16;
                char **nn = realloc(*names, ncap * sizeof(*nn));

                if (!nn)
                        return -ENOMEM;
                *names = nn;
                *cap = ncap;
        }
        copy = strndup(name, len);
        if (!copy)
                return -ENOMEM;
        (*names)[(*n)++] = copy;
        return 0;
}

/*
 * The root as a path now: 0 when it is the directory the source holds, or a new one
 * (then held from now on: a driver module unloaded and loaded again removes its debugfs
 * directory and makes another, and an unmounted and remounted debugfs is another
 * filesystem); a positive errno when the path names no directory now (ENOENT: removed).
 */
static int src_local_root(struct src_local *l)
{
        struct stat now, held;
        int fd, *nr;

        if (stat(l->root, &now) < 0)
                return errno;
        if (!S_ISDIR(now.st_mode))
                return ENOTDIR;
        if (fstat(atomic_load(&l->dirfd), &held) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino && held.st_nlink > 0)
                return 0;
        fd = src_open_at(AT_FDCWD, l->root, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return errno;
        nr = realloc(l->retired, (l->nretired + 1) * sizeof(*nr));
        if (!nr) {
                close(fd);
                return 0; /* keep the old one: the next listing tries again */
        }
        l->retired = nr;
        l->retired[l->nretired++] = atomic_exchange(&l->dirfd, fd);
        return 0;
}

static int src_local_list(void *ctx, const char *path, struct src_list *out)
{
        struct src_local *l = ctx;
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int fd, ret = 0;
        DIR *d;

        if (!*path) {
                ret = src_local_root(l);
                if (ret) {
                        out->err = ret;
                        return 0;
                }
        }

        if ((l->flags & SRC_LOCAL_ERRNO_FILES) && *path) {
                ret = src_local_sidecar(l, path);
                if (ret < 0)
                        return ret;
                if (ret > 0) {
                        out->err = ret;
                        return 0;
                }
        }
        fd = src_open_at(atomic_load(&l->dirfd), path, O_RDONLY | O_DIRECTORY);
        if (fd < 0) {
                out->err = errno;
                return 0;
        }
        d = fdopendir(fd);
        if (!d) {
                out->err = errno;
                close(fd);
                return 0;
        }
        while ((errno = 0, de = readdir(d)) != NULL) {
                size_t len = strlen(de->d_name);

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if ((l->flags & SRC_LOCAL_ERRNO_FILES) &&
                    src_has_suffix(de->d_name, SRC_ERRNO_SUFFIX))
                        len -= strlen(SRC_ERRNO_SUFFIX);
                ret = src_names_add(&names, &n, &cap, de->d_name, len);
                if (ret < 0)
                        break;
        }
        if (ret == 0 && errno != 0)
                out->err = errno;
        closedir(d);
        if (ret < 0 || out->err) {
                for (size_t i = 0; i < n; i++)
                        free(names[i]);
                free(names);
                return ret;
        }
        src_list_take(out, names, n);
        return 0;
}

static void src_local_destroy(void *ctx)
{
        struct src_local *l = ctx;

        close(atomic_load(&l->dirfd));
        for (size_t i = 0; i < l->nretired; i++)
                close(l->retired[i]);
        free(l->retired);
        free(l->root);
        free(l);
}

static const struct src_ops src_local_ops = {
    .kind = "local",
    .read = src_local_read,
    .list = src_local_list,
    .destroy = src_local_destroy,
};

int src_new(const struct src_ops *ops, void *ctx, const char *root, struct src **out)
{
        struct src *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->root = strdup(root ? root : "");
        if (!s->root) {
                free(s);
                return -ENOMEM;
        }
        s->ops = ops;
        s->ctx = ctx;
        *out = s;
        return 0;
}

int src_local_open(const char *root, unsigned flags, struct src **out)
{
        struct src_local *l;
        int fd, ret;

        fd = src_open_at(AT_FDCWD, root, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return -errno;
        l = calloc(1, sizeof(*l));
        if (!l) {
                close(fd);
                return -ENOMEM;
        }
        atomic_init(&l->dirfd, fd);
        l->flags = flags;
        l->root = strdup(root);
        if (!l->root) {
                src_local_destroy(l);
                return -ENOMEM;
        }
        ret = src_new(&src_local_ops, l, root, out);
        if (ret < 0)
                src_local_destroy(l);
        return ret;
}

void src_close(struct src *s)
{
        if (!s)
                return;
        if (s->ops && s->ops->destroy)
                s->ops->destroy(s->ctx);
        free(s->root);
        free(s);
}

int src_read(struct src *s, const char *path, struct src_read *out)
{
        int ret;

        memset(out, 0, sizeof(*out));
        out->t_start = src_now_ns();
        ret = s->ops->read(s->ctx, path, out);
        if (!out->t_end) /* a replayed read keeps its recorded times */
                out->t_end = src_now_ns();
        if (ret < 0 || out->err) {
                free(out->data);
                out->data = NULL;
                out->len = 0;
        }
        return ret;
}

int src_list(struct src *s, const char *path, struct src_list *out)
{
        memset(out, 0, sizeof(*out));
        return s->ops->list(s->ctx, path, out);
}

void src_read_free(struct src_read *r)
{
        free(r->data);
        r->data = NULL;
        r->len = 0;
}

void src_list_free(struct src_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
        l->names = NULL;
        l->n = 0;
}
