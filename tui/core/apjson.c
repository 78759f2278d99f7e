/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * apjson: JSON lines over json-c for the agent's protocol (see apjson.h).
 */
#include "core/apjson.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/src.h"

void apj_why(char *msg, size_t size, const char *fmt, ...)
{
        va_list ap;

        if (!size)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, size, fmt, ap);
        va_end(ap);
}

struct json_object *apj_parse(const char *line, size_t len, char *msg, size_t size)
{
        struct json_tokener *tok;
        struct json_object *j;
        size_t off;

        if (memchr(line, '\0', len)) {
                apj_why(msg, size, "a NUL byte in the line");
                return NULL;
        }
        if (len > (size_t)INT32_MAX) {
                apj_why(msg, size, "line too long");
                return NULL;
        }
        tok = json_tokener_new();
        if (!tok) {
                apj_why(msg, size, "out of memory");
                return NULL;
        }
        j = json_tokener_parse_ex(tok, line, (int)len);
        if (!j) {
                enum json_tokener_error e = json_tokener_get_error(tok);

                apj_why(msg, size, "not JSON: %s",
                        e == json_tokener_continue ? "incomplete" : json_tokener_error_desc(e));
                json_tokener_free(tok);
                return NULL;
        }
        off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        while (off < len && strchr(" \t\r", line[off]))
                off++;
        if (off != len) {
                apj_why(msg, size, "text after the JSON object");
                json_object_put(j);
                return NULL;
        }
        if (!json_object_is_type(j, json_type_object)) {
                apj_why(msg, size, "not a JSON object");
                json_object_put(j);
                return NULL;
        }
        return j;
}

char *apj_line(struct json_object *j, size_t *len)
{
        const char *s;
        char *out = NULL;
        size_t n;

        if (!j)
                return NULL;
        s = json_object_to_json_string_ext(j, APJ_FLAGS);
        if (s) {
                n = strlen(s);
                out = malloc(n + 2);
                if (out) {
                        memcpy(out, s, n);
                        out[n] = '\n';
                        out[n + 1] = '\0';
                        if (len)
                                *len = n + 1;
                }
        }
        json_object_put(j);
        return out;
}

bool apj_add(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v)
                return false;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

bool apj_push(struct json_object *a, struct json_object *v)
{
        if (!v)
                return false;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

struct json_object *apj_get(struct json_object *o, const char *key, enum json_type type)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

int apj_str(struct json_object *o, const char *key, char *buf, size_t size, char *msg, size_t msize)
{
        struct json_object *v = apj_get(o, key, json_type_string);

        if (!v) {
                apj_why(msg, msize, "no \"%s\" string", key);
                return -EINVAL;
        }
        snprintf(buf, size, "%s", json_object_get_string(v));
        return 0;
}

int apj_u64(struct json_object *o, const char *key, uint64_t *out, char *msg, size_t size)
{
        struct json_object *v = apj_get(o, key, json_type_int);

        if (!v) {
                apj_why(msg, size, "no \"%s\" integer", key);
                return -EINVAL;
        }
        *out = json_object_get_uint64(v);
        return 0;
}

struct json_object *apj_errno(int err)
{
        const char *name = src_errno_name(err);

        return name ? json_object_new_string(name) : json_object_new_int(err);
}

int apj_errno_get(struct json_object *e, int *err)
{
        if (json_object_is_type(e, json_type_string))
                *err = src_errno_parse(json_object_get_string(e));
        else if (json_object_is_type(e, json_type_int))
                *err = (int)json_object_get_int64(e);
        else
                *err = 0;
        if (json_object_is_type(e, json_type_int) && json_object_get_int64(e) > 4095)
                *err = 0;
        return *err > 0 ? 0 : -EINVAL;
}
