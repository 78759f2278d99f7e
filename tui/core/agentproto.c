/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agentproto: encode and decode the agent's JSON lines (see agentproto.h).
 */
#include "core/agentproto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apjson.h"
#include "core/b64.h"
#include "core/esc.h"
#include "core/src.h"

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
    [AP_CTL_FOCUS] = "focus",
};

/* The "dev" array of a focus message into out.  0, or -EINVAL with msg saying why. */
static int ap_focus_decode(struct json_object *j, struct ap_ctl *out, char *msg, size_t size)
{
        struct json_object *a = apj_get(j, "dev", json_type_array);
        size_t n = a ? json_object_array_length(a) : 0;

        if (!a) {
                apj_why(msg, size, "\"focus\" needs \"dev\", an array of device names");
                return -EINVAL;
        }
        if (n > AP_FOCUS_MAX) {
                apj_why(msg, size, "\"focus\" names %zu devices, at most %d", n, AP_FOCUS_MAX);
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                struct json_object *v = json_object_array_get_idx(a, i);
                const char *name =
                    json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

                if (!name || strlen(name) >= AP_NAME_MAX || !ap_name_ok(name)) {
                        apj_why(msg, size,
                                "\"focus\": dev[%zu] is not a device name (a string of 1 to "
                                "%d bytes, no '/', not . or ..)",
                                i, AP_NAME_MAX - 1);
                        return -EINVAL;
                }
                memcpy(out->focus[i], name, strlen(name) + 1);
        }
        out->nfocus = n;
        return 0;
}

int ap_ctl_decode(const char *line, size_t len, struct ap_ctl *out, char *msg, size_t size)
{
        struct json_object *j, *t, *ms;
        const char *kind;
        int ret = -EINVAL, k = -1;

        memset(out, 0, sizeof(*out));
        if (len > AP_CTL_MAX) {
                apj_why(msg, size, "control line longer than %d bytes", AP_CTL_MAX);
                return -EINVAL;
        }
        j = apj_parse(line, len, msg, size);
        if (!j)
                return -EINVAL;
        if (!json_object_object_get_ex(j, "t", &t) || !json_object_is_type(t, json_type_string)) {
                apj_why(msg, size, "no \"t\" string naming the message");
                goto out;
        }
        kind = json_object_get_string(t);
        for (size_t i = 0; i < sizeof(ap_ctl_names) / sizeof(*ap_ctl_names); i++)
                if (strcmp(kind, ap_ctl_names[i]) == 0)
                        k = (int)i;
        if (k < 0) {
                char esc[64];

                apj_why(msg, size, "unknown control message \"%s\"",
                        esc_str(esc, sizeof(esc), kind, 0));
                goto out;
        }
        json_object_object_foreach(j, key, val)
        {
                (void)val;
                if (strcmp(key, "t") != 0 && !(k == AP_CTL_INTERVAL && strcmp(key, "ms") == 0) &&
                    !(k == AP_CTL_PING && strcmp(key, "id") == 0) &&
                    !(k == AP_CTL_FOCUS && strcmp(key, "dev") == 0)) {
                        char esc[64];

                        apj_why(msg, size, "unknown member \"%s\" in \"%s\"",
                                esc_str(esc, sizeof(esc), key, 0), ap_ctl_names[k]);
                        goto out;
                }
        }
        out->kind = (enum ap_ctl_kind)k;
        if (k == AP_CTL_INTERVAL) {
                int64_t v;

                if (!json_object_object_get_ex(j, "ms", &ms) ||
                    !json_object_is_type(ms, json_type_int)) {
                        apj_why(msg, size, "\"interval\" needs \"ms\", an integer");
                        goto out;
                }
                v = json_object_get_int64(ms);
                if (v < AP_INTERVAL_MIN || v > AP_INTERVAL_MAX) {
                        apj_why(msg, size, "\"ms\" must be from %d to %d", AP_INTERVAL_MIN,
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
                        apj_why(msg, size, "\"ping\" needs \"id\", an integer from 0 to 2^53");
                        goto out;
                }
                out->id = json_object_get_int64(id);
        }
        if (k == AP_CTL_FOCUS && ap_focus_decode(j, out, msg, size) < 0)
                goto out;
        ret = 0;
out:
        json_object_put(j);
        return ret;
}

/* The control line for c with its first n focus names (malloc'd, with its newline). */
static char *ap_ctl_line(const struct ap_ctl *c, size_t n, size_t *len)
{
        struct json_object *j = json_object_new_object(), *a = NULL;
        bool ok;

        ok = j && (unsigned)c->kind < sizeof(ap_ctl_names) / sizeof(*ap_ctl_names) &&
             apj_add(j, "t", json_object_new_string(ap_ctl_names[c->kind])) &&
             (c->kind != AP_CTL_INTERVAL || apj_add(j, "ms", json_object_new_int(c->ms))) &&
             (c->kind != AP_CTL_PING || apj_add(j, "id", json_object_new_int64(c->id))) &&
             (c->kind != AP_CTL_FOCUS || ((a = json_object_new_array()) && apj_add(j, "dev", a)));
        for (size_t i = 0; ok && a && i < n; i++)
                ok = apj_push(a, json_object_new_string(c->focus[i]));
        if (!ok) {
                json_object_put(j);
                return NULL;
        }
        return apj_line(j, len);
}

char *ap_ctl_encode(const struct ap_ctl *c)
{
        size_t n = c->kind == AP_CTL_FOCUS ? c->nfocus : 0, len = 0;
        char *s;

        if (n > AP_FOCUS_MAX)
                n = AP_FOCUS_MAX;
        /* a focus too long for one line: the last names go (they are then polled as idle) */
        while ((s = ap_ctl_line(c, n, &len)) && len > AP_CTL_MAX + 1 && n > 0) {
                free(s);
                n = n * 3 / 4;
        }
        return s;
}

/* ---- agent messages: encoding ------------------------------------------------------------ */

static const char *const ap_kind_names[] = {
    [AP_HELLO] = "hello", [AP_SNAP] = "snap",   [AP_DELTA] = "delta", [AP_KLOG] = "klog",
    [AP_HB] = "hb",       [AP_ERROR] = "error", [AP_PONG] = "pong",
};

static struct json_object *ap_names_json(char **names, size_t n)
{
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++)
                if (!apj_push(a, json_object_new_string(names[i]))) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

static struct json_object *ap_file_json(const struct ap_file *f)
{
        struct json_object *o = json_object_new_object();
        bool ok = o && apj_add(o, "p", json_object_new_string(f->path));

        if (ok && f->err) {
                ok = apj_add(o, "e", apj_errno(f->err));
        } else if (ok && !memchr(f->data, '\0', f->len) && esc_utf8_valid(f->data, f->len)) {
                ok = apj_add(o, "d", json_object_new_string_len(f->data, (int)f->len));
        } else if (ok) {
                char *b = b64_encode(f->data, f->len);

                ok = b && apj_add(o, "b", json_object_new_string(b));
                free(b);
        }
        if (ok && f->trunc)
                ok = apj_add(o, "x", json_object_new_int(1));
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
        bool ok = o && apj_add(o, "dev", json_object_new_string(y->dev)) &&
                  apj_add(o, "bus", json_object_new_string(y->bus)) &&
                  apj_add(o, "driver", json_object_new_string(y->driver)) &&
                  apj_add(o, "parent", json_object_new_string(y->parent)) &&
                  apj_add(o, "vf", json_object_new_boolean(y->is_vf)) &&
                  apj_add(o, "iommu_group", json_object_new_int(y->iommu_group)) &&
                  apj_add(o, "numa_node", json_object_new_int(y->numa_node));

        if (ok && y->has_ids) {
                snprintf(hex, sizeof(hex), "%04x", y->vendor);
                ok = apj_add(o, "vendor", json_object_new_string(hex));
                snprintf(hex, sizeof(hex), "%04x", y->device);
                ok = ok && apj_add(o, "device", json_object_new_string(hex));
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
        bool ok = o && apj_add(o, "p", json_object_new_string(l->path));

        if (ok && l->err)
                ok = apj_add(o, "e", apj_errno(l->err));
        else if (ok && l->full)
                ok = apj_add(o, "n", ap_names_json(l->names, l->n));
        else if (ok)
                ok = apj_add(o, "add", ap_names_json(l->names, l->n)) &&
                     apj_add(o, "del", ap_names_json(l->del, l->ndel));
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
            !apj_add(j, "t", json_object_new_string(ap_kind_names[m->kind]))) {
                json_object_put(j);
                return NULL;
        }
        switch (m->kind) {
        case AP_HELLO:
                ok = apj_add(j, "proto", json_object_new_int(h->proto)) &&
                     apj_add(j, "migtop", json_object_new_string(h->migtop)) &&
                     apj_add(j, "host", json_object_new_string(h->host)) &&
                     apj_add(j, "kernel", json_object_new_string(h->kernel)) &&
                     apj_add(j, "root", json_object_new_string(h->root)) &&
                     apj_add(j, "interval_ms", json_object_new_int(h->interval_ms)) &&
                     (!h->klog[0] || apj_add(j, "klog", json_object_new_string(h->klog))) &&
                     (!h->ping || apj_add(j, "ping", json_object_new_boolean(1))) &&
                     (!h->focus || apj_add(j, "focus", json_object_new_boolean(1)));
                break;
        case AP_SNAP:
        case AP_DELTA:
        case AP_HB:
                ok = apj_add(j, "seq", json_object_new_uint64(m->seq)) &&
                     apj_add(j, "ts", json_object_new_int64(m->ts_ms));
                if (ok && m->kind == AP_HB) {
                        ok = apj_add(j, "bad", json_object_new_uint64(m->bad));
                        break;
                }
                ok = ok && (a = json_object_new_array()) && apj_add(j, "lists", a);
                for (size_t i = 0; ok && i < m->nlists; i++)
                        ok = apj_push(a, ap_list_json(&m->lists[i]));
                ok = ok && (a = json_object_new_array()) && apj_add(j, "files", a);
                for (size_t i = 0; ok && i < m->nfiles; i++)
                        ok = apj_push(a, ap_file_json(&m->files[i]));
                if (ok && m->nsys) {
                        ok = (a = json_object_new_array()) && apj_add(j, "sys", a);
                        for (size_t i = 0; ok && i < m->nsys; i++)
                                ok = apj_push(a, ap_sys_json(&m->sys[i]));
                }
                break;
        case AP_KLOG:
                ok = (a = json_object_new_array()) && apj_add(j, "r", a);
                for (size_t i = 0; ok && i < m->nklog; i++)
                        ok = apj_push(a,
                                      json_object_new_string_len(m->klog[i], (int)m->klog_len[i]));
                break;
        case AP_PONG:
                ok = apj_add(j, "id", json_object_new_uint64(m->seq));
                break;
        case AP_ERROR:
        default:
                ok = apj_add(j, "msg", json_object_new_string(m->msg));
                break;
        }
        if (!ok) {
                json_object_put(j);
                return NULL;
        }
        return apj_line(j, len);
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
        struct json_object *p = apj_get(o, "p", json_type_string);

        if (!p || !ap_path_ok(json_object_get_string(p))) {
                apj_why(msg, size, "a missing or forbidden path \"p\"");
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
                apj_why(msg, size, "a list that is not an object");
                return -EINVAL;
        }
        ret = ap_path_get(o, &l->path, msg, size);
        if (ret < 0)
                return ret;
        l->full = full;
        if (json_object_object_get_ex(o, "e", &v)) {
                if (apj_errno_get(v, &l->err) < 0) {
                        apj_why(msg, size, "a list with a bad errno");
                        return -EINVAL;
                }
                return 0;
        }
        if (full) {
                v = apj_get(o, "n", json_type_array);
                ret = v ? ap_names_get(v, &l->names, &l->n) : -EINVAL;
        } else {
                v = apj_get(o, "add", json_type_array);
                ret = v ? ap_names_get(v, &l->names, &l->n) : -EINVAL;
                v = apj_get(o, "del", json_type_array);
                if (ret == 0)
                        ret = v ? ap_names_get(v, &l->del, &l->ndel) : -EINVAL;
        }
        if (ret == -EINVAL)
                apj_why(msg, size, "a list without well-formed names");
        return ret;
}

static int ap_file_get(struct json_object *o, struct ap_file *f, char *msg, size_t size)
{
        struct json_object *v;
        int ret;

        if (!json_object_is_type(o, json_type_object)) {
                apj_why(msg, size, "a file that is not an object");
                return -EINVAL;
        }
        ret = ap_path_get(o, &f->path, msg, size);
        if (ret < 0)
                return ret;
        if (!f->path[0]) {
                apj_why(msg, size, "a file without a name");
                return -EINVAL;
        }
        f->trunc = (v = apj_get(o, "x", json_type_int)) && json_object_get_int(v) == 1;
        if (json_object_object_get_ex(o, "e", &v)) {
                if (apj_errno_get(v, &f->err) < 0) {
                        apj_why(msg, size, "a file with a bad errno");
                        return -EINVAL;
                }
                return 0;
        }
        if ((v = apj_get(o, "d", json_type_string))) {
                f->len = (size_t)json_object_get_string_len(v);
                f->data = malloc(f->len + 1);
                if (!f->data)
                        return -ENOMEM;
                memcpy(f->data, json_object_get_string(v), f->len);
                f->data[f->len] = '\0';
        } else if ((v = apj_get(o, "b", json_type_string))) {
                f->data = b64_decode(json_object_get_string(v),
                                     (size_t)json_object_get_string_len(v), &f->len);
                if (!f->data) {
                        apj_why(msg, size, "a file whose \"b\" is not base64");
                        return -EINVAL;
                }
        } else {
                apj_why(msg, size, "a file without \"d\", \"b\" or \"e\"");
                return -EINVAL;
        }
        if (f->len > SRC_READ_MAX) {
                apj_why(msg, size, "a file longer than %u bytes", SRC_READ_MAX);
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
            !(v = apj_get(o, "dev", json_type_string)) || !ap_name_ok(json_object_get_string(v)))
                return false;
        snprintf(y->dev, sizeof(y->dev), "%s", json_object_get_string(v));
        if ((v = apj_get(o, "bus", json_type_string)))
                snprintf(y->bus, sizeof(y->bus), "%s", json_object_get_string(v));
        if ((v = apj_get(o, "driver", json_type_string)))
                snprintf(y->driver, sizeof(y->driver), "%s", json_object_get_string(v));
        if ((v = apj_get(o, "parent", json_type_string)))
                snprintf(y->parent, sizeof(y->parent), "%s", json_object_get_string(v));
        y->is_vf = (v = apj_get(o, "vf", json_type_boolean)) && json_object_get_boolean(v);
        if ((v = apj_get(o, "iommu_group", json_type_int)))
                y->iommu_group = (int)json_object_get_int(v);
        if ((v = apj_get(o, "numa_node", json_type_int)))
                y->numa_node = (int)json_object_get_int(v);
        hv = (v = apj_get(o, "vendor", json_type_string)) ? json_object_get_string(v) : NULL;
        hd = (v = apj_get(o, "device", json_type_string)) ? json_object_get_string(v) : NULL;
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
        struct json_object *sys = apj_get(j, "sys", json_type_array);
        struct json_object *lists = apj_get(j, "lists", json_type_array);
        struct json_object *files = apj_get(j, "files", json_type_array);
        size_t nl, nf;
        int ret;

        if (!lists || !files) {
                apj_why(msg, size, "no \"lists\" or \"files\" array");
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
        struct json_object *r = apj_get(j, "r", json_type_array);
        size_t n;

        if (!r) {
                apj_why(msg, size, "no \"r\" array");
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
                        apj_why(msg, size, "a kernel log record that is not a string");
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

int ap_msg_decode(const char *line, size_t len, struct ap_msg *m, char *msg, size_t size)
{
        struct json_object *j, *t, *v;
        const char *kind;
        uint64_t u;
        int ret = -EINVAL, k = -1;

        memset(m, 0, sizeof(*m));
        j = apj_parse(line, len, msg, size);
        if (!j)
                return -EINVAL;
        t = apj_get(j, "t", json_type_string);
        kind = t ? json_object_get_string(t) : "";
        for (size_t i = 0; i < sizeof(ap_kind_names) / sizeof(*ap_kind_names); i++)
                if (strcmp(kind, ap_kind_names[i]) == 0)
                        k = (int)i;
        if (k < 0) {
                char esc[64];

                apj_why(msg, size, "unknown message \"%s\"", esc_str(esc, sizeof(esc), kind, 0));
                goto out;
        }
        m->kind = (enum ap_kind)k;
        switch (m->kind) {
        case AP_HELLO:
                if (!(v = apj_get(j, "proto", json_type_int))) {
                        apj_why(msg, size, "a hello without \"proto\"");
                        break;
                }
                m->hello.proto = (int)json_object_get_int64(v);
                if (m->hello.proto != AP_PROTO_VERSION) {
                        /* the rest may mean something else: say which version it speaks */
                        apj_why(msg, size, "agent protocol version %lld, this migtop speaks %d",
                                (long long)json_object_get_int64(v), AP_PROTO_VERSION);
                        ret = -EPROTO;
                        break;
                }
                if ((ret = apj_str(j, "migtop", m->hello.migtop, sizeof(m->hello.migtop), msg,
                                   size)) < 0 ||
                    (ret = apj_str(j, "host", m->hello.host, sizeof(m->hello.host), msg, size)) <
                        0 ||
                    (ret = apj_str(j, "kernel", m->hello.kernel, sizeof(m->hello.kernel), msg,
                                   size)) < 0 ||
                    (ret = apj_str(j, "root", m->hello.root, sizeof(m->hello.root), msg, size)) <
                        0 ||
                    (ret = apj_u64(j, "interval_ms", &u, msg, size)) < 0)
                        break;
                m->hello.interval_ms = u > AP_INTERVAL_MAX ? AP_INTERVAL_MAX : (int)u;
                /* optional: an older agent of protocol 1 does not send it */
                m->hello.ping =
                    (v = apj_get(j, "ping", json_type_boolean)) && json_object_get_boolean(v);
                m->hello.focus =
                    (v = apj_get(j, "focus", json_type_boolean)) && json_object_get_boolean(v);
                if ((v = apj_get(j, "klog", json_type_string)))
                        snprintf(m->hello.klog, sizeof(m->hello.klog), "%s",
                                 json_object_get_string(v));
                ret = 0;
                break;
        case AP_SNAP:
        case AP_DELTA:
        case AP_HB:
                if ((ret = apj_u64(j, "seq", &m->seq, msg, size)) < 0 ||
                    (ret = apj_u64(j, "ts", &u, msg, size)) < 0)
                        break;
                m->ts_ms = (int64_t)u;
                if (m->kind == AP_HB)
                        ret = apj_u64(j, "bad", &m->bad, msg, size);
                else
                        ret = ap_data_get(j, m, msg, size);
                break;
        case AP_KLOG:
                ret = ap_klog_get(j, m, msg, size);
                break;
        case AP_PONG:
                ret = apj_u64(j, "id", &m->seq, msg, size);
                break;
        case AP_ERROR:
        default:
                ret = apj_str(j, "msg", m->msg, sizeof(m->msg), msg, size);
                break;
        }
out:
        json_object_put(j);
        if (ret < 0)
                ap_msg_free(m);
        if (ret == -ENOMEM)
                apj_why(msg, size, "out of memory");
        return ret;
}
