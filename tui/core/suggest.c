// SPDX-License-Identifier: GPL-2.0-only
/*
 * suggest: the suggested source/destination pair and its evidence (see suggest.h).
 */
#include "suggest.h"

#include <stdio.h>
#include <string.h>

#define SUGGEST_MAGIC_V1 0xCDCDCDCDFEEDAACCull
#define SUGGEST_MAGIC_V2 0xAACCFEEDDECADEDEull

bool suggest_is_source(enum fsm_state s)
{
        return s == FSM_STOP_COPY || s == FSM_PRE_COPY || s == FSM_PRE_COPY_P2P;
}

int64_t suggest_began(enum fsm_state cur, size_t n, suggest_change_fn at, const void *ctx,
                      enum fsm_state *first)
{
        int64_t began = -1;
        enum fsm_state from, to;
        int64_t t;

        if (first)
                *first = cur;
        if (cur != FSM_RESUMING && !suggest_is_source(cur))
                return -1;
        /* newest first: the run of the role's states that ends at cur */
        for (size_t k = n; k-- > 0;) {
                if (!at(ctx, k, &from, &to, &t))
                        return -1;
                if (cur == FSM_RESUMING) {
                        if (to != FSM_RESUMING)
                                return -1; /* the newest change left RESUMING: not ours */
                        if (first)
                                *first = FSM_RESUMING;
                        return t;
                }
                if (!suggest_is_source(to))
                        return -1;
                if (first)
                        *first = to;
                began = t;
                if (!suggest_is_source(from))
                        return began; /* entered the group here */
        }
        /* every change kept stays in the group: it was saving before the first sample */
        return -1;
}

static bool suggest_hdr_ok(const uint8_t *h)
{
        uint64_t m = 0;

        if (!h)
                return false;
        for (int i = 7; i >= 0; i--)
                m = m << 8 | h[i];
        return m == SUGGEST_MAGIC_V1 || m == SUGGEST_MAGIC_V2;
}

static bool suggest_same(const struct suggest_dev *s, const struct suggest_dev *d)
{
        return suggest_hdr_ok(s->hdr) && suggest_hdr_ok(d->hdr) &&
               memcmp(s->hdr, d->hdr, SUGGEST_HDR_LEN) == 0;
}

/*
 * Timing rank of a pair (lower is better): a destination that began after the source by
 * delta ranks delta; one that began before ranks after every "after" one, by distance.
 * Unknown: INT64_MAX.
 */
static uint64_t suggest_rank(const struct suggest_dev *s, const struct suggest_dev *d)
{
        int64_t delta;

        if (s->began_ns < 0 || d->began_ns < 0)
                return UINT64_MAX;
        delta = d->began_ns - s->began_ns;
        if (delta >= 0)
                return (uint64_t)delta;
        return (uint64_t)INT64_MAX + (uint64_t)(-delta);
}

void suggest_pair(const struct suggest_dev *devs, size_t n, struct suggest_result *out)
{
        /* best so far: content (1/0), then timing rank; list order breaks what remains */
        bool best_same = false;
        uint64_t best_rank = UINT64_MAX;
        bool tie = false;

        memset(out, 0, sizeof(*out));
        out->src = out->dst = -1;
        for (size_t i = 0; i < n; i++) {
                if (devs[i].gone)
                        continue;
                if (suggest_is_source(devs[i].state))
                        out->nsrc++;
                else if (devs[i].state == FSM_RESUMING)
                        out->ndst++;
        }
        if (!out->nsrc || !out->ndst)
                return;
        for (size_t i = 0; i < n; i++) {
                if (devs[i].gone || !suggest_is_source(devs[i].state))
                        continue;
                for (size_t j = 0; j < n; j++) {
                        bool same;
                        uint64_t rank;

                        if (devs[j].gone || devs[j].state != FSM_RESUMING)
                                continue;
                        same = suggest_same(&devs[i], &devs[j]);
                        rank = suggest_rank(&devs[i], &devs[j]);
                        if (out->src >= 0) {
                                if (same != best_same) {
                                        if (!same)
                                                continue;
                                } else if (rank > best_rank) {
                                        continue;
                                } else if (rank == best_rank) {
                                        tie = true; /* the earlier pair in list order stays */
                                        continue;
                                }
                        }
                        out->src = (long)i;
                        out->dst = (long)j;
                        best_same = same;
                        best_rank = rank;
                        tie = false;
                }
        }
        out->src_began = devs[out->src].began_state;
        out->timed = best_rank != UINT64_MAX;
        if (out->timed)
                out->delta_ns = devs[out->dst].began_ns - devs[out->src].began_ns;
        if (best_same)
                out->by = SUGGEST_CONTENT;
        else if (out->timed)
                out->by = SUGGEST_TIMING;
        else
                out->by = out->nsrc == 1 && out->ndst == 1 ? SUGGEST_ONLY : SUGGEST_ORDER;
        /* a tie that the content or timing settled is no tie; one left to list order is */
        out->tie = tie && out->by != SUGGEST_ONLY && out->by != SUGGEST_ORDER;
}

size_t suggest_describe(const struct suggest_result *r, const struct suggest_dev *devs, char *buf,
                        size_t size)
{
        int64_t d = r->delta_ns < 0 ? -r->delta_ns : r->delta_ns;
        size_t n = 0;

        if (size)
                buf[0] = '\0';
        switch (r->by) {
        case SUGGEST_NONE:
                return 0;
        case SUGGEST_CONTENT:
                n = (size_t)snprintf(buf, size, "by content: migf_data headers equal");
                break;
        case SUGGEST_TIMING:
                n = (size_t)snprintf(buf, size, "by timing: RESUMING began %lld.%lld s %s %s",
                                     (long long)(d / 1000000000), (long long)(d / 100000000 % 10),
                                     r->delta_ns < 0 ? "before" : "after",
                                     fsm_state_name(r->src_began));
                break;
        case SUGGEST_ONLY:
                n = (size_t)snprintf(buf, size, "the only %s and RESUMING devices",
                                     fsm_state_name(devs[r->src].state));
                break;
        case SUGGEST_ORDER:
                n = (size_t)snprintf(buf, size,
                                     "by list order: %u source%s, %u destination%s, no state "
                                     "history or migf_data to tell them apart",
                                     r->nsrc, r->nsrc == 1 ? "" : "s", r->ndst,
                                     r->ndst == 1 ? "" : "s");
                break;
        }
        if (r->tie && n < size)
                n += (size_t)snprintf(buf + n, size - n, "; tie: first in list order");
        return n;
}
