/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acccheck_int: what acccheck.c (the evidence helpers, stream and accept) shares with
 * acccheck_regs.c (restore and capture).  Not for other modules: acccheck.h is the
 * interface.
 */
#ifndef MIGTOP_CORE_ACCCHECK_INT_H
#define MIGTOP_CORE_ACCCHECK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accdata.h"
#include "acccheck.h"
#include "check.h"
#include "drv.h"
#include "kmsg.h"
#include "pair.h"
#include "tree.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define LBIT(l)  (1u << (l))
#define LINES_MATCH                                                                                \
        (LBIT(ACCCHECK_LINE_MAGIC) | LBIT(ACCCHECK_LINE_DEVID) | LBIT(ACCCHECK_LINE_NOQP) |        \
         LBIT(ACCCHECK_LINE_QPNUM) | LBIT(ACCCHECK_LINE_ISO_READ) | LBIT(ACCCHECK_LINE_ISO))

/* Whether the source's and the destination's copies come from one migration. */
enum acccheck_same { SAME_YES, SAME_NO, SAME_UNKNOWN };

/*
 * The newest record of a side's log that is one of the lines in want (a bit mask, LBIT);
 * lines older than the last entry into RESUMING (same clock) are skipped.
 */
const struct kmsg_rec *acccheck_find(const struct pair_side *s, unsigned want,
                                     enum acccheck_line *which);
/* The file name of a driver directory, NULL when the directory or file is absent. */
const struct drv_file *acccheck_file(const struct tree_drvdir *d, const char *name);
/* Read, decoded and with bytes: usable as evidence. */
bool acccheck_usable(const struct drv_file *f);
/* Why a file is not usable, in buf. */
void acccheck_why(const struct drv_file *f, char *buf, size_t n);
/* A decoded field's first value. */
bool acccheck_get(const struct acc_decoded *d, const char *name, uint64_t *v);
/* The side's last timeline change from -> to, NULL if none. */
const struct pair_event *acccheck_change(const struct pair_side *s, enum fsm_state from,
                                         enum fsm_state to);
/* Seconds from t to the side's snapshot time. */
double acccheck_ago(const struct pair_side *s, int64_t t);
/* Add a file as evidence of c. */
void acccheck_ev_file(struct check *c, enum check_side side, const char *what,
                      const struct drv_file *f);
/* Compare the named registers of a and b, adding mismatches to c; the count of them. */
unsigned acccheck_regs(struct check *c, const struct acc_decoded *a, const struct acc_decoded *b,
                       const char *const *names, size_t n, const char *reason, unsigned *compared);

/* acccheck_regs.c */
void acccheck_restore(const struct pair_side *src, const struct tree_drvdir *sd,
                      const struct pair_side *dst, const struct tree_drvdir *dd,
                      enum acccheck_same same, struct check_set *out);
void acccheck_capture(const struct pair_side *src, const struct tree_drvdir *sd,
                      struct check_set *out);

#endif
