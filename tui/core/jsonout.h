/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jsonout: the stable JSON schema of migtop's batch output, built with json-c.  Keys are
 * an interface: scripts depend on them (see man/migtop.1, JSON OUTPUT).
 *
 *   {"devices": [ {"name", "state", "features": [..], "files": {"state": {...}},
 *                  "<driver dir>": {"dev_data": FILE, "migf_data": FILE, "cmd_state": FILE}}],
 *    "compare": {"src", "dst", "dir", "src_file", "dst_file", "verdict",
 *                "mismatches": [{"field", "src", "dst", "reason"}], "differing_fields": [..],
 *                "differing_bytes"}}
 *   FILE = {"status", "errno" (name or null), "message", "bytes" (hex string, dumps),
 *           "length", "fields" {kernel name: integer, or array of integers; invalid: null},
 *           "layout", "info" {kv lines}}
 *   errors: {"error": "..."}
 */
#ifndef MIGTOP_CORE_JSONOUT_H
#define MIGTOP_CORE_JSONOUT_H

#include <json-c/json.h>

#include "drv.h"
#include "pair.h"
#include "tree.h"

struct json_object *jout_file(const struct drv_file *f);
struct json_object *jout_dev(const struct tree_dev *d);
/* {"devices": [...]} (+ "error" when the tree could not be read at all). */
struct json_object *jout_tree(const struct tree *t);
struct json_object *jout_compare(const char *src, const char *dst, const struct pair_result *p);
struct json_object *jout_error(const char *msg);
/* Serialise (pretty or one line) to a malloc'd string; NULL on allocation failure. */
char *jout_string(struct json_object *o, int pretty);

#endif
