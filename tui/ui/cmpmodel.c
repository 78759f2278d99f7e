// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmpmodel: the compare view's data (four panes of decoded and hex rows with diff marks,
 * the verdict panel, the difference positions for n/N), built without curses.
 */
#include "cmpmodel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/src.h"

struct cmpm_pane_desc {
        bool src;
        const char *file;
        const char *title;
        enum cmpm_pane_id peer, self;
};

static const struct cmpm_pane_desc cmpm_desc[CMPM_NPANES] = {
    [CMPM_SRC_DEV] = {true, "dev_data", "source dev_data", CMPM_DST_DEV, CMPM_SRC_MIGF},
    [CMPM_DST_DEV] = {false, "dev_data", "destination dev_data", CMPM_SRC_DEV, CMPM_DST_MIGF},
    [CMPM_SRC_MIGF] = {true, "migf_data", "source migf_data", CMPM_DST_MIGF, CMPM_SRC_DEV},
    [CMPM_DST_MIGF] = {false, "migf_data", "destination migf_data", CMPM_SRC_MIGF, CMPM_DST_DEV},
};

/* The driver directory to show: the one compared, else the first one that decodes. */
static const char *cmpm_dir_name(const struct tree_dev *d, const struct pair_result *p)
{
        if (p && p->dir)
                return p->dir;
        for (size_t i = 0; d && i < d->ndirs; i++)
                if (d->dirs[i].ops && d->dirs[i].ops->decode)
                        return d->dirs[i].name;
        return NULL;
}

/* "not_migrated" -> "not migrated" */
static void cmpm_words(const char *name, char *buf, size_t size)
{
        size_t i;

        for (i = 0; name[i] && i + 1 < size; i++)
                buf[i] = name[i] == '_' ? ' ' : name[i];
        buf[i] = '\0';
}

/* s without a leading "<head>: " */
static const char *cmpm_skip(const char *s, const char *head)
{
        size_t n = head ? strlen(head) : 0;

        if (n && strncmp(s, head, n) == 0 && s[n] == ':' && s[n + 1] == ' ')
                return s + n + 2;
        return s;
}

/* "not migrated (EAGAIN): <the file's message, without repeating those words>" */
static void cmpm_status_line(const struct drv_file *f, char *buf, size_t size)
{
        const char *en = src_errno_name(f->err);
        const char *msg;
        char word[32];
        int n;

        cmpm_words(drv_status_name(f->status), word, sizeof(word));
        n = snprintf(buf, size, "%s%s%s%s", word, en ? " (" : "", en ? en : "", en ? ")" : "");
        msg = cmpm_skip(cmpm_skip(f->msg, en), word);
        if (n >= 0 && (size_t)n < size && msg[0])
                snprintf(buf + n, size - (size_t)n, ": %s", msg);
}

static void cmpm_pane_file(struct cmpm_pane *pn, const struct tree_dev *d, const char *dir,
                           const struct drv_file **out)
{
        const struct drv_file *f = NULL;

        *out = NULL;
        if (!d) {
                snprintf(pn->status_line, sizeof(pn->status_line), "no %s device", pn->role);
                return;
        }
        pn->dev = d->name;
        if (dir)
                f = tree_dev_file(d, dir, pn->file);
        if (!f) {
                pn->status = DRV_ST_ABSENT;
                snprintf(pn->status_line, sizeof(pn->status_line), "absent: no %s/%s on %s",
                         dir ? dir : "driver data", pn->file, d->name);
                return;
        }
        pn->status = f->status;
        pn->ok = f->status == DRV_ST_OK;
        if (!pn->ok)
                cmpm_status_line(f, pn->status_line, sizeof(pn->status_line));
        else
                *out = f;
}

/*
 * Value as text, like `migtop --once`: decimal (and hex when >= 10), hex for arrays and
 * 8-byte fields (the others are at most 4 bytes wide).
 */
static void cmpm_value(const struct acc_field *f, unsigned k, char *buf, size_t size)
{
        uint64_t v = f->value[k];

        if (!(f->valid_mask & (1u << k)))
                snprintf(buf, size, "%s", CMPM_ABSENT);
        else if (f->elem_size == 8)
                snprintf(buf, size, "0x%016" PRIx64, v);
        else if (f->count > 1)
                snprintf(buf, size, "0x%0*" PRIx64, (int)f->elem_size * 2, v);
        else if (v >= 10)
                snprintf(buf, size, "%" PRIu32 " (0x%" PRIx32 ")", (uint32_t)v, (uint32_t)v);
        else
                snprintf(buf, size, "%" PRIu64, v);
}

/* Row names: every field of every decoded pane, in order of first appearance. */
static int cmpm_rows_build(struct cmpm_model *m, const struct drv_file *const files[CMPM_NPANES])
{
        const char *names[ACC_MAX_FIELDS * CMPM_NPANES];
        size_t n = 0;

        for (unsigned p = 0; p < CMPM_NPANES; p++) {
                const struct drv_file *f = files[p];

                if (!f || !f->has_fields)
                        continue;
                for (unsigned i = 0; i < f->fields.nfields && i < ACC_MAX_FIELDS; i++) {
                        const char *name = f->fields.fields[i].name;
                        size_t k = 0;

                        while (k < n && strcmp(names[k], name) != 0)
                                k++;
                        if (k == n)
                                names[n++] = name;
                }
        }
        if (!n)
                return 0;
        m->rows = calloc(n, sizeof(*m->rows));
        if (!m->rows)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                m->rows[k].field = names[k];
        m->nrows = n;
        return 0;
}

static void cmpm_cell_fill(struct cmpm_cell *c, const struct drv_file *f, const char *name)
{
        const struct acc_field *af = f && f->has_fields ? acc_field_find(&f->fields, name) : NULL;

        c->count = 1;
        snprintf(c->val[0], sizeof(c->val[0]), "%s", CMPM_ABSENT);
        if (!af)
                return;
        c->present = true;
        c->offset = af->offset;
        c->count = af->count < ACC_MAX_ELEMS ? af->count : ACC_MAX_ELEMS;
        c->valid_mask = af->valid_mask;
        for (unsigned k = 0; k < c->count; k++)
                cmpm_value(af, k, c->val[k], sizeof(c->val[k]));
}

/* Elements of a that differ from b: value, or validity (present on one side only). */
static uint32_t cmpm_cell_diff(const struct acc_field *a, const struct acc_field *b)
{
        uint32_t mask = 0;

        if (!a)
                return 0;
        for (unsigned k = 0; k < a->count && k < ACC_MAX_ELEMS; k++) {
                bool va = a->valid_mask & (1u << k);
                bool vb = b && k < b->count && (b->valid_mask & (1u << k));

                if (!va)
                        continue;
                if (!vb || a->value[k] != b->value[k])
                        mask |= 1u << k;
        }
        return mask;
}

static const struct acc_field *cmpm_field(const struct drv_file *f, const char *name)
{
        return f && f->has_fields ? acc_field_find(&f->fields, name) : NULL;
}

static int cmpm_cells_build(struct cmpm_model *m, const struct drv_file *const files[CMPM_NPANES])
{
        for (unsigned p = 0; p < CMPM_NPANES; p++) {
                struct cmpm_pane *pn = &m->pane[p];
                const struct drv_file *cf = files[pn->counterpart];

                pn->cells = m->nrows ? calloc(m->nrows, sizeof(*pn->cells)) : NULL;
                if (m->nrows && !pn->cells)
                        return -ENOMEM;
                for (size_t r = 0; r < m->nrows; r++) {
                        struct cmpm_cell *c = &pn->cells[r];
                        const char *name = m->rows[r].field;

                        cmpm_cell_fill(c, files[p], name);
                        if (files[p] && cf && cf->has_fields)
                                c->diff_mask = cmpm_cell_diff(cmpm_field(files[p], name),
                                                              cmpm_field(cf, name));
                        c->mismatch = c->diff_mask != 0;
                        m->rows[r].mismatch |= c->mismatch;
                }
        }
        return 0;
}

/* The match check's rejected fields: on the rows, and on the two panes it used. */
static void cmpm_rejects(struct cmpm_model *m, const struct pair_result *p)
{
        for (unsigned i = 0; i < p->match.n && i < MATCH_MAX; i++) {
                const struct match_mismatch *mm = &p->match.m[i];

                for (size_t r = 0; mm->field && r < m->nrows; r++) {
                        if (strcmp(m->rows[r].field, mm->field) != 0 || m->rows[r].rejects)
                                continue;
                        m->rows[r].rejects = true;
                        m->rows[r].reason = mm->reason;
                        for (unsigned k = 0; k < CMPM_NPANES; k++) {
                                if (!m->pane[k].used)
                                        continue;
                                m->pane[k].cells[r].rejects = true;
                                m->pane[k].cells[r].reason = mm->reason;
                        }
                }
        }
}

static uint16_t cmpm_present(size_t len, size_t off)
{
        uint16_t mask = 0;

        for (unsigned i = 0; i < CMPM_HEX_COLS && off + i < len; i++)
                mask |= (uint16_t)(1u << i);
        return mask;
}

static int cmpm_hex_build(struct cmpm_model *m, const struct drv_file *const files[CMPM_NPANES])
{
        size_t longest = 0;

        for (unsigned p = 0; p < CMPM_NPANES; p++)
                if (files[p] && files[p]->bytes && files[p]->len > longest)
                        longest = files[p]->len;
        m->nhex = (longest + CMPM_HEX_COLS - 1) / CMPM_HEX_COLS;
        if (!m->nhex)
                return 0;
        for (unsigned p = 0; p < CMPM_NPANES; p++) {
                struct cmpm_pane *pn = &m->pane[p];
                const struct drv_file *f = files[p], *cf = files[pn->counterpart];
                size_t len = f && f->bytes ? f->len : 0;
                size_t clen = cf && cf->bytes ? cf->len : 0;

                pn->len = len;
                pn->cut = f && f->cut;
                pn->hex = calloc(m->nhex, sizeof(*pn->hex));
                if (!pn->hex)
                        return -ENOMEM;
                for (size_t r = 0; r < m->nhex; r++) {
                        struct cmpm_hex *h = &pn->hex[r];
                        size_t off = r * CMPM_HEX_COLS;

                        h->present = cmpm_present(len, off);
                        for (unsigned i = 0; i < CMPM_HEX_COLS && off + i < len; i++) {
                                h->byte[i] = f->bytes[off + i];
                                if (cf && cf->bytes &&
                                    (off + i >= clen || cf->bytes[off + i] != h->byte[i]))
                                        h->diff |= (uint16_t)(1u << i);
                        }
                        for (unsigned i = 0; i < CMPM_HEX_COLS; i++)
                                pn->ndiff_bytes += (h->diff >> i) & 1u;
                }
        }
        return 0;
}

static int cmpm_diffs_build(struct cmpm_model *m)
{
        m->diff_dec = m->nrows ? calloc(m->nrows, sizeof(*m->diff_dec)) : NULL;
        m->diff_hex = m->nhex ? calloc(m->nhex, sizeof(*m->diff_hex)) : NULL;
        if ((m->nrows && !m->diff_dec) || (m->nhex && !m->diff_hex))
                return -ENOMEM;
        for (size_t r = 0; r < m->nrows; r++)
                if (m->rows[r].mismatch || m->rows[r].rejects)
                        m->diff_dec[m->ndiff_dec++] = r;
        for (size_t r = 0; r < m->nhex; r++) {
                bool any = false;

                for (unsigned p = 0; p < CMPM_NPANES; p++)
                        any |= m->pane[p].hex[r].diff != 0;
                if (any)
                        m->diff_hex[m->ndiff_hex++] = r;
        }
        return 0;
}

static void cmpm_verdict(struct cmpm_model *m, const struct pair_result *p)
{
        m->verdict = MATCH_INCOMPLETE;
        if (!p) {
                snprintf(m->summary, sizeof(m->summary), "no pair to compare");
                return;
        }
        m->verdict = p->match.verdict;
        snprintf(m->summary, sizeof(m->summary), "%s", p->match.summary);
        snprintf(m->msg, sizeof(m->msg), "%s", p->msg);
        for (unsigned i = 0; i < p->match.n && i < MATCH_MAX; i++)
                match_mismatch_format(&p->match.m[i], m->reasons[m->nreasons++],
                                      sizeof(m->reasons[0]));
}

static bool cmpm_used(const struct pair_result *p, unsigned pane)
{
        const char *f;

        if (!p)
                return false;
        f = cmpm_desc[pane].src ? p->src_file : p->dst_file;
        return f && strcmp(f, cmpm_desc[pane].file) == 0;
}

int cmpm_build(struct cmpm_model *m, const struct tree_dev *src, const struct tree_dev *dst,
               const struct pair_result *p, enum cmpm_against against)
{
        const struct drv_file *files[CMPM_NPANES];
        int err;

        memset(m, 0, sizeof(*m));
        m->against = against;
        m->dir = cmpm_dir_name(src, p);
        if (!m->dir)
                m->dir = cmpm_dir_name(dst, p);
        for (unsigned i = 0; i < CMPM_NPANES; i++) {
                struct cmpm_pane *pn = &m->pane[i];
                const struct cmpm_pane_desc *d = &cmpm_desc[i];

                pn->id = (enum cmpm_pane_id)i;
                pn->title = d->title;
                pn->file = d->file;
                pn->role = d->src ? "source" : "destination";
                pn->counterpart = (int)(against == CMPM_VS_SELF ? d->self : d->peer);
                pn->used = cmpm_used(p, i);
                cmpm_pane_file(pn, d->src ? src : dst, m->dir, &files[i]);
        }
        err = cmpm_rows_build(m, files);
        if (!err)
                err = cmpm_cells_build(m, files);
        if (!err && p)
                cmpm_rejects(m, p);
        if (!err)
                err = cmpm_hex_build(m, files);
        if (!err)
                err = cmpm_diffs_build(m);
        if (err) {
                cmpm_free(m);
                return err;
        }
        cmpm_verdict(m, p);
        return 0;
}

void cmpm_free(struct cmpm_model *m)
{
        for (unsigned i = 0; i < CMPM_NPANES; i++) {
                free(m->pane[i].cells);
                free(m->pane[i].hex);
        }
        free(m->rows);
        free(m->diff_dec);
        free(m->diff_hex);
        memset(m, 0, sizeof(*m));
}

size_t cmpm_rows(const struct cmpm_model *m, enum cmpm_view v)
{
        return v == CMPM_HEX ? m->nhex : m->nrows;
}

size_t cmpm_ndiff(const struct cmpm_model *m, enum cmpm_view v)
{
        return v == CMPM_HEX ? m->ndiff_hex : m->ndiff_dec;
}

long cmpm_next(const struct cmpm_model *m, enum cmpm_view v, long cur, int dir)
{
        const size_t *d = v == CMPM_HEX ? m->diff_hex : m->diff_dec;
        size_t n = cmpm_ndiff(m, v);

        if (!n)
                return -1;
        if (dir >= 0) {
                for (size_t i = 0; i < n; i++)
                        if ((long)d[i] > cur)
                                return (long)d[i];
                return (long)d[0];
        }
        for (size_t i = n; i-- > 0;)
                if ((long)d[i] < cur)
                        return (long)d[i];
        return (long)d[n - 1];
}

size_t cmpm_hex_format(const struct cmpm_model *m, enum cmpm_pane_id pane, size_t row, char *buf,
                       size_t size, size_t *col_end)
{
        const struct cmpm_hex *h;
        size_t off = 0;
        int n;

        if (!size)
                return 0;
        buf[0] = '\0';
        if ((unsigned)pane >= CMPM_NPANES || row >= m->nhex || !m->pane[pane].hex)
                return 0;
        h = &m->pane[pane].hex[row];
        n = snprintf(buf, size, "%08zx:", row * CMPM_HEX_COLS);
        if (n < 0 || (size_t)n >= size)
                return 0;
        off = (size_t)n;
        for (unsigned i = 0; i < CMPM_HEX_COLS; i++) {
                if (h->present & (1u << i))
                        n = snprintf(buf + off, size - off, " %02x", h->byte[i]);
                else
                        n = snprintf(buf + off, size - off, "   ");
                if (n < 0 || (size_t)n >= size - off)
                        return off;
                off += (size_t)n;
                if (col_end)
                        col_end[i] = off;
        }
        return off;
}
