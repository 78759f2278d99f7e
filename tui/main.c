/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * migtop: a console for VFIO device live migration.  main() parses the options
 * (main_opts.c) and picks the mode: batch output (--once, -n, --json, --log: batch.c), the
 * agent (--agent: agent.c) or the interactive console (ui/ui.h), with defaults from the
 * config file (ui/config.h) that the command line overrides.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "main_int.h"
#include "agent.h"
#include "batch.h"
#include "remote.h"
#include "core/src_rec.h"
#include "core/src_replay.h"
#include "core/stuck.h"
#include "core/tree.h"
#include "engine/engine.h"
#include "engine/replayer.h"
#include "ui/config.h"
#include "ui/ui.h"

static bool main_env_fixture(void)
{
        const char *v = getenv("MIGTOP_FIXTURE");

        return v && strcmp(v, "1") == 0;
}

/* --replay FILE --dump */
static int main_dump(const char *path)
{
        struct replay *r;
        char err[512];
        int ret = replay_open(path, &r, err, sizeof(err));

        if (ret < 0) {
                fprintf(stderr, "migtop: %s\n", err);
                return BATCH_EXIT_ENV;
        }
        ret = replay_dump(r, stdout);
        if (replay_message(r)[0])
                fprintf(stderr, "migtop: %s\n", replay_message(r));
        replay_free(r);
        if (ret < 0) {
                fprintf(stderr, "migtop: writing the dump: %s\n", strerror(-ret));
                return BATCH_EXIT_ENV;
        }
        return BATCH_EXIT_OK;
}

/* The config file over the defaults; 0, or an exit status after a message. */
static int main_config(struct config *cfg)
{
        char path[PATH_MAX], err[512];
        int ret;

        config_defaults(cfg);
        ret = config_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"), path, sizeof(path));
        if (ret < 0)
                return 0; /* no home: defaults */
        ret = config_load(path, false, cfg, err, sizeof(err));
        if (ret < 0) {
                fprintf(stderr, "migtop: %s\n", err[0] ? err : strerror(-ret));
                return BATCH_EXIT_ENV;
        }
        return 0;
}

static void main_exe_dir(char *buf, size_t n)
{
        ssize_t len = readlink("/proc/self/exe", buf, n - 1);
        const char *dir;

        if (len <= 0) {
                snprintf(buf, n, ".");
                return;
        }
        buf[len] = '\0';
        dir = dirname(buf);
        memmove(buf, dir, strlen(dir) + 1);
}

/*
 * The console while the tree root does not exist yet (vfio not loaded, debugfs not
 * mounted): it stays up with the remediation on screen and tries again (ui_opts.connect).
 */
struct main_conn {
        const struct main_args *a;
        struct engine_opts eo;
        struct engine *e;
        struct src_rec *rec; /* --record */
};

static int main_connect(void *arg, struct engine **e, char *msg, size_t size)
{
        struct main_conn *c = arg;
        struct src *s;
        int ret = batch_open_src(c->a->b.root, c->a->b.fixture, &s);

        if (ret < 0) {
                batch_root_message(-ret, c->a->b.root, msg, size);
                return ret;
        }
        if (c->rec && (ret = src_rec_wrap(c->rec, s, 0, &s)) < 0) {
                snprintf(msg, size, "recording: %s", strerror(-ret));
                return ret;
        }
        ret = engine_new(s, &c->eo, &c->e);
        if (ret < 0) {
                snprintf(msg, size, "starting the poller: %s", strerror(-ret));
                return ret;
        }
        *e = c->e;
        return 0;
}

/* --replay FILE in the console: the recording, indexed, --at checked.  0, or an exit status. */
static int main_replay_open(const struct main_args *a, struct rpl **r)
{
        char msg[512];
        int64_t at;

        if (rpl_open(a->b.replay, r, msg, sizeof(msg)) < 0) {
                fprintf(stderr, "migtop: %s\n", msg);
                return BATCH_EXIT_ENV;
        }
        if (replay_message(rpl_replay(*r))[0])
                fprintf(stderr, "migtop: %s\n", replay_message(rpl_replay(*r)));
        if (a->b.replay_at &&
            replay_parse_time(rpl_replay(*r), a->b.replay_at, &at, msg, sizeof(msg)) < 0) {
                fprintf(stderr, "migtop: %s\n", msg);
                rpl_free(*r);
                *r = NULL;
                return BATCH_EXIT_ENV;
        }
        return 0;
}

/*
 * Its engine from the start (or --at, where it starts playing), on the recorded --deadline,
 * -d and --pair unless given now (the pair split into pair_buf).
 */
static int main_replay_engine(const struct main_args *a, struct rpl *r, struct engine_opts *eo,
                              struct ui_opts *uo, char *pair_buf, size_t pair_size)
{
        const struct rec_header *h = replay_header(rpl_replay(r));
        char msg[300];
        int64_t at = 0;
        long v;
        int ret;

        if (a->b.deadline_ms <= 0 && rec_header_opt_num(h, REC_OPT_DEADLINE, 1, 3600000, &v) == 0)
                eo->deadline_ms = (int)v;
        if (!a->delay_set && rec_header_opt_num(h, REC_OPT_INTERVAL, 1, 3600000, &v) == 0)
                eo->state_ms = uo->interval_ms = (int)v;
        if (!a->b.pair_src)
                rec_header_pair(h, pair_buf, pair_size, &uo->pair_src, &uo->pair_dst);
        uo->replay = r;
        /* (--at was checked when the recording was opened) */
        if (a->b.replay_at &&
            replay_parse_time(rpl_replay(r), a->b.replay_at, &at, msg, sizeof(msg)) < 0)
                at = 0;
        ret = rpl_engine_open(r, eo, 0);
        if (ret == 0 && at)
                ret = rpl_seek(r, at);
        return ret;
}

/*
 * --host in the console: the union of the local source *s (NULL: --no-local) and the
 * hosts', started without waiting for any link (the console shows each host's status and
 * never blocks on one).  0, or an exit status after a message.
 */
static int main_console_hosts(const struct main_args *a, int interval_ms, struct src **s,
                              struct remote **rem)
{
        char msg[512];
        FILE *quiet = fopen("/dev/null", "w"); /* "not connected yet": the host lines say */
        int ret;

        if (!quiet) {
                fprintf(stderr, "migtop: /dev/null: %s\n", strerror(errno));
                src_close(*s);
                return BATCH_EXIT_ENV;
        }
        ret = remote_open(a->b.hosts, a->b.nhosts, a->b.ssh, interval_ms, 0, *s, quiet, rem, s, msg,
                          sizeof(msg));
        fclose(quiet);
        if (ret < 0) {
                fprintf(stderr, "migtop: %s\n", msg);
                return BATCH_EXIT_ENV;
        }
        return 0;
}

/* The interactive console. */
static int main_console(const struct main_args *a)
{
        struct rpl *rpl = NULL;
        struct ui_opts uo = {0};
        char pair_buf[256]; /* --replay: the recorded --pair */
        struct disc *disc = NULL;
        struct klog *klog = NULL;
        bool live;
        struct main_conn conn = {.a = a};
        struct engine_opts eo;
        struct engine *e = NULL;
        struct config cfg;
        struct src *s = NULL;
        struct remote *rem = NULL;
        char msg[512], exe[PATH_MAX];
        int ret = main_config(&cfg);

        if (ret)
                return ret;
        if (a->b.replay && (ret = main_replay_open(a, &rpl)) != 0)
                return ret;
        ret = rpl || a->b.no_local ? 0 : batch_open_src(a->b.root, a->b.fixture, &s);
        /* a root that does not exist yet may appear (modprobe vfio): the console waits
           (not with --host: the hosts' devices are shown at once, --no-local without it) */
        if (ret < 0 && (ret != -ENOENT || a->b.nhosts)) {
                batch_root_message(-ret, a->b.root, msg, sizeof(msg));
                fprintf(stderr, "migtop: %s\n", msg);
                return BATCH_EXIT_ENV;
        }
        if (a->b.nhosts &&
            (ret = main_console_hosts(a, a->delay_set ? a->b.interval_ms : cfg.interval_ms, &s,
                                      &rem)) != 0)
                return ret;
        ret = rpl ? 0 : batch_open_klog(&a->b, &klog, msg, sizeof(msg));
        /* --host: the hosts' kernel logs too (their records tied to LABEL:DEVICE) */
        if (ret == 0 && rem && !a->b.no_kmsg) {
                ret = remote_klog(rem, klog, &klog);
                if (ret < 0)
                        snprintf(msg, sizeof(msg), "the hosts' kernel log: %s", strerror(-ret));
        }
        if (ret < 0) {
                fprintf(stderr, "migtop: %s\n", msg);
                src_close(s);
                remote_close(rem);
                return BATCH_EXIT_ENV;
        }
        if (a->b.record) {
                ret = batch_open_rec(&a->b, &conn.rec, &s, msg, sizeof(msg));
                if (ret < 0) {
                        fprintf(stderr, "migtop: %s\n", msg);
                        klog_free(klog);
                        return BATCH_EXIT_ENV;
                }
                if (klog)
                        klog_set_tap(klog, src_rec_klog, conn.rec);
                if (rem && (ret = remote_record(rem, conn.rec)) < 0) {
                        fprintf(stderr, "migtop: recording %s: %s\n", a->b.record, strerror(-ret));
                        src_close(s);
                        remote_close(rem);
                        klog_free(klog);
                        src_rec_close(conn.rec);
                        return BATCH_EXIT_ENV;
                }
        }
        main_exe_dir(exe, sizeof(exe));
        uo.theme = a->theme ? a->theme : cfg.theme[0] ? cfg.theme : NULL;
        uo.no_color = a->no_color;
        uo.no_mouse = a->no_mouse || !cfg.mouse;
        uo.interval_ms = a->delay_set ? a->b.interval_ms : cfg.interval_ms;
        uo.pair_src = a->b.pair_src;
        uo.pair_dst = a->b.pair_dst;
        uo.host = a->label ? a->label : "local";
        uo.no_local = a->b.no_local;
        uo.exe_dir = exe;
        uo.config = &cfg;
        uo.remote = rem;
        engine_opts_default(&eo);
        eo.state_ms = uo.interval_ms;
        if (a->b.deadline_ms > 0)
                eo.deadline_ms = a->b.deadline_ms;
        eo.klog = klog;
        eo.stuck = cfg.stuck;
        if (a->stuck_set)
                stuck_merge(&eo.stuck, &a->stuck);
        /*
         * sysfs facts for the live system, or for --sysfs-root; hotplug events for the live
         * system only (without udevd, e.g. in a VM, the kernel's own uevents)
         */
        live = !rpl && !a->b.fixture && strcmp(a->b.root, TREE_DEFAULT_ROOT) == 0;
        if ((live || a->b.sysfs_root) &&
            disc_open(a->b.sysfs_root ? a->b.sysfs_root : "/", NULL,
                      access("/run/udev/control", F_OK) == 0 ? 0 : DISC_F_KERNEL_UEVENTS,
                      &disc) == 0) {
                eo.disc = disc;
                if (live && disc_monitor_start(disc) >= 0)
                        uo.hotplug = disc;
        }
        conn.eo = eo;
        uo.connect = rem ? NULL : main_connect;
        uo.connect_arg = &conn;
        if (rpl) {
                ret = main_replay_engine(a, rpl, &eo, &uo, pair_buf, sizeof(pair_buf));
                e = rpl_engine(rpl);
                /* a recording of a --host run: its hosts' lines, as of the replayed time */
                if (ret == 0 && (ret = remote_replayed(rpl, &rem)) == 0)
                        uo.remote = rem;
        } else {
                ret = s ? engine_new(s, &eo, &e) : 0;
        }
        if (ret < 0) {
                fprintf(stderr, "migtop: starting the poller: %s\n", strerror(-ret));
                if (disc)
                        disc_close(disc);
                remote_close(rem);
                klog_free(klog);
                src_rec_close(conn.rec);
                return BATCH_EXIT_ENV;
        }
        ret = ui_run(e, &uo);
        if (rpl)
                rpl_free(rpl); /* its engine */
        else
                engine_free(e ? e : conn.e);
        remote_close(rem); /* every link stopped together (2 s at most for hung ones) */
        klog_free(klog);
        if (conn.rec && src_rec_close(conn.rec) < 0 && ret == 0) {
                fprintf(stderr, "migtop: writing the recording %s failed\n", a->b.record);
                ret = BATCH_EXIT_ENV;
        }
        if (disc)
                disc_close(disc);
        if (ret == -ENOTTY) {
                fputs("migtop: not a terminal; use --once or -n for batch output\n", stderr);
                return BATCH_EXIT_ENV;
        }
        if (ret < 0) {
                fprintf(stderr, "migtop: %s\n", ui_strerror(ret));
                return BATCH_EXIT_ENV;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct main_args a = {.b = {.root = TREE_DEFAULT_ROOT}};
        int ret;

        /* the codeset decides whether names and texts keep their UTF-8 (core/esc.h) */
        setlocale(LC_CTYPE, "");
        a.b.fixture = main_env_fixture();
        ret = main_parse(argc, argv, &a);
        if (ret >= 0)
                return ret;
        if (a.once)
                a.b.count = 1;
        else if (a.count_set)
                a.b.lines = true;
        else if (a.b.textfile)
                a.b.count = LONG_MAX; /* until SIGINT/SIGTERM */
        else if ((a.b.json || a.b.openmetrics) && !a.b.log_path)
                a.b.count = 1; /* --json or --openmetrics alone: one snapshot */
        if (a.dump)
                return main_dump(a.b.replay);
        if (a.agent)
                return agent_run(&a.b, STDIN_FILENO, stdout, stderr);
        if (!a.once && !a.count_set && !a.b.json && !a.b.log_path && !a.b.textfile &&
            !a.b.openmetrics) {
                return main_console(&a);
        }
        if (a.stuck_set) {
                stuck_default(&a.batch_stuck);
                stuck_merge(&a.batch_stuck, &a.stuck);
                a.b.stuck = &a.batch_stuck;
        }
        return batch_run(&a.b, stdout, stderr);
}
