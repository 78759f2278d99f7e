/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agent: `migtop --agent` (see agent.h).  The engine reads through a tap around the local
 * source: the tap keeps the last result of every path read or listed (core/apdelta.h) and
 * marks the ones that changed; the loop sends those as a delta after each
 * engine_process().  It polls as the console does with nothing on screen
 * (engine_set_focus() naming no device): idle devices' state at the idle rate, until the
 * client names the devices it shows ({"t":"focus"}): those at the interval.
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
#include "core/apdelta.h"
#include "core/src.h"
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/engine.h"
#include "engine/klog.h"

#define AGENT_MS_NS 1000000LL

/* ---- the tap ------------------------------------------------------------------------------ */

/*
 * The source the engine reads through, and what it saw (core/apdelta.h).  Shared by the
 * loop and the engine's reader threads, which may still be inside a read (a blocked one)
 * when the engine is freed: counted, freed by the last of the two to let go.  mu guards
 * everything but refs and inner; it is never held while writing out.
 */
struct agent_tap {
        atomic_int refs;
        pthread_mutex_t mu;
        struct src *inner;
        struct apd *apd; /* the last result of every path, what is pending */
        int oom;         /* an allocation failed in a read: the loop ends the agent */
        char **klog;     /* raw records waiting to be sent */
        size_t *klog_len;
        size_t nklog, klog_cap;
};

static int agent_tap_read(void *ctx, const char *path, struct src_read *out)
{
        struct agent_tap *t = ctx;
        int ret = src_read(t->inner, path, out);

        if (ret < 0)
                return ret;
        pthread_mutex_lock(&t->mu);
        if (apd_file(t->apd, path, out->err, out->data, out->err ? 0 : out->len,
                     out->truncated != 0) < 0)
                t->oom = 1;
        pthread_mutex_unlock(&t->mu);
        return ret;
}

static int agent_tap_list(void *ctx, const char *path, struct src_list *out)
{
        struct agent_tap *t = ctx;
        int ret = src_list(t->inner, path, out);

        if (ret < 0)
                return ret;
        pthread_mutex_lock(&t->mu);
        if (apd_list(t->apd, path, out->err, out->names, out->err ? 0 : out->n) < 0)
                t->oom = 1;
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
        apd_free(t->apd);
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

/* One line (with its newline) on out.  0 or the negative errno of the failed write. */
static int agent_put(struct agent *a, const char *s, size_t len)
{
        if (!a->out_err && (fwrite(s, 1, len, a->out) != len || fflush(a->out) != 0))
                a->out_err = errno ? errno : EIO;
        a->last_write_ns = agent_mono_ns();
        return a->out_err ? -a->out_err : 0;
}

static int agent_write(struct agent *a, const struct ap_msg *m)
{
        size_t len;
        char *s = ap_msg_encode(m, &len);
        int ret;

        if (!s)
                return -ENOMEM;
        ret = agent_put(a, s, len);
        free(s);
        return ret;
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
 * Send what changed (full: everything) as one snap or delta message.  The line is made
 * under mu (the message borrows the table's entries) and marked sent there, so that a
 * read answering meanwhile is pending for the next one; it is written after.
 */
static int agent_send_data(struct agent *a, bool full)
{
        struct agent_tap *t = a->tap;
        struct ap_msg m = {0};
        char *line = NULL;
        size_t len = 0;
        int ret;

        pthread_mutex_lock(&t->mu);
        if (!full && !apd_pending(t->apd)) {
                pthread_mutex_unlock(&t->mu);
                return 0;
        }
        ret = apd_msg(t->apd, full, &m);
        if (ret == 0) {
                /* the devices listed (snap) or added (delta): what sysfs says of them */
                for (size_t i = 0; i < m.nlists; i++)
                        if (!m.lists[i].path[0] && !m.lists[i].err)
                                agent_sys(a, m.lists[i].names, m.lists[i].n, &m);
                m.seq = ++a->seq;
                m.ts_ms = agent_real_ms();
                line = ap_msg_encode(&m, &len);
                free(m.sys);
                if (line)
                        apd_sent(t->apd, &m);
                else
                        apd_msg_done(&m);
        }
        pthread_mutex_unlock(&t->mu);
        if (!line)
                return -ENOMEM;
        ret = agent_put(a, line, len);
        free(line);
        return ret;
}

static int agent_send_klog(struct agent *a)
{
        struct agent_tap *t = a->tap;
        struct ap_msg m = {.kind = AP_KLOG};
        char *line = NULL;
        size_t len = 0;
        int ret = 0;

        pthread_mutex_lock(&t->mu);
        if (t->nklog) {
                m.klog = t->klog;
                m.klog_len = t->klog_len;
                m.nklog = t->nklog;
                line = ap_msg_encode(&m, &len);
                for (size_t i = 0; i < t->nklog; i++)
                        free(t->klog[i]);
                t->nklog = 0;
                if (!line)
                        ret = -ENOMEM;
        }
        pthread_mutex_unlock(&t->mu);
        if (line)
                ret = agent_put(a, line, len);
        free(line);
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
        m.hello.focus = true;
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
        case AP_CTL_FOCUS: {
                /* names the engine matches against the devices it found (never a path) */
                const char *names[AP_FOCUS_MAX];

                for (size_t i = 0; i < c.nfocus; i++)
                        names[i] = c.focus[i];
                return engine_set_focus(a->e, names, c.nfocus);
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
        /* the console's cadences: only the state follows the client's interval */
        eo->state_ms = a->interval_ms;
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
                        /*
                         * The snapshot once the first round of reads answered (or timed
                         * out), after the kernel log records read so far: a client is
                         * connected on the snapshot, and then holds the log the kernel
                         * had (a --once client prints at once, and would print without
                         * it).
                         */
                        if (!snapped && (engine_pending(a->e) == 0 || now >= end)) {
                                snapped = true;
                                ret = agent_send_klog(a);
                                if (ret == 0)
                                        ret = agent_send_data(a, true);
                        } else if (snapped) {
                                ret = agent_send_data(a, false);
                        }
                        if (ret == 0 && snapped)
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
        if (apd_new(&a.tap->apd) < 0) {
                free(a.tap);
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
        if (ret == 0)
                engine_set_focus(a.e, NULL, 0); /* nothing on screen: idle devices slow down */
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
