/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * match: the vocabulary of a compare (mismatches, verdicts) and the diffs of two decoded
 * copies.  The rules themselves are checks (check.h; the HiSilicon ones in acccheck.c).
 */
#ifndef MIGTOP_CORE_MATCH_H
#define MIGTOP_CORE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accdata.h"

#define MATCH_MAX 64u

struct match_mismatch {
        const char *field; /* kernel field name ("qm_eqc_dw[3]" for an element), "length" */
        uint64_t src, dst; /* the two values (for length: byte counts) */
        bool src_valid, dst_valid;
        const char *reason; /* one line, in the spirit of the kernel's message */
};

enum match_verdict {
        MATCH_ACCEPT,    /* every check passed */
        MATCH_REJECT,    /* at least one check failed */
        MATCH_INCOMPLETE /* no check failed, some could not be decided */
};

/* The overall result of a compare: verdict and every check's mismatches. */
struct match_result {
        enum match_verdict verdict;
        unsigned n;
        struct match_mismatch m[MATCH_MAX];
        char summary[160]; /* one line: "failed: accept (...)" */
};

const char *match_verdict_name(enum match_verdict v); /* "accept", "reject", "incomplete" */

/* One line: "<reason>: <field> source <v>, destination <v>" (dev_id/acc_magic in hex,
 * "?" for an unknown value).  Returns snprintf()'s result. */
int match_mismatch_format(const struct match_mismatch *m, char *buf, size_t n);

/* Field-level diff: names of fields whose valid values differ (or validity differs). */
struct match_field_diff {
        unsigned n;
        const char *field[ACC_MAX_FIELDS];
};
void match_diff_fields(const struct acc_decoded *a, const struct acc_decoded *b,
                       struct match_field_diff *out);

/*
 * Byte-level diff over max(alen, blen) bytes: sets bit i of map (caller-sized,
 * (n + 7) / 8 bytes) when byte i differs or exists on one side only.  Returns the number
 * of differing bytes.  Bit i is map[i / 8] & (1 << (i % 8)); the map is zeroed first, bits
 * past map_bytes are counted but not set; map may be NULL.
 */
size_t match_diff_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *map,
                        size_t map_bytes);

#endif
