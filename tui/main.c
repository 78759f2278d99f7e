// SPDX-License-Identifier: GPL-2.0-only
/*
 * migtop: a console for VFIO device live migration.  main() parses the options and
 * picks the mode: the batch output (--once) or the interactive console.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "core/tree.h"

/* Options without a short form. */
enum {
        OPT_ROOT = 256,
        OPT_ONCE,
        OPT_JSON,
        OPT_PAIR,
        OPT_FIXTURE,
};

static const struct option main_longopts[] = {
    {"root", required_argument, NULL, OPT_ROOT}, {"once", no_argument, NULL, OPT_ONCE},
    {"json", no_argument, NULL, OPT_JSON},       {"pair", required_argument, NULL, OPT_PAIR},
    {"fixture", no_argument, NULL, OPT_FIXTURE}, {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},         {NULL, 0, NULL, 0},
};

/* Keep in sync with man/migtop.1 (OPTIONS): the CLI test compares the two lists. */
static void main_usage(FILE *f)
{
        fputs("Usage: migtop [OPTION]...\n"
              "A console for VFIO device live migration: shows the migration state and the\n"
              "driver data of every device under the vfio debugfs directory.\n"
              "\n"
              "  --root DIR       read the vfio debugfs tree under DIR\n"
              "                   (default " TREE_DEFAULT_ROOT ")\n"
              "  --once           read everything once, print it and exit\n"
              "  --json           print JSON instead of text (implies --once)\n"
              "  --pair SRC=DST   compare source device SRC with destination device DST:\n"
              "                   would DST accept what SRC sends\n"
              "  --fixture        DIR is an offline copy of a debugfs tree in which a file\n"
              "                   NAME.errno stands for a read of NAME failing with that errno\n"
              "                   (also when MIGTOP_FIXTURE=1)\n"
              "  -h, --help       show this help and exit\n"
              "  -V, --version    show the version and exit\n"
              "\n"
              "Exit status: 0 ok, 1 the tree or a device could not be read, 2 usage error.\n"
              "See migtop(1).\n",
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

static bool main_env_fixture(void)
{
        const char *v = getenv("MIGTOP_FIXTURE");

        return v && strcmp(v, "1") == 0;
}

int main(int argc, char **argv)
{
        struct batch_opts o = {.root = TREE_DEFAULT_ROOT};
        bool once = false;
        int c;

        o.fixture = main_env_fixture();
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hV", main_longopts, NULL)) != -1) {
                switch (c) {
                case OPT_ROOT:
                        if (!optarg[0])
                                return main_usage_error("--root needs a directory");
                        o.root = optarg;
                        break;
                case OPT_ONCE:
                        once = true;
                        break;
                case OPT_JSON:
                        o.json = true;
                        once = true;
                        break;
                case OPT_PAIR:
                        if (main_split_pair(optarg, &o.pair_src, &o.pair_dst) < 0)
                                return main_usage_error(
                                    "--pair wants SRC=DST (two device names), not '%s'", optarg);
                        break;
                case OPT_FIXTURE:
                        o.fixture = true;
                        break;
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
        if (optind < argc)
                return main_usage_error("unexpected argument '%s'", argv[optind]);
        if (!once) {
                fputs("migtop: interactive console not built yet; use --once\n", stderr);
                return BATCH_EXIT_USAGE;
        }
        return batch_run(&o, stdout, stderr);
}
