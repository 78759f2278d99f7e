/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agentproto: the messages between `migtop --agent` (on a hypervisor, behind ssh) and the
 * migtop that watches it.  JSON lines (json-c), one message per line, each an object whose
 * "t" names its kind.  Pure: encoding and decoding only, no I/O (the JSON plumbing is
 * core/apjson.h, base64 core/b64.h).
 *
 * Agent -> client (stdout), in this order:
 *   {"t":"hello","proto":1,"migtop":"0.1.0","host":"hv1","kernel":"6.12.0","root":"/sys/...",
 *    "interval_ms":1000,"klog":"ok"}
 *   ("klog": whether it reads a kernel log, "ok", "file", "unavailable" or "off"; added
 *    within protocol 1, a client takes a hello without it)
 *   {"t":"snap","seq":1,"ts":1764514325123,"lists":[{"p":"","n":["0000:7d:00.1"]},...],
 *    "files":[{"p":"0000:7d:00.1/migration/state","d":"RUNNING\n"},...]}
 *   {"t":"delta","seq":2,"ts":...,"lists":[{"p":"","add":["0000:7d:00.2"],"del":[]}],
 *    "files":[{"p":"0000:7d:00.1/migration/state","d":"STOP_COPY\n"}]}
 *   {"t":"klog","r":["6,1203,55123456,-;hisi_acc_vfio_pci 0000:7d:00.1: ...\n"]}
 *   {"t":"hb","seq":2,"ts":...,"bad":0}
 *   {"t":"error","msg":"..."}                    (the last line before the agent exits)
 * A snap or delta may carry "sys": [{"dev":NAME,"bus":"pci","driver":S,"parent":S,"vf":B,
 * "vendor":"19e5","device":"a251","iommu_group":N,"numa_node":N}], what sysfs on the
 * agent's host says of the devices listed (a snap: every one sysfs has; a delta: those
 * added); vendor and device are null when unknown, iommu_group and numa_node -1.  It was
 * added within protocol 1: a client takes a message without it, an older one ignores it.
 * A file is {"p":PATH} plus one of "d" (its bytes: well-formed UTF-8 without NUL), "b"
 * (its bytes in base64, anything else) or "e" (the errno name of a failed read, or its
 * number when it has no name), and "x":1 when it was cut at SRC_READ_MAX.  A list is
 * {"p":PATH} plus "n" (every name: snapshots), "add"/"del" (the names that appeared and
 * went: deltas) or "e".  PATH is relative to the agent's root ("" is the root itself); a
 * decoded PATH is never absolute, never has "." or ".." components or empty components,
 * and names never contain '/' (else the message is rejected).  Devices appearing and
 * going are the root list's add/del; a state change is the delta of DEV/migration/state.
 *
 * Client -> agent (stdin), nothing else is accepted:
 *   {"t":"interval","ms":500}   state polling period, 50..60000 ms
 *   {"t":"pause"} {"t":"resume"} {"t":"snapshot"} {"t":"quit"}
 *   {"t":"ping","id":7}         answered at once with {"t":"pong","id":7} (the round trip);
 *                               sent only to an agent whose hello has "ping":true (added
 *                               within protocol 1: an older agent ignores it as a bad line)
 *   {"t":"focus","dev":["0000:7d:00.1",...]}
 *                               the devices the client shows (on screen, selected, paired):
 *                               the agent polls their state at the interval even while idle
 *                               (engine_set_focus); at most AP_FOCUS_MAX names, each a name
 *                               of the root's list (no '/', not "." or ".."), matched
 *                               against the devices the agent found and never opened as a
 *                               path; names it does not have are ignored.  Each replaces
 *                               the last; [] names none.  Sent only to an agent whose hello
 *                               has "focus":true (added within protocol 1).
 * A control message with any other kind, any other member, a wrong type or more than
 * AP_CTL_MAX bytes is rejected (so one naming a path, a command or a file is rejected).
 * AP_CTL_MAX is PIPE_BUF: the client writes each line whole to a non-blocking pipe.
 */
#ifndef MIGTOP_CORE_AGENTPROTO_H
#define MIGTOP_CORE_AGENTPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AP_PROTO_VERSION 1
#define AP_CTL_MAX       4095 /* bytes in a control line (without the newline): PIPE_BUF */
#define AP_FOCUS_MAX     64   /* names in a focus message */
#define AP_NAME_MAX      64   /* bytes in a device name, with its NUL */
#define AP_INTERVAL_MIN  50
#define AP_INTERVAL_MAX  60000

enum ap_ctl_kind {
        AP_CTL_INTERVAL,
        AP_CTL_PAUSE,
        AP_CTL_RESUME,
        AP_CTL_SNAPSHOT,
        AP_CTL_QUIT,
        AP_CTL_PING,  /* answered at once with a pong of the same id (an agent saying "ping") */
        AP_CTL_FOCUS, /* the devices the client shows (an agent saying "focus") */
};

struct ap_ctl {
        enum ap_ctl_kind kind;
        int ms;     /* AP_CTL_INTERVAL */
        int64_t id; /* AP_CTL_PING: 0 .. 2^53 */
        /* AP_CTL_FOCUS: device names.  Encoding drops the last names while the line would
           be longer than AP_CTL_MAX (those devices are then polled as idle ones). */
        size_t nfocus;
        char focus[AP_FOCUS_MAX][AP_NAME_MAX];
};

/*
 * One control line (without its newline).  0, or -EINVAL with msg saying why ("unknown
 * member 'path'"), -ENOMEM.
 */
int ap_ctl_decode(const char *line, size_t len, struct ap_ctl *out, char *msg, size_t size);
/* The line for c, with its newline (malloc'd), or NULL. */
char *ap_ctl_encode(const struct ap_ctl *c);

struct ap_file {
        char *path;
        int err;    /* 0, or the positive errno of the read */
        char *data; /* NUL-terminated; NULL when err */
        size_t len;
        bool trunc;
};

struct ap_list {
        char *path;
        int err;      /* 0, or the positive errno of the listing */
        bool full;    /* names: every name (snapshot); else add/del (delta) */
        char **names; /* full: every name; else the names that appeared */
        size_t n;
        char **del; /* !full: the names that went */
        size_t ndel;
};

/* What sysfs says of a device on the agent's host (a subset of engine/discover.h's). */
struct ap_sys {
        char dev[64];    /* the device's name (its directory under the root) */
        char bus[8];     /* "pci", "mdev", "other" */
        char driver[64]; /* bound driver, "" */
        char parent[64]; /* a VF's PF, an mdev's parent; "" */
        bool is_vf;
        bool has_ids; /* vendor and device known */
        uint16_t vendor, device;
        int iommu_group; /* -1: none */
        int numa_node;   /* -1: none or unknown */
};

struct ap_hello {
        int proto;
        char migtop[32];
        char host[256];
        char kernel[128];
        char root[1024];
        int interval_ms;
        /* its kernel log: "ok" (live), "file" (--kmsg FILE), "unavailable", "off"; "" when
           the agent did not say (added within protocol 1: an older agent) */
        char klog[16];
        bool ping;  /* it answers {"t":"ping"} (added within protocol 1) */
        bool focus; /* it takes {"t":"focus"} (added within protocol 1) */
};

enum ap_kind { AP_HELLO, AP_SNAP, AP_DELTA, AP_KLOG, AP_HB, AP_ERROR, AP_PONG };

/* A message from the agent.  For encoding, the pointers are borrowed. */
struct ap_msg {
        enum ap_kind kind;
        struct ap_hello hello; /* AP_HELLO */
        uint64_t seq;          /* SNAP, DELTA, HB; PONG: the ping's id */
        int64_t ts_ms;         /* SNAP, DELTA, HB: the agent's CLOCK_REALTIME in ms */
        struct ap_list *lists; /* SNAP, DELTA */
        size_t nlists;
        struct ap_file *files; /* SNAP, DELTA */
        size_t nfiles;
        struct ap_sys *sys; /* SNAP, DELTA: sysfs facts of devices (snap: all, delta: added) */
        size_t nsys;
        char **klog; /* KLOG: raw /dev/kmsg records */
        size_t *klog_len;
        size_t nklog;
        uint64_t bad;  /* HB: control lines rejected so far */
        char msg[512]; /* ERROR */
};

/* m as one line with its newline (malloc'd; *len its length), or NULL (ENOMEM). */
char *ap_msg_encode(const struct ap_msg *m, size_t *len);
/*
 * One line from the agent (without its newline).  0, or -EINVAL with msg saying why,
 * -ENOMEM.  On success free with ap_msg_free().  Members it does not know are ignored
 * (a newer agent of the same protocol version may add some).
 */
int ap_msg_decode(const char *line, size_t len, struct ap_msg *out, char *msg, size_t size);
void ap_msg_free(struct ap_msg *m);

/* Whether path is one the protocol allows (relative, no "."/".."/empty components). */
bool ap_path_ok(const char *path);

#endif
