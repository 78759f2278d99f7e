/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pairside: what a pair compare knows of a device of an engine snapshot besides its files
 * (struct pair_side): its kernel log records, its state changes as the engine saw them,
 * and the PCI device ID the caller found in sysfs.  One place for the console and batch,
 * so both judge a pair from the same evidence.  Pure (no curses, no I/O).
 */
#ifndef MIGTOP_UI_PAIRSIDE_H
#define MIGTOP_UI_PAIRSIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/check.h"
#include "core/pair.h"
#include "engine/engine.h"

/*
 * Fill side for device i of s (i < s->tree.ndevs).  watched: a poller watched the device
 * over time (the console, `-n N`, `--log`), so an empty timeline means no change was
 * seen; false for a single snapshot.  pci_device: the VF's PCI device ID from sysfs, or
 * -1 for the engine's (engine_sys.pci_device, when it looked the device up).  *tl receives the
 * malloc'd timeline (NULL when none; free() it after the compare): side points into it and into s.
 * 0 or -ENOMEM.
 */
int pairside_build(const struct engine_snap *s, size_t i, bool watched, int pci_device,
                   struct pair_side *side, struct pair_event **tl);

/* A whole compare of two devices of a snapshot (the result points into s and this). */
struct pairside_cmp {
        struct pair_side side[2]; /* source, destination */
        struct pair_event *tl[2];
        struct pair_result res;
};

/*
 * Compare devices src and dst of s (watched, pci as above, pci[0] for the source).
 * Returns 0 (c->res holds the result), or -ENOMEM.  pairside_free() in both cases.
 */
int pairside_compare(const struct engine_snap *s, size_t src, size_t dst, bool watched,
                     const int pci[2], struct pairside_cmp *c);
void pairside_free(struct pairside_cmp *c);

#endif
