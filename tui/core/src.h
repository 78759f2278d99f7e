/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src: the read layer.  Everything migtop reads goes through a source: the local debugfs
 * now, a remote host or a recording replay later, and fakes in tests.  A read returns the
 * file's bytes or its errno, never text guessed from an error: a failing debugfs show()
 * discards what it printed and read() fails with the errno.
 */
#ifndef MIGTOP_CORE_SRC_H
#define MIGTOP_CORE_SRC_H

#include <stddef.h>
#include <stdint.h>

/* Largest file the read layer returns; longer content is cut and flagged. */
#define SRC_READ_MAX (64u * 1024u)

struct src_read {
        int err;         /* 0, or the positive errno of open()/read() */
        char *data;      /* malloc'd, NUL-terminated for convenience; NULL when err != 0 */
        size_t len;      /* bytes read */
        int truncated;   /* content was longer than SRC_READ_MAX */
        int64_t t_start; /* CLOCK_REALTIME ns when the read started */
        int64_t t_end;   /* ... and when it returned */
};

struct src_list {
        int err; /* 0 or positive errno (ENOENT: directory absent, ENOTDIR: a file) */
        size_t n;
        char **names; /* malloc'd, sorted, without "." and ".." */
};

struct src_ops {
        const char *kind; /* "local", "remote", "replay", "fake" */
        /* Read a file; path is relative to the source's root ("<dev>/migration/state"). */
        int (*read)(void *ctx, const char *path, struct src_read *out);
        /* List a directory relative to the root ("" is the root itself). */
        int (*list)(void *ctx, const char *path, struct src_list *out);
        void (*destroy)(void *ctx);
};

struct src {
        const struct src_ops *ops;
        void *ctx;
        char *root; /* for messages: "/sys/kernel/debug/vfio", "host:/sys/...", file */
};

/* Flags for src_local_open(). */
/*
 * The root is an offline copy of a debugfs tree (a fixture, a saved capture): a file
 * "NAME.errno" holding an errno name ("EAGAIN\n") stands for a read of NAME that failed
 * with that errno, and is not listed itself.  Never set for the live debugfs.
 */
#define SRC_LOCAL_ERRNO_FILES (1u << 0)

/*
 * The local filesystem under root.  Returns 0 or a negative errno (the root cannot be
 * opened as a directory: ENOENT, EACCES, ENOTDIR...).  The read and list functions return
 * 0 when they filled *out (check out->err), negative on allocation failure.
 */
int src_local_open(const char *root, unsigned flags, struct src **out);

/*
 * Wrap ops and ctx into a new source (for other source kinds and test fakes).  root is
 * copied.  On failure returns -ENOMEM and does not call ops->destroy.
 */
int src_new(const struct src_ops *ops, void *ctx, const char *root, struct src **out);
void src_close(struct src *s);

int src_read(struct src *s, const char *path, struct src_read *out);
int src_list(struct src *s, const char *path, struct src_list *out);
void src_read_free(struct src_read *r);
void src_list_free(struct src_list *l);

/* Sort names and build a src_list from them (takes ownership of names). */
void src_list_take(struct src_list *out, char **names, size_t n);

int64_t src_now_ns(void);

/* "EAGAIN" for EAGAIN; NULL for 0 or an unknown number. */
const char *src_errno_name(int err);
/* The errno for a name such as "EAGAIN" (surrounding whitespace ignored); 0 if unknown. */
int src_errno_parse(const char *name);

#endif
