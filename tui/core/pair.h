/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pair: compare a source device with a destination device.  For the first driver
 * directory both have in common whose ops have checks, run the driver's named checks
 * (check.h) and derive the overall verdict: reject if any check fails, accept only if
 * every check passes, else incomplete.
 */
#ifndef MIGTOP_CORE_PAIR_H
#define MIGTOP_CORE_PAIR_H

#include <stddef.h>

#include "check.h"
#include "match.h"
#include "tree.h"

struct pair_result {
        const char *dir;      /* driver directory compared ("hisi_acc"), NULL when none */
        const char *src_file; /* the stream each side holds ("migf_data"), NULL when none */
        const char *dst_file;
        struct check_set checks;        /* the named checks, their mismatches and evidence */
        struct match_result match;      /* overall verdict, summary, every check's mismatches */
        struct match_field_diff fields; /* fields that differ between the two files compared */
        size_t diff_bytes;              /* differing bytes between them */
        char msg[200]; /* when nothing could be compared: why ("no hisi_acc data on ...") */
};

/*
 * src and dst: the two devices and what is known about them besides their files (kernel
 * log, PCI device ID, timeline: see struct pair_side).  Returns 0 (out->dir NULL when
 * nothing comparable: see msg), or -ENOMEM.
 */
int pair_compare(const struct pair_side *src, const struct pair_side *dst, struct pair_result *out);

#endif
