/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvfile: the line reader shared by the theme and config files: "key = value" lines,
 * blank lines and comments skipped, errors named "file:line: what".  Pure (no curses, no
 * I/O): it walks text already in memory.
 */
#ifndef MIGTOP_UI_KVFILE_H
#define MIGTOP_UI_KVFILE_H

#include <stddef.h>

#define KVF_LINE_MAX 1024

struct kvf {
        const char *text;
        size_t len, pos;
        const char *fname;    /* for messages */
        const char *expect;   /* "key = value": what a line must look like, for messages */
        const char *comments; /* characters that start a comment: at line start ("#;"), */
        const char *inline_c; /* ... or anywhere (";" in themes; NULL: none) */
        int lineno;
        char buf[KVF_LINE_MAX];
};

/*
 * Start reading text.  what names the file kind in messages ("a theme file").  Returns 0,
 * or -EINVAL with err set when the text holds a NUL byte (binary data).
 */
int kvf_init(struct kvf *f, const char *text, size_t len, const char *fname, const char *what,
             const char *expect, const char *comments, const char *inline_c, char *err,
             size_t errlen);
/*
 * The next "key = value" line: 1 with *key and *val trimmed (they point into f->buf, valid
 * until the next call; *key may be empty), 0 at the end, -EINVAL with err set (a line too
 * long, a line without '=').
 */
int kvf_next(struct kvf *f, char **key, char **val, char *err, size_t errlen);
/* Trim spaces, tabs (and trailing '\r') in place. */
char *kvf_trim(char *s);
/* snprintf into err when err is not NULL. */
void kvf_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
