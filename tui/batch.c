/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch: `migtop --once`, `-n N` and `--log FILE`.  Everything is read through the engine
 * (one poller, reads with a deadline, so a blocked file is reported, not waited for);
 * snapshots are printed as JSON (core/jsonout plus the engine's and sysfs's facts) or as
 * one readable block per device, then the --pair comparison.
 */
#include "batch.h"
#include "batch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/jsonout.h"
#include "core/pair.h"
#include "core/src_rec.h"
#include "core/src_replay.h"
#include "core/stuck.h"
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/engine.h"
#include "engine/evlog.h"
#include "engine/klog.h"
#include "remote.h"
#include "ui/pairside.h"

void batch_json_put(FILE *out, struct json_object *j, bool pretty)
{
        char *s = j ? jout_string(j, pretty) : NULL;

        if (s)
                fprintf(out, "%s\n", s);
        free(s);
}

void batch_time(char *buf, size_t n)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        evlog_time((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, buf, n);
}

int64_t batch_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- sysfs discovery ------------------------------------------------------------------- */

static const char *batch_sysfs_root(const struct batch_opts *o)
{
        if (o->no_local)
                return NULL; /* only remote hosts: this machine's sysfs is not theirs */
        if (o->sysfs_root)
                return o->sysfs_root;
        return strcmp(o->root, TREE_DEFAULT_ROOT) == 0 ? "/" : NULL;
}

/* Merge the snapshot's device names with sysfs; on any failure *m is left empty. */
static void batch_discover(struct batch_ctx *c, const struct tree *t, int debugfs_err,
                           struct disc_merged *m)
{
        char **names = NULL;
        int ret;

        memset(m, 0, sizeof(*m));
        if (!c->disc)
                return;
        if (t && t->ndevs) {
                names = calloc(t->ndevs, sizeof(*names));
                if (!names)
                        return;
                for (size_t i = 0; i < t->ndevs; i++)
                        names[i] = t->devs[i].name;
        }
        ret = disc_rescan(c->disc, names, t ? t->ndevs : 0, debugfs_err, 0, m);
        free(names);
        if (ret < 0 && ret != -ENOENT) {
                disc_merged_free(m);
                memset(m, 0, sizeof(*m));
        }
}

const struct disc_entry *batch_entry(const struct disc_merged *m, const char *name)
{
        size_t lo = 0, hi = m->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int r = strcmp(m->e[mid].name, name);

                if (r == 0)
                        return &m->e[mid];
                if (r < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* ---- the run --------------------------------------------------------------------------- */
/*
 * Every batch mode: SIGINT/SIGTERM stop cleanly (the current line is finished, never cut),
 * SIGHUP reopens the log.  The signals are blocked (before the engine's reader threads
 * start, so none of them takes one) and read from a signalfd that every wait polls, and
 * that is checked between steps: a signal is seen within one step, however far behind
 * schedule the loop is and whatever read is blocked.
 */
static void batch_signals(struct batch_ctx *c, sigset_t *old)
{
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
                struct sigaction sa;

                if (sigs[i] == SIGHUP && !c->log && !c->rec)
                        continue;
                /* ignored when started (nohup, a shell's background job): stays ignored */
                if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
                        continue;
                sigaddset(&set, sigs[i]);
        }
        sigprocmask(SIG_BLOCK, &set, old);
        c->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (c->sfd < 0) /* then the default actions stop it */
                sigprocmask(SIG_SETMASK, old, NULL);
}

static void batch_reopen(struct batch_ctx *c)
{
        int ret;

        if (c->rec && (ret = src_rec_reopen(c->rec)) < 0)
                fprintf(c->err, "migtop: reopening the recording %s: %s\n", c->o->record,
                        strerror(-ret));
        if (!c->log)
                return;
        ret = evlog_reopen(c->log);
        if (ret < 0)
                fprintf(c->err, "migtop: reopening the log %s: %s\n", evlog_path(c->log),
                        evlog_strerror(-ret));
}

/* Take the signals that arrived (SIGHUP: reopen now).  True when told to stop. */
static bool batch_stopped(struct batch_ctx *c)
{
        struct signalfd_siginfo si;

        while (c->sfd >= 0 && read(c->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGHUP)
                        batch_reopen(c);
                else if (!c->stop_sig)
                        c->stop_sig = (int)si.ssi_signo;
        }
        return c->stop_sig != 0;
}

/* A write error on the output or the log, as a negative errno, or 0. */
static int batch_write_err(const struct batch_ctx *c)
{
        if (c->out_err)
                return -c->out_err;
        return c->log ? evlog_error(c->log) : 0;
}

/*
 * Wait at most timeout_ms (-1: no bound) for a read result, a signal, or the reader of a
 * piped stdout going away (then writing can only fail: EPIPE, also with SIGPIPE ignored).
 */
static int batch_poll(struct batch_ctx *c, int timeout_ms)
{
        struct pollfd p[3] = {
            {.fd = engine_fd(c->e), .events = POLLIN},
            {.fd = c->sfd, .events = POLLIN},
            {.fd = c->out_watch, .events = 0},
        };

        /* a host's link changes on its own thread: look at it twice a second */
        if (c->rem && (timeout_ms < 0 || timeout_ms > 500))
                timeout_ms = 500;
        if (poll(p, 3, timeout_ms) < 0)
                return errno == EINTR ? 0 : -errno;
        if (p[2].revents & (POLLERR | POLLHUP) && !c->out_err)
                c->out_err = EPIPE;
        return 0;
}

int batch_step(struct batch_ctx *c)
{
        int ret;

        if (batch_stopped(c))
                return 1;
        ret = engine_process(c->e);
        if (ret < 0)
                return ret;
        if (c->rem)
                batch_hosts_log(c);
        ret = batch_write_err(c);
        return ret < 0 ? ret : 0;
}

/* Run the engine until until_ns (monotonic; -1: forever).  1: stopped by a signal. */
static int batch_wait(struct batch_ctx *c, int64_t until_ns)
{
        if (c->rpl)
                return batch_replay_wait(c, until_ns);
        for (;;) {
                int64_t now;
                int t, ret;

                ret = batch_step(c);
                if (ret != 0)
                        return ret;
                now = batch_mono_ns();
                if (until_ns >= 0 && now >= until_ns)
                        return 0;
                t = engine_next_timeout_ms(c->e);
                if (until_ns >= 0) {
                        int64_t left = (until_ns - now + BATCH_MS_NS - 1) / BATCH_MS_NS;

                        if (t < 0 || t > left)
                                t = (int)left;
                }
                ret = batch_poll(c, t);
                if (ret < 0)
                        return ret;
        }
}

/*
 * Process until no read is due and every read started has answered or is blocked, for
 * at most timeout_ms: engine_settle(), but a signal ends it at once.  0 (also when the
 * time ran out), 1: stopped by a signal, or a negative errno.
 */
static int batch_settle(struct batch_ctx *c, int timeout_ms)
{
        int64_t end = batch_mono_ns() + (int64_t)timeout_ms * BATCH_MS_NS;

        if (c->rpl)
                return batch_replay_settle(c, timeout_ms);
        for (;;) {
                int64_t left;
                int t, ret;

                ret = batch_step(c);
                if (ret != 0)
                        return ret;
                if (engine_pending(c->e) == 0)
                        return 0;
                left = end - batch_mono_ns();
                if (left <= 0)
                        return 0;
                t = engine_next_timeout_ms(c->e);
                if (t < 0 || (int64_t)t * BATCH_MS_NS > left)
                        t = (int)((left + BATCH_MS_NS - 1) / BATCH_MS_NS);
                ret = batch_poll(c, t);
                if (ret < 0)
                        return ret;
        }
}

/* Before a later snapshot: list the root again and read every state now. */
static void batch_refresh(struct batch_ctx *c)
{
        const struct engine_snap *s = engine_snapshot(c->e);

        engine_rescan(c->e);
        for (size_t i = 0; s && i < s->tree.ndevs; i++)
                if (!s->info[i].gone)
                        engine_request(c->e, s->tree.devs[i].name, NULL, "state");
        engine_snap_put(s);
}

/*
 * What the compare knows of a device besides its files: its state changes as the engine
 * saw them (*tl, malloc'd), its PCI device ID from sysfs, its kernel log records.
 */
static int batch_side(const struct batch_ctx *c, const struct engine_snap *s,
                      const struct disc_merged *m, const struct tree_dev *d, struct pair_side *side,
                      struct pair_event **tl)
{
        long i = engine_snap_find(s, d->name);
        const struct disc_entry *en = m && m->n ? batch_entry(m, d->name) : NULL;
        int pci = -1; /* -1: the engine's sysfs facts */

        struct disc_dev rd;

        if (en && en->in_sysfs && en->dev.bus == DISC_BUS_PCI && en->dev.has_ids)
                pci = en->dev.device;
        else if (!en && batch_remote_sysfs(c, d->name, &rd) && rd.bus == DISC_BUS_PCI && rd.has_ids)
                pci = rd.device; /* what the host's sysfs says, as its agent sent it */
        if (i < 0) {
                pair_side_init(side, d);
                *tl = NULL;
                return 0;
        }
        /* one snapshot shows no state change: only a watching run has a timeline */
        return pairside_build(s, (size_t)i, c->o->count != 1 || c->o->log_path || c->rpl, pci, side,
                              tl);
}

/* The exit status of a run stopped by a signal before it printed anything. */
static int batch_stop_status(struct batch_ctx *c)
{
        fprintf(c->err, "migtop: stopped by %s before a snapshot was complete\n",
                sigabbrev_np(c->stop_sig) ? sigabbrev_np(c->stop_sig) : "a signal");
        return 128 + c->stop_sig;
}

/*
 * Take and print one snapshot.  first: errors are fatal (exit code), else printed.
 * BATCH_STOPPED: a signal came while it was being taken (nothing printed).
 */
#define BATCH_STOPPED (-1)
static int batch_snapshot(struct batch_ctx *c, bool first)
{
        const struct batch_opts *o = c->o;
        const struct engine_snap *s;
        struct pair_result pr, *p = NULL;
        struct pair_side sides[2];
        struct pair_event *tl[2] = {NULL, NULL};
        struct disc_merged m;
        char msg[512];
        int ret = batch_settle(c, c->deadline_ms + BATCH_MARGIN_MS);

        if (ret == 1)
                return BATCH_STOPPED;
        if (ret < 0)
                return batch_fail(c, strerror(-ret), NULL);
        s = engine_snapshot(c->e);
        if (!s)
                return batch_fail(c, "out of memory", NULL);
        c->now_ns = batch_now(c); /* a shared snapshot keeps the time it was built */
        batch_discover(c, &s->tree, s->tree.err, &m);
        if (first && s->tree.err) {
                snprintf(msg, sizeof(msg), "%s",
                         s->tree.msg[0] ? s->tree.msg : "cannot list the vfio debugfs root");
                ret = batch_fail(c, msg, &m);
                goto out;
        }
        if (o->pair_src && o->pair_dst) {
                const struct tree_dev *a = tree_find(&s->tree, o->pair_src);
                const struct tree_dev *b = tree_find(&s->tree, o->pair_dst);

                if (!a || !b) {
                        snprintf(msg, sizeof(msg), "--pair: no device %s under %s",
                                 !a ? o->pair_src : o->pair_dst, o->root);
                        ret = batch_fail(c, msg, NULL);
                        goto out;
                }
                if (batch_side(c, s, &m, a, &sides[0], &tl[0]) < 0 ||
                    batch_side(c, s, &m, b, &sides[1], &tl[1]) < 0 ||
                    pair_compare(&sides[0], &sides[1], &pr) < 0) {
                        ret = batch_fail(c, "out of memory", NULL);
                        goto out;
                }
                p = &pr;
        }
        ret = BATCH_EXIT_OK;
        errno = 0; /* a failed write leaves its errno (the stream only keeps ferror) */
        if (o->textfile || o->openmetrics) {
                ret = batch_prom(c, s, &m, p, first);
        } else if (o->json) {
                if (batch_json(c, s, &m, p, sides) < 0)
                        ret = batch_fail(c, "out of memory", NULL);
        } else {
                batch_text(c, s, &m, p);
        }
        if (ret == BATCH_EXIT_OK && (fflush(c->out) != 0 || ferror(c->out))) {
                /* a failed write: the error is the stream's, sticky (ferror) */
                c->out_err = errno ? errno : EIO;
                fprintf(c->err, "migtop: writing the output: %s\n", strerror(c->out_err));
                ret = BATCH_EXIT_ENV;
        }
        if (ret == BATCH_EXIT_OK) {
                size_t unread = tree_count_status(&s->tree, DRV_ST_UNREAD);

                c->printed = true;
                /*
                 * Told once; the exit status follows the last snapshot (a first one cut short
                 * on a big tree, then complete ones, is a run that saw everything).  Long runs
                 * (--textfile) exit 0 when stopped.
                 */
                if (unread && !c->told_partial)
                        fprintf(c->err,
                                "migtop: %zu file%s not read before the deadline (%d ms): shown "
                                "as unread; a longer --deadline gives the reads more time\n",
                                unread, unread == 1 ? "" : "s", c->deadline_ms);
                c->told_partial |= unread > 0;
                c->partial = unread > 0 && !o->textfile;
        }
out:
        free(tl[0]);
        free(tl[1]);
        disc_merged_free(&m);
        engine_snap_put(s);
        return ret;
}

/* The loop ended on an error: a failed write (output or log) is named as one. */
static int batch_io_fail(struct batch_ctx *c, int err)
{
        char msg[512];

        bool log_out = c->log && strcmp(evlog_path(c->log), "-") == 0; /* the log is stdout */

        if (c->log && (err == evlog_error(c->log) || (log_out && err == -c->out_err)))
                snprintf(msg, sizeof(msg), "writing the log %s: %s", evlog_path(c->log),
                         strerror(-err));
        else if (c->out_err && err == -c->out_err)
                snprintf(msg, sizeof(msg), "writing the output: %s", strerror(-err));
        else
                snprintf(msg, sizeof(msg), "%s", strerror(-err));
        return batch_fail(c, msg, NULL);
}

static int batch_loop(struct batch_ctx *c)
{
        const struct batch_opts *o = c->o;
        int64_t t0 = 0;
        int ret;

        if (o->count <= 0) {
                ret = batch_wait(c, -1);
                return ret < 0 ? batch_io_fail(c, ret) : BATCH_EXIT_OK;
        }
        /* a replay's snapshot is of --at, or of the end when it is the only one */
        if (c->rpl && (o->replay_at || o->count == 1)) {
                ret = batch_wait(c, c->replay_end);
                if (ret < 0)
                        return batch_io_fail(c, ret);
        }
        for (long k = 0; k < o->count; k++) {
                if (k > 0) {
                        ret = batch_wait(c, t0 + k * (int64_t)c->interval_ms * BATCH_MS_NS);
                        if (ret < 0)
                                return batch_io_fail(c, ret);
                        if (ret > 0)
                                break;
                        batch_refresh(c);
                }
                ret = batch_snapshot(c, k == 0);
                if (ret == BATCH_STOPPED)
                        break;
                if (ret != BATCH_EXIT_OK)
                        return ret;
                if (k == 0)
                        t0 = batch_now(c);
        }
        /* stopped before anything was printed: say so, and not with 0 */
        if (c->stop_sig && !c->printed)
                return batch_stop_status(c);
        return c->partial ? BATCH_EXIT_PARTIAL : BATCH_EXIT_OK;
}

/*
 * --replay without --stuck: the recording run's thresholds (a state it does not name was
 * never stuck then); a recording without them: the defaults.
 */
static void batch_replay_stuck(const struct batch_ctx *c, struct stuck_cfg *st)
{
        const char *v = rec_header_opt(replay_header(c->rp), REC_OPT_STUCK);
        struct stuck_cfg r;
        char err[200];

        memset(&r, 0, sizeof(r));
        if (v && (!v[0] || stuck_parse(&r, v, err, sizeof(err)) == 0))
                *st = r;
}

static void batch_engine_opts(const struct batch_ctx *c, struct engine_opts *eo)
{
        const struct batch_opts *o = c->o;

        engine_opts_default(eo);
        eo->deadline_ms = c->deadline_ms;
        eo->log = c->log;
        if (o->stuck)
                eo->stuck = *o->stuck;
        else if (c->rp)
                batch_replay_stuck(c, &eo->stuck);
        if (o->count == 1 && !o->log_path && !o->replay) {
                /* one snapshot: every file once, no second round */
                eo->state_ms = eo->features_ms = eo->costly_ms = ENGINE_ONCE;
                eo->migf_ms = eo->other_ms = ENGINE_ONCE;
                eo->rescan_ms = 0;
                return;
        }
        if (c->interval_ms < eo->state_ms)
                eo->state_ms = c->interval_ms;
        /* dev_data and cmd_state issue mailbox commands and take the driver's locks (and
           log a line per failed command): never more often than once a second */
        if (c->interval_ms < eo->costly_ms)
                eo->costly_ms =
                    c->interval_ms < BATCH_COSTLY_MIN_MS ? BATCH_COSTLY_MIN_MS : c->interval_ms;
        if (c->interval_ms < eo->migf_ms)
                eo->migf_ms = c->interval_ms;
        if (c->interval_ms < eo->other_ms)
                eo->other_ms = c->interval_ms;
}

/*
 * --replay: the recording run's --deadline, -d and --pair, unless given now (a recording
 * made before they were stored: the defaults, no pair).
 */
static void batch_replay_recorded_opts(struct batch_ctx *c)
{
        const struct rec_header *h = replay_header(c->rp);
        long v;

        if (c->o->deadline_ms <= 0 && rec_header_opt_num(h, REC_OPT_DEADLINE, 1, 3600000, &v) == 0)
                c->deadline_ms = (int)v;
        if (c->o->interval_ms <= 0 && rec_header_opt_num(h, REC_OPT_INTERVAL, 1, 3600000, &v) == 0)
                c->interval_ms = (int)v;
        if (!c->o->pair_src) {
                c->o_rec = *c->o;
                if (rec_header_pair(h, c->pair_buf, sizeof(c->pair_buf), &c->o_rec.pair_src,
                                    &c->o_rec.pair_dst) == 0)
                        c->o = &c->o_rec;
        }
}

/* engine_set_stale(): a host's device whose link is down is stale, never stuck */
static bool batch_stale(void *ctx, const char *name)
{
        long long age;
        long host;

        return batch_dev_stale(ctx, name, &age, &host);
}

int batch_run(const struct batch_opts *o, FILE *out, FILE *err)
{
        struct batch_ctx c = {.o = o, .out = out, .err = err, .sfd = -1, .out_watch = -1};
        const char *sysroot = o->replay ? NULL : batch_sysfs_root(o);
        struct engine_opts eo;
        struct src *s = NULL;
        sigset_t old;
        struct stat st;
        char msg[512];
        int ret;

        c.deadline_ms = o->deadline_ms > 0 ? o->deadline_ms : BATCH_DEADLINE_DEFAULT;
        c.interval_ms = o->interval_ms > 0 ? o->interval_ms : BATCH_INTERVAL_DEFAULT;
        /* discovery failures never fail the run: without a context there is no sysfs view */
        if (sysroot && disc_open(sysroot, NULL, 0, &c.disc) < 0)
                c.disc = NULL;
        ret = o->replay     ? batch_replay_open(&c, &s, msg, sizeof(msg))
              : o->no_local ? 0
                            : batch_open_src(o->root, o->fixture, &s);
        if (ret == 0 && o->replay)
                batch_replay_recorded_opts(&c);
        if (ret < 0 && o->replay) {
                ret = batch_fail(&c, msg, NULL);
                src_close(s);
                klog_free(c.klog);
                batch_replay_close(&c);
                disc_close(c.disc);
                return ret;
        }
        if (ret < 0) {
                struct disc_merged m;

                batch_root_message(-ret, o->root, msg, sizeof(msg));
                batch_discover(&c, NULL, -ret, &m);
                ret = batch_fail(&c, msg, &m);
                disc_merged_free(&m);
                disc_close(c.disc);
                return ret;
        }
        /* --host: the union of the local tree (unless --no-local) and the hosts' */
        if (o->nhosts &&
            (ret = remote_open(o->hosts, o->nhosts, o->ssh, c.interval_ms, REMOTE_WAIT_MS, s, err,
                               &c.rem, &s, msg, sizeof(msg))) < 0) {
                ret = batch_fail(&c, msg, NULL);
                disc_close(c.disc);
                return ret;
        }
        ret = o->replay ? 0 : batch_open_klog(o, &c.klog, msg, sizeof(msg));
        /* --host: the hosts' kernel logs too (their records tied to LABEL:DEVICE) */
        /* (a watching run: also for a host not up yet, it may come with one) */
        if (ret == 0 && c.rem && !o->no_kmsg &&
            remote_has_klog(c.rem, o->count != 1 || o->log_path)) {
                ret = remote_klog(c.rem, c.klog, &c.klog);
                if (ret < 0)
                        snprintf(msg, sizeof(msg), "the hosts' kernel log: %s", strerror(-ret));
        }
        if (ret < 0) {
                src_close(s);
                ret = batch_fail(&c, msg, NULL);
                disc_close(c.disc);
                return ret;
        }
        if (o->log_path) {
                ret = evlog_open(o->log_path, o->json, &c.log);
                if (ret < 0) {
                        snprintf(msg, sizeof(msg), "cannot open the log %s: %s", o->log_path,
                                 evlog_strerror(-ret));
                        src_close(s);
                        ret = batch_fail(&c, msg, NULL);
                        disc_close(c.disc);
                        klog_free(c.klog);
                        return ret;
                }
        }
        if (o->record) {
                ret = batch_open_rec(o, &c.rec, &s, msg, sizeof(msg));
                if (ret < 0) {
                        ret = batch_fail(&c, msg, NULL);
                        disc_close(c.disc);
                        klog_free(c.klog);
                        if (c.log)
                                evlog_close(c.log);
                        return ret;
                }
                if (c.klog)
                        klog_set_tap(c.klog, src_rec_klog, c.rec);
                if (c.rem && (ret = remote_record(c.rem, c.rec)) < 0) {
                        snprintf(msg, sizeof(msg), "recording %s: %s", o->record, strerror(-ret));
                        src_close(s);
                        ret = batch_fail(&c, msg, NULL);
                        remote_close(c.rem);
                        klog_free(c.klog);
                        src_rec_close(c.rec);
                        if (c.log)
                                evlog_close(c.log);
                        disc_close(c.disc);
                        return ret;
                }
        }
        batch_signals(&c, &old);
        if (fstat(fileno(out), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
                c.out_watch = fileno(out);
        batch_engine_opts(&c, &eo);
        if (c.rpl)
                batch_replay_engine(&c, &eo);
        eo.klog = c.klog;
        ret = engine_new(s, &eo, &c.e);
        if (ret == 0 && c.rpl)
                batch_replay_attach(&c);
        if (ret == 0 && c.rem)
                engine_set_stale(c.e, batch_stale, &c);
        if (ret < 0) {
                snprintf(msg, sizeof(msg), "starting the poller: %s", strerror(-ret));
                ret = batch_fail(&c, msg, NULL);
        } else {
                ret = batch_loop(&c);
        }
        engine_free(c.e);
        remote_close(c.rem);
        klog_free(c.klog);
        batch_replay_close(&c);
        if (c.rec) {
                int rr = src_rec_close(c.rec);

                if (rr < 0) {
                        fprintf(err, "migtop: writing the recording %s: %s\n", o->record,
                                strerror(-rr));
                        if (ret == BATCH_EXIT_OK)
                                ret = BATCH_EXIT_ENV;
                }
        }
        if (c.log)
                evlog_close(c.log);
        disc_close(c.disc);
        if (c.sfd >= 0) {
                close(c.sfd);
                sigprocmask(SIG_SETMASK, &old, NULL);
        }
        return ret;
}
