/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * apdelta: what `migtop --agent` read, and what its client was sent.  A table of the last
 * result of every file read and directory listed, by path; a result that differs from the
 * one before (bytes, errno, cut, names) marks its entry pending.  A snap message carries
 * every entry, a delta only the pending ones; once a message is written its entries are
 * no longer pending and each listing remembers the names sent (the next delta of it says
 * which names were added and which went).  Nothing read is lost: a result is pending until
 * a message carrying it (or a later result of the same path) was sent; only a value
 * overwritten before any message could carry it is not sent.
 *
 * Pure: no I/O, no lock (the agent holds its own around every call).  Costs: a result
 * that did not change is one hash lookup and one compare, no allocation; a delta costs
 * its pending entries, not the table.
 */
#ifndef MIGTOP_CORE_APDELTA_H
#define MIGTOP_CORE_APDELTA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/agentproto.h"

struct apd;

/* 0 or -ENOMEM. */
int apd_new(struct apd **out);
void apd_free(struct apd *d);

/*
 * A read of path: err 0 and data[0..len) (trunc: cut at SRC_READ_MAX), or err > 0.
 * 1 when it differs from the last result of path (or is its first: pending), 0 when the
 * same, -ENOMEM (the table is unchanged).
 */
int apd_file(struct apd *d, const char *path, int err, const char *data, size_t len, bool trunc);
/* A listing of path: err 0 and names[0..n) (sorted, as src_list() gives them), or err > 0. */
int apd_list(struct apd *d, const char *path, int err, char *const *names, size_t n);

/* Entries pending (changed since the last message that carried them). */
size_t apd_pending(const struct apd *d);
/* Entries in the table. */
size_t apd_size(const struct apd *d);

/*
 * The message of the pending entries (full: of every entry, a snap) into m: its kind,
 * lists and files, sorted by path (borrowed from the table: valid until the next call
 * that changes it; seq, ts and sys are the caller's).  The entries of devices the root's
 * listing does not name are dropped first, not sent: a device that went (the client drops
 * its files on the listing's "del"), or came and went between two messages; one that
 * comes back is new.  0 or -ENOMEM.  Then apd_sent() when it was written, else
 * apd_msg_done().
 */
int apd_msg(struct apd *d, bool full, struct ap_msg *m);
/*
 * m (from apd_msg()) was written: its entries are no longer pending and listings remember
 * the names sent.  Releases m like apd_msg_done().
 */
void apd_sent(struct apd *d, struct ap_msg *m);
/* Release what apd_msg() allocated in m (the entries stay pending). */
void apd_msg_done(struct ap_msg *m);

#endif
