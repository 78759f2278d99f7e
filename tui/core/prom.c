/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * prom: the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, written
 * into memory; the atomic replacement of a textfile collector's file.
 */
#include "prom.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h> /* isnan, isinf: macros */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esc.h"

void prom_init(struct prom_w *w, enum prom_fmt fmt)
{
        memset(w, 0, sizeof(*w));
        w->fmt = fmt;
}

void prom_free(struct prom_w *w)
{
        free(w->buf);
        w->buf = NULL;
        w->len = w->cap = 0;
}

static bool prom_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool prom_digit(char c)
{
        return c >= '0' && c <= '9';
}

bool prom_name_valid(const char *name)
{
        if (!name || !(prom_alpha(name[0]) || name[0] == ':'))
                return false;
        for (const char *p = name + 1; *p; p++)
                if (!prom_alpha(*p) && !prom_digit(*p) && *p != ':')
                        return false;
        return strlen(name) < PROM_NAME_MAX;
}

bool prom_label_name_valid(const char *name)
{
        if (!name || !prom_alpha(name[0]) || strncmp(name, "__", 2) == 0)
                return false;
        for (const char *p = name + 1; *p; p++)
                if (!prom_alpha(*p) && !prom_digit(*p))
                        return false;
        return true;
}

static int prom_fail(struct prom_w *w, int err)
{
        if (!w->err)
                w->err = err;
        return w->err;
}

static int prom_reserve(struct prom_w *w, size_t more)
{
        size_t need = w->len + more + 1, cap = w->cap ? w->cap : 4096;
        char *p;

        if (need <= w->cap)
                return 0;
        while (cap < need)
                cap *= 2;
        p = realloc(w->buf, cap);
        if (!p)
                return prom_fail(w, -ENOMEM);
        w->buf = p;
        w->cap = cap;
        return 0;
}

static void prom_put(struct prom_w *w, const char *s, size_t n)
{
        if (w->err || prom_reserve(w, n) < 0)
                return;
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len] = '\0';
}

static void prom_puts(struct prom_w *w, const char *s)
{
        prom_put(w, s, strlen(s));
}

static void prom_printf(struct prom_w *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void prom_printf(struct prom_w *w, const char *fmt, ...)
{
        char buf[64];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(buf)) {
                prom_fail(w, -EINVAL);
                return;
        }
        prom_put(w, buf, (size_t)n);
}

/* Append s with \\ and \n escaped, and \" when quote. */
static void prom_put_escaped(struct prom_w *w, const char *s, bool quote)
{
        const char *run = s;

        for (; *s; s++) {
                const char *esc = NULL;

                if (*s == '\\')
                        esc = "\\\\";
                else if (*s == '\n')
                        esc = "\\n";
                else if (*s == '"' && quote)
                        esc = "\\\"";
                if (!esc)
                        continue;
                prom_put(w, run, (size_t)(s - run));
                prom_puts(w, esc);
                run = s + 1;
        }
        prom_put(w, run, (size_t)(s - run));
}

size_t prom_escape_label(const char *v, char *out, size_t size)
{
        size_t n = 0;

        for (; v && *v; v++) {
                char e = *v == '\\' ? '\\' : *v == '"' ? '"' : *v == '\n' ? 'n' : 0;

                if (e) {
                        if (n + 1 < size)
                                out[n] = '\\';
                        n++;
                }
                if (n + 1 < size)
                        out[n] = e ? e : *v;
                n++;
        }
        if (size)
                out[n < size ? n : size - 1] = '\0';
        return n;
}

/* The suffix the family name drops in OpenMetrics, or NULL. */
static const char *prom_suffix(enum prom_type t)
{
        return t == PROM_COUNTER ? "_total" : t == PROM_INFO ? "_info" : NULL;
}

static bool prom_ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);

        return n > k && strcmp(s + n - k, suffix) == 0;
}

int prom_family(struct prom_w *w, const char *name, enum prom_type type, const char *help)
{
        static const char *const types[] = {"gauge", "counter", "info"};
        const char *suffix = prom_suffix(type);
        size_t famlen;

        if (w->err)
                return w->err;
        if (w->ended || !prom_name_valid(name) || (suffix && !prom_ends_with(name, suffix)))
                return prom_fail(w, -EINVAL);
        snprintf(w->fam, sizeof(w->fam), "%s", name);
        w->fam_type = type;
        famlen = strlen(name);
        if (w->fmt == PROM_FMT_OPENMETRICS && suffix)
                famlen -= strlen(suffix);
        prom_puts(w, "# HELP ");
        prom_put(w, name, famlen);
        prom_puts(w, " ");
        prom_put_escaped(w, help ? help : "", w->fmt == PROM_FMT_OPENMETRICS);
        prom_puts(w, "\n# TYPE ");
        prom_put(w, name, famlen);
        prom_puts(w, " ");
        /* the Prometheus text format has no info type: a gauge of value 1 */
        prom_puts(w, w->fmt == PROM_FMT_TEXT && type == PROM_INFO ? "gauge" : types[type]);
        prom_puts(w, "\n");
        return w->err;
}

/* A label value, escaped; both formats are UTF-8: an invalid byte becomes U+FFFD, as in JSON. */
static int prom_put_value(struct prom_w *w, const char *v)
{
        char *fixed = NULL;

        if (!esc_utf8_valid(v, strlen(v))) {
                fixed = esc_utf8_fix(v, strlen(v), NULL);
                if (!fixed)
                        return prom_fail(w, -ENOMEM);
                v = fixed;
        }
        prom_put_escaped(w, v, true);
        free(fixed);
        return 0;
}

static int prom_head(struct prom_w *w, const char *name, const struct prom_label *l, size_t nl)
{
        if (w->err)
                return w->err;
        if (w->ended || !w->fam[0] || strcmp(name, w->fam) != 0)
                return prom_fail(w, -EINVAL);
        for (size_t i = 0; i < nl; i++)
                if (!prom_label_name_valid(l[i].name))
                        return prom_fail(w, -EINVAL);
        prom_puts(w, name);
        if (nl) {
                prom_puts(w, "{");
                for (size_t i = 0; i < nl; i++) {
                        if (i)
                                prom_puts(w, ",");
                        prom_puts(w, l[i].name);
                        prom_puts(w, "=\"");
                        if (prom_put_value(w, l[i].value ? l[i].value : "") < 0)
                                return w->err;
                        prom_puts(w, "\"");
                }
                prom_puts(w, "}");
        }
        prom_puts(w, " ");
        return w->err;
}

/* The shortest of %.15g and %.17g that reads back as v. */
static void prom_double(struct prom_w *w, double v)
{
        char buf[40];

        snprintf(buf, sizeof(buf), "%.15g", v);
        if (strtod(buf, NULL) != v)
                snprintf(buf, sizeof(buf), "%.17g", v);
        prom_puts(w, buf);
}

int prom_sample(struct prom_w *w, const char *name, const struct prom_label *l, size_t nl, double v)
{
        if (prom_head(w, name, l, nl) < 0)
                return w->err;
        if (isnan(v))
                prom_puts(w, "NaN");
        else if (isinf(v))
                prom_puts(w, v > 0 ? "+Inf" : "-Inf");
        else if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v)
                /* integral and below 2^53: exact */
                prom_printf(w, "%.0f", v);
        else
                prom_double(w, v);
        prom_puts(w, "\n");
        return w->err;
}

int prom_sample_u64(struct prom_w *w, const char *name, const struct prom_label *l, size_t nl,
                    uint64_t v)
{
        if (prom_head(w, name, l, nl) < 0)
                return w->err;
        prom_printf(w, "%" PRIu64 "\n", v);
        return w->err;
}

int prom_end(struct prom_w *w)
{
        if (w->err)
                return w->err;
        if (w->fmt == PROM_FMT_OPENMETRICS && !w->ended)
                prom_puts(w, "# EOF\n");
        w->ended = true;
        return w->err;
}

static int prom_write_all(int fd, const char *buf, size_t len)
{
        while (len) {
                ssize_t n = write(fd, buf, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int prom_write_file(const char *dir, const char *name, const char *buf, size_t len)
{
        char tmp[4096], path[4096];
        int fd, dfd, ret;

        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
            snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ret = prom_write_all(fd, buf, len);
        if (!ret && fsync(fd) < 0)
                ret = -errno;
        /* mkstemp makes it 0600: node_exporter may run as another user */
        if (!ret && fchmod(fd, 0644) < 0)
                ret = -errno;
        if (close(fd) < 0 && !ret)
                ret = -errno;
        if (!ret && rename(tmp, path) < 0)
                ret = -errno;
        if (ret) {
                unlink(tmp);
                return ret;
        }
        /* the rename itself survives a crash once the directory is synced */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
        }
        return 0;
}
