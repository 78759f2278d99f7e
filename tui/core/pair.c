// SPDX-License-Identifier: GPL-2.0-only
/*
 * pair: compare a source device with a destination device through the first driver
 * directory they have in common whose ops can decode and match.
 */
#include "pair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file whose decoded fields can be used: read and parsed without error. */
static const struct drv_file *pair_usable(const struct tree_drvdir *dir, const char *name)
{
        int idx = drv_file_index(dir->ops, name);
        const struct drv_file *f;

        if (idx < 0 || (unsigned)idx >= dir->nfiles)
                return NULL;
        f = &dir->files[idx];
        if (f->status != DRV_ST_OK || !f->has_fields)
                return NULL;
        return f;
}

static const struct tree_drvdir *pair_dir(const struct tree_dev *d, const char *name)
{
        for (size_t i = 0; i < d->ndirs; i++)
                if (d->dirs[i].ops && strcmp(d->dirs[i].name, name) == 0)
                        return &d->dirs[i];
        return NULL;
}

/* The first driver directory of src that dst also has and that can be compared. */
static const struct drv_ops *pair_common(const struct tree_dev *src, const struct tree_dev *dst,
                                         const struct tree_drvdir **sd,
                                         const struct tree_drvdir **dd)
{
        for (size_t i = 0; i < src->ndirs; i++) {
                const struct tree_drvdir *a = &src->dirs[i];
                const struct tree_drvdir *b;

                if (!a->ops || !a->ops->decode || !a->ops->match)
                        continue;
                b = pair_dir(dst, a->name);
                if (!b || b->ops != a->ops)
                        continue;
                *sd = a;
                *dd = b;
                return a->ops;
        }
        return NULL;
}

/* "dev_data not_opened (EINVAL), migf_data not_migrated (EAGAIN)" */
static void pair_why(const struct tree_drvdir *dir, char *buf, size_t size)
{
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned i = 0; i < dir->nfiles && off < size; i++) {
                const struct drv_file *f = &dir->files[i];
                const char *en = src_errno_name(f->err);
                int n;

                if (dir->ops->files[i].kind != DRV_FILE_DUMP)
                        continue;
                n = snprintf(buf + off, size - off, "%s%s %s%s%s%s", off ? ", " : "",
                             dir->ops->files[i].name, drv_status_name(f->status), en ? " (" : "",
                             en ? en : "", en ? ")" : "");
                if (n < 0)
                        break;
                off += (size_t)n;
        }
}

int pair_compare(const struct tree_dev *src, const struct tree_dev *dst, struct pair_result *out)
{
        const struct tree_drvdir *sd = NULL, *dd = NULL;
        const struct drv_file *sf, *df;
        const struct drv_ops *ops;
        char why[160];

        memset(out, 0, sizeof(*out));
        out->match.verdict = MATCH_INCOMPLETE;
        ops = pair_common(src, dst, &sd, &dd);
        if (!ops) {
                snprintf(out->msg, sizeof(out->msg),
                         "no driver data to compare: %s and %s share no known driver directory",
                         src->name, dst->name);
                snprintf(out->match.summary, sizeof(out->match.summary), "nothing to compare");
                return 0;
        }
        out->dir = ops->name;

        /* What the source sends: its last migration data, else its live data. */
        sf = pair_usable(sd, "migf_data");
        if (!sf)
                sf = pair_usable(sd, "dev_data");
        /* What the destination is: its live data, else what it resumed from. */
        df = pair_usable(dd, "dev_data");
        if (!df)
                df = pair_usable(dd, "migf_data");
        out->src_file = sf ? sf->name : NULL;
        out->dst_file = df ? df->name : NULL;

        ops->match(sf ? &sf->fields : NULL, df ? &df->fields : NULL, &out->match);
        if (!sf || !df) {
                const struct tree_drvdir *bad = sf ? dd : sd;

                pair_why(bad, why, sizeof(why));
                snprintf(out->msg, sizeof(out->msg), "no %s data on %s %s: %s", ops->name,
                         sf ? "destination" : "source", sf ? dst->name : src->name, why);
                out->match.verdict = MATCH_INCOMPLETE;
                return 0;
        }

        match_diff_fields(&sf->fields, &df->fields, &out->fields);
        {
                size_t n = sf->len > df->len ? sf->len : df->len;
                size_t mb = (n + 7) / 8;
                uint8_t *map = calloc(mb ? mb : 1, 1);

                if (!map)
                        return -ENOMEM;
                out->diff_bytes = match_diff_bytes(sf->bytes, sf->len, df->bytes, df->len, map, mb);
                free(map);
        }
        return 0;
}
