/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pair: compare a source device with a destination device.  For the first driver
 * directory both have in common (and whose ops have a decoder and a match check), the
 * source side is what it sends (its migf_data when ok, else its dev_data) and the
 * destination side is what it is (its dev_data, else its migf_data after a resume).
 */
#ifndef MIGTOP_CORE_PAIR_H
#define MIGTOP_CORE_PAIR_H

#include <stddef.h>

#include "match.h"
#include "tree.h"

struct pair_result {
        const char *dir;      /* driver directory compared ("hisi_acc"), NULL when none */
        const char *src_file; /* which file each side used ("migf_data" / "dev_data") */
        const char *dst_file;
        struct match_result match;      /* verdict, mismatches with reasons */
        struct match_field_diff fields; /* every field that differs */
        size_t diff_bytes;              /* differing bytes */
        char msg[200]; /* when nothing could be compared: why ("no hisi_acc data on ...") */
};

/* Returns 0 (out->dir NULL when nothing comparable: see msg). */
int pair_compare(const struct tree_dev *src, const struct tree_dev *dst, struct pair_result *out);

#endif
