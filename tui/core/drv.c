/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drv: the driver table and the parsing shared by every driver: a failed read becomes a
 * status through the driver's errno map; a dump file is checked row by row (hexdump.c),
 * its "key: value" lines parsed (kv.c) and its bytes decoded by the driver.  A garbled
 * dump is an error (no bytes are returned); a dump whose end is missing is ok with cut set.
 */
#include "drv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexdump.h"

static const struct drv_ops *const drv_table[] = {
    &drv_hisi_acc_ops,
};

#define DRV_TABLE_N (sizeof(drv_table) / sizeof(drv_table[0]))

const struct acc_decoded drv_no_fields;

/* A decode shared by the copies of one parsed file (the engine's, every snapshot's). */
struct drv_fields_blk {
        atomic_uint refs;
        struct acc_decoded d;
};

static struct drv_fields_blk *drv_blk(const struct acc_decoded *d)
{
        return (struct drv_fields_blk *)((char *)d - offsetof(struct drv_fields_blk, d));
}

/* The content of a file shared by its copies (drv_file_copy). */
struct drv_content {
        atomic_uint refs;
        char *text;
        uint8_t *bytes;
        size_t nkv;
        struct kv *kv;
};

/* A message shared by the copies of one parsed file (drv_file_set_msg). */
struct drv_msgblk {
        atomic_uint refs;
        char s[];
};

static struct drv_msgblk *drv_msgblk_of(const char *s)
{
        return (struct drv_msgblk *)(void *)((char *)s - offsetof(struct drv_msgblk, s));
}

static void drv_msg_put(struct drv_file *f)
{
        if (f->msg_owned && atomic_fetch_sub(&drv_msgblk_of(f->message)->refs, 1) == 1)
                free(drv_msgblk_of(f->message));
        f->message = NULL;
        f->msg_owned = false;
}

/* dst took src's message by a struct copy: count its reference. */
static void drv_msg_get(const struct drv_file *f)
{
        if (f->msg_owned)
                atomic_fetch_add(&drv_msgblk_of(f->message)->refs, 1);
}

__attribute__((format(printf, 2, 0))) static void drv_msg_setv(struct drv_file *f, const char *fmt,
                                                               va_list ap)
{
        char buf[DRV_MSG_MAX];
        struct drv_msgblk *b;
        size_t n;

        drv_msg_put(f);
        if (!strchr(fmt, '%') && strlen(fmt) < sizeof(buf)) {
                f->message = fmt[0] ? fmt : NULL; /* a literal: static storage */
                return;
        }
        vsnprintf(buf, sizeof(buf), fmt, ap);
        if (!buf[0])
                return;
        n = strlen(buf) + 1;
        b = malloc(sizeof(*b) + n);
        if (!b) {
                f->message = "(no memory for the message)";
                return;
        }
        atomic_init(&b->refs, 1);
        memcpy(b->s, buf, n);
        f->message = b->s;
        f->msg_owned = true;
}

void drv_file_set_msg(struct drv_file *f, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        drv_msg_setv(f, fmt, ap);
        va_end(ap);
}

static void drv_fields_put(struct drv_file *f)
{
        if (f->fields && atomic_fetch_sub(&drv_blk(f->fields)->refs, 1) == 1)
                free(drv_blk(f->fields));
        f->fields = NULL;
        f->has_fields = false;
}

const char *drv_status_name(enum drv_status st)
{
        switch (st) {
        case DRV_ST_OK:
                return "ok";
        case DRV_ST_NOT_OPENED:
                return "not_opened";
        case DRV_ST_NOT_MIGRATED:
                return "not_migrated";
        case DRV_ST_NOT_READY:
                return "not_ready";
        case DRV_ST_ERROR:
                return "error";
        case DRV_ST_ABSENT:
                return "absent";
        case DRV_ST_BLOCKED:
                return "blocked";
        case DRV_ST_GONE:
                return "gone";
        case DRV_ST_MAILBOX:
                return "mailbox_error";
        case DRV_ST_UNREAD:
                return "unread";
        case DRV_ST_COUNT:
                break;
        }
        return "unknown";
}

const struct drv_ops *drv_find(const char *dirname)
{
        for (size_t i = 0; i < DRV_TABLE_N; i++)
                if (strcmp(drv_table[i]->name, dirname) == 0)
                        return drv_table[i];
        return NULL;
}

int drv_file_index(const struct drv_ops *ops, const char *name)
{
        if (!ops || !name)
                return -1;
        for (unsigned i = 0; i < ops->nfiles; i++)
                if (strcmp(ops->files[i].name, name) == 0)
                        return (int)i;
        return -1;
}

__attribute__((format(printf, 3, 4))) static void drv_msg(char *msg, size_t msglen, const char *fmt,
                                                          ...)
{
        va_list ap;

        if (!msg || !msglen)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
}

/* Replace control and non-ASCII bytes quoted from a file so a message stays one line. */
static void drv_msg_clean(char *msg)
{
        for (char *p = msg; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                        *p = '?';
}

static const char *drv_ename(int err)
{
        const char *n = src_errno_name(err);

        return n ? n : "unknown errno";
}

enum drv_status drv_errno_generic(int err, char *msg, size_t msglen)
{
        const char *desc = err > 0 ? strerrordesc_np(err) : NULL;

        switch (err) {
        case 0:
                drv_msg(msg, msglen, "%s", "");
                return DRV_ST_OK;
        case ENOENT:
                drv_msg(msg, msglen, "ENOENT: the file does not exist");
                return DRV_ST_ABSENT;
        case EACCES:
        case EPERM:
                drv_msg(msg, msglen,
                        "%s: permission denied: debugfs is readable by root only, run as root",
                        drv_ename(err));
                return DRV_ST_ERROR;
        case EIO:
        case ENODEV:
        case ENXIO:
                drv_msg(msg, msglen, "%s: the file or its device went away while being read",
                        drv_ename(err));
                return DRV_ST_ERROR;
        case ETIMEDOUT:
        case EBUSY:
                drv_msg(msg, msglen, "%s: the device did not answer in time", drv_ename(err));
                return DRV_ST_NOT_READY;
        case ENOMEM:
                drv_msg(msg, msglen, "ENOMEM: the kernel ran out of memory producing the file");
                return DRV_ST_ERROR;
        case EISDIR:
                drv_msg(msg, msglen, "EISDIR: a directory where a file was expected");
                return DRV_ST_ERROR;
        default:
                drv_msg(msg, msglen, "%s: %s", drv_ename(err), desc ? desc : "read failed");
                return DRV_ST_ERROR;
        }
}

static int drv_dup_text(const struct src_read *r, struct drv_file *out)
{
        out->text = malloc(r->len + 1);
        if (!out->text)
                return -ENOMEM;
        if (r->len)
                memcpy(out->text, r->data, r->len);
        out->text[r->len] = '\0';
        out->text_len = r->len;
        return 0;
}

/* Start a parsed file from a read: name, timestamps, errno, raw text. */
static int drv_file_begin(const char *name, const struct src_read *r, struct drv_file *out)
{
        memset(out, 0, sizeof(*out));
        out->name = name;
        out->t_start = r->t_start;
        out->t_end = r->t_end;
        out->err = r->err;
        if (r->err)
                return 0;
        return drv_dup_text(r, out);
}

/* Give up on the content: an error status, no bytes, no fields. */
static void drv_file_garbled(struct drv_file *out)
{
        free(out->bytes);
        out->bytes = NULL;
        out->len = 0;
        out->cut = false;
        drv_fields_put(out);
        kv_list_free(&out->kv);
        out->status = DRV_ST_ERROR;
}

/* Length of the text up to and including its last newline. */
static size_t drv_complete_len(const char *t, size_t len)
{
        while (len > 0 && t[len - 1] != '\n')
                len--;
        return len;
}

static int drv_parse_dump(const struct drv_ops *ops, unsigned idx, bool read_cut,
                          struct drv_file *out)
{
        const struct drv_file_desc *d = &ops->files[idx];
        struct hexdump_result h;
        size_t tail_done;
        uint64_t length = 0;
        int ret, lret = -ENOENT;

        ret = hexdump_parse(out->text, out->text_len, d->dump_prefix, &h);
        if (ret == -ENOMEM)
                return ret;
        if (ret < 0) {
                hexdump_result_free(&h);
                drv_file_set_msg(out, "garbled %s: %s", d->name, h.issue.msg);
                drv_file_garbled(out);
                return 0;
        }
        out->bytes = h.bytes;
        out->len = h.len;
        h.bytes = NULL;
        out->status = DRV_ST_OK;
        if (h.issue.code != HEXDUMP_OK) {
                out->cut = true;
                drv_file_set_msg(out, "cut off: %s (%zu bytes kept)", h.issue.msg, out->len);
        } else {
                /* the lines after the dump; an unterminated last line may be cut */
                tail_done = drv_complete_len(h.tail, h.tail_len);
                ret = kv_parse(h.tail, tail_done, h.tail_line, &out->kv);
                if (ret < 0)
                        return ret;
                if (read_cut || tail_done < h.tail_len) {
                        unsigned line = h.tail_line;

                        for (size_t i = 0; i < tail_done; i++)
                                line += h.tail[i] == '\n';
                        out->cut = true;
                        if (tail_done < h.tail_len)
                                drv_file_set_msg(out, "cut off: line %u has no newline", line);
                        else
                                drv_file_set_msg(out, "cut off: the file is longer than %u bytes",
                                                 SRC_READ_MAX);
                } else if (h.tail_len == 0 && d->length_key) {
                        out->cut = true;
                        drv_file_set_msg(out, "cut off after the dump: no \"%s\" line",
                                         d->length_key);
                } else if (d->dump_len && out->len < d->dump_len) {
                        drv_file_set_msg(
                            out, "garbled %s: line %u: dump ends after %zu bytes, expected %u",
                            d->name, h.tail_line, out->len, d->dump_len);
                        drv_file_garbled(out);
                        return 0;
                } else if (out->kv.bad_line) {
                        drv_file_set_msg(out, "line %u: %s (ignored)", out->kv.bad_line,
                                         out->kv.why ? out->kv.why : "bad line");
                }
        }
        if (d->length_key) {
                lret = kv_get_u64(&out->kv, d->length_key, &length);
                if (lret == -EINVAL) {
                        const struct kv *kv = NULL;

                        for (size_t i = 0; i < out->kv.n && !kv; i++)
                                if (strcmp(out->kv.items[i].key, d->length_key) == 0)
                                        kv = &out->kv.items[i];
                        char buf[DRV_MSG_MAX];

                        drv_msg(buf, sizeof(buf),
                                "garbled %s: line %u: \"%s\" is not a number: \"%.40s\"", d->name,
                                kv ? kv->line : 0, d->length_key, kv ? kv->value : "");
                        drv_msg_clean(buf);
                        drv_file_set_msg(out, "%s", buf);
                        drv_file_garbled(out);
                        return 0;
                }
                if (lret == -ENOENT && !out->cut && !out->message)
                        drv_file_set_msg(out, "no \"%s\" line", d->length_key);
        }
        if (ops->decode) {
                struct drv_fields_blk *b = malloc(sizeof(*b));

                if (!b)
                        return -ENOMEM;
                memset(&b->d, 0, sizeof(b->d));
                if (!ops->decode(idx, out->bytes, out->len, &out->kv, &b->d)) {
                        free(b);
                        return 0;
                }
                if (b->d.nfields < ACC_MAX_FIELDS) {
                        /* keep only the fields decoded: every reader stops at nfields */
                        size_t sz = offsetof(struct drv_fields_blk, d.fields) +
                                    (size_t)b->d.nfields * sizeof(b->d.fields[0]);
                        struct drv_fields_blk *nb = realloc(b, sz);

                        if (nb)
                                b = nb;
                }
                atomic_init(&b->refs, 1);
                out->fields = &b->d;
                out->has_fields = true;
        }
        return 0;
}

int drv_file_from_read(const struct drv_ops *ops, unsigned idx, const struct src_read *r,
                       struct drv_file *out)
{
        const struct drv_file_desc *d;
        char buf[DRV_MSG_MAX] = "";
        int ret;

        if (!ops || idx >= ops->nfiles) {
                memset(out, 0, sizeof(*out));
                out->status = DRV_ST_ERROR;
                return -EINVAL;
        }
        d = &ops->files[idx];
        ret = drv_file_begin(d->name, r, out);
        if (ret < 0)
                goto fail;
        if (r->err) {
                out->status = ops->errno_status ? ops->errno_status(idx, r->err, buf, sizeof(buf))
                                                : drv_errno_generic(r->err, buf, sizeof(buf));
                drv_file_set_msg(out, "%s", buf);
                return 0;
        }
        if (d->kind == DRV_FILE_TEXT) {
                out->status = ops->text_status ? ops->text_status(idx, out->text, out->text_len,
                                                                  buf, sizeof(buf))
                                               : DRV_ST_OK;
                if (ops->text_status)
                        drv_file_set_msg(out, "%s", buf);
                out->cut = r->truncated;
                return 0;
        }
        ret = drv_parse_dump(ops, idx, r->truncated, out);
        if (ret < 0)
                goto fail;
        return 0;
fail:
        drv_file_free(out);
        return ret;
}

void drv_text_put(struct drv_content *c)
{
        if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
                return;
        free(c->text);
        free(c->bytes);
        for (size_t i = 0; i < c->nkv; i++) {
                free(c->kv[i].key);
                free(c->kv[i].value);
        }
        free(c->kv);
        free(c);
}

void drv_file_free(struct drv_file *f)
{
        if (!f)
                return;
        if (f->content) {
                drv_text_put(f->content);
        } else {
                free(f->text);
                free(f->bytes);
                kv_list_free(&f->kv);
        }
        drv_fields_put(f);
        drv_msg_put(f);
        memset(f, 0, sizeof(*f));
}

static int drv_kv_copy(struct kv_list *dst, const struct kv_list *src)
{
        *dst = *src;
        dst->items = NULL;
        dst->n = 0;
        if (!src->n)
                return 0;
        dst->items = calloc(src->n, sizeof(*dst->items));
        if (!dst->items)
                return -ENOMEM;
        for (size_t i = 0; i < src->n; i++) {
                dst->items[i].line = src->items[i].line;
                dst->items[i].key = strdup(src->items[i].key);
                dst->items[i].value = strdup(src->items[i].value);
                dst->n = i + 1;
                if (!dst->items[i].key || !dst->items[i].value)
                        return -ENOMEM;
        }
        return 0;
}

/* The first sharing of src's content: it moves to a counted block (src's owner only). */
static void drv_share(const struct drv_file *src)
{
        struct drv_content *c;

        if (src->content || !(src->text || src->bytes || src->kv.items))
                return;
        c = malloc(sizeof(*c));
        if (!c)
                return;
        atomic_init(&c->refs, 1);
        c->text = src->text;
        c->bytes = src->bytes;
        c->nkv = src->kv.n;
        c->kv = src->kv.items;
        ((struct drv_file *)src)->content = c; /* src is not const to its owner */
}

struct drv_content *drv_file_text_ref(const struct drv_file *f)
{
        if (!f->text)
                return NULL;
        drv_share(f);
        if (!f->content)
                return NULL;
        atomic_fetch_add(&f->content->refs, 1);
        return f->content;
}

int drv_file_copy(struct drv_file *dst, const struct drv_file *src)
{
        drv_share(src);
        if (src->content) {
                *dst = *src;
                drv_msg_get(src);
                atomic_fetch_add(&src->content->refs, 1);
                if (src->fields)
                        atomic_fetch_add(&drv_blk(src->fields)->refs, 1);
                return 0;
        }
        /* no memory to share it, or nothing to share: a copy of its own */
        *dst = *src;
        drv_msg_get(src);
        dst->text = NULL;
        dst->bytes = NULL;
        memset(&dst->kv, 0, sizeof(dst->kv));
        if (src->fields)
                atomic_fetch_add(&drv_blk(src->fields)->refs, 1); /* shared, never written */
        if (src->text) {
                dst->text = malloc(src->text_len + 1);
                if (!dst->text)
                        goto fail;
                memcpy(dst->text, src->text, src->text_len);
                dst->text[src->text_len] = '\0';
        }
        if (src->bytes && src->len) {
                dst->bytes = malloc(src->len);
                if (!dst->bytes)
                        goto fail;
                memcpy(dst->bytes, src->bytes, src->len);
        }
        if (drv_kv_copy(&dst->kv, &src->kv) < 0)
                goto fail;
        return 0;
fail:
        drv_file_free(dst);
        return -ENOMEM;
}

bool drv_file_changed(const struct drv_file *a, const struct drv_file *b)
{
        if (a->status != b->status || a->err != b->err || a->cut != b->cut)
                return true;
        if (!a->text != !b->text || a->text_len != b->text_len)
                return true;
        if (a->text && memcmp(a->text, b->text, a->text_len) != 0)
                return true;
        return strcmp(drv_file_msg(a), drv_file_msg(b)) != 0;
}

/* ---- state and features ---- */

int drv_state_from_read(const struct src_read *r, struct drv_file *out, enum fsm_state *state)
{
        enum fsm_state st = FSM_INVALID;
        char buf[DRV_MSG_MAX];
        int ret;

        *state = FSM_INVALID;
        ret = drv_file_begin("state", r, out);
        if (ret < 0) {
                drv_file_free(out);
                return ret;
        }
        if (r->err == EINVAL) {
                out->status = DRV_ST_ERROR;
                drv_file_set_msg(out, "EINVAL: the driver failed to report the migration state");
                return 0;
        }
        if (r->err) {
                out->status = drv_errno_generic(r->err, buf, sizeof(buf));
                drv_file_set_msg(out, "%s", buf);
                return 0;
        }
        ret = r->truncated ? -EPROTO : fsm_state_parse(out->text, out->text_len, &st);
        if (ret < 0) {
                out->status = DRV_ST_ERROR;
                drv_msg(buf, sizeof(buf), "unexpected state text \"%.60s\"", out->text);
                drv_msg_clean(buf);
                drv_file_set_msg(out, "%s", buf);
                return 0;
        }
        if (out->text[out->text_len - 1] != '\n') {
                /* the kernel always ends the line: "STOP" may be a cut "STOP_COPY" */
                out->status = DRV_ST_ERROR;
                out->cut = true;
                drv_msg(buf, sizeof(buf),
                        "cut off: no newline after \"%.40s\", the name may be incomplete",
                        out->text);
                drv_msg_clean(buf);
                drv_file_set_msg(out, "%s", buf);
                return 0;
        }
        out->status = DRV_ST_OK;
        if (st == FSM_INVALID)
                drv_file_set_msg(
                    out, "the kernel printed \"Invalid\": the driver reported an unknown state");
        *state = st;
        return 0;
}

int drv_features_from_read(const struct src_read *r, struct drv_file *out, unsigned *features)
{
        unsigned f = 0, unknown = 0;
        char buf[DRV_MSG_MAX];
        int ret;

        *features = FSM_F_ALL;
        ret = drv_file_begin("features", r, out);
        if (ret < 0) {
                drv_file_free(out);
                return ret;
        }
        if (r->err == ENOENT) {
                out->status = DRV_ST_ABSENT;
                drv_file_set_msg(
                    out, "no features file (kernels before 6.18): every state is assumed possible");
                return 0;
        }
        if (r->err) {
                out->status = drv_errno_generic(r->err, buf, sizeof(buf));
                drv_file_set_msg(out, "%s", buf);
                return 0;
        }
        ret =
            fsm_features_parse(out->text, drv_complete_len(out->text, out->text_len), &f, &unknown);
        if (ret < 0) {
                out->status = DRV_ST_ERROR;
                drv_file_set_msg(out, "features file is not a list of names");
                return 0;
        }
        out->status = DRV_ST_OK;
        if (drv_complete_len(out->text, out->text_len) < out->text_len || r->truncated) {
                out->cut = true;
                drv_file_set_msg(out, "cut off: the last line has no newline");
        } else if (unknown) {
                drv_file_set_msg(out, "%u unknown feature name%s ignored", unknown,
                                 unknown == 1 ? "" : "s");
        }
        *features = f;
        return 0;
}
