/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * migtop: a console for VFIO device live migration.  main() parses the options and picks
 * the mode: batch output (--once, -n, --json, --log: batch.c) or the interactive console
 * (ui/ui.h), with defaults from the config file (ui/config.h) that the command line
 * overrides.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#define MAIN_DEADLINE_MAX 3600000 /* ms */

/* Options without a short form. */
enum {
        OPT_ROOT = 256,
        OPT_SYSFS_ROOT,
        OPT_ONCE,
        OPT_JSON,
        OPT_DEADLINE,
        OPT_LOG,
        OPT_PAIR,
        OPT_FIXTURE,
        OPT_THEME,
        OPT_NO_COLOR,
        OPT_NO_MOUSE,
        OPT_HOST,
        OPT_LABEL,
        OPT_SSH,
        OPT_NO_LOCAL,
        OPT_KMSG,
        OPT_NO_KMSG,
        OPT_STUCK,
        OPT_TEXTFILE,
        OPT_OPENMETRICS,
        OPT_RECORD,
        OPT_RECORD_MAX,
        OPT_REPLAY,
        OPT_AT,
        OPT_DUMP,
        OPT_AGENT,
};

static const struct option main_longopts[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {"sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT},
    {"once", no_argument, NULL, OPT_ONCE},
    {"json", no_argument, NULL, OPT_JSON},
    {"iterations", required_argument, NULL, 'n'},
    {"delay", required_argument, NULL, 'd'},
    {"deadline", required_argument, NULL, OPT_DEADLINE},
    {"log", required_argument, NULL, OPT_LOG},
    {"pair", required_argument, NULL, OPT_PAIR},
    {"fixture", no_argument, NULL, OPT_FIXTURE},
    {"theme", required_argument, NULL, OPT_THEME},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"no-mouse", no_argument, NULL, OPT_NO_MOUSE},
    {"host", required_argument, NULL, OPT_HOST},
    {"label", required_argument, NULL, OPT_LABEL},
    {"ssh", required_argument, NULL, OPT_SSH},
    {"no-local", no_argument, NULL, OPT_NO_LOCAL},
    {"kmsg", required_argument, NULL, OPT_KMSG},
    {"no-kmsg", no_argument, NULL, OPT_NO_KMSG},
    {"stuck", required_argument, NULL, OPT_STUCK},
    {"textfile", required_argument, NULL, OPT_TEXTFILE},
    {"openmetrics", no_argument, NULL, OPT_OPENMETRICS},
    {"record", required_argument, NULL, OPT_RECORD},
    {"record-max", required_argument, NULL, OPT_RECORD_MAX},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"at", required_argument, NULL, OPT_AT},
    {"dump", no_argument, NULL, OPT_DUMP},
    {"agent", no_argument, NULL, OPT_AGENT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Everything the command line says. */
struct main_args {
        struct batch_opts b;
        bool once;
        bool count_set; /* -n given */
        bool delay_set; /* -d given */
        const char *theme;
        bool no_color;
        bool no_mouse;
        const char *label; /* --label NAME */
        struct remote_host hosts[REMOTE_MAX_HOSTS];
        bool dump;              /* --dump (with --replay) */
        bool agent;             /* --agent */
        bool stuck_set;         /* --stuck given: the states it names are in stuck */
        struct stuck_cfg stuck; /* (stuck_unset() for the others) */
        struct stuck_cfg batch_stuck;
};

/* Keep in sync with man/migtop.1 (OPTIONS): the CLI test compares the two lists. */
static void main_usage(FILE *f)
{
        fputs("Usage: migtop [OPTION]...\n"
              "A console for VFIO device live migration: shows the migration state and the\n"
              "driver data of every device under the vfio debugfs directory.  Without\n"
              "--once, -n, --json or --log it runs the interactive console.\n"
              "\n"
              "  --root DIR         read the vfio debugfs tree under DIR\n"
              "                     (default " TREE_DEFAULT_ROOT ")\n"
              "  --sysfs-root DIR   look devices up in DIR/sys (default /, only with the\n"
              "                     default --root)\n"
              "  --once             read everything once, print it and exit\n"
              "  --json             print JSON instead of text; alone, it implies --once\n"
              "  -n, --iterations N print N snapshots, then exit (JSON: one line each)\n"
              "  -d, --delay MS     milliseconds between snapshots and state reads; in the\n"
              "                     console, the polling interval (default 1000; with\n"
              "                     --replay: the recorded one)\n"
              "  --deadline MS      a read taking longer is reported as blocked (default 1000;\n"
              "                     with --replay: the recorded one)\n"
              "  --log FILE         append one line per state, file or device change to FILE\n"
              "                     ('-': stdout) until interrupted or the -n snapshots are\n"
              "                     done; SIGHUP reopens FILE\n"
              "  --pair SRC=DST     compare source device SRC with destination device DST:\n"
              "                     would DST accept what SRC sends\n"
              "  --fixture          DIR is an offline copy of a debugfs tree in which a file\n"
              "                     NAME.errno stands for a read of NAME failing with that\n"
              "                     errno and a FIFO for a read that blocks (also when\n"
              "                     MIGTOP_FIXTURE=1)\n"
              "  --kmsg FILE        read the kernel log from FILE: /dev/kmsg records as saved\n"
              "                     by 'timeout 1 cat /dev/kmsg', or a kmsg device read live\n"
              "                     (default /dev/kmsg for the live tree; none with --root\n"
              "                     or --fixture)\n"
              "  --no-kmsg          do not read the kernel log\n"
              "  --stuck STATE=SECONDS[,STATE=SECONDS...]\n"
              "                     flag a device in STATE longer than SECONDS as stuck\n"
              "                     (0: never; default STOP_COPY, RESUMING, PRE_COPY,\n"
              "                     PRE_COPY_P2P, RUNNING_P2P 60; console: over the config\n"
              "                     file's stuck; with --replay: the recorded ones)\n"
              "  --textfile DIR     every -d interval, replace DIR/migtop.prom with the\n"
              "                     metrics (Prometheus text format) for node_exporter's\n"
              "                     textfile collector, until interrupted or the -n\n"
              "                     snapshots are done\n"
              "  --openmetrics      print the metrics as OpenMetrics text; alone, it\n"
              "                     implies --once\n"
              "  --record FILE      record everything read (results, errnos, times, reads\n"
              "                     unanswered at the end, the kernel log, --deadline, -d,\n"
              "                     --stuck; with --host each host's too, and its link's\n"
              "                     status) into FILE, zstd-compressed, flushed every\n"
              "                     second; SIGHUP reopens FILE (batch modes)\n"
              "  --record-max SIZE  past SIZE bytes (suffix K, M or G), rename FILE to\n"
              "                     FILE.1 and start a new one\n"
              "  --replay FILE      read the recording FILE instead of --root, on its\n"
              "                     clock: with --once or --json the snapshot at its end or\n"
              "                     at --at; -n/-d snapshots, --log its change log;\n"
              "                     else the console plays it (Space, Left/Right, [ ], g,\n"
              "                     Home/End: see F1); a recording made with --host\n"
              "                     shows its hosts as they were (not with --host)\n"
              "  --at TIME          with --replay: the moment to show, ISO 8601 UTC\n"
              "                     (2026-11-30T03:12:07.5Z) or +SECONDS from its start\n"
              "  --dump             with --replay: print the recording as JSON lines\n"
              "  --agent            run as the agent of a remote migtop (over ssh): stream\n"
              "                     the tree under --root as JSON lines on stdout, read only\n"
              "                     control messages on stdin, exit when stdin closes\n"
              "  --theme NAME|PATH  console colour theme\n"
              "  --no-color         console without colours\n"
              "  --no-mouse         console without mouse support\n"
              "  --label NAME       this host's name in the console (default local)\n"
              "  --host SPEC        also show the devices of a remote host, reached with ssh:\n"
              "                     [user@]host[,name=LABEL][,root=DIR][,cmd=PATH]; its devices\n"
              "                     are LABEL:DEVICE (repeatable; else the config file's\n"
              "                     host = SPEC lines); the console adds a HOST column and\n"
              "                     a status line per host; a dropped link is retried (1 s\n"
              "                     doubling to 30 s), its devices shown stale meanwhile\n"
              "  --ssh CMD          the command that reaches a host (default\n"
              "                     '" REMOTE_SSH_DEFAULT "'; also MIGTOP_SSH)\n"
              "  --no-local         with --host: not this host's devices\n"
              "  -h, --help         show this help and exit\n"
              "  -V, --version      show the version and exit\n"
              "\n"
              "Exit status: 0 ok, 1 the tree or a device could not be read, or no terminal,\n"
              "2 usage error, 3 a snapshot was cut short by the deadline (files shown as\n"
              "unread).  See migtop(1).\n",
              f);
}

static int main_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int main_usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("migtop: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'migtop --help' for more information.\n", stderr);
        return BATCH_EXIT_USAGE;
}

/* Split "SRC=DST" in place; 0 or -1 when a side is missing. */
static int main_split_pair(char *arg, const char **src, const char **dst)
{
        char *eq = strchr(arg, '=');

        if (!eq || eq == arg || !eq[1] || strchr(eq + 1, '='))
                return -1;
        *eq = '\0';
        *src = arg;
        *dst = eq + 1;
        return 0;
}

/* A decimal integer in [min, max]; 0 or -1. */
static int main_number(const char *s, long min, long max, long *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* "1048576", "512K", "64M", "2G": at least 64 KiB.  0 or -1. */
static int main_size(const char *s, uint64_t *out)
{
        char *end;
        unsigned long long v;
        unsigned shift = 0;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || s[0] == '-')
                return -1;
        if (*end == 'K' || *end == 'k')
                shift = 10;
        else if (*end == 'M' || *end == 'm')
                shift = 20;
        else if (*end == 'G' || *end == 'g')
                shift = 30;
        if (shift)
                end++;
        if (*end || v > (UINT64_MAX >> shift) || (v << shift) < 65536)
                return -1;
        *out = (uint64_t)v << shift;
        return 0;
}

static bool main_env_fixture(void)
{
        const char *v = getenv("MIGTOP_FIXTURE");

        return v && strcmp(v, "1") == 0;
}

/* One option; returns -1 to go on, or an exit status. */
static int main_option(int c, char **argv, struct main_args *a)
{
        long v;

        switch (c) {
        case OPT_ROOT:
        case OPT_SYSFS_ROOT:
                if (!optarg[0])
                        return main_usage_error("%s needs a directory",
                                                c == OPT_ROOT ? "--root" : "--sysfs-root");
                *(c == OPT_ROOT ? &a->b.root : &a->b.sysfs_root) = optarg;
                return -1;
        case OPT_ONCE:
                a->once = true;
                return -1;
        case OPT_JSON:
                a->b.json = true;
                return -1;
        case 'n':
                if (main_number(optarg, 1, LONG_MAX, &v) < 0)
                        return main_usage_error("-n wants a count of 1 or more, not '%s'", optarg);
                a->b.count = v;
                a->count_set = true;
                return -1;
        case 'd':
                if (main_number(optarg, CONFIG_INTERVAL_MIN, CONFIG_INTERVAL_MAX, &v) < 0)
                        return main_usage_error("-d wants milliseconds from %d to %d, not '%s'",
                                                CONFIG_INTERVAL_MIN, CONFIG_INTERVAL_MAX, optarg);
                a->b.interval_ms = (int)v;
                a->delay_set = true;
                return -1;
        case OPT_DEADLINE:
                if (main_number(optarg, 1, MAIN_DEADLINE_MAX, &v) < 0)
                        return main_usage_error("--deadline wants milliseconds from 1 to %d, "
                                                "not '%s'",
                                                MAIN_DEADLINE_MAX, optarg);
                a->b.deadline_ms = (int)v;
                return -1;
        case OPT_LOG:
                if (!optarg[0])
                        return main_usage_error("--log needs a file name");
                a->b.log_path = optarg;
                return -1;
        case OPT_PAIR:
                if (main_split_pair(optarg, &a->b.pair_src, &a->b.pair_dst) < 0)
                        return main_usage_error("--pair wants SRC=DST (two device names), not '%s'",
                                                optarg);
                return -1;
        case OPT_FIXTURE:
                a->b.fixture = true;
                return -1;
        case OPT_THEME:
                a->theme = optarg;
                return -1;
        case OPT_NO_COLOR:
                a->no_color = true;
                return -1;
        case OPT_NO_MOUSE:
                a->no_mouse = true;
                return -1;
        case OPT_HOST: {
                char msg[600];

                if (a->b.nhosts == REMOTE_MAX_HOSTS)
                        return main_usage_error("at most %d --host", REMOTE_MAX_HOSTS);
                if (remote_parse(optarg, &a->hosts[a->b.nhosts], msg, sizeof(msg)) < 0)
                        return main_usage_error("%s", msg);
                for (size_t i = 0; i < a->b.nhosts; i++)
                        if (strcmp(a->hosts[i].label, a->hosts[a->b.nhosts].label) == 0)
                                return main_usage_error("--host %s: the label '%s' is taken; give "
                                                        "another with name=LABEL",
                                                        optarg, a->hosts[i].label);
                a->b.nhosts++;
                a->b.hosts = a->hosts;
                return -1;
        }
        case OPT_LABEL:
                a->label = optarg;
                return -1;
        case OPT_SSH:
                if (!optarg[0])
                        return main_usage_error("--ssh needs a command");
                a->b.ssh = optarg;
                return -1;
        case OPT_NO_LOCAL:
                a->b.no_local = true;
                return -1;
        case OPT_KMSG:
                if (!optarg[0])
                        return main_usage_error("--kmsg needs a file name");
                a->b.kmsg = optarg;
                return -1;
        case OPT_NO_KMSG:
                a->b.no_kmsg = true;
                return -1;
        case OPT_STUCK: {
                char err[400];

                if (!a->stuck_set)
                        stuck_unset(&a->stuck);
                a->stuck_set = true;
                if (stuck_parse(&a->stuck, optarg, err, sizeof(err)) < 0)
                        return main_usage_error("--stuck: %s", err);
                return -1;
        }
        case OPT_TEXTFILE:
                if (!optarg[0])
                        return main_usage_error("--textfile needs a directory");
                a->b.textfile = optarg;
                return -1;
        case OPT_OPENMETRICS:
                a->b.openmetrics = true;
                return -1;
        case OPT_REPLAY:
                if (!optarg[0])
                        return main_usage_error("--replay needs a file name");
                a->b.replay = optarg;
                return -1;
        case OPT_AT:
                a->b.replay_at = optarg;
                return -1;
        case OPT_AGENT:
                a->agent = true;
                return -1;
        case OPT_DUMP:
                a->dump = true;
                return -1;
        case OPT_RECORD:
                if (!optarg[0])
                        return main_usage_error("--record needs a file name");
                a->b.record = optarg;
                return -1;
        case OPT_RECORD_MAX:
                if (main_size(optarg, &a->b.record_max) < 0)
                        return main_usage_error("--record-max: '%s' is not a size of at least "
                                                "64K (bytes, or with K, M or G)",
                                                optarg);
                return -1;
        case 'h':
                main_usage(stdout);
                return fflush(stdout) == 0 ? 0 : 1;
        case 'V':
                printf("migtop %s\n", MIGTOP_VERSION);
                return fflush(stdout) == 0 ? 0 : 1;
        case ':':
                return main_usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
                return main_usage_error("unknown option '%s'", argv[optind - 1]);
        }
}

/*
 * The config file's host = SPEC lines, for a batch run without --host (the console does
 * not read remote hosts yet).  -1, or an exit status after a message.
 */
static int main_config_hosts(struct main_args *a)
{
        struct config *cfg = malloc(sizeof(*cfg));
        char path[PATH_MAX], err[512], msg[512];
        int ret = -1;

        if (!cfg)
                return main_usage_error("out of memory");
        config_defaults(cfg);
        if (config_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"), path, sizeof(path)) < 0)
                goto out; /* no home: no config file */
        ret = config_load(path, false, cfg, err, sizeof(err));
        if (ret == -EINVAL) {
                fprintf(stderr, "migtop: %s\n", err);
                ret = BATCH_EXIT_ENV;
                goto out;
        }
        ret = -1;
        if (cfg->nhosts == 0)
                goto out; /* none, or a file this user cannot open (another's $HOME): none */
        for (size_t i = 0; i < cfg->nhosts; i++) {
                struct remote_host *h = &a->hosts[i];

                if (remote_parse(cfg->hosts[i], h, msg, sizeof(msg)) < 0) {
                        fprintf(stderr, "migtop: %s:%d: host: %s\n", path, cfg->host_line[i], msg);
                        ret = BATCH_EXIT_ENV;
                        goto out;
                }
                for (size_t k = 0; k < i; k++)
                        if (strcmp(a->hosts[k].label, h->label) == 0) {
                                fprintf(stderr,
                                        "migtop: %s:%d: host: the label '%s' is taken; give "
                                        "another with name=LABEL\n",
                                        path, cfg->host_line[i], h->label);
                                ret = BATCH_EXIT_ENV;
                                goto out;
                        }
        }
        a->b.nhosts = cfg->nhosts;
        a->b.hosts = a->hosts;
out:
        free(cfg);
        return ret;
}

static int main_parse(int argc, char **argv, struct main_args *a)
{
        int c, ret;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hVn:d:", main_longopts, NULL)) != -1) {
                ret = main_option(c, argv, a);
                if (ret >= 0)
                        return ret;
        }
        if (optind < argc)
                return main_usage_error("unexpected argument '%s'", argv[optind]);
        if (a->once && a->count_set)
                return main_usage_error("--once and -n cannot be combined (--once is -n 1)");
        if ((a->b.replay_at || a->dump) && !a->b.replay)
                return main_usage_error("%s needs --replay FILE", a->dump ? "--dump" : "--at");
        if (a->b.replay && (a->b.record || a->b.textfile))
                return main_usage_error("--replay does not combine with %s",
                                        a->b.record ? "--record" : "--textfile");
        if (a->b.record_max && !a->b.record)
                return main_usage_error("--record-max needs --record FILE");
        if (a->agent &&
            (a->once || a->count_set || a->b.json || a->b.log_path || a->b.pair_src ||
             a->b.textfile || a->b.openmetrics || a->b.record || a->b.replay || a->dump ||
             a->label || a->theme || a->b.nhosts || a->b.ssh || a->b.no_local || a->stuck_set))
                return main_usage_error("--agent takes only --root, --fixture, --kmsg, "
                                        "--no-kmsg, --sysfs-root, -d and --deadline");
        /* a run without --host (batch or console): the config file's hosts */
        if (!a->b.nhosts && !a->agent && !a->b.replay && (ret = main_config_hosts(a)) >= 0)
                return ret;
        if ((a->b.no_local || a->b.ssh) && !a->b.nhosts)
                return main_usage_error("%s needs --host SPEC",
                                        a->b.no_local ? "--no-local" : "--ssh");
        if (a->b.nhosts && a->b.replay)
                return main_usage_error("--host does not combine with --replay (a recording "
                                        "of a --host run replays its hosts)");
        if (a->b.nhosts && !a->b.ssh) {
                const char *env = getenv("MIGTOP_SSH");

                a->b.ssh = env && env[0] ? env : NULL;
        }
        if (a->b.kmsg && a->b.no_kmsg)
                return main_usage_error("--kmsg and --no-kmsg cannot be combined");
        if (a->b.openmetrics && (a->b.json || a->b.textfile))
                return main_usage_error("--openmetrics cannot be combined with %s",
                                        a->b.json ? "--json" : "--textfile");
        return -1;
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
 * Its engine from the start (or --at, where it starts playing), on the recorded --deadline
 * and -d unless given now.
 */
static int main_replay_engine(const struct main_args *a, struct rpl *r, struct engine_opts *eo,
                              struct ui_opts *uo)
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
                ret = main_replay_engine(a, rpl, &eo, &uo);
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
