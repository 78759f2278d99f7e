/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agent: `migtop --agent` (see agent.h).  The engine reads through a tap around the local
 * source: the tap keeps the last result of every path read or listed and marks the ones
 * that changed; the loop sends those as a delta after each engine_process().
 */
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/agentproto.h"
#include "core/src.h"
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/engine.h"
#include "engine/klog.h"

#define AGENT_MS_NS 1000000LL

/* ---- the tap ------------------------------------------------------------------------------ */

struct agent_ent {
        char *path;
        bool is_list;
        bool dirty; /* changed since last sent */
        int err;
        char *data; /* file content */
        size_t len;
        bool trunc;
        char **names; /* list: current names (sorted) */
        size_t n;
        char **sent; /* list: the names last sent */
        size_t nsent;
};

/*
 * The source the engine reads through, and what it saw.  Shared by the loop and the
 * engine's reader threads, which may still be inside a read (a blocked one) when the
 * engine is freed: counted, freed by the last of the two to let go.
 */
struct agent_tap {
        atomic_int refs;
        pthread_mutex_t mu;
        struct src *inner;
        struct agent_ent *e; /* sorted by (path, is_list) */
        size_t n, cap;
        size_t ndirty;
        int oom;     /* an allocation failed in a read: the loop ends the agent */
        char **klog; /* raw records waiting to be sent */
        size_t *klog_len;
        size_t nklog, klog_cap;
};

static int agent_ent_cmp(const char *path, bool is_list, const struct agent_ent *e)
{
        int r = strcmp(path, e->path);

        return r ? r : (int)is_list - (int)e->is_list;
}

static void agent_names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static void agent_ent_free(struct agent_ent *e)
{
        free(e->path);
        free(e->data);
        agent_names_free(e->names, e->n);
        agent_names_free(e->sent, e->nsent);
}

/* The entry of path (created when absent), or NULL (ENOMEM).  Under mu. */
static struct agent_ent *agent_ent_get(struct agent_tap *t, const char *path, bool is_list)
{
        size_t lo = 0, hi = t->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int r = agent_ent_cmp(path, is_list, &t->e[mid]);

                if (r == 0)
                        return &t->e[mid];
                if (r < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 256;
                struct agent_ent *ne = realloc(t->e, cap * sizeof(*ne));

                if (!ne)
                        return NULL;
                t->e = ne;
                t->cap = cap;
        }
        memmove(&t->e[lo + 1], &t->e[lo], (t->n - lo) * sizeof(*t->e));
        memset(&t->e[lo], 0, sizeof(*t->e));
        t->e[lo].path = strdup(path);
        if (!t->e[lo].path) {
                memmove(&t->e[lo], &t->e[lo + 1], (t->n - lo) * sizeof(*t->e));
                return NULL;
        }
        t->e[lo].is_list = is_list;
        t->e[lo].err = -1; /* never equal to a result: the first one is a change */
        t->n++;
        return &t->e[lo];
}

static void agent_dirty(struct agent_tap *t, struct agent_ent *e)
{
        if (!e->dirty)
                t->ndirty++;
        e->dirty = true;
}

static int agent_tap_read(void *ctx, const char *path, struct src_read *out)
{
        struct agent_tap *t = ctx;
        int ret = src_read(t->inner, path, out);
        struct agent_ent *e;

        if (ret < 0)
                return ret;
        pthread_mutex_lock(&t->mu);
        e = agent_ent_get(t, path, false);
        if (!e) {
                t->oom = 1;
        } else if (e->err != out->err || e->trunc != (out->truncated != 0) ||
                   (!out->err && (e->len != out->len || memcmp(e->data, out->data, e->len)))) {
                char *d = NULL;

                if (!out->err && !(d = malloc(out->len + 1))) {
                        t->oom = 1;
                } else {
                        if (d) {
                                memcpy(d, out->data, out->len);
                                d[out->len] = '\0';
                        }
                        free(e->data);
                        e->data = d;
                        e->len = out->err ? 0 : out->len;
                        e->err = out->err;
                        e->trunc = out->truncated != 0;
                        agent_dirty(t, e);
                }
        }
        pthread_mutex_unlock(&t->mu);
        return ret;
}

static bool agent_names_eq(char **a, size_t na, char **b, size_t nb)
{
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

static char **agent_names_dup(char **names, size_t n)
{
        char **c = calloc(n ? n : 1, sizeof(*c));

        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(names[i]))) {
                        agent_names_free(c, i);
                        return NULL;
                }
        return c;
}

static int agent_tap_list(void *ctx, const char *path, struct src_list *out)
{
        struct agent_tap *t = ctx;
        int ret = src_list(t->inner, path, out);
        struct agent_ent *e;

        if (ret < 0)
                return ret;
        pthread_mutex_lock(&t->mu);
        e = agent_ent_get(t, path, true);
        if (!e) {
                t->oom = 1;
        } else if (e->err != out->err || !agent_names_eq(e->names, e->n, out->names, out->n)) {
                char **c = out->err ? NULL : agent_names_dup(out->names, out->n);

                if (!out->err && !c) {
                        t->oom = 1;
                } else {
                        agent_names_free(e->names, e->n);
                        e->names = c;
                        e->n = out->err ? 0 : out->n;
                        e->err = out->err;
                        agent_dirty(t, e);
                }
        }
        pthread_mutex_unlock(&t->mu);
        return ret;
}

static void agent_tap_put(struct agent_tap *t);

/* The last reader thread is done with the source: the engine's reference goes. */
static void agent_tap_destroy(void *ctx)
{
        struct agent_tap *t = ctx;

        src_close(t->inner);
        t->inner = NULL;
        agent_tap_put(t);
}

static const struct src_ops agent_tap_ops = {
    .kind = "agent",
    .read = agent_tap_read,
    .list = agent_tap_list,
    .destroy = agent_tap_destroy,
};

static void agent_tap_free(struct agent_tap *t)
{
        for (size_t i = 0; i < t->n; i++)
                agent_ent_free(&t->e[i]);
        free(t->e);
        for (size_t i = 0; i < t->nklog; i++)
                free(t->klog[i]);
        free(t->klog);
        free(t->klog_len);
        pthread_mutex_destroy(&t->mu);
}

static void agent_tap_put(struct agent_tap *t)
{
        if (atomic_fetch_sub(&t->refs, 1) == 1) {
                agent_tap_free(t);
                free(t);
        }
}

/* A kernel log record read by the engine (klog_tap_fn): kept until the loop sends it. */
static void agent_klog(void *ctx, const char *raw, size_t len)
{
        struct agent_tap *t = ctx;
        char *c = malloc(len + 1);

        pthread_mutex_lock(&t->mu);
        if (c && t->nklog == t->klog_cap) {
                size_t cap = t->klog_cap ? t->klog_cap * 2 : 64;
                char **k = realloc(t->klog, cap * sizeof(*k));
                size_t *l = k ? realloc(t->klog_len, cap * sizeof(*l)) : NULL;

                if (k)
                        t->klog = k;
                if (l) {
                        t->klog_len = l;
                        t->klog_cap = cap;
                }
        }
        if (!c || t->nklog == t->klog_cap) {
                free(c);
                t->oom = 1;
        } else {
                memcpy(c, raw, len);
                c[len] = '\0';
                t->klog[t->nklog] = c;
                t->klog_len[t->nklog++] = len;
        }
        pthread_mutex_unlock(&t->mu);
}

/* ---- the messages ------------------------------------------------------------------------ */

struct agent {
        const struct batch_opts *o;
        FILE *out, *err;
        struct agent_tap *tap; /* counted: the engine's source holds a reference */
        struct engine *e;
        struct klog *klog;
        struct disc *disc; /* sysfs of this host, NULL: none (a fixture's root) */
        uint64_t seq;
        uint64_t bad;
        int64_t last_write_ns;
        int interval_ms;
        bool paused;
        bool quit;
        int out_err; /* errno of a failed write */
};

static int64_t agent_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t agent_real_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int agent_write(struct agent *a, const struct ap_msg *m)
{
        size_t len;
        char *s = ap_msg_encode(m, &len);

        if (!s)
                return -ENOMEM;
        if (!a->out_err && (fwrite(s, 1, len, a->out) != len || fflush(a->out) != 0))
                a->out_err = errno ? errno : EIO;
        free(s);
        a->last_write_ns = agent_mono_ns();
        return a->out_err ? -a->out_err : 0;
}

/* The names in a (sorted) not in b (sorted): borrowed pointers into a. */
static size_t agent_minus(char **a, size_t na, char **b, size_t nb, char **out)
{
        size_t i = 0, k = 0, n = 0;

        while (i < na) {
                int r = k < nb ? strcmp(a[i], b[k]) : -1;

                if (r < 0)
                        out[n++] = a[i++];
                else if (r > 0)
                        k++;
                else
                        i++, k++;
        }
        return n;
}

/* Drop the entries under dir/ (a device that went).  Under mu. */
static void agent_drop_under(struct agent_tap *t, const char *dir)
{
        size_t len = strlen(dir), w = 0;

        for (size_t i = 0; i < t->n; i++) {
                struct agent_ent *e = &t->e[i];

                if (len && strncmp(e->path, dir, len) == 0 && e->path[len] == '/') {
                        if (e->dirty)
                                t->ndirty--;
                        agent_ent_free(e);
                        continue;
                }
                t->e[w++] = *e;
        }
        t->n = w;
}

/* What sysfs says of the devices named (those it has) into m->sys (malloc'd). */
static void agent_sys(struct agent *a, char **names, size_t n, struct ap_msg *m)
{
        struct disc_dev *dd;

        if (!a->disc || !n || !(m->sys = calloc(n, sizeof(*m->sys))))
                return;
        dd = malloc(sizeof(*dd));
        for (size_t i = 0; dd && i < n; i++) {
                struct ap_sys *y = &m->sys[m->nsys];
                static const char *const bus[] = {"pci", "mdev", "other"};

                if (disc_lookup(a->disc, names[i], dd) < 0)
                        continue;
                snprintf(y->dev, sizeof(y->dev), "%s", names[i]);
                snprintf(y->bus, sizeof(y->bus), "%s",
                         bus[dd->bus <= DISC_BUS_OTHER ? dd->bus : DISC_BUS_OTHER]);
                snprintf(y->driver, sizeof(y->driver), "%s", dd->driver);
                snprintf(y->parent, sizeof(y->parent), "%s", dd->parent);
                y->is_vf = dd->is_vf;
                y->has_ids = dd->has_ids;
                y->vendor = dd->vendor;
                y->device = dd->device;
                y->iommu_group = dd->iommu_group;
                y->numa_node = dd->numa_node;
                m->nsys++;
        }
        free(dd);
}

/*
 * Send what changed (full: everything) as one snap or delta message.  Under mu: the
 * tap's entries are borrowed by the message.
 */
static int agent_send_data(struct agent *a, bool full)
{
        struct agent_tap *t = a->tap;
        struct ap_msg m = {.kind = full ? AP_SNAP : AP_DELTA};
        char **gone = NULL;
        size_t ngone = 0, nl = 0, nf = 0;
        int ret = -ENOMEM;

        pthread_mutex_lock(&t->mu);
        if (!full && !t->ndirty) {
                pthread_mutex_unlock(&t->mu);
                return 0;
        }
        m.lists = calloc(t->n + 1, sizeof(*m.lists));
        m.files = calloc(t->n + 1, sizeof(*m.files));
        if (!m.lists || !m.files)
                goto out;
        for (size_t i = 0; i < t->n; i++) {
                struct agent_ent *e = &t->e[i];

                if (!full && !e->dirty)
                        continue;
                if (!e->is_list) {
                        m.files[nf++] = (struct ap_file){.path = e->path,
                                                         .err = e->err,
                                                         .data = e->data,
                                                         .len = e->len,
                                                         .trunc = e->trunc};
                        continue;
                }
                struct ap_list *l = &m.lists[nl++];

                *l = (struct ap_list){.path = e->path, .err = e->err, .full = full};
                if (full || e->err) {
                        l->names = e->names;
                        l->n = e->n;
                        continue;
                }
                l->names = calloc(e->n + 1, sizeof(char *));
                l->del = calloc(e->nsent + 1, sizeof(char *));
                if (!l->names || !l->del)
                        goto out;
                l->n = agent_minus(e->names, e->n, e->sent, e->nsent, l->names);
                l->ndel = agent_minus(e->sent, e->nsent, e->names, e->n, l->del);
                if (!e->path[0] && l->ndel) {
                        gone = realloc(gone, (ngone + l->ndel) * sizeof(*gone));
                        if (!gone)
                                goto out;
                        for (size_t k = 0; k < l->ndel; k++)
                                if (!(gone[ngone++] = strdup(l->del[k])))
                                        goto out;
                }
        }
        m.nlists = nl;
        m.nfiles = nf;
        /* the devices listed (snap) or added (delta): what sysfs says of them */
        for (size_t i = 0; i < nl; i++)
                if (!m.lists[i].path[0] && !m.lists[i].err)
                        agent_sys(a, m.lists[i].names, m.lists[i].n, &m);
        m.seq = ++a->seq;
        m.ts_ms = agent_real_ms();
        ret = agent_write(a, &m);
        /* sent: nothing is dirty, lists remember what the client knows */
        for (size_t i = 0; ret == 0 && i < t->n; i++) {
                struct agent_ent *e = &t->e[i];

                if (e->is_list && (full || e->dirty)) {
                        char **c = agent_names_dup(e->names, e->n);

                        if (!c) {
                                ret = -ENOMEM;
                                break;
                        }
                        agent_names_free(e->sent, e->nsent);
                        e->sent = c;
                        e->nsent = e->n;
                }
                e->dirty = false;
        }
        if (ret == 0)
                t->ndirty = 0;
        /* a device gone: its files go with it (the client drops them on the "del") */
        for (size_t k = 0; ret == 0 && k < ngone; k++)
                agent_drop_under(t, gone[k]);
out:
        if (!full)
                for (size_t i = 0; i < nl; i++)
                        if (!m.lists[i].err) {
                                free(m.lists[i].names);
                                free(m.lists[i].del);
                        }
        agent_names_free(gone, ngone);
        free(m.lists);
        free(m.files);
        free(m.sys);
        pthread_mutex_unlock(&t->mu);
        return ret;
}

static int agent_send_klog(struct agent *a)
{
        struct agent_tap *t = a->tap;
        struct ap_msg m = {.kind = AP_KLOG};
        int ret = 0;

        pthread_mutex_lock(&t->mu);
        if (t->nklog) {
                m.klog = t->klog;
                m.klog_len = t->klog_len;
                m.nklog = t->nklog;
                ret = agent_write(a, &m);
                for (size_t i = 0; i < t->nklog; i++)
                        free(t->klog[i]);
                t->nklog = 0;
        }
        pthread_mutex_unlock(&t->mu);
        return ret;
}

static int agent_send_hb(struct agent *a)
{
        struct ap_msg m = {.kind = AP_HB, .seq = a->seq, .ts_ms = agent_real_ms(), .bad = a->bad};

        return agent_write(a, &m);
}

static int agent_send_hello(struct agent *a)
{
        struct ap_msg m = {.kind = AP_HELLO};
        struct utsname u;

        m.hello.proto = AP_PROTO_VERSION;
        snprintf(m.hello.migtop, sizeof(m.hello.migtop), "%s", MIGTOP_VERSION);
        if (uname(&u) == 0) {
                snprintf(m.hello.host, sizeof(m.hello.host), "%s", u.nodename);
                snprintf(m.hello.kernel, sizeof(m.hello.kernel), "%s", u.release);
        }
        snprintf(m.hello.root, sizeof(m.hello.root), "%s", a->o->root);
        m.hello.interval_ms = a->interval_ms;
        m.hello.ping = true;
        snprintf(m.hello.klog, sizeof(m.hello.klog), "%s",
                 !a->klog                            ? "off"
                 : klog_state(a->klog) != KLOG_ST_OK ? "unavailable"
                 : klog_live(a->klog)                ? "ok"
                                                     : "file");
        return agent_write(a, &m);
}

/* A fatal error: {"t":"error"} on out (when it still works) and the message on err. */
static int agent_fail(struct agent *a, const char *msg)
{
        struct ap_msg m = {.kind = AP_ERROR};

        snprintf(m.msg, sizeof(m.msg), "%s", msg);
        if (!a->out_err)
                agent_write(a, &m);
        fprintf(a->err, "migtop --agent: %s\n", msg);
        return BATCH_EXIT_ENV;
}

/* ---- control lines ----------------------------------------------------------------------- */

static int agent_control(struct agent *a, const char *line, size_t len)
{
        struct ap_ctl c;
        char why[160];

        if (len == 0)
                return 0;
        if (ap_ctl_decode(line, len, &c, why, sizeof(why)) < 0) {
                if (a->bad++ < AGENT_BAD_TOLD)
                        fprintf(a->err, "migtop --agent: control line ignored: %s\n", why);
                return 0;
        }
        switch (c.kind) {
        case AP_CTL_INTERVAL:
                a->interval_ms = c.ms;
                return engine_set_state_period(a->e, c.ms);
        case AP_CTL_PAUSE:
                a->paused = true;
                return 0;
        case AP_CTL_RESUME:
                a->paused = false;
                return 0;
        case AP_CTL_SNAPSHOT:
                return agent_send_data(a, true);
        case AP_CTL_PING: {
                struct ap_msg m = {.kind = AP_PONG, .seq = (uint64_t)c.id};

                return agent_write(a, &m);
        }
        case AP_CTL_QUIT:
        default:
                a->quit = true;
                return 0;
        }
}

struct agent_in {
        char buf[AP_CTL_MAX + 2];
        size_t len;
        bool skipping; /* in a line too long: drop up to its newline */
        bool eof;
};

/* Read what stdin has; handle each whole line.  0 or negative errno. */
static int agent_input(struct agent *a, int fd, struct agent_in *in)
{
        ssize_t n = read(fd, in->buf + in->len, sizeof(in->buf) - in->len);
        size_t start = 0;
        int ret;

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        if (n == 0) {
                in->eof = true;
                return 0;
        }
        in->len += (size_t)n;
        for (size_t i = 0; i < in->len; i++) {
                if (in->buf[i] != '\n')
                        continue;
                if (!in->skipping && (ret = agent_control(a, in->buf + start, i - start)) < 0)
                        return ret;
                in->skipping = false;
                start = i + 1;
                if (a->quit)
                        return 0;
        }
        memmove(in->buf, in->buf + start, in->len - start);
        in->len -= start;
        if (in->len == sizeof(in->buf)) { /* no newline in AP_CTL_MAX + 2 bytes */
                if (!in->skipping && a->bad++ < AGENT_BAD_TOLD)
                        fprintf(a->err,
                                "migtop --agent: control line ignored: longer than %d "
                                "bytes\n",
                                AP_CTL_MAX);
                in->skipping = true;
                in->len = 0;
        }
        return 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

static void agent_engine_opts(const struct agent *a, struct engine_opts *eo)
{
        engine_opts_default(eo);
        if (a->o->deadline_ms > 0)
                eo->deadline_ms = a->o->deadline_ms;
        eo->state_ms = a->interval_ms;
        if (a->interval_ms < eo->migf_ms)
                eo->migf_ms = a->interval_ms;
        eo->klog = a->klog;
}

static int agent_loop(struct agent *a, int in_fd)
{
        struct agent_in in = {0};
        int64_t end =
            agent_mono_ns() +
            (int64_t)(a->o->deadline_ms > 0 ? a->o->deadline_ms : BATCH_DEADLINE_DEFAULT) *
                AGENT_MS_NS +
            500 * AGENT_MS_NS;
        bool snapped = false;
        int ret;

        while (!in.eof && !a->quit) {
                int64_t now = agent_mono_ns();
                int t = -1, hb;
                struct pollfd p[2] = {
                    {.fd = a->paused ? -1 : engine_fd(a->e), .events = POLLIN},
                    {.fd = in_fd, .events = POLLIN},
                };

                if (!a->paused) {
                        ret = engine_process(a->e);
                        if (ret < 0)
                                return ret;
                        if (a->tap->oom)
                                return -ENOMEM;
                        /* the snapshot once the first round of reads answered (or timed out) */
                        if (!snapped && (engine_pending(a->e) == 0 || now >= end)) {
                                snapped = true;
                                ret = agent_send_data(a, true);
                        } else if (snapped) {
                                ret = agent_send_data(a, false);
                        }
                        if (ret == 0)
                                ret = agent_send_klog(a);
                        if (ret < 0)
                                return ret;
                        t = engine_next_timeout_ms(a->e);
                        if (!snapped && (t < 0 || t > 50))
                                t = 50;
                }
                hb = (int)((a->last_write_ns + AGENT_HB_MS * AGENT_MS_NS - agent_mono_ns()) /
                           AGENT_MS_NS);
                if (hb <= 0) {
                        ret = agent_send_hb(a);
                        if (ret < 0)
                                return ret;
                        hb = AGENT_HB_MS;
                }
                if (t < 0 || t > hb)
                        t = hb;
                if (poll(p, 2, t) < 0 && errno != EINTR)
                        return -errno;
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ret = agent_input(a, in_fd, &in);
                        if (ret < 0)
                                return ret;
                }
        }
        return 0;
}

int agent_run(const struct batch_opts *o, int in_fd, FILE *out, FILE *err)
{
        struct agent a = {.o = o, .out = out, .err = err};
        struct engine_opts eo;
        struct src *local = NULL, *s = NULL;
        char msg[512], kmsg[512];
        int ret, kret;

        a.interval_ms = o->interval_ms > 0 ? o->interval_ms : BATCH_INTERVAL_DEFAULT;
        signal(SIGPIPE, SIG_IGN); /* a client gone: EPIPE on the next write */
        a.tap = calloc(1, sizeof(*a.tap));
        if (!a.tap) {
                fputs("migtop --agent: out of memory\n", err);
                return BATCH_EXIT_ENV;
        }
        atomic_init(&a.tap->refs, 1);
        pthread_mutex_init(&a.tap->mu, NULL);
        /* the kernel log first: the hello says whether there is one */
        kret = batch_open_klog(o, &a.klog, kmsg, sizeof(kmsg));
        ret = agent_send_hello(&a);
        if (ret < 0) {
                fprintf(err, "migtop --agent: writing the output: %s\n", strerror(-ret));
                klog_free(a.klog);
                agent_tap_put(a.tap);
                return BATCH_EXIT_ENV;
        }
        if (kret < 0) {
                agent_tap_put(a.tap);
                return agent_fail(&a, kmsg);
        }
        ret = batch_open_src(o->root, o->fixture, &local);
        if (ret < 0) {
                batch_root_message(-ret, o->root, msg, sizeof(msg));
                klog_free(a.klog);
                agent_tap_put(a.tap);
                return agent_fail(&a, msg);
        }
        a.tap->inner = local;
        ret = src_new(&agent_tap_ops, a.tap, o->root, &s);
        if (ret < 0) {
                src_close(local);
                klog_free(a.klog);
                agent_tap_put(a.tap);
                return agent_fail(&a, "out of memory");
        }
        atomic_fetch_add(&a.tap->refs, 1); /* the source's, dropped by agent_tap_destroy() */
        if (a.klog)
                klog_set_tap(a.klog, agent_klog, a.tap);
        /* sysfs of the live tree's host (or --sysfs-root): the devices' facts for the compare */
        if ((o->sysfs_root || strcmp(o->root, TREE_DEFAULT_ROOT) == 0) &&
            disc_open(o->sysfs_root ? o->sysfs_root : "/", NULL, DISC_F_NO_NAMES, &a.disc) < 0)
                a.disc = NULL;
        agent_engine_opts(&a, &eo);
        ret = engine_new(s, &eo, &a.e);
        if (ret < 0) {
                snprintf(msg, sizeof(msg), "starting the poller: %s", strerror(-ret));
                ret = agent_fail(&a, msg);
        } else {
                ret = agent_loop(&a, in_fd);
                if (ret < 0 && a.out_err)
                        ret = (fprintf(err, "migtop --agent: writing the output: %s\n",
                                       strerror(a.out_err)),
                               BATCH_EXIT_ENV);
                else if (ret < 0)
                        ret = agent_fail(&a, strerror(-ret));
                else
                        ret = BATCH_EXIT_OK;
        }
        engine_free(a.e);
        klog_free(a.klog);
        disc_close(a.disc);
        agent_tap_put(a.tap); /* a read still blocked in a worker keeps it */
        return ret;
}
