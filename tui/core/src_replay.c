/* SPDX-License-Identifier: GPL-2.0-only */
/* src_replay: a recording read back as a source, and as JSON lines (see src_replay.h). */
#include "src_replay.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/esc.h"
#include "core/jsonout.h"

struct replay {
        struct rec_reader *rd;
        int64_t first, last;
        char msg[400];
};

/* One path's last result. */
struct rp_ent {
        unsigned type;
        char *path;
        int err;
        bool truncated;
        int64_t t_start, t_end;
        char *data; /* READ: bytes (NUL-terminated); LIST: names, each NUL-terminated */
        size_t len, n;
};

struct rp_src {
        struct rp_ent *e;
        size_t n, cap;
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

static struct rp_ent *rp_find(struct rp_src *p, unsigned type, const char *path)
{
        for (size_t i = 0; i < p->n; i++)
                if (p->e[i].type == type && strcmp(p->e[i].path, path) == 0)
                        return &p->e[i];
        return NULL;
}

static int rp_apply(struct rp_src *p, const struct rec_ev *ev)
{
        struct rp_ent *e = rp_find(p, ev->type, ev->path);
        size_t len = 0;
        char *d;

        if (!e) {
                if (p->n == p->cap) {
                        size_t ncap = p->cap ? p->cap * 2 : 64;
                        struct rp_ent *ne = realloc(p->e, ncap * sizeof(*ne));

                        if (!ne)
                                return -ENOMEM;
                        p->e = ne;
                        p->cap = ncap;
                }
                e = &p->e[p->n];
                memset(e, 0, sizeof(*e));
                e->type = ev->type;
                e->path = strdup(ev->path);
                if (!e->path)
                        return -ENOMEM;
                p->n++;
        }
        if (ev->type == REC_READ) {
                len = ev->len;
                d = malloc(len + 1);
                if (!d)
                        return -ENOMEM;
                memcpy(d, ev->data, len + 1);
        } else {
                for (size_t i = 0; i < ev->n; i++)
                        len += strlen(ev->names[i]) + 1;
                d = malloc(len + 1);
                if (!d)
                        return -ENOMEM;
                for (size_t i = 0, off = 0; i < ev->n; i++) {
                        size_t k = strlen(ev->names[i]) + 1;

                        memcpy(d + off, ev->names[i], k);
                        off += k;
                }
                e->n = ev->n;
        }
        free(e->data);
        e->data = d;
        e->len = len;
        e->err = ev->err;
        e->truncated = ev->truncated;
        e->t_start = ev->t_start ? ev->t_start : ev->t_ns;
        e->t_end = ev->t_end ? ev->t_end : ev->t_ns;
        return 0;
}

static void rp_clear(struct rp_src *p)
{
        for (size_t i = 0; i < p->n; i++) {
                free(p->e[i].path);
                free(p->e[i].data);
        }
        free(p->e);
}

static void rp_destroy(void *ctx)
{
        rp_clear(ctx);
        free(ctx);
}

static int rp_read(void *ctx, const char *path, struct src_read *out)
{
        struct rp_ent *e = rp_find(ctx, REC_READ, path);

        memset(out, 0, sizeof(*out));
        out->t_start = out->t_end = src_now_ns();
        if (!e) {
                out->err = ENOENT; /* never read while recording */
                return 0;
        }
        out->err = e->err;
        out->truncated = e->truncated;
        out->t_start = e->t_start;
        out->t_end = e->t_end;
        if (e->err)
                return 0;
        out->data = malloc(e->len + 1);
        if (!out->data)
                return -ENOMEM;
        memcpy(out->data, e->data, e->len + 1);
        out->len = e->len;
        return 0;
}

static int rp_list(void *ctx, const char *path, struct src_list *out)
{
        struct rp_ent *e = rp_find(ctx, REC_LIST, path);
        char **names;

        memset(out, 0, sizeof(*out));
        if (!e) {
                out->err = ENOENT;
                return 0;
        }
        if (e->err) {
                out->err = e->err;
                return 0;
        }
        names = calloc(e->n + 1, sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0, off = 0; i < e->n; i++) {
                names[i] = strdup(e->data + off);
                if (!names[i]) {
                        while (i--)
                                free(names[i]);
                        free(names);
                        return -ENOMEM;
                }
                off += strlen(e->data + off) + 1;
        }
        src_list_take(out, names, e->n);
        return 0;
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
        struct rp_src *p = calloc(1, sizeof(*p));
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
                        ret = rp_apply(p, &ev);
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

static void rp_add(struct json_object *o, const char *k, struct json_object *v)
{
        json_object_object_add(o, k, v);
}

static struct json_object *rp_time(int64_t t)
{
        char buf[40];

        rec_time_iso(t, buf, sizeof(buf));
        return json_object_new_string(buf);
}

/* bytes as a JSON string, and as hex too when they are not UTF-8 text */
static void rp_bytes(struct json_object *o, const char *k, const char *d, size_t n)
{
        rp_add(o, k, jout_strn(d, n));
        if (!esc_utf8_valid(d, n)) {
                char *hex = malloc(2 * n + 1);
                char key[32];

                if (!hex)
                        return;
                for (size_t i = 0; i < n; i++)
                        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)d[i]);
                snprintf(key, sizeof(key), "%s_hex", k);
                rp_add(o, key, json_object_new_string_len(hex, (int)(2 * n)));
                free(hex);
        }
}

static int rp_put(FILE *out, struct json_object *o)
{
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
        int ret = fprintf(out, "%s\n", s) < 0 ? -EIO : 0;

        json_object_put(o);
        return ret;
}

int replay_dump(struct replay *r, FILE *out)
{
        const struct rec_header *h = replay_header(r);
        struct json_object *o = json_object_new_object(), *hosts = json_object_new_array();
        struct rec_ev ev;
        uint64_t n = 0;
        int ret;

        rp_add(o, "type", json_object_new_string("header"));
        rp_add(o, "format_version", json_object_new_int((int)h->version));
        rp_add(o, "migtop_version", jout_str(h->migtop_version));
        rp_add(o, "t0", rp_time(h->t0_ns));
        for (size_t i = 0; i < h->nhosts; i++) {
                struct json_object *x = json_object_new_object();

                rp_add(x, "name", jout_str(h->hosts[i].name));
                rp_add(x, "kernel", jout_str(h->hosts[i].kernel));
                rp_add(x, "root", jout_str(h->hosts[i].root));
                json_object_array_add(hosts, x);
        }
        rp_add(o, "hosts", hosts);
        ret = rp_put(out, o);
        rec_seek(r->rd, INT64_MIN);
        while (ret == 0 && rec_next(r->rd, &ev) == 1) {
                o = json_object_new_object();
                rp_add(o, "type", json_object_new_string(rec_type_name(ev.type)));
                rp_add(o, "t", rp_time(ev.t_ns));
                rp_add(o, "t_ns", json_object_new_int64(ev.t_ns));
                rp_add(o, "host", json_object_new_int((int)ev.host));
                rp_add(o, "keyframe", json_object_new_boolean(ev.flags & REC_F_KEY));
                switch (ev.type) {
                case REC_READ:
                case REC_LIST:
                        rp_add(o, "path", jout_str(ev.path));
                        rp_add(o, "errno",
                               ev.err ? json_object_new_string(
                                            src_errno_name(ev.err) ? src_errno_name(ev.err) : "?")
                                      : NULL);
                        if (ev.type == REC_LIST) {
                                struct json_object *a = json_object_new_array();

                                for (size_t i = 0; i < ev.n; i++)
                                        json_object_array_add(a, jout_str(ev.names[i]));
                                rp_add(o, "names", a);
                                break;
                        }
                        rp_add(o, "t_start_ns", json_object_new_int64(ev.t_start));
                        rp_add(o, "t_end_ns", json_object_new_int64(ev.t_end));
                        rp_add(o, "truncated", json_object_new_boolean(ev.truncated));
                        if (ev.flags & REC_F_OPEN) /* no answer by t: in flight at the stop */
                                rp_add(o, "answered", json_object_new_boolean(false));
                        rp_bytes(o, "data", ev.data, ev.len);
                        break;
                case REC_KLOG:
                        rp_bytes(o, "line", ev.data, ev.len);
                        break;
                case REC_HOST:
                        rp_add(o, "status",
                               json_object_new_string(ev.status == REC_HOST_UP ? "up" : "down"));
                        rp_add(o, "message", jout_str(ev.data));
                        break;
                case REC_KEY:
                        rp_add(o, "count", json_object_new_int64((int64_t)ev.n));
                        break;
                default:
                        break;
                }
                ret = rp_put(out, o);
                n++;
        }
        if (ret == 0) {
                o = json_object_new_object();
                rp_add(o, "type", json_object_new_string("end"));
                rp_add(o, "records", json_object_new_int64((int64_t)n));
                rp_add(o, "message",
                       rec_reader_message(r->rd)[0] ? jout_str(rec_reader_message(r->rd)) : NULL);
                ret = rp_put(out, o);
        }
        if (ret == 0 && fflush(out) != 0)
                ret = -EIO;
        return ret;
}

/* ---- the player: the recording on a virtual clock ---- */

/* A read that took long while recording (it may have been blocked): replayed as long. */
struct rp_span {
        int64_t t_start, t_end;
};

/* What the player knows ahead of one path: its first result, its slow reads. */
struct rp_idx {
        char *path; /* NULL: free slot */
        int64_t first_end;
        struct rp_span *slow;
        size_t nslow;
};

struct rp_kline {
        char *raw;
        size_t len;
};

struct replay_play {
        struct replay *r;
        unsigned host;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        _Atomic int64_t now;
        int refs;
        bool closed;
        int64_t *held; /* the recorded end each held read waits for */
        size_t nheld, held_cap;
        struct rp_src tab;
        struct rp_src first_lists; /* each directory's first recorded listing */
        struct rp_idx *idx;        /* open addressing, idx_cap a power of two */
        size_t idx_cap, idx_n;
        struct rp_kline *kq; /* kernel log records due, not taken yet */
        size_t kq_head, kq_n, kq_cap;
        size_t nklog;       /* kernel log records in the file */
        uint64_t start_off; /* the chunk replayed first (its keyframe's kernel log is news) */
        bool peeked;        /* ev holds the next record (later than now) */
        bool ended;
        struct rec_ev ev;
};

static void rpp_unref(struct replay_play *p)
{
        bool last;

        pthread_mutex_lock(&p->mu);
        last = --p->refs == 0;
        pthread_mutex_unlock(&p->mu);
        if (!last)
                return;
        rp_clear(&p->tab);
        rp_clear(&p->first_lists);
        for (size_t i = 0; i < p->idx_cap; i++) {
                free(p->idx[i].path);
                free(p->idx[i].slow);
        }
        free(p->idx);
        for (size_t i = 0; i < p->kq_n; i++)
                free(p->kq[(p->kq_head + i) % p->kq_cap].raw);
        free(p->kq);
        free(p->held);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
}

static uint64_t rpp_hash(const char *path)
{
        uint64_t h = 1469598103934665603ULL;

        for (const unsigned char *c = (const unsigned char *)path; *c; c++)
                h = (h ^ *c) * 1099511628211ULL;
        return h;
}

/* The index entry of path; with add, a new one when absent (NULL: no memory). */
static struct rp_idx *rpp_idx(struct replay_play *p, const char *path, bool add)
{
        size_t i;

        if (add && (p->idx_n + 1) * 2 > p->idx_cap) {
                size_t ncap = p->idx_cap ? p->idx_cap * 2 : 256;
                struct rp_idx *ni = calloc(ncap, sizeof(*ni));

                if (!ni)
                        return NULL;
                for (size_t j = 0; j < p->idx_cap; j++) {
                        if (!p->idx[j].path)
                                continue;
                        i = rpp_hash(p->idx[j].path) & (ncap - 1);
                        while (ni[i].path)
                                i = (i + 1) & (ncap - 1);
                        ni[i] = p->idx[j];
                }
                free(p->idx);
                p->idx = ni;
                p->idx_cap = ncap;
        }
        if (!p->idx_cap)
                return NULL;
        for (i = rpp_hash(path) & (p->idx_cap - 1); p->idx[i].path; i = (i + 1) & (p->idx_cap - 1))
                if (strcmp(p->idx[i].path, path) == 0)
                        return &p->idx[i];
        if (!add || !(p->idx[i].path = strdup(path)))
                return NULL;
        p->idx_n++;
        return &p->idx[i];
}

/*
 * Until when a read of path at t waits: the end of its first recorded result when none is
 * known yet, or of a slow read in flight at t; 0: it answers now.
 */
static int64_t rpp_hold(struct replay_play *p, const char *path, int64_t t)
{
        struct rp_idx *x = rpp_idx(p, path, false);

        if (!x)
                return 0; /* never read while recording */
        if (!rp_find(&p->tab, REC_READ, path))
                return x->first_end > t ? x->first_end : 0;
        for (size_t i = 0; i < x->nslow; i++)
                if (x->slow[i].t_start <= t && t < x->slow[i].t_end)
                        return x->slow[i].t_end;
        return 0;
}

static int rpp_read(void *ctx, const char *path, struct src_read *out)
{
        struct replay_play *p = ctx;
        struct rp_ent *e;
        int64_t end;
        int ret = 0;

        memset(out, 0, sizeof(*out));
        pthread_mutex_lock(&p->mu);
        end = rpp_hold(p, path, p->now);
        if (end && p->nheld == p->held_cap) {
                size_t ncap = p->held_cap ? p->held_cap * 2 : 16;
                int64_t *nh = realloc(p->held, ncap * sizeof(*nh));

                if (nh) {
                        p->held = nh;
                        p->held_cap = ncap;
                }
        }
        if (end && p->nheld < p->held_cap) {
                p->held[p->nheld++] = end;
                while (!p->closed && p->now < end)
                        pthread_cond_wait(&p->cv, &p->mu);
                for (size_t i = 0; i < p->nheld; i++) {
                        if (p->held[i] == end) {
                                p->held[i] = p->held[--p->nheld];
                                break;
                        }
                }
        }
        e = rp_find(&p->tab, REC_READ, path);
        out->t_start = out->t_end = p->now;
        if (!e) {
                out->err = ENOENT; /* never read while recording */
        } else {
                out->err = e->err;
                out->truncated = e->truncated;
                out->t_start = e->t_start;
                out->t_end = e->t_end;
                if (!e->err) {
                        out->data = malloc(e->len + 1);
                        if (out->data) {
                                memcpy(out->data, e->data, e->len + 1);
                                out->len = e->len;
                        } else {
                                ret = -ENOMEM;
                        }
                }
        }
        pthread_mutex_unlock(&p->mu);
        return ret;
}

static int rpp_list(void *ctx, const char *path, struct src_list *out)
{
        struct replay_play *p = ctx;
        int ret;

        pthread_mutex_lock(&p->mu);
        /* listed before its first listing was recorded: that one (the live one was under way) */
        ret = rp_list(rp_find(&p->tab, REC_LIST, path) ? &p->tab : &p->first_lists, path, out);
        pthread_mutex_unlock(&p->mu);
        return ret;
}

static void rpp_destroy(void *ctx)
{
        rpp_unref(ctx);
}

static const struct src_ops rpp_ops = {
    .kind = "replay",
    .read = rpp_read,
    .list = rpp_list,
    .destroy = rpp_destroy,
};

/* Index every path's first result and slow reads (one pass over the file). */
static int rpp_scan(struct replay_play *p)
{
        struct rec_ev ev;
        int ret;

        rec_seek(p->r->rd, INT64_MIN);
        while ((ret = rec_next(p->r->rd, &ev)) == 1) {
                struct rp_idx *x;

                if (ev.host != p->host)
                        continue;
                if (ev.type == REC_LIST && !rp_find(&p->first_lists, REC_LIST, ev.path) &&
                    rp_apply(&p->first_lists, &ev) < 0)
                        return -ENOMEM;
                p->nklog += ev.type == REC_KLOG;
                if (ev.type != REC_READ)
                        continue;
                x = rpp_idx(p, ev.path, true);
                if (!x)
                        return -ENOMEM;
                if (ev.flags & REC_F_OPEN) {
                        /* in flight when the recording stopped: never answers */
                        struct rp_span *ns = realloc(x->slow, (x->nslow + 1) * sizeof(*ns));

                        if (!ns)
                                return -ENOMEM;
                        x->slow = ns;
                        x->slow[x->nslow++] = (struct rp_span){ev.t_start, INT64_MAX};
                        if (!x->first_end)
                                x->first_end = INT64_MAX;
                        continue;
                }
                if (!x->first_end)
                        x->first_end = ev.t_end ? ev.t_end : ev.t_ns;
                if (ev.t_end - ev.t_start >= REC_SLOW_NS && !(ev.flags & REC_F_KEY)) {
                        struct rp_span *ns = realloc(x->slow, (x->nslow + 1) * sizeof(*ns));

                        if (!ns)
                                return -ENOMEM;
                        x->slow = ns;
                        x->slow[x->nslow++] = (struct rp_span){ev.t_start, ev.t_end};
                }
        }
        rec_seek(p->r->rd, INT64_MIN);
        return ret;
}

int replay_play_open(struct replay *r, unsigned host, int64_t start_ns, struct replay_play **out,
                     struct src **src)
{
        struct replay_play *p = calloc(1, sizeof(*p));
        char root[1100];
        int ret;

        *out = NULL;
        *src = NULL;
        if (!p)
                return -ENOMEM;
        p->r = r;
        p->host = host;
        p->refs = 2; /* the owner and the source */
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->cv, NULL);
        p->now = r->first;
        ret = rpp_scan(p);
        if (ret == 0 && start_ns > r->first) {
                /* from the keyframe chunk at or before start_ns: the state then, exactly */
                size_t n = rec_reader_nchunks(r->rd);

                for (size_t i = 0; i < n; i++) {
                        const struct rec_chunk_info *ci = rec_reader_chunk(r->rd, i);

                        if ((ci->flags & REC_CHUNK_KEY) && ci->t_first <= start_ns &&
                            ci->t_first > p->now) {
                                p->now = ci->t_first;
                                p->start_off = ci->off;
                        }
                }
                rec_seek(r->rd, p->now);
        }
        if (ret < 0) {
                p->refs = 1;
                rpp_unref(p);
                return ret;
        }
        snprintf(root, sizeof(root), "replay:%s",
                 host < replay_header(r)->nhosts ? replay_header(r)->hosts[host].root : "?");
        ret = src_new(&rpp_ops, p, root, src);
        if (ret < 0) {
                p->refs = 1;
                rpp_unref(p);
                return ret;
        }
        *out = p;
        return 0;
}

void replay_play_close(struct replay_play *p)
{
        if (!p)
                return;
        pthread_mutex_lock(&p->mu);
        p->closed = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        rpp_unref(p);
}

bool replay_play_has_klog(const struct replay_play *p)
{
        return p->nklog > 0;
}

int64_t replay_play_now(const struct replay_play *p)
{
        return p->now;
}

int64_t replay_play_clock(void *p)
{
        return ((struct replay_play *)p)->now;
}

unsigned replay_play_waiting(struct replay_play *p)
{
        unsigned n = 0;

        /* released ones count no more, even before their thread runs */
        pthread_mutex_lock(&p->mu);
        for (size_t i = 0; i < p->nheld; i++)
                n += p->held[i] > p->now;
        pthread_mutex_unlock(&p->mu);
        return n;
}

int64_t replay_play_next_ns(struct replay_play *p)
{
        if (!p->peeked && !p->ended) {
                int ret = rec_next(p->r->rd, &p->ev);

                p->peeked = ret == 1;
                p->ended = ret != 1;
        }
        return p->peeked ? p->ev.t_ns : INT64_MAX;
}

static int rpp_kpush(struct replay_play *p, const struct rec_ev *ev)
{
        struct rp_kline *k;

        if (p->kq_n == p->kq_cap) {
                size_t ncap = p->kq_cap ? p->kq_cap * 2 : 64;
                struct rp_kline *nq = malloc(ncap * sizeof(*nq));

                if (!nq)
                        return -ENOMEM;
                for (size_t i = 0; i < p->kq_n; i++)
                        nq[i] = p->kq[(p->kq_head + i) % p->kq_cap];
                free(p->kq);
                p->kq = nq;
                p->kq_cap = ncap;
                p->kq_head = 0;
        }
        k = &p->kq[(p->kq_head + p->kq_n) % p->kq_cap];
        k->raw = malloc(ev->len + 1);
        if (!k->raw)
                return -ENOMEM;
        memcpy(k->raw, ev->data, ev->len + 1);
        k->len = ev->len;
        p->kq_n++;
        return 0;
}

int replay_play_advance(struct replay_play *p, int64_t t_ns, replay_change_fn *fn, void *ctx)
{
        int ret = 0;

        pthread_mutex_lock(&p->mu);
        if (t_ns > p->now)
                p->now = t_ns;
        pthread_mutex_unlock(&p->mu);
        while (ret == 0 && replay_play_next_ns(p) <= t_ns) {
                const struct rec_ev *ev = &p->ev;

                p->peeked = false;
                if (ev->host != p->host || ev->type == REC_KEY || ev->type == REC_HOST ||
                    (ev->flags & REC_F_OPEN))
                        continue; /* an unanswered read is no result (held: rpp_hold) */
                /* a keyframe repeats what is known: news only when the file starts with it */
                if (ev->type == REC_KLOG) {
                        if (!(ev->flags & REC_F_KEY) || ev->chunk_off == p->start_off)
                                ret = rpp_kpush(p, ev);
                        continue;
                }
                pthread_mutex_lock(&p->mu);
                ret = rp_apply(&p->tab, ev);
                pthread_mutex_unlock(&p->mu);
                if (ret == 0 && fn && !(ev->flags & REC_F_KEY))
                        fn(ctx, ev->type, ev->path);
        }
        /* wake the held reads only when one of them is due (they all wait on one cond) */
        pthread_mutex_lock(&p->mu);
        for (size_t i = 0; i < p->nheld; i++) {
                if (p->held[i] <= p->now) {
                        pthread_cond_broadcast(&p->cv);
                        break;
                }
        }
        pthread_mutex_unlock(&p->mu);
        return ret;
}

int replay_play_klog(struct replay_play *p, char **raw, size_t *len)
{
        struct rp_kline *k;

        if (!p->kq_n)
                return p->ended ? -1 : 0;
        k = &p->kq[p->kq_head];
        *raw = k->raw;
        *len = k->len;
        p->kq_head = (p->kq_head + 1) % p->kq_cap;
        p->kq_n--;
        return 1;
}
