/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch: read the vfio debugfs tree once and print it, as JSON or readable text
 * (`migtop --once`).  Exit codes: BATCH_EXIT_OK, BATCH_EXIT_ENV (the tree or a device
 * could not be read: message on stderr, {"error": ...} on stdout in JSON mode).
 */
#ifndef MIGTOP_BATCH_H
#define MIGTOP_BATCH_H

#include <stdbool.h>
#include <stdio.h>

#define BATCH_EXIT_OK    0
#define BATCH_EXIT_ENV   1
#define BATCH_EXIT_USAGE 2

struct batch_opts {
        const char *root;     /* directory of the vfio debugfs tree */
        bool json;            /* JSON instead of text */
        bool fixture;         /* root is an offline copy with NAME.errno sidecar files */
        const char *pair_src; /* --pair SRC=DST, both NULL when not given */
        const char *pair_dst;
};

/* Run once, writing to out (data) and err (messages).  Returns an exit code. */
int batch_run(const struct batch_opts *o, FILE *out, FILE *err);

#endif
