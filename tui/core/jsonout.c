// SPDX-License-Identifier: GPL-2.0-only
/*
 * jsonout: migtop's JSON schema (see jsonout.h and man/migtop.1).  Every value a script
 * may test is present with a stable key; what migtop could not read is null, never 0.
 */
#include "jsonout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esc.h"

/*
 * A JSON string of s[0..n): always valid UTF-8 (json-c copies bytes that are not UTF-8
 * raw, and escapes control characters itself), each invalid byte as U+FFFD (esc.h).
 */
struct json_object *jout_strn(const char *s, size_t n)
{
        struct json_object *o;
        size_t len;
        char *fixed;

        if (n > INT32_MAX / 3)
                n = INT32_MAX / 3;
        if (esc_utf8_valid(s, n))
                return json_object_new_string_len(s, (int)n);
        fixed = esc_utf8_fix(s, n, &len);
        if (!fixed)
                return NULL;
        o = json_object_new_string_len(fixed, (int)len);
        free(fixed);
        return o;
}

static struct json_object *jout_s(const char *s)
{
        return jout_strn(s, strlen(s));
}

/* json_object_object_add() with a key from outside (a directory name, a kv key). */
static void jout_add(struct json_object *o, const char *key, struct json_object *v)
{
        char *fixed;

        if (esc_utf8_valid(key, strlen(key))) {
                json_object_object_add(o, key, v);
                return;
        }
        fixed = esc_utf8_fix(key, strlen(key), NULL);
        if (!fixed) {
                json_object_put(v);
                return;
        }
        json_object_object_add(o, fixed, v);
        free(fixed);
}

struct json_object *jout_str(const char *s)
{
        return s ? jout_s(s) : NULL;
}

static struct json_object *jout_hex(const uint8_t *b, size_t n)
{
        static const char digits[] = "0123456789abcdef";
        struct json_object *o;
        char *s;

        if (!b)
                return NULL;
        s = malloc(n * 2 + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                s[2 * i] = digits[b[i] >> 4];
                s[2 * i + 1] = digits[b[i] & 15];
        }
        s[n * 2] = '\0';
        o = json_object_new_string_len(s, (int)(n * 2));
        free(s);
        return o;
}

static struct json_object *jout_field_value(const struct acc_field *f)
{
        struct json_object *a;

        if (f->count == 1)
                return (f->valid_mask & 1u) ? json_object_new_uint64(f->value[0]) : NULL;
        a = json_object_new_array();
        if (!a)
                return NULL;
        for (unsigned i = 0; i < f->count && i < ACC_MAX_ELEMS; i++)
                json_object_array_add(
                    a, (f->valid_mask & (1u << i)) ? json_object_new_uint64(f->value[i]) : NULL);
        return a;
}

static struct json_object *jout_fields(const struct acc_decoded *d)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        for (unsigned i = 0; i < d->nfields && i < ACC_MAX_FIELDS; i++)
                json_object_object_add(o, d->fields[i].name, jout_field_value(&d->fields[i]));
        return o;
}

/* A register snapshot's header fields: named, never shown as zeros. */
static struct json_object *jout_not_in_file(const struct acc_decoded *d)
{
        struct json_object *a;

        if (d->layout != ACC_LAYOUT_REGISTERS)
                return NULL;
        a = json_object_new_array();
        for (unsigned i = 0; a && acc_header_fields[i]; i++)
                json_object_array_add(a, jout_s(acc_header_fields[i]));
        return a;
}

/* vf_qm_state with its meaning ("QM_READY: guest driver running"). */
static struct json_object *jout_guest(const struct acc_decoded *d)
{
        const struct acc_field *f = acc_field_find(d, "vf_qm_state");
        const char *m = f && acc_field_valid(f) ? acc_qm_state_meaning(f->value[0]) : NULL;

        return m ? jout_s(m) : NULL;
}

/* kv lines: decimal values as numbers, anything else as the string printed. */
static struct json_object *jout_info(const struct kv_list *l)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                uint64_t v;

                if (kv_get_u64(l, l->items[i].key, &v) == 0)
                        jout_add(o, l->items[i].key, json_object_new_uint64(v));
                else
                        jout_add(o, l->items[i].key, jout_s(l->items[i].value));
        }
        return o;
}

/* kind: DRV_FILE_DUMP / DRV_FILE_TEXT, or -1 to guess from the content. */
static struct json_object *jout_file_kind(const struct drv_file *f, int kind)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (kind < 0)
                kind = (f->bytes || f->has_fields) ? DRV_FILE_DUMP : DRV_FILE_TEXT;
        json_object_object_add(o, "status", jout_s(drv_status_name(f->status)));
        json_object_object_add(o, "errno", jout_str(src_errno_name(f->err)));
        json_object_object_add(o, "message", drv_file_msg(f)[0] ? jout_s(drv_file_msg(f)) : NULL);
        if (kind == DRV_FILE_DUMP) {
                json_object_object_add(o, "bytes", jout_hex(f->bytes, f->len));
                json_object_object_add(o, "length",
                                       f->bytes ? json_object_new_uint64(f->len) : NULL);
                json_object_object_add(o, "truncated", json_object_new_boolean(f->cut));
                json_object_object_add(
                    o, "layout",
                    f->has_fields ? jout_s(acc_layout_name(drv_fields(f)->layout)) : NULL);
                json_object_object_add(o, "fields",
                                       f->has_fields ? jout_fields(drv_fields(f)) : NULL);
                json_object_object_add(o, "not_in_file",
                                       f->has_fields ? jout_not_in_file(drv_fields(f)) : NULL);
                json_object_object_add(o, "stream_length",
                                       f->has_fields && drv_fields(f)->stream_len >= 0
                                           ? json_object_new_int64(drv_fields(f)->stream_len)
                                           : NULL);
                json_object_object_add(o, "guest_driver",
                                       f->has_fields ? jout_guest(drv_fields(f)) : NULL);
                json_object_object_add(o, "info", f->text ? jout_info(&f->kv) : NULL);
        } else {
                json_object_object_add(o, "text", f->text ? jout_strn(f->text, f->text_len) : NULL);
        }
        return o;
}

struct json_object *jout_file(const struct drv_file *f)
{
        return jout_file_kind(f, -1);
}

static struct json_object *jout_features(const struct tree_dev *d)
{
        struct json_object *a;

        if (d->features_file.status != DRV_ST_OK)
                return NULL;
        a = json_object_new_array();
        if (!a)
                return NULL;
        for (unsigned bit = 1; bit && bit <= d->features; bit <<= 1)
                if ((d->features & bit) && fsm_feature_name(bit))
                        json_object_array_add(a, jout_s(fsm_feature_name(bit)));
        return a;
}

static struct json_object *jout_drvdir(const struct tree_drvdir *dir)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (!dir->ops) {
                json_object_object_add(o, "known", json_object_new_boolean(0));
                return o;
        }
        for (unsigned i = 0; i < dir->nfiles && i < dir->ops->nfiles; i++)
                json_object_object_add(o, dir->ops->files[i].name,
                                       jout_file_kind(&dir->files[i], dir->ops->files[i].kind));
        return o;
}

struct json_object *jout_dev(const struct tree_dev *d)
{
        struct json_object *o = json_object_new_object();
        struct json_object *files;

        if (!o)
                return NULL;
        json_object_object_add(o, "name", jout_s(d->name));
        json_object_object_add(o, "migration", json_object_new_boolean(d->has_migration));
        json_object_object_add(o, "error", jout_str(src_errno_name(d->err)));
        json_object_object_add(o, "state",
                               d->state_file.status == DRV_ST_OK ? jout_s(fsm_state_name(d->state))
                                                                 : NULL);
        json_object_object_add(o, "features", jout_features(d));
        files = json_object_new_object();
        if (files) {
                json_object_object_add(files, "state",
                                       jout_file_kind(&d->state_file, DRV_FILE_TEXT));
                json_object_object_add(files, "features",
                                       jout_file_kind(&d->features_file, DRV_FILE_TEXT));
        }
        json_object_object_add(o, "files", files);
        for (size_t i = 0; i < d->ndirs; i++)
                jout_add(o, d->dirs[i].name, jout_drvdir(&d->dirs[i]));
        return o;
}

struct json_object *jout_tree(const struct tree *t)
{
        struct json_object *o = json_object_new_object();
        struct json_object *a;

        if (!o)
                return NULL;
        a = json_object_new_array();
        for (size_t i = 0; a && i < t->ndevs; i++)
                json_object_array_add(a, jout_dev(&t->devs[i]));
        json_object_object_add(o, "devices", a);
        if (t->err)
                json_object_object_add(o, "error",
                                       jout_s(t->msg[0] ? t->msg : "cannot read the tree"));
        return o;
}

static struct json_object *jout_value(uint64_t v, bool valid)
{
        return valid ? json_object_new_uint64(v) : NULL;
}

static struct json_object *jout_mismatch(const struct match_mismatch *m)
{
        struct json_object *mo = json_object_new_object();

        if (!mo)
                return NULL;
        json_object_object_add(mo, "field", jout_str(m->field));
        json_object_object_add(mo, "src", jout_value(m->src, m->src_valid));
        json_object_object_add(mo, "dst", jout_value(m->dst, m->dst_valid));
        json_object_object_add(mo, "reason", jout_str(m->reason));
        return mo;
}

/* CLOCK_REALTIME ns as "2026-11-30T10:40:57.123Z", NULL for 0. */
static struct json_object *jout_time(int64_t t_ns)
{
        time_t sec = (time_t)(t_ns / 1000000000LL);
        struct tm tm;
        char buf[48];

        if (t_ns <= 0 || !gmtime_r(&sec, &tm))
                return NULL;
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(t_ns % 1000000000LL / 1000000));
        return jout_s(buf);
}

static struct json_object *jout_kmsg(const struct kmsg_rec *r, const char *side)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (side)
                json_object_object_add(o, "side", jout_s(side));
        json_object_object_add(o, "device", r->device[0] ? jout_s(r->device) : NULL);
        json_object_object_add(o, "seq", json_object_new_uint64(r->seq));
        json_object_object_add(o, "ts_us", json_object_new_int64(r->ts_us));
        json_object_object_add(o, "level", jout_s(kmsg_level_name(r->level)));
        json_object_object_add(o, "text", jout_strn(r->text, r->text_len));
        return o;
}

static struct json_object *jout_check(const struct check *c)
{
        struct json_object *o = json_object_new_object();
        struct json_object *a;

        if (!o)
                return NULL;
        json_object_object_add(o, "name", jout_str(c->name));
        json_object_object_add(o, "verdict", jout_s(check_verdict_name(c->verdict)));
        json_object_object_add(o, "reason", c->reason[0] ? jout_s(c->reason) : NULL);
        json_object_object_add(o, "kernel_line", c->has_kline ? jout_s(c->kline.text) : NULL);
        a = json_object_new_array();
        for (unsigned i = 0; a && i < c->nmis && i < CHECK_MAX_MISMATCH; i++)
                json_object_array_add(a, jout_mismatch(&c->mis[i]));
        json_object_object_add(o, "mismatches", a);
        a = json_object_new_array();
        for (unsigned i = 0; a && i < c->nev && i < CHECK_MAX_EVIDENCE; i++) {
                const struct check_evidence *e = &c->ev[i];
                struct json_object *eo = json_object_new_object();

                if (!eo)
                        break;
                json_object_object_add(eo, "side", jout_s(e->side == CHECK_SRC ? "src" : "dst"));
                json_object_object_add(eo, "what", jout_str(e->what));
                json_object_object_add(eo, "status", jout_str(e->status));
                json_object_object_add(eo, "errno", jout_str(src_errno_name(e->err)));
                json_object_object_add(eo, "time", jout_time(e->t_ns));
                json_object_object_add(eo, "detail", e->detail[0] ? jout_s(e->detail) : NULL);
                json_object_array_add(a, eo);
        }
        json_object_object_add(o, "evidence", a);
        return o;
}

struct json_object *jout_compare(const char *src, const char *dst, const struct pair_result *p,
                                 const struct pair_side *ss, const struct pair_side *ds)
{
        struct json_object *o = json_object_new_object();
        struct json_object *a, *fl;

        if (!o)
                return NULL;
        json_object_object_add(o, "src", jout_str(src));
        json_object_object_add(o, "dst", jout_str(dst));
        json_object_object_add(o, "dir", jout_str(p->dir));
        json_object_object_add(o, "src_file", jout_str(p->src_file));
        json_object_object_add(o, "dst_file", jout_str(p->dst_file));
        json_object_object_add(o, "verdict", jout_s(match_verdict_name(p->match.verdict)));
        json_object_object_add(o, "summary", p->match.summary[0] ? jout_s(p->match.summary) : NULL);
        json_object_object_add(o, "message", p->msg[0] ? jout_s(p->msg) : NULL);
        a = json_object_new_array();
        for (unsigned i = 0; a && i < p->checks.n && i < CHECK_MAX; i++)
                json_object_array_add(a, jout_check(&p->checks.c[i]));
        json_object_object_add(o, "checks", a);
        /* the two devices' kernel log records (the destination's first) */
        a = json_object_new_array();
        for (size_t i = 0; a && ds && ds->klog && i < ds->nklog; i++)
                json_object_array_add(a, jout_kmsg(&ds->klog[i], "dst"));
        for (size_t i = 0; a && ss && ss->klog && i < ss->nklog; i++)
                json_object_array_add(a, jout_kmsg(&ss->klog[i], "src"));
        json_object_object_add(o, "kernel_log", a);
        a = json_object_new_array();
        for (unsigned i = 0; a && i < p->match.n && i < MATCH_MAX; i++)
                json_object_array_add(a, jout_mismatch(&p->match.m[i]));
        json_object_object_add(o, "mismatches", a);
        fl = json_object_new_array();
        for (unsigned i = 0; fl && i < p->fields.n && i < ACC_MAX_FIELDS; i++)
                json_object_array_add(fl, jout_str(p->fields.field[i]));
        json_object_object_add(o, "differing_fields", fl);
        json_object_object_add(o, "differing_bytes",
                               p->src_file && p->dst_file ? json_object_new_uint64(p->diff_bytes)
                                                          : NULL);
        return o;
}

struct json_object *jout_kernel_log(const struct kmsg_rec *r, size_t n)
{
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++) {
                struct json_object *o = json_object_new_object();

                if (!o)
                        break;
                json_object_object_add(o, "seq", json_object_new_uint64(r[i].seq));
                json_object_object_add(o, "ts_us", json_object_new_int64(r[i].ts_us));
                json_object_object_add(o, "level", jout_s(kmsg_level_name(r[i].level)));
                json_object_object_add(o, "text", jout_strn(r[i].text, r[i].text_len));
                json_object_array_add(a, o);
        }
        return a;
}

struct json_object *jout_error(const char *msg)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "error", jout_s(msg ? msg : "unknown error"));
        return o;
}

/*
 * json-c's pretty printer writes an empty array or object over two lines ("[\n  ]"):
 * join them ("[]", "{}") outside strings, in place.
 */
static void jout_join_empty(char *s)
{
        bool in_str = false;
        char *w = s;

        for (const char *r = s; *r;) {
                char c = *r++;

                *w++ = c;
                if (in_str) {
                        if (c == '\\' && *r)
                                *w++ = *r++;
                        else if (c == '"')
                                in_str = false;
                        continue;
                }
                if (c == '"') {
                        in_str = true;
                } else if (c == '[' || c == '{') {
                        const char *e = r;

                        while (*e == '\n' || *e == ' ')
                                e++;
                        if (e != r && *e == (c == '[' ? ']' : '}')) {
                                *w++ = *e;
                                r = e + 1;
                        }
                }
        }
        *w = '\0';
}

char *jout_string(struct json_object *o, int pretty)
{
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
        const char *s;
        char *d;

        if (pretty)
                flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
        else
                flags |= JSON_C_TO_STRING_PLAIN;
        s = json_object_to_json_string_ext(o, flags);
        d = s ? strdup(s) : NULL;
        if (d && pretty)
                jout_join_empty(d);
        return d;
}
