/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jsonout: the stable JSON schema of migtop's batch output, built with json-c.  Keys are
 * an interface: scripts depend on them (see man/migtop.1, JSON OUTPUT).
 *
 *   {"devices": [ {"name", "state", "features": [..], "files": {"state": {...}},
 *                  "<driver dir>": {"dev_data": FILE, "migf_data": FILE, "cmd_state": FILE}}],
 *    "compare": {"src", "dst", "dir", "src_file", "dst_file", "verdict", "summary",
 *                "checks": [{"name", "verdict", "reason", "kernel_line",
 *                            "mismatches": [MISMATCH], "evidence": [{"side", "what",
 *                            "status", "errno", "time", "detail"}]}],
 *                "kernel_log": [{"side", "device", "seq", "ts_us", "level", "text"}],
 *                "mismatches": [MISMATCH] (every check's), "differing_fields": [..],
 *                "differing_bytes"}}
 *   MISMATCH = {"field", "src", "dst" (null: cannot be known), "reason"}
 *   FILE = {"status", "errno" (name or null), "message", "bytes" (hex string, dumps),
 *           "length", "fields" {kernel name: integer, or array of integers; invalid: null},
 *           "layout" ("V1", "V2", "registers", "unknown"), "not_in_file" [header fields a
 *           register snapshot does not carry] or null, "stream_length" (the length line of a
 *           stream) or null, "guest_driver" (vf_qm_state's meaning) or null,
 *           "info" {kv lines}}
 *   errors: {"error": "..."}
 */
#ifndef MIGTOP_CORE_JSONOUT_H
#define MIGTOP_CORE_JSONOUT_H

#include <json-c/json.h>

#include "drv.h"
#include "kmsg.h"
#include "pair.h"
#include "tree.h"

/*
 * A JSON string of s[0..n) / of s (NULL: JSON null) that is always valid UTF-8: json-c
 * escapes control characters itself but copies bytes that are not UTF-8 raw; each such
 * byte becomes U+FFFD (see core/esc.h).  Every string from outside goes through these.
 */
struct json_object *jout_strn(const char *s, size_t n);
struct json_object *jout_str(const char *s);

struct json_object *jout_file(const struct drv_file *f);
struct json_object *jout_dev(const struct tree_dev *d);
/* {"devices": [...]} (+ "error" when the tree could not be read at all). */
struct json_object *jout_tree(const struct tree *t);
/* ss, ds: the sides compared (their kernel log records are listed), or NULL. */
struct json_object *jout_compare(const char *src, const char *dst, const struct pair_result *p,
                                 const struct pair_side *ss, const struct pair_side *ds);
struct json_object *jout_error(const char *msg);
/* Serialise (pretty or one line) to a malloc'd string; NULL on allocation failure. */
char *jout_string(struct json_object *o, int pretty);

/*
 * Kernel log records, oldest first: [{"seq", "ts_us", "level" ("err"), "text"}]; the
 * text unescaped (a record's \xNN are bytes again).
 */
struct json_object *jout_kernel_log(const struct kmsg_rec *r, size_t n);

#endif
