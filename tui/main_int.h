/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * main internals shared by main.c (the run modes: the console, --replay --dump, --agent
 * and batch dispatch) and main_opts.c (the command line: options, --help, checks).
 */
#ifndef MIGTOP_MAIN_INT_H
#define MIGTOP_MAIN_INT_H

#include <stdbool.h>

#include "batch.h"
#include "remote.h"
#include "core/stuck.h"

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

/*
 * The command line into *a (its b.fixture and b.root set before): -1 to run, or an exit
 * status (after --help, --version, or a usage error on stderr).
 */
int main_parse(int argc, char **argv, struct main_args *a);

#endif
