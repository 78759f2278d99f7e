/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * apjson: the JSON-line plumbing under the agent's protocol (core/agentproto.h), over
 * json-c: a whole line to an object and back, adding and getting members of a type, and
 * errnos as their names.  Pure, no I/O; it knows nothing of the messages themselves.
 */
#ifndef MIGTOP_CORE_APJSON_H
#define MIGTOP_CORE_APJSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* json_object_to_json_string_ext()'s flags of every line: compact, '/' not escaped */
#define APJ_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Say why in msg (size bytes; nothing when size is 0). */
void apj_why(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The object of a whole line (whitespace around it allowed, no NUL), or NULL with msg
 * saying why ("not JSON: ...", "not a JSON object", "text after the JSON object").
 */
struct json_object *apj_parse(const char *line, size_t len, char *msg, size_t size);
/*
 * j as one line with its newline (malloc'd; *len its length when len is not NULL), or
 * NULL.  Takes j (freed in both cases; NULL gives NULL).
 */
char *apj_line(struct json_object *j, size_t *len);

/* Add v to an object / an array; false (and v freed) on failure, false for a NULL v. */
bool apj_add(struct json_object *o, const char *key, struct json_object *v);
bool apj_push(struct json_object *a, struct json_object *v);

/* A member of type; NULL when absent or of another type. */
struct json_object *apj_get(struct json_object *o, const char *key, enum json_type type);
/* A string member into buf (cut to size); 0, or -EINVAL with msg "no \"KEY\" string". */
int apj_str(struct json_object *o, const char *key, char *buf, size_t size, char *msg,
            size_t msize);
/* An integer member; 0, or -EINVAL with msg "no \"KEY\" integer". */
int apj_u64(struct json_object *o, const char *key, uint64_t *out, char *msg, size_t size);

/* A positive errno as its name ("EAGAIN"), or its number when it has none. */
struct json_object *apj_errno(int err);
/* The reverse (a name or a number from 1 to 4095): 0 with *err, or -EINVAL. */
int apj_errno_get(struct json_object *e, int *err);

#endif
