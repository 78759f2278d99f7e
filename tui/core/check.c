// SPDX-License-Identifier: GPL-2.0-only
/*
 * check: named checks with their evidence, and the overall verdict of a compare.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pair_side_init(struct pair_side *s, const struct tree_dev *dev)
{
        memset(s, 0, sizeof(*s));
        s->dev = dev;
        s->pci_device = -1;
}

const char *check_verdict_name(enum check_verdict v)
{
        switch (v) {
        case CHECK_PASS:
                return "pass";
        case CHECK_FAIL:
                return "fail";
        case CHECK_UNKNOWN:
                break;
        }
        return "unknown";
}

const char *check_side_name(enum check_side s)
{
        return s == CHECK_SRC ? "source" : "destination";
}

struct check *check_add(struct check_set *set, const char *name)
{
        struct check *c;

        if (set->n >= CHECK_MAX)
                return NULL;
        c = &set->c[set->n++];
        memset(c, 0, sizeof(*c));
        c->name = name;
        c->verdict = CHECK_UNKNOWN;
        return c;
}

void check_reason(struct check *c, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
        va_end(ap);
}

void check_mismatch(struct check *c, const char *field, uint64_t src, bool src_valid, uint64_t dst,
                    bool dst_valid, const char *reason)
{
        struct match_mismatch *m;

        if (c->nmis >= CHECK_MAX_MISMATCH)
                return;
        m = &c->mis[c->nmis++];
        m->field = field;
        m->src = src;
        m->src_valid = src_valid;
        m->dst = dst;
        m->dst_valid = dst_valid;
        m->reason = reason;
}

static struct check_evidence *check_ev(struct check *c, enum check_side side, const char *what)
{
        struct check_evidence *e;

        if (c->nev >= CHECK_MAX_EVIDENCE)
                return NULL;
        e = &c->ev[c->nev++];
        memset(e, 0, sizeof(*e));
        e->side = side;
        e->what = what;
        return e;
}

void check_evidence_file(struct check *c, enum check_side side, const char *what,
                         const struct drv_file *f, const char *fmt, ...)
{
        struct check_evidence *e = check_ev(c, side, what);
        va_list ap;

        if (!e)
                return;
        e->status = f ? drv_status_name(f->status) : drv_status_name(DRV_ST_ABSENT);
        e->err = f ? f->err : 0;
        e->t_ns = f ? f->t_end : 0;
        if (fmt) {
                va_start(ap, fmt);
                vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
                va_end(ap);
        }
}

void check_evidence(struct check *c, enum check_side side, const char *what, const char *fmt, ...)
{
        struct check_evidence *e = check_ev(c, side, what);
        va_list ap;

        if (!e)
                return;
        va_start(ap, fmt);
        vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
        va_end(ap);
}

void check_quote(struct check *c, enum check_side side, const struct kmsg_rec *r)
{
        if (!r)
                return;
        c->has_kline = true;
        c->kline = *r;
        c->kline_side = side;
}

enum match_verdict check_overall(const struct check_set *set, char *summary, size_t n)
{
        enum match_verdict v = MATCH_ACCEPT;
        size_t off = 0;

        if (!set->n)
                v = MATCH_INCOMPLETE;
        for (unsigned i = 0; i < set->n; i++) {
                if (set->c[i].verdict == CHECK_FAIL)
                        v = MATCH_REJECT;
                else if (set->c[i].verdict == CHECK_UNKNOWN && v == MATCH_ACCEPT)
                        v = MATCH_INCOMPLETE;
        }
        if (!summary || !n)
                return v;
        summary[0] = '\0';
        if (v == MATCH_ACCEPT) {
                snprintf(summary, n, "every check passed");
                return v;
        }
        if (!set->n) {
                snprintf(summary, n, "nothing to compare");
                return v;
        }
        off = (size_t)snprintf(summary, n, "%s", v == MATCH_REJECT ? "failed:" : "unknown:");
        for (unsigned i = 0; i < set->n && off < n; i++) {
                const struct check *c = &set->c[i];
                enum check_verdict want = v == MATCH_REJECT ? CHECK_FAIL : CHECK_UNKNOWN;
                int k;

                if (c->verdict != want)
                        continue;
                k = snprintf(summary + off, n - off, " %s (%s)", c->name, c->reason);
                if (k < 0)
                        break;
                off += (size_t)k;
        }
        return v;
}
