/* SPDX-License-Identifier: GPL-2.0-only */
/* replay_play: the recording on a virtual clock (see replay_play.h). */
#include "replay_play.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/replay_tab.h"
#include "core/src_replay.h"

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

/* A read held until the clock reaches end (on the stack of the thread reading). */
struct rpp_wait {
        int64_t end;
        pthread_cond_t cv;
        struct rpp_wait *next;
};

struct rp_kline {
        char *raw;
        size_t len;
        const char *label; /* a link's record: its label (the header's), else NULL */
};

/* What a link's host's sysfs says of its device name ("LABEL:DEVICE"). */
struct rp_sys {
        char name[REC_LABEL_DEV_MAX];
        struct rec_sys y;
};

struct replay_play {
        struct replay *r;
        unsigned host;
        pthread_mutex_t mu;
        _Atomic int64_t now;
        int refs;
        bool closed;
        struct rpp_wait *held; /* reads held now, each woken alone when due */
        struct replay_tab tab;
        struct replay_tab first_lists; /* each directory's first recorded listing */
        struct rp_idx *idx;            /* open addressing, idx_cap a power of two */
        size_t idx_cap, idx_n;
        struct rp_kline *kq; /* kernel log records due, not taken yet */
        size_t kq_head, kq_n, kq_cap;
        size_t nklog;       /* kernel log records in the file */
        uint64_t start_off; /* the keyframe chunk started at (0: the file's start) */
        uint64_t first_off; /* the chunk replayed first (its keyframe's kernel log is news:
                               also a reopened or rotated file's first, which restates it) */
        bool peeked;        /* ev holds the next record (later than now) */
        bool ended;
        struct rec_ev ev;
        bool links;            /* REC_HDR_LINKS: every host's records, as one union */
        struct rec_link *link; /* per host: its last LINK (have_link) */
        bool *have_link;
        struct rp_sys *sys; /* the links' devices' sysfs facts */
        size_t nsys, sys_cap;
        char pbuf[REC_STR_MAX + 320]; /* rpp_path's */
};

static void rpp_unref(struct replay_play *p)
{
        bool last;

        pthread_mutex_lock(&p->mu);
        last = --p->refs == 0;
        pthread_mutex_unlock(&p->mu);
        if (!last)
                return;
        replay_tab_clear(&p->tab);
        replay_tab_clear(&p->first_lists);
        for (size_t i = 0; i < p->idx_cap; i++) {
                free(p->idx[i].path);
                free(p->idx[i].slow);
        }
        free(p->idx);
        for (size_t i = 0; i < p->kq_n; i++)
                free(p->kq[(p->kq_head + i) % p->kq_cap].raw);
        free(p->kq);
        free(p->link);
        free(p->have_link);
        free(p->sys);
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

/*
 * The path ev is known by in the replay (rec_host_path: a link's "LABEL:PATH"), in
 * p->pbuf; NULL: a record of another host, not replayed.
 */
static const char *rpp_path(struct replay_play *p, const struct rec_ev *ev)
{
        if (!p->links)
                return ev->host != p->host ? NULL : ev->path ? ev->path : "";
        if (ev->host && !rec_link_label(replay_header(p->r), ev->host))
                return NULL;
        if (!ev->path)
                return "";
        return rec_host_path(replay_header(p->r), ev->host, ev->path, p->pbuf, sizeof(p->pbuf));
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
        if (!replay_tab_find(&p->tab, REC_READ, path))
                return x->first_end > t ? x->first_end : 0;
        for (size_t i = 0; i < x->nslow; i++)
                if (x->slow[i].t_start <= t && t < x->slow[i].t_end)
                        return x->slow[i].t_end;
        return 0;
}

static int rpp_read(void *ctx, const char *path, struct src_read *out)
{
        struct replay_play *p = ctx;
        int64_t end;
        int ret;

        pthread_mutex_lock(&p->mu);
        end = rpp_hold(p, path, p->now);
        if (end) {
                struct rpp_wait w = {.end = end, .next = p->held};

                pthread_cond_init(&w.cv, NULL);
                p->held = &w;
                while (!p->closed && p->now < end)
                        pthread_cond_wait(&w.cv, &p->mu);
                for (struct rpp_wait **q = &p->held; *q; q = &(*q)->next) {
                        if (*q == &w) {
                                *q = w.next;
                                break;
                        }
                }
                pthread_cond_destroy(&w.cv);
        }
        ret = replay_tab_read(replay_tab_find(&p->tab, REC_READ, path), p->now, out);
        pthread_mutex_unlock(&p->mu);
        return ret;
}

/* With mu held: path's last listing (before its first: that one, the live one was under way). */
static int rpp_list1(struct replay_play *p, const char *path, struct src_list *out)
{
        return replay_tab_list(replay_tab_find(&p->tab, REC_LIST, path) ? &p->tab : &p->first_lists,
                               path, out);
}

/*
 * With mu held: the root of a recording with links, as the live union listed it: host 0's
 * devices (none when its listing failed or was never recorded: --no-local), then each
 * link's as LABEL:NAME (none while it has no listing).
 */
static int rpp_list_union(struct replay_play *p, struct src_list *out)
{
        const struct rec_header *h = replay_header(p->r);
        char **names = NULL, buf[REC_LABEL_DEV_MAX + 8];
        size_t n = 0, cap = 0;
        int ret = rpp_list1(p, "", out);

        if (ret < 0)
                return ret;
        if (out->err) {
                src_list_free(out);
                memset(out, 0, sizeof(*out));
        }
        for (unsigned host = 1; host < h->nhosts; host++) {
                struct src_list l;

                snprintf(buf, sizeof(buf), "%s:", h->hosts[host].name);
                if (rpp_list1(p, buf, &l) < 0)
                        goto oom;
                for (size_t k = 0; !l.err && k < l.n; k++) {
                        if (n + out->n + 1 > cap) {
                                size_t ncap = cap ? cap * 2 : 64;
                                char **nn = realloc(names, ncap * sizeof(*nn));

                                if (!nn) {
                                        src_list_free(&l);
                                        goto oom;
                                }
                                names = nn;
                                cap = ncap;
                        }
                        if (asprintf(&names[n + out->n], "%s:%s", h->hosts[host].name, l.names[k]) <
                            0) {
                                src_list_free(&l);
                                goto oom;
                        }
                        n++;
                }
                src_list_free(&l);
        }
        if (!n) {
                free(names);
                return 0;
        }
        /* the local names first */
        for (size_t k = 0; k < out->n; k++)
                names[k] = out->names[k];
        free(out->names);
        n += out->n;
        out->names = NULL;
        out->n = 0;
        src_list_take(out, names, n);
        return 0;
oom:
        for (size_t k = 0; k < n; k++)
                free(names[out->n + k]);
        free(names);
        src_list_free(out);
        return -ENOMEM;
}

static int rpp_list(void *ctx, const char *path, struct src_list *out)
{
        struct replay_play *p = ctx;
        int ret;

        pthread_mutex_lock(&p->mu);
        ret = p->links && !path[0] ? rpp_list_union(p, out) : rpp_list1(p, path, out);
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

/* Index every path's first result and slow reads (one pass, from the chunk at from). */
static int rpp_scan(struct replay_play *p, int64_t from)
{
        struct rec_ev ev;
        int ret;

        rec_seek(replay_reader(p->r), from);
        while ((ret = rec_next(replay_reader(p->r), &ev)) == 1) {
                struct rp_idx *x;
                const char *path = rpp_path(p, &ev);

                if (!path)
                        continue;
                ev.path = ev.path ? path : NULL;
                if (ev.type == REC_LIST && !replay_tab_find(&p->first_lists, REC_LIST, ev.path) &&
                    replay_tab_apply(&p->first_lists, &ev) < 0)
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
        rec_seek(replay_reader(p->r), from);
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
        p->links = (replay_header(r)->flags & REC_HDR_LINKS) && host == 0;
        p->link = calloc(replay_header(r)->nhosts, sizeof(*p->link));
        p->have_link = calloc(replay_header(r)->nhosts, sizeof(*p->have_link));
        if (!p->link || !p->have_link) {
                free(p->link);
                free(p->have_link);
                free(p);
                return -ENOMEM;
        }
        pthread_mutex_init(&p->mu, NULL);
        p->now = replay_first_ns(r);
        if (start_ns > replay_first_ns(r)) {
                /* from the keyframe chunk at or before start_ns: the state then, exactly */
                size_t n = rec_reader_nchunks(replay_reader(r));

                for (size_t i = 0; i < n; i++) {
                        const struct rec_chunk_info *ci = rec_reader_chunk(replay_reader(r), i);

                        if ((ci->flags & REC_CHUNK_KEY) && ci->t_first <= start_ns &&
                            ci->t_first > p->now) {
                                p->now = ci->t_first;
                                p->start_off = ci->off;
                        }
                }
        }
        /*
         * The index from there on: a read in flight later ends (and is written) later, and
         * every path read before is in the keyframe there (a --at near the end of a long
         * recording scans minutes, not the whole file).
         */
        ret = rpp_scan(p, p->start_off ? p->now : INT64_MIN);
        p->first_off = p->start_off;
        if (!p->start_off && rec_reader_nchunks(replay_reader(r)))
                p->first_off = rec_reader_chunk(replay_reader(r), 0)->off;
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
        for (struct rpp_wait *w = p->held; w; w = w->next)
                pthread_cond_signal(&w->cv);
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
        for (const struct rpp_wait *w = p->held; w; w = w->next)
                n += w->end > p->now;
        pthread_mutex_unlock(&p->mu);
        return n;
}

int64_t replay_play_next_ns(struct replay_play *p)
{
        if (!p->peeked && !p->ended) {
                int ret = rec_next(replay_reader(p->r), &p->ev);

                p->peeked = ret == 1;
                p->ended = ret != 1;
        }
        return p->peeked ? p->ev.t_ns : INT64_MAX;
}

/* With mu held: a SYS record applied (name: the device's "LABEL:DEVICE"). */
static int rpp_sys_apply(struct replay_play *p, const char *name, const struct rec_sys *y)
{
        struct rp_sys *e = NULL;

        for (size_t i = 0; i < p->nsys && !e; i++)
                if (strcmp(p->sys[i].name, name) == 0)
                        e = &p->sys[i];
        if (!e) {
                if (strlen(name) >= sizeof(e->name))
                        return 0;
                if (p->nsys == p->sys_cap) {
                        size_t ncap = p->sys_cap ? p->sys_cap * 2 : 32;
                        struct rp_sys *ns = realloc(p->sys, ncap * sizeof(*ns));

                        if (!ns)
                                return -ENOMEM;
                        p->sys = ns;
                        p->sys_cap = ncap;
                }
                e = &p->sys[p->nsys++];
                snprintf(e->name, sizeof(e->name), "%s", name);
        }
        e->y = *y;
        return 0;
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
        k->label = rec_link_label(replay_header(p->r), ev->host);
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
                struct rec_ev e = p->ev;
                const struct rec_ev *ev = &e;
                const char *path = rpp_path(p, &p->ev);

                p->peeked = false;
                if (!path || ev->type == REC_KEY || ev->type == REC_HOST || ev->type == REC_STOP ||
                    (ev->flags & REC_F_OPEN))
                        continue; /* an unanswered read is no result (held: rpp_hold) */
                if (ev->path)
                        e.path = path;
                if (ev->type == REC_LINK || ev->type == REC_SYS) {
                        pthread_mutex_lock(&p->mu);
                        if (ev->type == REC_SYS) {
                                ret = rpp_sys_apply(p, path, ev->sys);
                        } else {
                                p->link[ev->host] = *ev->link;
                                p->have_link[ev->host] = true;
                        }
                        pthread_mutex_unlock(&p->mu);
                        continue;
                }
                /* a keyframe repeats what is known: news only when the file starts with it */
                if (ev->type == REC_KLOG) {
                        if (!(ev->flags & REC_F_KEY) || ev->chunk_off == p->first_off)
                                ret = rpp_kpush(p, ev);
                        continue;
                }
                pthread_mutex_lock(&p->mu);
                ret = replay_tab_apply(&p->tab, ev);
                pthread_mutex_unlock(&p->mu);
                if (ret == 0 && fn && !(ev->flags & REC_F_KEY))
                        fn(ctx, ev->type, ev->path);
        }
        /* wake the held reads that are due, each alone */
        pthread_mutex_lock(&p->mu);
        for (struct rpp_wait *w = p->held; w; w = w->next)
                if (w->end <= p->now)
                        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&p->mu);
        return ret;
}

int replay_play_advance_status(struct replay_play *p)
{
        int ret = 0;

        while (ret == 0 && !p->start_off && replay_play_next_ns(p) != INT64_MAX &&
               (p->ev.type == REC_KEY || p->ev.type == REC_HOST || p->ev.type == REC_LINK ||
                p->ev.type == REC_SYS))
                ret = replay_play_advance(p, p->ev.t_ns, NULL, NULL);
        return ret;
}

int replay_play_link(struct replay_play *p, unsigned host, struct rec_link *out)
{
        int ret = -ENOENT;

        pthread_mutex_lock(&p->mu);
        if (host < replay_header(p->r)->nhosts && p->have_link[host]) {
                *out = p->link[host];
                ret = 0;
        }
        pthread_mutex_unlock(&p->mu);
        return ret;
}

int replay_play_sys(struct replay_play *p, const char *dev, struct rec_sys *out)
{
        int ret = -ENOENT;

        pthread_mutex_lock(&p->mu);
        for (size_t i = 0; i < p->nsys && ret; i++) {
                if (strcmp(p->sys[i].name, dev) == 0) {
                        *out = p->sys[i].y;
                        ret = 0;
                }
        }
        pthread_mutex_unlock(&p->mu);
        return ret;
}

int replay_play_klog(struct replay_play *p, char **raw, size_t *len, const char **label)
{
        struct rp_kline *k;

        if (!p->kq_n)
                return p->ended ? -1 : 0;
        k = &p->kq[p->kq_head];
        *raw = k->raw;
        *len = k->len;
        *label = k->label;
        p->kq_head = (p->kq_head + 1) % p->kq_cap;
        p->kq_n--;
        return 1;
}
