/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * remote: --host SPEC.  Each host is a `migtop --agent` reached through ssh (or --ssh CMD,
 * MIGTOP_SSH), read through a remote source (core/src_remote.h).  The engine sees one
 * source, the union of the local tree (unless --no-local) and of every host's, in which a
 * remote device is named LABEL:DEVICE.
 */
#ifndef MIGTOP_REMOTE_H
#define MIGTOP_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/src.h"
#include "core/src_remote.h"

#define REMOTE_MAX_HOSTS   16
#define REMOTE_SSH_DEFAULT "ssh -o BatchMode=yes"
#define REMOTE_WAIT_MS     10000 /* for every host's first snapshot, at start */

struct remote_host {
        char dest[256];  /* ssh destination: [user@]host */
        char label[64];  /* name=LABEL (default: the host part of dest) */
        char root[1024]; /* root=DIR: the agent's --root ("": its default) */
        char cmd[256];   /* cmd=PATH: migtop on the remote (default "migtop") */
};

/*
 * Parse "[user@]host[,name=LABEL][,root=DIR][,cmd=PATH]".  A label is letters, digits,
 * '.', '_' and '-', not only hex digits (it would read as a PCI domain).  0, or -EINVAL
 * with msg.
 */
int remote_parse(const char *spec, struct remote_host *h, char *msg, size_t size);

/*
 * The argv of the link to h: the words of ssh (split on blanks, as rsync's -e; NULL:
 * REMOTE_SSH_DEFAULT), the destination, and the remote command line (its words quoted for
 * the remote shell).  interval_ms: the agent's -d.  malloc'd, NULL-terminated; free with
 * remote_argv_free.  NULL on ENOMEM or an empty ssh.
 */
char **remote_argv(const struct remote_host *h, const char *ssh, int interval_ms);
void remote_argv_free(char **argv);

struct remote;

/*
 * Start every host's link, wait for their first snapshots (at most wait_ms in all), and
 * build the union source over local (may be NULL: --no-local; taken) and the hosts.  A
 * host that is down when the wait ends is told on err and its devices are absent; the run
 * goes on.  0, or negative errno with msg (no host could be started, ENOMEM).
 */
int remote_open(const struct remote_host *hosts, size_t n, const char *ssh, int interval_ms,
                int wait_ms, struct src *local, FILE *err, struct remote **rem, struct src **out,
                char *msg, size_t size);
/* The number of hosts, and host i's label (0 <= i < remote_count()). */
size_t remote_count(const struct remote *rem);
const char *remote_label(const struct remote *rem, size_t i);
/* Status of host i (0 <= i < n). */
void remote_status(struct remote *rem, size_t i, struct rsrc_status *out);
/* The host of a device named "LABEL:DEVICE" (-1: a local device). */
long remote_host_of(const struct remote *rem, const char *dev);
/* What its host's sysfs says of the device named "LABEL:DEVICE": 0, or -ENOENT. */
int remote_dev_sys(struct remote *rem, const char *dev, struct ap_sys *out);
/*
 * Send c to every host's agent (interval, pause, resume, snapshot); an interval or a
 * pause holds for the links started later too.  0, or the first negative errno (a host
 * down now: -ENOTCONN, kept for its next link).
 */
int remote_control(struct remote *rem, const struct ap_ctl *c);
/*
 * Tell each host's agent which of its devices the caller shows (names as "LABEL:DEVICE";
 * others skipped): the agent then reads their state at the interval even while idle.  Sent
 * only when a host's set changed, and again on every later link; an agent too old to take
 * it is not sent it.  rem NULL or a replay: nothing.  0, or negative errno.
 */
int remote_focus(struct remote *rem, const char *const *names, size_t n);
/*
 * The kernel log of a run whose hosts have one (remote_has_klog): local's records (may be NULL:
 * none; taken) and those the hosts' agents send, a remote record's device named LABEL:DEVICE so
 * that it is tied to that host's device.  Records keep their kernel's sequence number and time; as
 * the kernels are several, it is not live (no timeline placement of its times; the engine counts
 * no loss by number): a jump in one host's numbers on one link is a gap (KLOG_GAP), a new
 * link's repeats of records taken are dropped (unless the host restarted), and each host's
 * records and losses are in remote_json_hosts.  0 or negative errno (local freed).
 */
struct klog;
/* Whether a host's agent said it reads a kernel log (or did not say: an older agent).
   A host that has not sent its hello yet counts when pending (a watching run: it may come
   up later with one). */
bool remote_has_klog(struct remote *rem, bool pending);
int remote_klog(struct remote *rem, struct klog *local, struct klog **out);
/* Host i's ssh destination (a replay: the recorded one). */
const char *remote_dest(const struct remote *rem, size_t i);

/*
 * --record with --host: the header's hosts 1.. (label, agent root) for hosts[0..n), in out.
 * Then, once the recording is open and before the engine reads: record the union's local
 * source as host 0 and link i's as host i + 1 (with its host's sysfs facts), the kernel
 * log records of each (remote_klog's), and each link's status as it changes.  0 or
 * negative errno.
 */
struct rec_host;
struct src_rec;
void remote_rec_hosts(const struct remote_host *hosts, size_t n, struct rec_host *out);
int remote_record(struct remote *rem, struct src_rec *rc);
/*
 * --replay of a recording made with --host: the hosts as recorded (labels, each link's
 * status and sysfs facts as of rpl's clock), for the same remote_count, remote_label,
 * remote_status, remote_host_of and remote_dev_sys as live (remote_control does nothing).
 * *out NULL for a recording without hosts.  0 or -ENOMEM.
 */
struct rpl;
int remote_replayed(const struct rpl *rpl, struct remote **out);

/*
 * Whether device name is a host's whose link is not connected now (its data is what the
 * agent last sent): *age_ms the age of that data at now_ns (CLOCK_MONOTONIC), *host its
 * host's index (-1: a local device).
 */
bool remote_dev_stale(struct remote *rem, const char *name, int64_t now_ns, long long *age_ms,
                      long *host);
/*
 * The JSON of the hosts, as the batch output and the console's export give them:
 * remote_json_hosts: [{"name", "dest", "status", "error", "since", "rtt_ms",
 * "agent_version", "agent_host", "kernel", "last_data_age_ms", "retry_in_ms", "attempts",
 * "lines", "bytes", "bad_lines", "kernel_log", "kernel_log_records", "kernel_log_lost"}], one
 * per host (NULL on ENOMEM); remote_json_dev: add
 * "host" (null: local), "stale" and "stale_ms" (null: not stale) to a device's object dj.
 */
struct json_object;
struct json_object *remote_json_hosts(struct remote *rem, int64_t now_ns);
void remote_json_dev(struct remote *rem, const char *name, int64_t now_ns, struct json_object *dj);
/* Drop the caller's handle; the links end when the union source is closed too. */
void remote_close(struct remote *rem);

#endif
