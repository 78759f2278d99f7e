/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * match: would a destination accept this data?  Mirrors the HiSilicon driver's
 * vf_qm_check_match() (magic/version, dev_id, qp_num, que_iso_cfg, in that order) and the
 * length rules of the resume path, and gives field-level and byte-level diffs.
 */
#ifndef MIGTOP_CORE_MATCH_H
#define MIGTOP_CORE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accdata.h"

#define MATCH_MAX 16u

struct match_mismatch {
        const char *field; /* kernel field name, or "length" / "acc_magic" */
        uint64_t src, dst; /* the two values (for length: byte counts) */
        bool src_valid, dst_valid;
        const char *reason; /* one line, in the spirit of the kernel's message */
};

enum match_verdict {
        MATCH_ACCEPT,    /* the destination's check would pass */
        MATCH_REJECT,    /* at least one rule fails: the resume would fail with EINVAL */
        MATCH_INCOMPLETE /* not enough data on one side to decide */
};

struct match_result {
        enum match_verdict verdict;
        unsigned n;
        struct match_mismatch m[MATCH_MAX];
        char summary[160]; /* one line: "destination rejects: qp_num 8 != 16" */
};

/*
 * src: the data the source sends (its migf_data, or dev_data at stop-copy).
 * dst: what the destination device is (its dev_data: dev_id, qp_num, que_iso_cfg).
 * Either may be NULL/short: the verdict is then MATCH_INCOMPLETE with what is missing.
 */
void match_check(const struct acc_decoded *src, const struct acc_decoded *dst,
                 struct match_result *out);

const char *match_verdict_name(enum match_verdict v); /* "accept", "reject", "incomplete" */

/*
 * Notes on match_check():
 * - Every failing rule is listed, in the kernel's order (length > 176, magic/version,
 *   dev_id, qp_num, que_iso_cfg); the kernel stops at the first, which m[0] / summary name.
 * - The source must hold >= 40 bytes (ACC_MATCH_SIZE): fewer is INCOMPLETE, as the kernel
 *   runs no check before then.  A debugfs dump always holds 144 bytes whatever the real
 *   length, so 41..175 bytes are not rejected here: see the kv "migrate data length".
 * - dst needs dev_id, qp_num and que_iso_cfg (its first 20 bytes); a missing one is listed
 *   with dst_valid false and makes the verdict INCOMPLETE.  dst qp_num 0 is the kernel's
 *   "failed to get vft qp nums".
 * - Mismatches already certain are listed even when the verdict is INCOMPLETE.
 */

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
