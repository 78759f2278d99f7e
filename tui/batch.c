// SPDX-License-Identifier: GPL-2.0-only
/*
 * batch: `migtop --once`.  Reads the tree once through a local source, prints it as JSON
 * (core/jsonout) or as one readable block per device, then the --pair comparison.
 */
#include "batch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonout.h"
#include "core/pair.h"
#include "core/src.h"
#include "core/tree.h"

static const char *const batch_feature_names[] = {"stop-copy", "p2p", "pre-copy", "dirty-tracking"};

/* A remediation hint for a root that cannot be read. */
static const char *batch_hint(int err, const char *root)
{
        bool deflt = strcmp(root, TREE_DEFAULT_ROOT) == 0;

        switch (err) {
        case ENOENT:
                return deflt ? "debugfs is not mounted (mount -t debugfs none /sys/kernel/debug), "
                               "the kernel lacks CONFIG_VFIO_DEBUGFS, or no vfio device is "
                               "registered yet"
                             : "no such directory: check --root";
        case EACCES:
        case EPERM:
                return "debugfs is readable by root only: run migtop as root";
        case ENOTDIR:
                return "not a directory: --root must name the vfio debugfs directory";
        default:
                return NULL;
        }
}

static int batch_fail(const struct batch_opts *o, FILE *out, FILE *err, const char *msg)
{
        fprintf(err, "migtop: %s\n", msg);
        if (o->json) {
                struct json_object *j = jout_error(msg);
                char *s = j ? jout_string(j, 1) : NULL;

                if (s)
                        fprintf(out, "%s\n", s);
                free(s);
                json_object_put(j);
        }
        return BATCH_EXIT_ENV;
}

static void batch_value(FILE *out, const struct acc_field *f, unsigned i)
{
        uint64_t v = f->value[i];

        if (!(f->valid_mask & (1u << i)))
                fputs("-", out);
        else if (f->elem_size == 8)
                fprintf(out, "0x%016" PRIx64, v);
        else if (f->count > 1)
                fprintf(out, "0x%0*" PRIx64, (int)f->elem_size * 2, v);
        else if (v >= 10)
                fprintf(out, "%" PRIu64 " (0x%" PRIx64 ")", v, v);
        else
                fprintf(out, "%" PRIu64, v);
}

static void batch_fields(FILE *out, const struct acc_decoded *d)
{
        bool missing = false;

        for (unsigned i = 0; i < d->nfields && i < ACC_MAX_FIELDS; i++) {
                const struct acc_field *f = &d->fields[i];

                if (!f->valid_mask)
                        continue; /* listed below */
                fprintf(out, "      %-16s ", f->name);
                for (unsigned k = 0; k < f->count && k < ACC_MAX_ELEMS; k++) {
                        if (k)
                                fputc(' ', out);
                        batch_value(out, f, k);
                }
                fputc('\n', out);
        }
        for (unsigned i = 0; i < d->nfields && i < ACC_MAX_FIELDS; i++) {
                if (d->fields[i].valid_mask)
                        continue;
                fprintf(out, "%s %s", missing ? "" : "      not in the data:", d->fields[i].name);
                missing = true;
        }
        if (missing)
                fputc('\n', out);
}

/* "ok", "not_migrated (EAGAIN): why" */
static void batch_status(FILE *out, const struct drv_file *f)
{
        const char *en = src_errno_name(f->err);

        fputs(drv_status_name(f->status), out);
        /* the message usually names the errno already */
        if (en && !strstr(f->msg, en))
                fprintf(out, " (%s)", en);
        if (f->msg[0])
                fprintf(out, ": %s", f->msg);
}

static void batch_text_file(FILE *out, const char *dir, const struct drv_file *f)
{
        fprintf(out, "  %s/%s: ", dir, f->name);
        batch_status(out, f);
        if (f->status == DRV_ST_OK && f->text) {
                size_t n = f->text_len;

                while (n && (f->text[n - 1] == '\n'))
                        n--;
                fprintf(out, ": %.*s", (int)n, f->text);
        }
        fputc('\n', out);
}

static void batch_dump_file(FILE *out, const char *dir, const struct drv_file *f)
{
        fprintf(out, "  %s/%s: ", dir, f->name);
        batch_status(out, f);
        if (f->bytes || f->has_fields) {
                fprintf(out, " [%s, %zu bytes%s]",
                        f->has_fields ? acc_layout_name(f->fields.layout) : "raw", f->len,
                        f->cut ? ", cut off" : "");
        }
        fputc('\n', out);
        if (f->has_fields)
                batch_fields(out, &f->fields);
        for (size_t i = 0; i < f->kv.n; i++)
                fprintf(out, "      %s: %s\n", f->kv.items[i].key, f->kv.items[i].value);
}

static void batch_text_dev(FILE *out, const struct tree_dev *d)
{
        fprintf(out, "device %s\n", d->name);
        if (d->err) {
                fprintf(out, "  error: %s (%s)\n", strerror(d->err),
                        src_errno_name(d->err) ? src_errno_name(d->err) : "?");
                return;
        }
        if (!d->has_migration) {
                fputs("  no migration directory (the driver has no migration support)\n", out);
                return;
        }
        fputs("  state: ", out);
        if (d->state_file.status == DRV_ST_OK)
                fputs(fsm_state_name(d->state), out);
        else
                batch_status(out, &d->state_file);
        fputs("\n  features: ", out);
        if (d->features_file.status == DRV_ST_OK) {
                bool any = false;

                for (unsigned i = 0; i < sizeof(batch_feature_names) / sizeof(*batch_feature_names);
                     i++) {
                        if (!(d->features & (1u << i)))
                                continue;
                        fprintf(out, "%s%s", any ? " " : "", batch_feature_names[i]);
                        any = true;
                }
                if (!any)
                        fputs("(none)", out);
        } else {
                batch_status(out, &d->features_file);
        }
        fputc('\n', out);
        for (size_t i = 0; i < d->ndirs; i++) {
                const struct tree_drvdir *dir = &d->dirs[i];

                if (!dir->ops) {
                        fprintf(out, "  %s/: unknown driver directory (not read)\n", dir->name);
                        continue;
                }
                for (unsigned k = 0; k < dir->nfiles && k < dir->ops->nfiles; k++) {
                        if (dir->ops->files[k].kind == DRV_FILE_DUMP)
                                batch_dump_file(out, dir->name, &dir->files[k]);
                        else
                                batch_text_file(out, dir->name, &dir->files[k]);
                }
        }
}

static void batch_opt_value(FILE *out, uint64_t v, bool valid)
{
        if (valid)
                fprintf(out, "%" PRIu64 " (0x%" PRIx64 ")", v, v);
        else
                fputs("-", out);
}

static void batch_text_compare(FILE *out, const char *src, const char *dst,
                               const struct pair_result *p)
{
        fprintf(out, "compare %s -> %s", src, dst);
        if (p->dir)
                fprintf(out, " (%s: source %s, destination %s)", p->dir,
                        p->src_file ? p->src_file : "-", p->dst_file ? p->dst_file : "-");
        fprintf(out, "\n  verdict: %s", match_verdict_name(p->match.verdict));
        if (p->match.summary[0])
                fprintf(out, ": %s", p->match.summary);
        fputc('\n', out);
        if (p->msg[0])
                fprintf(out, "  note: %s\n", p->msg);
        for (unsigned i = 0; i < p->match.n && i < MATCH_MAX; i++) {
                const struct match_mismatch *m = &p->match.m[i];

                fprintf(out, "  mismatch %s: source ", m->field ? m->field : "?");
                batch_opt_value(out, m->src, m->src_valid);
                fputs(", destination ", out);
                batch_opt_value(out, m->dst, m->dst_valid);
                fprintf(out, ": %s\n", m->reason ? m->reason : "");
        }
        if (p->src_file && p->dst_file) {
                fputs("  differing fields:", out);
                for (unsigned i = 0; i < p->fields.n && i < ACC_MAX_FIELDS; i++)
                        fprintf(out, " %s", p->fields.field[i]);
                if (!p->fields.n)
                        fputs(" (none)", out);
                fprintf(out, "\n  differing bytes: %zu\n", p->diff_bytes);
        }
}

static int batch_print(const struct batch_opts *o, FILE *out, const struct tree *t,
                       const struct pair_result *p)
{
        if (o->json) {
                struct json_object *j = jout_tree(t);
                char *s;

                if (!j)
                        return -ENOMEM;
                json_object_object_add(j, "root", json_object_new_string(o->root));
                if (p)
                        json_object_object_add(j, "compare",
                                               jout_compare(o->pair_src, o->pair_dst, p));
                s = jout_string(j, 1);
                json_object_put(j);
                if (!s)
                        return -ENOMEM;
                fprintf(out, "%s\n", s);
                free(s);
                return 0;
        }
        if (t->ndevs == 0)
                fprintf(
                    out,
                    "no devices under %s (no vfio device with migration support is registered)\n",
                    o->root);
        for (size_t i = 0; i < t->ndevs; i++) {
                if (i)
                        fputc('\n', out);
                batch_text_dev(out, &t->devs[i]);
        }
        if (p) {
                fputc('\n', out);
                batch_text_compare(out, o->pair_src, o->pair_dst, p);
        }
        return 0;
}

int batch_run(const struct batch_opts *o, FILE *out, FILE *err)
{
        unsigned flags = o->fixture ? SRC_LOCAL_ERRNO_FILES : 0;
        struct pair_result pr, *p = NULL;
        struct tree t = {0};
        struct src *s = NULL;
        char msg[512];
        int ret;

        ret = src_local_open(o->root, flags, &s);
        if (ret < 0) {
                const char *hint = batch_hint(-ret, o->root);

                snprintf(msg, sizeof(msg), "cannot open %s: %s%s%s", o->root, strerror(-ret),
                         hint ? "; " : "", hint ? hint : "");
                return batch_fail(o, out, err, msg);
        }
        ret = tree_read(s, &t);
        src_close(s);
        if (ret < 0) {
                snprintf(msg, sizeof(msg), "reading %s: %s", o->root, strerror(-ret));
                tree_free(&t);
                return batch_fail(o, out, err, msg);
        }
        if (t.err) {
                const char *hint = batch_hint(t.err, o->root);

                if (t.msg[0])
                        snprintf(msg, sizeof(msg), "%s", t.msg);
                else
                        snprintf(msg, sizeof(msg), "cannot list %s: %s%s%s", o->root,
                                 strerror(t.err), hint ? "; " : "", hint ? hint : "");
                tree_free(&t);
                return batch_fail(o, out, err, msg);
        }
        if (o->pair_src && o->pair_dst) {
                const struct tree_dev *a = tree_find(&t, o->pair_src);
                const struct tree_dev *b = tree_find(&t, o->pair_dst);

                if (!a || !b) {
                        snprintf(msg, sizeof(msg), "--pair: no device %s under %s",
                                 !a ? o->pair_src : o->pair_dst, o->root);
                        tree_free(&t);
                        return batch_fail(o, out, err, msg);
                }
                if (pair_compare(a, b, &pr) < 0) {
                        tree_free(&t);
                        return batch_fail(o, out, err, "out of memory");
                }
                p = &pr;
        }
        ret = batch_print(o, out, &t, p);
        tree_free(&t);
        if (ret < 0)
                return batch_fail(o, out, err, "out of memory");
        if (fflush(out) != 0) {
                fprintf(err, "migtop: writing output: %s\n", strerror(errno));
                return BATCH_EXIT_ENV;
        }
        return BATCH_EXIT_OK;
}
