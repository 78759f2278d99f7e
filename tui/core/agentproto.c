/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agentproto: encode and decode the agent's JSON lines (see agentproto.h).
 */
#include "core/agentproto.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "core/src.h"

#define AP_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void ap_why(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ap_why(char *msg, size_t size, const char *fmt, ...)
{
        va_list ap;

        if (!size)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, size, fmt, ap);
        va_end(ap);
}

/* ---- base64 ------------------------------------------------------------------------------ */

static const char ap_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *ap_b64_encode(const void *src, size_t n)
{
        const unsigned char *s = src;
        char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                unsigned v = (unsigned)s[i] << 16;

                if (i + 1 < n)
                        v |= (unsigned)s[i + 1] << 8;
                if (i + 2 < n)
                        v |= s[i + 2];
                *o++ = ap_b64[v >> 18 & 63];
                *o++ = ap_b64[v >> 12 & 63];
                *o++ = i + 1 < n ? ap_b64[v >> 6 & 63] : '=';
                *o++ = i + 2 < n ? ap_b64[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

static int ap_b64_val(char c)
{
        const char *p = c ? strchr(ap_b64, c) : NULL;

        return p ? (int)(p - ap_b64) : -1;
}

char *ap_b64_decode(const char *s, size_t len, size_t *n)
{
        char *out;
        size_t o = 0;

        if (len % 4)
                return NULL;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i += 4) {
                int v[4], pad = 0;

                for (int k = 0; k < 4; k++) {
                        if (s[i + k] == '=' && i + 4 == len && k >= 2) {
                                v[k] = 0;
                                pad++;
                                continue;
                        }
                        if (pad || (v[k] = ap_b64_val(s[i + k])) < 0)
                                goto bad;
                }
                unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
                             (unsigned)v[3];
                out[o++] = (char)(w >> 16);
                if (pad < 2)
                        out[o++] = (char)(w >> 8 & 0xff);
                if (pad < 1)
                        out[o++] = (char)(w & 0xff);
        }
        out[o] = '\0';
        *n = o;
        return out;
bad:
        free(out);
        return NULL;
}

/* ---- paths ------------------------------------------------------------------------------- */

bool ap_path_ok(const char *p)
{
        if (!p[0])
                return true; /* the root */
        if (p[0] == '/')
                return false;
        while (*p) {
                const char *e = strchr(p, '/');
                size_t n = e ? (size_t)(e - p) : strlen(p);

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (!e)
                        break;
                p = e + 1;
                if (!*p)
                        return false; /* trailing slash */
        }
        return true;
}

static bool ap_name_ok(const char *s)
{
        return s[0] && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* ---- control messages -------------------------------------------------------------------- */

static const char *const ap_ctl_names[] = {
    [AP_CTL_INTERVAL] = "interval", [AP_CTL_PAUSE] = "pause", [AP_CTL_RESUME] = "resume",
    [AP_CTL_SNAPSHOT] = "snapshot", [AP_CTL_QUIT] = "quit",   [AP_CTL_PING] = "ping",
};

/* The object of a whole line (whitespace around allowed), or NULL with msg. */
static struct json_object *ap_parse(const char *line, size_t len, char *msg, size_t size)
{
        struct json_tokener *tok;
        struct json_object *j;
        size_t off;

        if (memchr(line, '\0', len)) {
                ap_why(msg, size, "a NUL byte in the line");
                return NULL;
        }
        if (len > (size_t)INT32_MAX) {
                ap_why(msg, size, "line too long");
                return NULL;
        }
        tok = json_tokener_new();
        if (!tok) {
                ap_why(msg, size, "out of memory");
                return NULL;
        }
        j = json_tokener_parse_ex(tok, line, (int)len);
        if (!j) {
                enum json_tokener_error e = json_tokener_get_error(tok);

                ap_why(msg, size, "not JSON: %s",
                       e == json_tokener_continue ? "incomplete" : json_tokener_error_desc(e));
                json_tokener_free(tok);
                return NULL;
        }
        off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        while (off < len && strchr(" \t\r", line[off]))
                off++;
        if (off != len) {
                ap_why(msg, size, "text after the JSON object");
                json_object_put(j);
                return NULL;
        }
        if (!json_object_is_type(j, json_type_object)) {
                ap_why(msg, size, "not a JSON object");
                json_object_put(j);
                return NULL;
        }
        return j;
}

int ap_ctl_decode(const char *line, size_t len, struct ap_ctl *out, char *msg, size_t size)
{
        struct json_object *j, *t, *ms;
        const char *kind;
        int ret = -EINVAL, k = -1;

        memset(out, 0, sizeof(*out));
        if (len > AP_CTL_MAX) {
                ap_why(msg, size, "control line longer than %d bytes", AP_CTL_MAX);
                return -EINVAL;
        }
        j = ap_parse(line, len, msg, size);
        if (!j)
                return -EINVAL;
        if (!json_object_object_get_ex(j, "t", &t) || !json_object_is_type(t, json_type_string)) {
                ap_why(msg, size, "no \"t\" string naming the message");
                goto out;
        }
        kind = json_object_get_string(t);
        for (size_t i = 0; i < sizeof(ap_ctl_names) / sizeof(*ap_ctl_names); i++)
                if (strcmp(kind, ap_ctl_names[i]) == 0)
                        k = (int)i;
        if (k < 0) {
                char esc[64];

                ap_why(msg, size, "unknown control message \"%s\"",
                       esc_str(esc, sizeof(esc), kind, 0));
                goto out;
        }
        json_object_object_foreach(j, key, val)
        {
                (void)val;
                if (strcmp(key, "t") != 0 && !(k == AP_CTL_INTERVAL && strcmp(key, "ms") == 0) &&
                    !(k == AP_CTL_PING && strcmp(key, "id") == 0)) {
                        char esc[64];

                        ap_why(msg, size, "unknown member \"%s\" in \"%s\"",
                               esc_str(esc, sizeof(esc), key, 0), ap_ctl_names[k]);
                        goto out;
                }
        }
        out->kind = (enum ap_ctl_kind)k;
        if (k == AP_CTL_INTERVAL) {
                int64_t v;

                if (!json_object_object_get_ex(j, "ms", &ms) ||
                    !json_object_is_type(ms, json_type_int)) {
                        ap_why(msg, size, "\"interval\" needs \"ms\", an integer");
                        goto out;
                }
                v = json_object_get_int64(ms);
                if (v < AP_INTERVAL_MIN || v > AP_INTERVAL_MAX) {
                        ap_why(msg, size, "\"ms\" must be from %d to %d", AP_INTERVAL_MIN,
                               AP_INTERVAL_MAX);
                        goto out;
                }
                out->ms = (int)v;
        }
        if (k == AP_CTL_PING) {
                struct json_object *id;

                if (!json_object_object_get_ex(j, "id", &id) ||
                    !json_object_is_type(id, json_type_int) || json_object_get_int64(id) < 0 ||
                    json_object_get_int64(id) > (1LL << 53)) {
                        ap_why(msg, size, "\"ping\" needs \"id\", an integer from 0 to 2^53");
                        goto out;
                }
                out->id = json_object_get_int64(id);
        }
        ret = 0;
out:
        json_object_put(j);
        return ret;
}

static char *ap_put(struct json_object *j, size_t *len)
{
        const char *s;
        char *out = NULL;
        size_t n;

        if (!j)
                return NULL;
        s = json_object_to_json_string_ext(j, AP_JSON_FLAGS);
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

/* Add to an object; false (and j freed) on failure. */
static bool ap_add(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v)
                return false;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

static bool ap_push(struct json_object *a, struct json_object *v)
{
        if (!v)
                return false;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

char *ap_ctl_encode(const struct ap_ctl *c)
{
        struct json_object *j = json_object_new_object();

        if (!j || (unsigned)c->kind >= sizeof(ap_ctl_names) / sizeof(*ap_ctl_names) ||
            !ap_add(j, "t", json_object_new_string(ap_ctl_names[c->kind])) ||
            (c->kind == AP_CTL_INTERVAL && !ap_add(j, "ms", json_object_new_int(c->ms))) ||
            (c->kind == AP_CTL_PING && !ap_add(j, "id", json_object_new_int64(c->id)))) {
                json_object_put(j);
                return NULL;
        }
        return ap_put(j, NULL);
}

/* ---- agent messages: encoding ------------------------------------------------------------ */

static const char *const ap_kind_names[] = {
    [AP_HELLO] = "hello", [AP_SNAP] = "snap",   [AP_DELTA] = "delta", [AP_KLOG] = "klog",
    [AP_HB] = "hb",       [AP_ERROR] = "error", [AP_PONG] = "pong",
};

static struct json_object *ap_errno_json(int err)
{
        const char *name = src_errno_name(err);

        return name ? json_object_new_string(name) : json_object_new_int(err);
}

static struct json_object *ap_names_json(char **names, size_t n)
{
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++)
                if (!ap_push(a, json_object_new_string(names[i]))) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

static struct json_object *ap_file_json(const struct ap_file *f)
{
        struct json_object *o = json_object_new_object();
        bool ok = o && ap_add(o, "p", json_object_new_string(f->path));

        if (ok && f->err) {
                ok = ap_add(o, "e", ap_errno_json(f->err));
        } else if (ok && !memchr(f->data, '\0', f->len) && esc_utf8_valid(f->data, f->len)) {
                ok = ap_add(o, "d", json_object_new_string_len(f->data, (int)f->len));
        } else if (ok) {
                char *b = ap_b64_encode(f->data, f->len);

                ok = b && ap_add(o, "b", json_object_new_string(b));
                free(b);
        }
        if (ok && f->trunc)
                ok = ap_add(o, "x", json_object_new_int(1));
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static struct json_object *ap_sys_json(const struct ap_sys *y)
{
        struct json_object *o = json_object_new_object();
        char hex[8];
        bool ok = o && ap_add(o, "dev", json_object_new_string(y->dev)) &&
                  ap_add(o, "bus", json_object_new_string(y->bus)) &&
                  ap_add(o, "driver", json_object_new_string(y->driver)) &&
                  ap_add(o, "parent", json_object_new_string(y->parent)) &&
                  ap_add(o, "vf", json_object_new_boolean(y->is_vf)) &&
                  ap_add(o, "iommu_group", json_object_new_int(y->iommu_group)) &&
                  ap_add(o, "numa_node", json_object_new_int(y->numa_node));

        if (ok && y->has_ids) {
                snprintf(hex, sizeof(hex), "%04x", y->vendor);
                ok = ap_add(o, "vendor", json_object_new_string(hex));
                snprintf(hex, sizeof(hex), "%04x", y->device);
                ok = ok && ap_add(o, "device", json_object_new_string(hex));
        }
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static struct json_object *ap_list_json(const struct ap_list *l)
{
        struct json_object *o = json_object_new_object();
        bool ok = o && ap_add(o, "p", json_object_new_string(l->path));

        if (ok && l->err)
                ok = ap_add(o, "e", ap_errno_json(l->err));
        else if (ok && l->full)
                ok = ap_add(o, "n", ap_names_json(l->names, l->n));
        else if (ok)
                ok = ap_add(o, "add", ap_names_json(l->names, l->n)) &&
                     ap_add(o, "del", ap_names_json(l->del, l->ndel));
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

char *ap_msg_encode(const struct ap_msg *m, size_t *len)
{
        struct json_object *j = json_object_new_object(), *a;
        const struct ap_hello *h = &m->hello;
        bool ok;

        if (!j || (unsigned)m->kind > AP_PONG ||
            !ap_add(j, "t", json_object_new_string(ap_kind_names[m->kind]))) {
                json_object_put(j);
                return NULL;
        }
        switch (m->kind) {
        case AP_HELLO:
                ok = ap_add(j, "proto", json_object_new_int(h->proto)) &&
                     ap_add(j, "migtop", json_object_new_string(h->migtop)) &&
                     ap_add(j, "host", json_object_new_string(h->host)) &&
                     ap_add(j, "kernel", json_object_new_string(h->kernel)) &&
                     ap_add(j, "root", json_object_new_string(h->root)) &&
                     ap_add(j, "interval_ms", json_object_new_int(h->interval_ms)) &&
                     (!h->klog[0] || ap_add(j, "klog", json_object_new_string(h->klog))) &&
                     (!h->ping || ap_add(j, "ping", json_object_new_boolean(1)));
                break;
        case AP_SNAP:
        case AP_DELTA:
        case AP_HB:
                ok = ap_add(j, "seq", json_object_new_uint64(m->seq)) &&
                     ap_add(j, "ts", json_object_new_int64(m->ts_ms));
                if (ok && m->kind == AP_HB) {
                        ok = ap_add(j, "bad", json_object_new_uint64(m->bad));
                        break;
                }
                ok = ok && (a = json_object_new_array()) && ap_add(j, "lists", a);
                for (size_t i = 0; ok && i < m->nlists; i++)
                        ok = ap_push(a, ap_list_json(&m->lists[i]));
                ok = ok && (a = json_object_new_array()) && ap_add(j, "files", a);
                for (size_t i = 0; ok && i < m->nfiles; i++)
                        ok = ap_push(a, ap_file_json(&m->files[i]));
                if (ok && m->nsys) {
                        ok = (a = json_object_new_array()) && ap_add(j, "sys", a);
                        for (size_t i = 0; ok && i < m->nsys; i++)
                                ok = ap_push(a, ap_sys_json(&m->sys[i]));
                }
                break;
        case AP_KLOG:
                ok = (a = json_object_new_array()) && ap_add(j, "r", a);
                for (size_t i = 0; ok && i < m->nklog; i++)
                        ok =
                            ap_push(a, json_object_new_string_len(m->klog[i], (int)m->klog_len[i]));
                break;
        case AP_PONG:
                ok = ap_add(j, "id", json_object_new_uint64(m->seq));
                break;
        case AP_ERROR:
        default:
                ok = ap_add(j, "msg", json_object_new_string(m->msg));
                break;
        }
        if (!ok) {
                json_object_put(j);
                return NULL;
        }
        return ap_put(j, len);
}

/* ---- agent messages: decoding ------------------------------------------------------------ */

void ap_msg_free(struct ap_msg *m)
{
        for (size_t i = 0; i < m->nlists; i++) {
                struct ap_list *l = &m->lists[i];

                free(l->path);
                for (size_t k = 0; k < l->n; k++)
                        free(l->names[k]);
                for (size_t k = 0; k < l->ndel; k++)
                        free(l->del[k]);
                free(l->names);
                free(l->del);
        }
        free(m->lists);
        for (size_t i = 0; i < m->nfiles; i++) {
                free(m->files[i].path);
                free(m->files[i].data);
        }
        free(m->files);
        free(m->sys);
        for (size_t i = 0; i < m->nklog; i++)
                free(m->klog[i]);
        free(m->klog);
        free(m->klog_len);
        memset(m, 0, sizeof(*m));
}

/* A member of type; NULL when absent or of another type. */
static struct json_object *ap_get(struct json_object *o, const char *key, enum json_type type)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

static int ap_str(struct json_object *o, const char *key, char *buf, size_t size, char *msg,
                  size_t msize)
{
        struct json_object *v = ap_get(o, key, json_type_string);

        if (!v) {
                ap_why(msg, msize, "no \"%s\" string", key);
                return -EINVAL;
        }
        snprintf(buf, size, "%s", json_object_get_string(v));
        return 0;
}

static int ap_errno_get(struct json_object *e, int *err)
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

/* The strings of an array (names: no '/', not empty).  0, -EINVAL, -ENOMEM. */
static int ap_names_get(struct json_object *a, char ***out, size_t *n)
{
        size_t len = json_object_array_length(a);

        *out = NULL;
        *n = 0;
        if (!len)
                return 0;
        *out = calloc(len, sizeof(**out));
        if (!*out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                struct json_object *s = json_object_array_get_idx(a, i);

                if (!json_object_is_type(s, json_type_string) ||
                    !ap_name_ok(json_object_get_string(s)))
                        return -EINVAL;
                (*out)[i] = strdup(json_object_get_string(s));
                if (!(*out)[i])
                        return -ENOMEM;
                (*n)++;
        }
        return 0;
}

static int ap_path_get(struct json_object *o, char **path, char *msg, size_t size)
{
        struct json_object *p = ap_get(o, "p", json_type_string);

        if (!p || !ap_path_ok(json_object_get_string(p))) {
                ap_why(msg, size, "a missing or forbidden path \"p\"");
                return -EINVAL;
        }
        *path = strdup(json_object_get_string(p));
        return *path ? 0 : -ENOMEM;
}

static int ap_list_get(struct json_object *o, struct ap_list *l, bool full, char *msg, size_t size)
{
        struct json_object *v;
        int ret;

        if (!json_object_is_type(o, json_type_object)) {
                ap_why(msg, size, "a list that is not an object");
                return -EINVAL;
        }
        ret = ap_path_get(o, &l->path, msg, size);
        if (ret < 0)
                return ret;
        l->full = full;
        if (json_object_object_get_ex(o, "e", &v)) {
                if (ap_errno_get(v, &l->err) < 0) {
                        ap_why(msg, size, "a list with a bad errno");
                        return -EINVAL;
                }
                return 0;
        }
        if (full) {
                v = ap_get(o, "n", json_type_array);
                ret = v ? ap_names_get(v, &l->names, &l->n) : -EINVAL;
        } else {
                v = ap_get(o, "add", json_type_array);
                ret = v ? ap_names_get(v, &l->names, &l->n) : -EINVAL;
                v = ap_get(o, "del", json_type_array);
                if (ret == 0)
                        ret = v ? ap_names_get(v, &l->del, &l->ndel) : -EINVAL;
        }
        if (ret == -EINVAL)
                ap_why(msg, size, "a list without well-formed names");
        return ret;
}

static int ap_file_get(struct json_object *o, struct ap_file *f, char *msg, size_t size)
{
        struct json_object *v;
        int ret;

        if (!json_object_is_type(o, json_type_object)) {
                ap_why(msg, size, "a file that is not an object");
                return -EINVAL;
        }
        ret = ap_path_get(o, &f->path, msg, size);
        if (ret < 0)
                return ret;
        if (!f->path[0]) {
                ap_why(msg, size, "a file without a name");
                return -EINVAL;
        }
        f->trunc = (v = ap_get(o, "x", json_type_int)) && json_object_get_int(v) == 1;
        if (json_object_object_get_ex(o, "e", &v)) {
                if (ap_errno_get(v, &f->err) < 0) {
                        ap_why(msg, size, "a file with a bad errno");
                        return -EINVAL;
                }
                return 0;
        }
        if ((v = ap_get(o, "d", json_type_string))) {
                f->len = (size_t)json_object_get_string_len(v);
                f->data = malloc(f->len + 1);
                if (!f->data)
                        return -ENOMEM;
                memcpy(f->data, json_object_get_string(v), f->len);
                f->data[f->len] = '\0';
        } else if ((v = ap_get(o, "b", json_type_string))) {
                f->data = ap_b64_decode(json_object_get_string(v),
                                        (size_t)json_object_get_string_len(v), &f->len);
                if (!f->data) {
                        ap_why(msg, size, "a file whose \"b\" is not base64");
                        return -EINVAL;
                }
        } else {
                ap_why(msg, size, "a file without \"d\", \"b\" or \"e\"");
                return -EINVAL;
        }
        if (f->len > SRC_READ_MAX) {
                ap_why(msg, size, "a file longer than %u bytes", SRC_READ_MAX);
                return -EINVAL;
        }
        return 0;
}

/* One "sys" element; a malformed one is skipped (false). */
static bool ap_sys_get(struct json_object *o, struct ap_sys *y)
{
        struct json_object *v;
        const char *hv, *hd;
        char *end;

        memset(y, 0, sizeof(*y));
        y->iommu_group = y->numa_node = -1;
        if (!json_object_is_type(o, json_type_object) ||
            !(v = ap_get(o, "dev", json_type_string)) || !ap_name_ok(json_object_get_string(v)))
                return false;
        snprintf(y->dev, sizeof(y->dev), "%s", json_object_get_string(v));
        if ((v = ap_get(o, "bus", json_type_string)))
                snprintf(y->bus, sizeof(y->bus), "%s", json_object_get_string(v));
        if ((v = ap_get(o, "driver", json_type_string)))
                snprintf(y->driver, sizeof(y->driver), "%s", json_object_get_string(v));
        if ((v = ap_get(o, "parent", json_type_string)))
                snprintf(y->parent, sizeof(y->parent), "%s", json_object_get_string(v));
        y->is_vf = (v = ap_get(o, "vf", json_type_boolean)) && json_object_get_boolean(v);
        if ((v = ap_get(o, "iommu_group", json_type_int)))
                y->iommu_group = (int)json_object_get_int(v);
        if ((v = ap_get(o, "numa_node", json_type_int)))
                y->numa_node = (int)json_object_get_int(v);
        hv = (v = ap_get(o, "vendor", json_type_string)) ? json_object_get_string(v) : NULL;
        hd = (v = ap_get(o, "device", json_type_string)) ? json_object_get_string(v) : NULL;
        if (hv && hd && strlen(hv) == 4 && strlen(hd) == 4) {
                unsigned long a = strtoul(hv, &end, 16);

                if (!*end) {
                        unsigned long b = strtoul(hd, &end, 16);

                        if (!*end) {
                                y->vendor = (uint16_t)a;
                                y->device = (uint16_t)b;
                                y->has_ids = true;
                        }
                }
        }
        return true;
}

static int ap_data_get(struct json_object *j, struct ap_msg *m, char *msg, size_t size)
{
        struct json_object *sys = ap_get(j, "sys", json_type_array);
        struct json_object *lists = ap_get(j, "lists", json_type_array);
        struct json_object *files = ap_get(j, "files", json_type_array);
        size_t nl, nf;
        int ret;

        if (!lists || !files) {
                ap_why(msg, size, "no \"lists\" or \"files\" array");
                return -EINVAL;
        }
        nl = json_object_array_length(lists);
        nf = json_object_array_length(files);
        if ((nl && !(m->lists = calloc(nl, sizeof(*m->lists)))) ||
            (nf && !(m->files = calloc(nf, sizeof(*m->files)))))
                return -ENOMEM;
        for (size_t i = 0; i < nl; i++) {
                m->nlists++;
                ret = ap_list_get(json_object_array_get_idx(lists, i), &m->lists[i],
                                  m->kind == AP_SNAP, msg, size);
                if (ret < 0)
                        return ret;
        }
        for (size_t i = 0; i < nf; i++) {
                m->nfiles++;
                ret = ap_file_get(json_object_array_get_idx(files, i), &m->files[i], msg, size);
                if (ret < 0)
                        return ret;
        }
        /* optional (added within protocol 1) */
        if (sys && json_object_array_length(sys)) {
                size_t ns = json_object_array_length(sys);

                m->sys = calloc(ns, sizeof(*m->sys));
                if (!m->sys)
                        return -ENOMEM;
                for (size_t i = 0; i < ns; i++)
                        if (ap_sys_get(json_object_array_get_idx(sys, i), &m->sys[m->nsys]))
                                m->nsys++;
        }
        return 0;
}

static int ap_klog_get(struct json_object *j, struct ap_msg *m, char *msg, size_t size)
{
        struct json_object *r = ap_get(j, "r", json_type_array);
        size_t n;

        if (!r) {
                ap_why(msg, size, "no \"r\" array");
                return -EINVAL;
        }
        n = json_object_array_length(r);
        if (!n)
                return 0;
        m->klog = calloc(n, sizeof(*m->klog));
        m->klog_len = calloc(n, sizeof(*m->klog_len));
        if (!m->klog || !m->klog_len)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct json_object *s = json_object_array_get_idx(r, i);
                size_t len;

                if (!json_object_is_type(s, json_type_string)) {
                        ap_why(msg, size, "a kernel log record that is not a string");
                        return -EINVAL;
                }
                len = (size_t)json_object_get_string_len(s);
                m->klog[i] = malloc(len + 1);
                if (!m->klog[i])
                        return -ENOMEM;
                memcpy(m->klog[i], json_object_get_string(s), len + 1);
                m->klog_len[i] = len;
                m->nklog++;
        }
        return 0;
}

static int ap_u64(struct json_object *j, const char *key, uint64_t *out, char *msg, size_t size)
{
        struct json_object *v = ap_get(j, key, json_type_int);

        if (!v) {
                ap_why(msg, size, "no \"%s\" integer", key);
                return -EINVAL;
        }
        *out = json_object_get_uint64(v);
        return 0;
}

int ap_msg_decode(const char *line, size_t len, struct ap_msg *m, char *msg, size_t size)
{
        struct json_object *j, *t, *v;
        const char *kind;
        uint64_t u;
        int ret = -EINVAL, k = -1;

        memset(m, 0, sizeof(*m));
        j = ap_parse(line, len, msg, size);
        if (!j)
                return -EINVAL;
        t = ap_get(j, "t", json_type_string);
        kind = t ? json_object_get_string(t) : "";
        for (size_t i = 0; i < sizeof(ap_kind_names) / sizeof(*ap_kind_names); i++)
                if (strcmp(kind, ap_kind_names[i]) == 0)
                        k = (int)i;
        if (k < 0) {
                char esc[64];

                ap_why(msg, size, "unknown message \"%s\"", esc_str(esc, sizeof(esc), kind, 0));
                goto out;
        }
        m->kind = (enum ap_kind)k;
        switch (m->kind) {
        case AP_HELLO:
                if (!(v = ap_get(j, "proto", json_type_int))) {
                        ap_why(msg, size, "a hello without \"proto\"");
                        break;
                }
                m->hello.proto = (int)json_object_get_int64(v);
                if (m->hello.proto != AP_PROTO_VERSION) {
                        /* the rest may mean something else: say which version it speaks */
                        ap_why(msg, size, "agent protocol version %lld, this migtop speaks %d",
                               (long long)json_object_get_int64(v), AP_PROTO_VERSION);
                        ret = -EPROTO;
                        break;
                }
                if ((ret = ap_str(j, "migtop", m->hello.migtop, sizeof(m->hello.migtop), msg,
                                  size)) < 0 ||
                    (ret = ap_str(j, "host", m->hello.host, sizeof(m->hello.host), msg, size)) <
                        0 ||
                    (ret = ap_str(j, "kernel", m->hello.kernel, sizeof(m->hello.kernel), msg,
                                  size)) < 0 ||
                    (ret = ap_str(j, "root", m->hello.root, sizeof(m->hello.root), msg, size)) <
                        0 ||
                    (ret = ap_u64(j, "interval_ms", &u, msg, size)) < 0)
                        break;
                m->hello.interval_ms = u > AP_INTERVAL_MAX ? AP_INTERVAL_MAX : (int)u;
                /* optional: an older agent of protocol 1 does not send it */
                m->hello.ping =
                    (v = ap_get(j, "ping", json_type_boolean)) && json_object_get_boolean(v);
                if ((v = ap_get(j, "klog", json_type_string)))
                        snprintf(m->hello.klog, sizeof(m->hello.klog), "%s",
                                 json_object_get_string(v));
                ret = 0;
                break;
        case AP_SNAP:
        case AP_DELTA:
        case AP_HB:
                if ((ret = ap_u64(j, "seq", &m->seq, msg, size)) < 0 ||
                    (ret = ap_u64(j, "ts", &u, msg, size)) < 0)
                        break;
                m->ts_ms = (int64_t)u;
                if (m->kind == AP_HB)
                        ret = ap_u64(j, "bad", &m->bad, msg, size);
                else
                        ret = ap_data_get(j, m, msg, size);
                break;
        case AP_KLOG:
                ret = ap_klog_get(j, m, msg, size);
                break;
        case AP_PONG:
                ret = ap_u64(j, "id", &m->seq, msg, size);
                break;
        case AP_ERROR:
        default:
                ret = ap_str(j, "msg", m->msg, sizeof(m->msg), msg, size);
                break;
        }
out:
        json_object_put(j);
        if (ret < 0)
                ap_msg_free(m);
        if (ret == -ENOMEM)
                ap_why(msg, size, "out of memory");
        return ret;
}
