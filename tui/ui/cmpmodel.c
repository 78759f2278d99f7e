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
        msg = cmpm_skip(cmpm_skip(drv_file_msg(f), en), word);
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

/* The value of a "key: value" line the file prints after its dump, or NULL. */
static const char *cmpm_kv(const struct drv_file *f, const char *key)
{
        for (size_t k = 0; f && k < f->kv.n; k++)
                if (strcmp(f->kv.items[k].key, key) == 0)
                        return f->kv.items[k].value;
        return NULL;
}

static const struct acc_field *cmpm_field(const struct drv_file *f, const char *name)
{
        return f && f->has_fields ? acc_field_find(drv_fields(f), name) : NULL;
}

static int cmpm_row_order(const void *pa, const void *pb)
{
        const struct cmpm_row *a = pa, *b = pb;

        if (a->line != b->line)
                return a->line ? 1 : -1;
        if (a->line)
                return 0;
        return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static bool cmpm_row_known(const struct cmpm_row *rows, size_t n, const char *name, bool line)
{
        for (size_t k = 0; k < n; k++)
                if (rows[k].line == line && strcmp(rows[k].field, name) == 0)
                        return true;
        return false;
}

/*
 * Rows: every field of every decoded pane (in offset order), then every line printed
 * after a dump (in order of first appearance).
 */
static int cmpm_rows_build(struct cmpm_model *m, const struct drv_file *const files[CMPM_NPANES])
{
        size_t cap = 0, n = 0;
        struct cmpm_row *rows;

        for (unsigned p = 0; p < CMPM_NPANES; p++)
                if (files[p])
                        cap += (files[p]->has_fields ? drv_fields(files[p])->nfields : 0) +
                               files[p]->kv.n;
        if (!cap)
                return 0;
        rows = calloc(cap, sizeof(*rows));
        if (!rows)
                return -ENOMEM;
        for (int line = 0; line < 2; line++)
                for (unsigned p = 0; p < CMPM_NPANES; p++) {
                        const struct drv_file *f = files[p];
                        size_t nf = !f              ? 0
                                    : line          ? f->kv.n
                                    : f->has_fields ? drv_fields(f)->nfields
                                                    : 0;

                        for (size_t i = 0; i < nf && n < cap; i++) {
                                const char *name =
                                    line ? f->kv.items[i].key : drv_fields(f)->fields[i].name;

                                if (cmpm_row_known(rows, n, name, line))
                                        continue;
                                rows[n].field = name;
                                rows[n].line = line;
                                rows[n].offset = line ? 0 : drv_fields(f)->fields[i].offset;
                                n++;
                        }
                }
        /* qsort is not stable: lines keep their order because only fields are reordered */
        {
                size_t nfields = 0;

                while (nfields < n && !rows[nfields].line)
                        nfields++;
                qsort(rows, nfields, sizeof(*rows), cmpm_row_order);
        }
        m->rows = rows;
        m->nrows = n;
        return 0;
}

/* "1" -> the meaning of vf_qm_state / "guest driver load" */
static const char *cmpm_qm_note(const char *name, const char *text, uint64_t v, bool have)
{
        char *end;

        if (strcmp(name, "guest driver load") == 0 && text) {
                unsigned long long u = strtoull(text, &end, 10);

                if (end != text && !*end)
                        return acc_qm_state_meaning(u);
                return NULL;
        }
        if (strcmp(name, "vf_qm_state") == 0 && have)
                return acc_qm_state_meaning(v);
        return NULL;
}

static void cmpm_cell_fill(struct cmpm_cell *c, const struct drv_file *f,
                           const struct cmpm_row *row)
{
        const struct acc_field *af;

        c->count = 1;
        snprintf(c->val[0], sizeof(c->val[0]), "%s", CMPM_ABSENT);
        if (row->line) {
                const char *v = cmpm_kv(f, row->field);

                if (!v) {
                        c->not_carried = f != NULL;
                        return;
                }
                c->present = true;
                c->valid_mask = 1;
                snprintf(c->val[0], sizeof(c->val[0]), "%s", v);
                c->note = cmpm_qm_note(row->field, v, 0, false);
                return;
        }
        af = cmpm_field(f, row->field);
        if (!af) {
                c->not_carried = f != NULL;
                return;
        }
        c->present = true;
        c->offset = af->offset;
        c->count = af->count < ACC_MAX_ELEMS ? af->count : ACC_MAX_ELEMS;
        c->valid_mask = af->valid_mask;
        for (unsigned k = 0; k < c->count; k++)
                cmpm_value(af, k, c->val[k], sizeof(c->val[k]));
        c->note = cmpm_qm_note(row->field, NULL, af->value[0], af->valid_mask & 1u);
}

/*
 * Elements of a that differ from b: value, or validity.  A field b does not carry at all
 * is no difference (there is nothing to compare it with: the cell says "not in ...").
 */
static uint32_t cmpm_cell_diff(const struct acc_field *a, const struct acc_field *b)
{
        uint32_t mask = 0;

        if (!a || !b)
                return 0;
        for (unsigned k = 0; k < a->count && k < ACC_MAX_ELEMS; k++) {
                bool va = a->valid_mask & (1u << k);
                bool vb = k < b->count && (b->valid_mask & (1u << k));

                if (!va)
                        continue;
                if (!vb || a->value[k] != b->value[k])
                        mask |= 1u << k;
        }
        return mask;
}

static uint32_t cmpm_line_diff(const char *a, const char *b)
{
        return a && b && strcmp(a, b) != 0 ? 1u : 0u;
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
                        const struct cmpm_row *row = &m->rows[r];

                        cmpm_cell_fill(c, files[p], row);
                        if (files[p] && cf && row->line)
                                c->diff_mask = cmpm_line_diff(cmpm_kv(files[p], row->field),
                                                              cmpm_kv(cf, row->field));
                        else if (files[p] && cf && cf->has_fields)
                                c->diff_mask = cmpm_cell_diff(cmpm_field(files[p], row->field),
                                                              cmpm_field(cf, row->field));
                        c->mismatch = c->diff_mask != 0;
                        m->rows[r].mismatch |= c->mismatch;
                }
        }
        return 0;
}

#define CMPM_BIT(p) (1u << (p))

/* The panes a check reads (acccheck.h), else the two streams compared. */
static unsigned cmpm_check_panes(const struct cmpm_model *m, const char *name)
{
        unsigned mask = 0;

        if (strcmp(name, "stream") == 0 || strcmp(name, "accept") == 0)
                return CMPM_BIT(CMPM_SRC_MIGF) | CMPM_BIT(CMPM_DST_MIGF);
        if (strcmp(name, "restore") == 0)
                return CMPM_BIT(CMPM_DST_DEV) | CMPM_BIT(CMPM_SRC_MIGF);
        if (strcmp(name, "capture") == 0)
                return CMPM_BIT(CMPM_SRC_DEV) | CMPM_BIT(CMPM_SRC_MIGF);
        for (unsigned k = 0; k < CMPM_NPANES; k++)
                if (m->pane[k].used)
                        mask |= CMPM_BIT(k);
        return mask;
}

/* Whether a mismatch's field ("qm_eqc_dw[3]", "length") is row r. */
static bool cmpm_row_is(const struct cmpm_row *r, const char *field)
{
        size_t n = strcspn(field, "[");

        if (strcmp(field, "length") == 0)
                return r->line && strcmp(r->field, "migrate data length") == 0;
        return !r->line && strlen(r->field) == n && strncmp(r->field, field, n) == 0;
}

/* Each check's flagged fields: on the rows, and on the panes that check reads. */
static void cmpm_rejects(struct cmpm_model *m, const struct pair_result *p)
{
        for (unsigned i = 0; i < p->checks.n && i < CHECK_MAX; i++) {
                const struct check *c = &p->checks.c[i];
                unsigned panes = cmpm_check_panes(m, c->name);

                for (unsigned j = 0; j < c->nmis && j < CHECK_MAX_MISMATCH; j++) {
                        const struct match_mismatch *mm = &c->mis[j];

                        for (size_t r = 0; mm->field && r < m->nrows; r++) {
                                if (!cmpm_row_is(&m->rows[r], mm->field))
                                        continue;
                                if (!m->rows[r].rejects) {
                                        m->rows[r].rejects = true;
                                        m->rows[r].reason = mm->reason;
                                }
                                for (unsigned k = 0; k < CMPM_NPANES; k++) {
                                        struct cmpm_cell *cell = &m->pane[k].cells[r];

                                        if (!(panes & CMPM_BIT(k)) || cell->rejects)
                                                continue;
                                        cell->rejects = true;
                                        cell->reason = mm->reason;
                                }
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

/* Text as it may go on a terminal: control characters as '?'. */
static void cmpm_printable(char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        *s = '?';
}

static struct cmpm_line *cmpm_line_add(struct cmpm_model *m, size_t cap, enum cmpm_line_kind kind)
{
        struct cmpm_line *l;

        if (m->nlines >= cap)
                return NULL;
        l = &m->lines[m->nlines++];
        memset(l, 0, sizeof(*l));
        l->kind = kind;
        return l;
}

/* "failed: accept", "not known: stream, restore" */
static void cmpm_summary(struct cmpm_model *m, const struct pair_result *p)
{
        enum check_verdict want = m->verdict == MATCH_REJECT ? CHECK_FAIL : CHECK_UNKNOWN;
        size_t off;
        int n;

        if (m->verdict == MATCH_ACCEPT) {
                snprintf(m->summary, sizeof(m->summary), "every check passed");
                return;
        }
        if (!p->checks.n) {
                snprintf(m->summary, sizeof(m->summary), "nothing to compare");
                return;
        }
        n = snprintf(m->summary, sizeof(m->summary), "%s",
                     m->verdict == MATCH_REJECT ? "failed:" : "not known:");
        off = n > 0 ? (size_t)n : 0;
        for (unsigned i = 0, k = 0; i < p->checks.n && off < sizeof(m->summary); i++) {
                if (p->checks.c[i].verdict != want)
                        continue;
                n = snprintf(m->summary + off, sizeof(m->summary) - off, "%s %s", k++ ? "," : "",
                             p->checks.c[i].name);
                if (n < 0)
                        break;
                off += (size_t)n;
        }
}

static const enum check_verdict cmpm_line_order[3] = {CHECK_FAIL, CHECK_UNKNOWN, CHECK_PASS};

/* A check's line, and under it the kernel's line that decided it. */
static void cmpm_check_lines(struct cmpm_model *m, size_t cap, const struct check *c)
{
        struct cmpm_line *l = cmpm_line_add(m, cap, CMPM_LINE_CHECK);

        if (!l)
                return;
        l->verdict = c->verdict;
        snprintf(l->text, sizeof(l->text), "%-8s %-8s %s", c->name, check_verdict_name(c->verdict),
                 c->reason);
        cmpm_printable(l->text);
        m->nchecks++;
        m->nfail += c->verdict == CHECK_FAIL;
        m->nunknown += c->verdict == CHECK_UNKNOWN;
        if (!c->has_kline)
                return;
        l = cmpm_line_add(m, cap, CMPM_LINE_KERNEL);
        if (!l)
                return;
        l->level = c->kline.level;
        snprintf(l->text, sizeof(l->text), "kernel: %s  (%s, %s)", c->kline.text,
                 check_side_name(c->kline_side), kmsg_level_name(c->kline.level));
        cmpm_printable(l->text);
        m->nkernel++;
}

static int cmpm_verdict(struct cmpm_model *m, const struct pair_result *p)
{
        size_t cap;

        m->verdict = MATCH_INCOMPLETE;
        if (!p) {
                snprintf(m->summary, sizeof(m->summary), "no pair to compare");
                return 0;
        }
        m->verdict = p->match.verdict;
        snprintf(m->msg, sizeof(m->msg), "%s", p->msg);
        cmpm_summary(m, p);
        cap = 2u * p->checks.n + p->match.n;
        if (!cap)
                return 0;
        m->lines = calloc(cap, sizeof(*m->lines));
        if (!m->lines)
                return -ENOMEM;
        /* failed checks first, then the open ones, then those that passed (each in the
           kernel's order): the panel may show only its first lines */
        for (int pass = 0; pass < 3; pass++)
                for (unsigned i = 0; i < p->checks.n && i < CHECK_MAX; i++)
                        if (p->checks.c[i].verdict == cmpm_line_order[pass])
                                cmpm_check_lines(m, cap, &p->checks.c[i]);
        for (unsigned i = 0; i < p->match.n && i < MATCH_MAX; i++) {
                struct cmpm_line *l = cmpm_line_add(m, cap, CMPM_LINE_MISMATCH);

                match_mismatch_format(&p->match.m[i], l->text, sizeof(l->text));
                cmpm_printable(l->text);
                m->nreasons++;
        }
        return 0;
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
        if (!err)
                err = cmpm_verdict(m, p);
        if (err) {
                cmpm_free(m);
                return err;
        }
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
        free(m->lines);
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
