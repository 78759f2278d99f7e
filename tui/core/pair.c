// SPDX-License-Identifier: GPL-2.0-only
/*
 * pair: compare a source device with a destination device through the first driver
 * directory they have in common whose ops have checks.
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

                if (!a->ops || !a->ops->checks)
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

/* The union of every check's mismatches, in check order. */
static void pair_union(struct pair_result *out)
{
        for (unsigned i = 0; i < out->checks.n; i++) {
                const struct check *c = &out->checks.c[i];

                for (unsigned k = 0; k < c->nmis && out->match.n < MATCH_MAX; k++)
                        out->match.m[out->match.n++] = c->mis[k];
        }
}

int pair_compare(const struct pair_side *src, const struct pair_side *dst, struct pair_result *out)
{
        const struct tree_drvdir *sd = NULL, *dd = NULL;
        const struct drv_file *sf, *df;
        const struct drv_ops *ops;

        memset(out, 0, sizeof(*out));
        out->match.verdict = MATCH_INCOMPLETE;
        ops = pair_common(src->dev, dst->dev, &sd, &dd);
        if (!ops) {
                snprintf(out->msg, sizeof(out->msg),
                         "no driver data to compare: %s and %s share no known driver directory",
                         src->dev->name, dst->dev->name);
                snprintf(out->match.summary, sizeof(out->match.summary), "nothing to compare");
                return 0;
        }
        out->dir = ops->name;
        ops->checks(src, sd, dst, dd, &out->checks);
        out->match.verdict =
            check_overall(&out->checks, out->match.summary, sizeof(out->match.summary));
        pair_union(out);

        /* the two streams side by side (what the compare view shows) */
        sf = pair_usable(sd, "migf_data");
        df = pair_usable(dd, "migf_data");
        out->src_file = sf ? sf->name : NULL;
        out->dst_file = df ? df->name : NULL;
        if (!sf || !df)
                return 0;
        match_diff_fields(drv_fields(sf), drv_fields(df), &out->fields);
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
