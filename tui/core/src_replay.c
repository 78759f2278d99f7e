/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_replay: a recording opened for --replay, the times of --at, and the source as of a
 * time (see src_replay.h).  The player is replay_play.c, --dump rec_dump.c.
 */
#include "src_replay.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rec_dump.h"
#include "core/replay_tab.h"

struct replay {
        struct rec_reader *rd;
        int64_t first, last;
        char msg[400];
};

int replay_open(const char *path, struct replay **out, char *err, size_t errsz)
{
        struct replay *r = calloc(1, sizeof(*r));
        struct rec_ev ev;
        bool any = false; /* a record seen (the header's t0 until then) */
        int ret;

        *out = NULL;
        if (!r) {
                snprintf(err, errsz, "out of memory");
                return -ENOMEM;
        }
        ret = rec_reader_open(path, &r->rd, err, errsz);
        if (ret < 0) {
                free(r);
                return ret;
        }
        r->first = r->last = rec_reader_header(r->rd)->t0_ns;
        while ((ret = rec_next(r->rd, &ev)) == 1) {
                if (ev.type == REC_KEY)
                        continue;
                if (!any || ev.t_ns < r->first)
                        r->first = ev.t_ns;
                if (!any || ev.t_ns > r->last)
                        r->last = ev.t_ns;
                any = true;
        }
        if (ret < 0) {
                replay_free(r);
                snprintf(err, errsz, "out of memory");
                return ret;
        }
        if (rec_reader_message(r->rd)[0])
                snprintf(r->msg, sizeof(r->msg), "%s: %s", path, rec_reader_message(r->rd));
        *out = r;
        return 0;
}

void replay_free(struct replay *r)
{
        if (!r)
                return;
        rec_reader_free(r->rd);
        free(r);
}

const char *replay_message(const struct replay *r)
{
        return r->msg;
}

int64_t replay_first_ns(const struct replay *r)
{
        return r->first;
}

int64_t replay_last_ns(const struct replay *r)
{
        return r->last;
}

const struct rec_header *replay_header(const struct replay *r)
{
        return rec_reader_header(r->rd);
}

struct rec_reader *replay_reader(struct replay *r)
{
        return r->rd;
}

static int64_t rp_timegm(struct tm *tm)
{
        return (int64_t)timegm(tm);
}

int replay_parse_time(const struct replay *r, const char *s, int64_t *t_ns, char *err, size_t errsz)
{
        char a[40], b[40];
        int64_t t;

        if (s[0] == '+') {
                char *end;
                double v;

                errno = 0;
                v = strtod(s + 1, &end);
                if (errno || end == s + 1 || *end || v < 0 || v > 1e9) {
                        snprintf(err, errsz,
                                 "--at '%s': not +SECONDS (seconds from the recording's start)", s);
                        return -EINVAL;
                }
                t = r->first + (int64_t)(v * 1e9 + 0.5);
        } else {
                struct tm tm = {0};
                const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
                long ns = 0;

                if (!p)
                        p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
                if (p && *p == '.') {
                        long scale = 100000000;

                        for (p++; *p >= '0' && *p <= '9'; p++) {
                                ns += (*p - '0') * scale;
                                scale /= 10;
                        }
                }
                if (p && *p == 'Z')
                        p++;
                if (!p || *p) {
                        snprintf(err, errsz,
                                 "--at '%s': not an ISO 8601 UTC time (2026-11-30T14:02:03Z, "
                                 "decimals allowed) nor +SECONDS",
                                 s);
                        return -EINVAL;
                }
                t = rp_timegm(&tm) * 1000000000LL + ns;
        }
        if (t < r->first) { /* past the last record, the state stays as it was */
                rec_time_iso(r->first, a, sizeof(a));
                rec_time_iso(r->last, b, sizeof(b));
                snprintf(err, errsz, "--at '%s': the recording starts at %s (last record at %s)", s,
                         a, b);
                return -EINVAL;
        }
        *t_ns = t;
        return 0;
}

/* ---- the source ---- */

static void rp_destroy(void *ctx)
{
        replay_tab_clear(ctx);
        free(ctx);
}

static int rp_read(void *ctx, const char *path, struct src_read *out)
{
        return replay_tab_read(replay_tab_find(ctx, REC_READ, path), src_now_ns(), out);
}

static int rp_list(void *ctx, const char *path, struct src_list *out)
{
        return replay_tab_list(ctx, path, out);
}

static const struct src_ops rp_ops = {
    .kind = "replay",
    .read = rp_read,
    .list = rp_list,
    .destroy = rp_destroy,
};

void replay_lines_free(char **lines, size_t *lens, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(lines[i]);
        free(lines);
        free(lens);
}

int replay_src_at(struct replay *r, int64_t t_ns, unsigned host, struct src **out, char ***lines,
                  size_t **lens, size_t *nlines)
{
        struct replay_tab *p = calloc(1, sizeof(*p));
        size_t cap = 0;
        struct rec_ev ev;
        char root[1100];
        int ret = 0;

        *out = NULL;
        *lines = NULL;
        *lens = NULL;
        *nlines = 0;
        if (!p)
                return -ENOMEM;
        /* from the keyframe before t_ns: it holds the state then, the records after the rest */
        rec_seek(r->rd, t_ns);
        while ((ret = rec_next(r->rd, &ev)) == 1) {
                if (ev.type == REC_KEY)
                        continue;
                if (ev.t_ns > t_ns && !(ev.flags & REC_F_KEY))
                        break;
                if (ev.host != host || (ev.flags & REC_F_OPEN))
                        continue;
                if (ev.type == REC_READ || ev.type == REC_LIST) {
                        ret = replay_tab_apply(p, &ev);
                } else if (ev.type == REC_KLOG) {
                        if (*nlines == cap) {
                                size_t ncap = cap ? cap * 2 : 64;
                                char **nl = realloc(*lines, ncap * sizeof(*nl));
                                size_t *nn = nl ? realloc(*lens, ncap * sizeof(*nn)) : NULL;

                                if (nl)
                                        *lines = nl;
                                if (!nl || !nn) {
                                        ret = -ENOMEM;
                                        break;
                                }
                                *lens = nn;
                                cap = ncap;
                        }
                        (*lines)[*nlines] = malloc(ev.len + 1);
                        if (!(*lines)[*nlines]) {
                                ret = -ENOMEM;
                                break;
                        }
                        memcpy((*lines)[*nlines], ev.data, ev.len + 1);
                        (*lens)[(*nlines)++] = ev.len;
                }
                if (ret < 0)
                        break;
        }
        if (ret < 0) {
                rp_destroy(p);
                replay_lines_free(*lines, *lens, *nlines);
                *lines = NULL;
                *lens = NULL;
                *nlines = 0;
                return ret;
        }
        snprintf(root, sizeof(root), "replay:%s",
                 host < replay_header(r)->nhosts ? replay_header(r)->hosts[host].root : "?");
        ret = src_new(&rp_ops, p, root, out);
        if (ret < 0)
                rp_destroy(p);
        return ret;
}

/* ---- --dump ---- */

int replay_dump(struct replay *r, FILE *out)
{
        return rec_dump(r->rd, out);
}
