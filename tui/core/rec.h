/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec: the recording format (--record, --replay).  A recording is what the engine observed
 * through its source, as it observed it: read results (bytes or errno, start and end
 * time), directory listings (discovery), raw kernel log records and host status, for every
 * host.  Only changes are written after a full snapshot (a keyframe) that starts every
 * chunk, so a reader can seek to a chunk and know everything from there.
 *
 * On disk the whole file is a valid zstd stream (`zstd -dc FILE` prints the raw records):
 *
 *   header   zstd skippable frame, magic 0x184D2A50, u32 LE size, then:
 *              "MIGTOPRC"  8 bytes
 *              u16 format version (REC_VERSION), u16 flags (REC_HDR_OPTS or 0)
 *              i64 t0 (CLOCK_REALTIME ns when the file was started)
 *              str migtop version; u16 nhosts; per host: str name, str kernel release,
 *              str root
 *              (host 0 is this machine; with REC_HDR_LINKS, hosts 1.. are --host links:
 *              name = the label, root = the agent's root, "" its default)
 *              with REC_HDR_OPTS: u16 n, n x (str key, str value): the recording run's
 *              options that change what a replay shows (REC_OPT_*: decimal numbers, the
 *              --stuck thresholds as STATE=SECONDS,...); a
 *              reader ignores keys it does not know, and refuses other flags
 *              u32 crc32 (zlib) of everything above in the payload
 *   chunk    (repeated)
 *            a skippable frame, magic 0x184D2A51, size 24: u32 chunk sequence, u32 flags
 *              (REC_CHUNK_KEY), i64 time of its first record, u32 0, u32 crc32 of the 20
 *              bytes before
 *            one zstd frame (content checksum on) holding records; the writer flushes it at
 *              least every second (a kill -9 loses at most the last second) and starts a
 *              new chunk every keyframe interval or chunk size
 *   record   u32 body length; body: u8 type, u8 flags (REC_F_KEY), u16 host index, i64 time
 *            (CLOCK_REALTIME ns), payload; u32 crc32 of the body
 *
 * Payload fields: str = u16 length, bytes, a NUL (not counted; no NUL inside); blob = u32
 * length, bytes, a NUL; integers little-endian.
 *   READ   str path, i32 errno (0: ok), u8 truncated, i64 t_start, i64 t_end, blob data;
 *          with REC_F_OPEN (written when the recording stops): no answer by the record's
 *          time, the read in flight since t_start (errno 0, not truncated, t_end = the
 *          record's time, no data): a replay holds it unanswered
 *   LIST   str path, i32 errno, u32 n, n x str name
 *   KLOG   blob: one raw /dev/kmsg record, as read()
 *   HOST   u8 status (enum rec_host_status), str message: written at the start (the local
 *          host: up, its kernel release) and on every change; keyframes repeat each host's
 *          last one
 *   LINK   (REC_HDR_LINKS) a --host link's status, written when it changes and repeated by
 *          keyframes: u8 state (enum rec_link_state), u8 have_hello, i64 since, i64 last
 *          (the last line's time, 0: none), i64 retry (the next attempt, 0: none), all
 *          CLOCK_REALTIME ns; i32 rtt_ms (-1: not measured), u32 attempts, u32 changes, i64
 *          lines, i64 bytes, i64 bad lines, str error, str dest, str agent version, str
 *          agent host, str kernel release, str agent's kernel log ("ok", "file", ...)
 *   SYS    (REC_HDR_LINKS) what a link's host's sysfs says of one of its devices, written
 *          when it changes and repeated by keyframes: str device, str bus, str driver, str
 *          parent, u8 flags (1 VF, 2 ids known), u16 vendor, u16 device, i32 iommu group,
 *          i32 numa node
 *   STOP   no payload (host 0): the recording stopped at its time, after the unanswered
 *          reads; a replay lasts until then (a quiet end writes no other record)
 *   KEY    u32 count: the count records that follow (flag REC_F_KEY) are the last known
 *          result of every path, each host's last status and the last kernel log records:
 *          the state at that time
 *
 * The reader never trusts the file (recordings come attached to bug reports): a file cut by
 * a crash or a full disk gives its records up to the last whole one and a message; a
 * damaged chunk (zstd error, record checksum) gives its records before the damage, a
 * message, and reading goes on at the next chunk; another format version is refused.
 *
 * The writer is core/rec_write.h (its encoding core/rec_buf.h, its last known results
 * core/rec_tab.h), the reader core/rec_read.h.
 */
#ifndef MIGTOP_CORE_REC_H
#define MIGTOP_CORE_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_VERSION       1
#define REC_HOSTS_MAX     64
#define REC_STR_MAX       4096u                /* a path, a name */
#define REC_BODY_MAX      (1024u * 1024u)      /* one record's body */
#define REC_CHUNK_KEY     1u                   /* chunk flag: starts with a keyframe */
#define REC_RAW_MAX       (256u * 1024 * 1024) /* default bound of one chunk, decompressed */
#define REC_SLOW_NS       250000000LL          /* an unchanged read this slow is still written */
#define REC_SKIP_HDR      0x184D2A50u          /* zstd skippable frames 0x184D2A5? */
#define REC_SKIP_CHUNK    0x184D2A51u
#define REC_MAGIC         "MIGTOPRC"
#define REC_META_SIZE     24u
#define REC_META_TOTAL    (8u + REC_META_SIZE)
#define REC_HDR_MAX       (1024u * 1024u)
#define REC_REC_FIXED     12u /* type, flags, host, time */
#define REC_WINDOW_LOG    23  /* the reader's bound; the writer stays below */
#define REC_LABEL_DEV_MAX 192 /* "LABEL:DEVICE" */

enum rec_type {
        REC_READ = 1,
        REC_LIST = 2,
        REC_KLOG = 3,
        REC_HOST = 4,
        REC_KEY = 5,
        REC_STOP = 6,
        REC_LINK = 7,
        REC_SYS = 8,
};

#define REC_F_KEY  1u /* part of a keyframe (a state, not a new observation) */
#define REC_F_OPEN 2u /* READ: no answer by its time (in flight when the recording stopped) */

#define REC_HDR_OPTS     1u            /* header flag: the run's options follow the hosts */
#define REC_HDR_LINKS    2u            /* header flag: hosts 1.. are --host links (LINK, SYS) */
#define REC_OPTS_MAX     16            /* options a reader keeps (more are skipped) */
#define REC_OPT_DEADLINE "deadline_ms" /* --deadline: a read slower is blocked */
#define REC_OPT_INTERVAL "interval_ms" /* -d: the snapshot interval, polling period cap */
#define REC_OPT_STUCK    "stuck"       /* --stuck thresholds, as stuck_format() ("" none) */
#define REC_OPT_PAIR     "pair"        /* --pair: "SRC=DST" (absent: none given) */

enum rec_host_status {
        REC_HOST_UP = 1,   /* reachable, answering */
        REC_HOST_DOWN = 2, /* lost (message says why) */
};

/* A --host link's state (as core/src_remote.h's enum rsrc_state). */
enum rec_link_state {
        REC_LINK_CONNECTING = 0,
        REC_LINK_CONNECTED = 1,
        REC_LINK_DOWN = 2,
        REC_LINK_RECONNECTING = 3,
};

/* A LINK record's payload.  Zero it before filling (the writer compares whole structs). */
struct rec_link {
        unsigned state; /* enum rec_link_state */
        bool have_hello;
        int64_t since_ns, last_ns, retry_ns; /* CLOCK_REALTIME; 0: none */
        int rtt_ms;
        unsigned attempts, changes;
        uint64_t lines, bytes, bad;
        char error[512];
        char dest[256];
        char agent[32];
        char agent_host[256];
        char kernel[128];
        char klog[16];
};

/* A SYS record's payload (as core/agentproto.h's struct ap_sys).  Zero it before filling. */
struct rec_sys {
        char dev[64];
        char bus[8];
        char driver[64];
        char parent[64];
        bool is_vf, has_ids;
        unsigned vendor, device; /* u16 */
        int iommu_group, numa_node;
};

/* "read", "list", "klog", "host", "key", "stop", "link", "sys"; NULL if unknown. */
const char *rec_type_name(unsigned type);

struct rec_host {
        char name[256];   /* "local", a host name */
        char kernel[256]; /* uname -r of the host, "" if unknown */
        char root[1024];  /* the source's root there */
};

/* One option of the recording run ("deadline_ms" = "1000"). */
struct rec_opt {
        char key[32];
        char value[256];
};

struct rec_header {
        unsigned version;
        unsigned flags; /* REC_HDR_OPTS */
        char migtop_version[64];
        int64_t t0_ns;
        size_t nhosts;
        struct rec_host hosts[REC_HOSTS_MAX];
        size_t nopts;
        struct rec_opt opts[REC_OPTS_MAX];
};

/* The value of option key in h, or NULL (not recorded: an older recording). */
const char *rec_header_opt(const struct rec_header *h, const char *key);
/* Option key as a number in [min, max]: 0 with *v set, -ENOENT absent, -EINVAL not one. */
int rec_header_opt_num(const struct rec_header *h, const char *key, long min, long max, long *v);
/*
 * The recorded --pair (REC_OPT_PAIR, "SRC=DST") split into buf: 0 with *src and *dst in
 * buf, -ENOENT none recorded, -EINVAL not two device names.
 */
int rec_header_pair(const struct rec_header *h, char *buf, size_t size, const char **src,
                    const char **dst);

/*
 * The path a replay knows host's path by: host 0's as it is; with REC_HDR_LINKS a link's
 * "LABEL:PATH" (its root listing "LABEL:") in buf; NULL for a host not replayed (a link of
 * a file without the flag) or a path too long for buf.
 */
const char *rec_host_path(const struct rec_header *h, unsigned host, const char *path, char *buf,
                          size_t size);
/* Host's label when it is a link (REC_HDR_LINKS, host > 0), else NULL. */
const char *rec_link_label(const struct rec_header *h, unsigned host);

/* "2026-11-30T14:02:03.250Z" */
void rec_time_iso(int64_t t_ns, char *buf, size_t size);

/* zlib's crc32 of n bytes (records, the header, chunk index frames). */
uint32_t rec_crc(const void *d, size_t n);
/* A little-endian u32 at q. */
uint32_t rec_le32(const uint8_t *q);

#endif
