/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * evlog: the --log writer.  One line per state change, file change, device
 * appearance/disappearance and kernel log record of a device, as text or JSON lines; reopened on
 * request (SIGHUP from logrotate), appending, line-buffered so a crash loses at most the current
 * line.
 */
#ifndef MIGTOP_ENGINE_EVLOG_H
#define MIGTOP_ENGINE_EVLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/fsm.h"
#include "core/kmsg.h"

struct evlog;

/*
 * path "-" is stdout (never reopened).  0 or negative errno; a FIFO without a reader is
 * -ENXIO at once (opened with O_NONBLOCK, never hanging in open()).
 */
int evlog_open(const char *path, bool json, struct evlog **out);
/* The message for evlog_open()'s or evlog_reopen()'s errno: strerror(), or for ENXIO that
 * the FIFO has no reader. */
const char *evlog_strerror(int err);
void evlog_close(struct evlog *l);
/* Close and reopen the same path (after logrotate moved it).  0 or negative errno. */
int evlog_reopen(struct evlog *l);
const char *evlog_path(const struct evlog *l);
/*
 * The first write error since the log was opened (or reopened), as a negative errno, or
 * 0.  Callers that do not check each line's return (the engine) check this instead.
 */
int evlog_error(const struct evlog *l);

/* t_ns is CLOCK_REALTIME. Each returns 0 or negative errno (write failure). */
int evlog_state(struct evlog *l, int64_t t_ns, const char *dev, const struct fsm_change *c);
int evlog_file(struct evlog *l, int64_t t_ns, const char *dev, const char *file, const char *status,
               int err, size_t len);
/*
 * The same, for the line that ends a blocked read (blocked_ms >= 0: it answered after
 * that long; text ", answered after N ms", JSON "blocked_ms").  -1: evlog_file().
 */
int evlog_file_after(struct evlog *l, int64_t t_ns, const char *dev, const char *file,
                     const char *status, int err, size_t len, long long blocked_ms);
int evlog_device(struct evlog *l, int64_t t_ns, const char *dev, const char *action,
                 const char *reason);

/*
 * A kernel log record of dev: "TIME DEV kernel err: TEXT (seq 1742, 8123.456789 s)".
 * In text lines every name and text from outside is escaped (core/esc.h: control bytes,
 * '\' and bytes that are not UTF-8 as \xNN) so that a record is one line; in JSON lines
 * strings are valid UTF-8 (bytes that are not: U+FFFD).
 */
int evlog_kmsg(struct evlog *l, int64_t t_ns, const char *dev, const struct kmsg_rec *r);
/* The kernel log as a whole: "TIME - kernel_log STATUS: MESSAGE" (a gap, unavailable). */
int evlog_klog(struct evlog *l, int64_t t_ns, const char *status, const char *msg);

/*
 * A remote host's link changed (remote.h): "TIME - host hvA down: why"; JSON event "host"
 * with "host", "status" (connecting, connected, down, reconnecting) and "message".
 */
int evlog_host(struct evlog *l, int64_t t_ns, const char *host, const char *status,
               const char *msg);
/*
 * A device turned stuck (ended NULL: "TIME DEV stuck: in RESUMING for 1m01s (threshold
 * 60s)") or is no longer stuck (ended: what it is now, a state name or "gone": "TIME DEV
 * stuck ended: RESUMING -> STOP after 1m15s in RESUMING").  in_state_ms: time in the state
 * (until it left it); JSON event "stuck" with "stuck", "state", "in_state_ms",
 * "threshold_ms", "now" (null while stuck).
 */
int evlog_stuck(struct evlog *l, int64_t t_ns, const char *dev, enum fsm_state st,
                int64_t in_state_ms, int64_t threshold_ms, const char *ended);

/* Format t_ns as "2026-11-23T09:12:01.123Z" into buf (>= 32 bytes). */
void evlog_time(int64_t t_ns, char *buf, size_t n);

#endif
