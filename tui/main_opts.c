/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * migtop's command line: the options, --help and --version, the checks between options,
 * and the config file's hosts for a run without --host (main_parse, for main.c).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main_int.h"
#include "batch.h"
#include "remote.h"
#include "core/stuck.h"
#include "core/tree.h"
#include "ui/config.h"

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
              "                     --stuck, --pair; with --host each host's too, and its\n"
              "                     link's status) into FILE, zstd-compressed, flushed every\n"
              "                     second; SIGHUP reopens FILE (batch modes)\n"
              "  --record-max SIZE  past SIZE bytes (suffix K, M or G), rename FILE to\n"
              "                     FILE.1 and start a new one\n"
              "  --replay FILE      read the recording FILE instead of --root, on its\n"
              "                     clock: with --once or --json the snapshot at its end or\n"
              "                     at --at; -n/-d snapshots, --log its change log;\n"
              "                     else the console plays it (Space, Left/Right, [ ], g,\n"
              "                     Home/End: see F1); a recording made with --host\n"
              "                     shows its hosts as they were (not with --host); the\n"
              "                     recorded --pair, -d, --deadline, --stuck unless given\n"
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

int main_parse(int argc, char **argv, struct main_args *a)
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
