// SPDX-License-Identifier: GPL-2.0-only
/*
 * pairside: a pair_side from an engine snapshot (see pairside.h).
 */
#include "pairside.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pairside_build(const struct engine_snap *s, size_t i, bool watched, int pci_device,
                   struct pair_side *side, struct pair_event **tl)
{
        const struct engine_dev_info *info = s->info ? &s->info[i] : NULL;

        pair_side_init(side, &s->tree.devs[i]);
        *tl = NULL;
        side->now_ns = s->now_ns;
        side->timeline_known = watched;
        side->pci_device = pci_device;
        if (pci_device < 0 && info && engine_dev_sys(info)->known)
                side->pci_device = engine_dev_sys(info)->pci_device;
        if (info && s->klog.state != ENGINE_KLOG_OFF) {
                side->klog = info->klog;
                side->nklog = info->nklog;
                side->klog_active =
                    s->klog.state == ENGINE_KLOG_OK || s->klog.state == ENGINE_KLOG_FILE;
                side->klog_same_clock = s->klog.same_clock;
        }
        if (info && info->nchanges) {
                *tl = calloc(info->nchanges, sizeof(**tl));
                if (!*tl)
                        return -ENOMEM;
                for (size_t k = 0; k < info->nchanges; k++) {
                        (*tl)[k].t_ns = info->changes[k].t_ns;
                        (*tl)[k].prev_ns = info->changes[k].prev_seen_ns;
                        (*tl)[k].from = info->changes[k].fsm.from;
                        (*tl)[k].to = info->changes[k].fsm.to;
                }
                side->timeline = *tl;
                side->ntimeline = info->nchanges;
        }
        return 0;
}

int pairside_compare(const struct engine_snap *s, size_t src, size_t dst, bool watched,
                     const int pci[2], struct pairside_cmp *c)
{
        const size_t idx[2] = {src, dst};

        memset(c, 0, sizeof(*c));
        for (int k = 0; k < 2; k++)
                if (pairside_build(s, idx[k], watched, pci ? pci[k] : -1, &c->side[k], &c->tl[k]) <
                    0)
                        return -ENOMEM;
        return pair_compare(&c->side[0], &c->side[1], &c->res) < 0 ? -ENOMEM : 0;
}

void pairside_free(struct pairside_cmp *c)
{
        free(c->tl[0]);
        free(c->tl[1]);
        c->tl[0] = c->tl[1] = NULL;
}
