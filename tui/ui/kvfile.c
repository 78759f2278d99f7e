/* SPDX-License-Identifier: GPL-2.0-only */
/* kvfile: the "key = value" line reader of theme and config files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ui/kvfile.h"

void kvf_errf(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (!err || !errlen)
                return;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

char *kvf_trim(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                *--e = '\0';
        return s;
}

int kvf_init(struct kvf *f, const char *text, size_t len, const char *fname, const char *what,
             const char *expect, const char *comments, const char *inline_c, char *err,
             size_t errlen)
{
        memset(f, 0, sizeof(*f));
        f->text = text;
        f->len = len;
        f->fname = fname;
        f->expect = expect;
        f->comments = comments;
        f->inline_c = inline_c;
        if (len && memchr(text, '\0', len)) {
                kvf_errf(err, errlen, "%s: binary data (NUL byte) in %s", fname, what);
                return -EINVAL;
        }
        return 0;
}

int kvf_next(struct kvf *f, char **key, char **val, char *err, size_t errlen)
{
        while (f->pos < f->len) {
                const char *start = f->text + f->pos;
                const char *nl = memchr(start, '\n', f->len - f->pos);
                size_t ll = nl ? (size_t)(nl - start) : f->len - f->pos;
                char *line, *eq;

                f->lineno++;
                if (ll >= sizeof(f->buf)) {
                        kvf_errf(err, errlen, "%s:%d: line longer than %d bytes", f->fname,
                                 f->lineno, KVF_LINE_MAX - 1);
                        return -EINVAL;
                }
                memcpy(f->buf, start, ll);
                f->buf[ll] = '\0';
                f->pos += ll + (nl ? 1 : 0);
                if (f->inline_c)
                        f->buf[strcspn(f->buf, f->inline_c)] = '\0';
                line = kvf_trim(f->buf);
                if (!*line || (f->comments && strchr(f->comments, *line)))
                        continue;
                eq = strchr(line, '=');
                if (!eq) {
                        kvf_errf(err, errlen, "%s:%d: expected '%s'", f->fname, f->lineno,
                                 f->expect);
                        return -EINVAL;
                }
                *eq = '\0';
                *key = kvf_trim(line);
                *val = kvf_trim(eq + 1);
                return 1;
        }
        return 0;
}
