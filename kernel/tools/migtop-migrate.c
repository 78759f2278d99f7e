/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * migtop-migrate: drive VFIO migration (protocol v2) between two mdev instances of the
 * bundled migtop_acc driver the way a VMM (QEMU) does, through the group/container uAPI.
 * A test and demo tool: every step is timed, every failure names the ioctl, the errno and
 * what it means, and the exit status is non-zero.  See usage() and tests/vm/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/vfio.h>

#include "vfio_compat.h"
#include "migtop_acc_abi.h"

#define EXIT_FAIL     1
#define EXIT_REJECTED 2
#define EXIT_USAGE    64
#define EX_USAGE_MARK 100000 /* run(): bad command line */

#define CHUNK            (64u * 1024u)
#define MAX_STREAM       (64u * 1024u * 1024u)
#define MAX_REGS         32
#define REG_SNAPSHOT_END 0x0a0u /* registers compared around a rejected load */

struct mdev {
        char uuid[64];
        const char *role; /* "source", "destination", "device" */
        int container;
        int group;
        int fd;
        int groupno;
        uint32_t mig_flags;
        uint64_t bar0_off;
        uint64_t bar0_size;
        uint64_t written; /* bytes written to the resuming data_fd */
        size_t fail_off;  /* the failing write: offset and length, errno */
        size_t fail_len;
        int fail_err;
};

struct regset {
        int n;
        struct {
                bool dst;
                uint32_t off;
                uint32_t val;
        } r[MAX_REGS];
};

struct opts {
        unsigned int precopy;
        unsigned int dirty;
        unsigned int loops;
        const char *stop_after;
        const char *save;
        bool pause;
        bool quiet;
        unsigned int chunk; /* resume writes of at most this many bytes (0: as read) */
        unsigned int count;
        uint64_t seed;
        struct regset regs;
};

static const char *const state_names[] = {
    "ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
};

static const char *state_name(uint32_t s)
{
        return s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "Invalid";
}

static int state_parse(const char *s, uint32_t *out)
{
        for (uint32_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
                if (!strcasecmp(s, state_names[i])) {
                        *out = i;
                        return 0;
                }
        }
        return -EINVAL;
}

/* ---- messages ------------------------------------------------------------------------ */

static bool g_quiet; /* set once from the options, before any work */

static void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void info(const char *fmt, ...)
{
        va_list ap;

        if (g_quiet)
                return;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

/* What an errno means for a given operation, in the operator's words. */
static const char *meaning(const char *op, int err)
{
        bool state = strstr(op, "MIG_DEVICE_STATE") != NULL;
        bool rd = !strcmp(op, "read(data_fd)");
        bool wr = !strcmp(op, "write(data_fd)");

        switch (err) {
        case ENOENT:
                return "not found: is the device created and are vfio, vfio_iommu_type1, mdev and "
                       "migtop_acc loaded?";
        case EACCES:
        case EPERM:
                return "permission denied: run as root";
        case EBUSY:
                if (strstr(op, "GET_DEVICE_FD") || strstr(op, "/dev/vfio"))
                        return "already in use: another process has this device or group open";
                if (state)
                        return "the device's mailbox did not answer (see dmesg)";
                return "device busy";
        case ENODEV:
                return "no such device: it was removed";
        case ENOTTY:
                return "not supported by this driver (no migration ops?)";
        case EINVAL:
                if (state)
                        return "transition refused: invalid arc for this device, or the resumed "
                               "stream was rejected (see dmesg)";
                if (wr)
                        return "stream rejected while writing (too long or malformed)";
                if (rd)
                        return "the migration file is no longer valid (device left the saving "
                               "state)";
                return "invalid argument";
        case EIO:
                if (state)
                        return "the device failed the transition and is now in ERROR (reset "
                               "needed)";
                if (rd)
                        return "saving failed in the device (command channel failure?)";
                return "I/O error (device gone or failed)";
        case ETIMEDOUT:
                return "the device did not answer in time (command channel timeout)";
        case ENOMEM:
                if (wr)
                        return "stream longer than the destination accepts (hisi_acc: more "
                               "than 176 bytes)";
                return "out of memory";
        case EFAULT:
                if (wr)
                        return "the destination rejected the stream's 40-byte match data "
                               "(magic/version, device, queue count or isolation: see dmesg)";
                return "bad address";
        case ENOSPC:
        case EFBIG:
                return "stream longer than the device accepts";
        case ENOMSG:
                return "no pre-copy data available right now";
        default:
                return "unexpected error";
        }
}

static int fail(const struct mdev *d, const char *op, int err)
{
        fprintf(stderr, "migtop-migrate: %s%s%s: %s failed: %s (errno %d): %s\n", d ? d->role : "",
                d ? " " : "", d ? d->uuid : "", op, strerror(err), err, meaning(op, err));
        return -err;
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void phase_report(const char *phase, uint64_t bytes, double ms)
{
        double mibs = ms > 0 ? ((double)bytes / (1024.0 * 1024.0)) / (ms / 1e3) : 0;

        info("phase %-9s %10" PRIu64 " bytes %9.2f ms %8.2f MiB/s", phase, bytes, ms, mibs);
}

/* ---- the VFIO device ------------------------------------------------------------------ */

static void dev_init(struct mdev *d, const char *uuid, const char *role)
{
        memset(d, 0, sizeof(*d));
        snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
        d->role = role;
        d->container = -1;
        d->group = -1;
        d->fd = -1;
        d->groupno = -1;
}

static void dev_close(struct mdev *d)
{
        if (d->fd >= 0)
                close(d->fd);
        if (d->group >= 0)
                close(d->group);
        if (d->container >= 0)
                close(d->container);
        d->fd = d->group = d->container = -1;
}

static int dev_find_group(struct mdev *d)
{
        char path[PATH_MAX], link[PATH_MAX];
        ssize_t n;
        const char *base;

        snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group", d->uuid);
        n = readlink(path, link, sizeof(link) - 1);
        if (n < 0)
                return fail(d, "readlink(/sys/bus/mdev/devices/<uuid>/iommu_group)", errno);
        link[n] = '\0';
        base = strrchr(link, '/');
        base = base ? base + 1 : link;
        d->groupno = atoi(base);
        return 0;
}

/*
 * One VFIO_DEVICE_FEATURE ioctl: flags (GET or SET | the feature), payload copied in before
 * and back out after (size bytes, at most 64).  0 or -errno.
 */
static int dev_feature(struct mdev *d, uint32_t flags, void *payload, size_t size)
{
        union {
                struct vfio_device_feature f;
                uint8_t raw[sizeof(struct vfio_device_feature) + 64];
                uint64_t align;
        } u;

        if (size > 64)
                return -EINVAL;
        memset(&u, 0, sizeof(u));
        u.f.argsz = (uint32_t)(sizeof(struct vfio_device_feature) + size);
        u.f.flags = flags;
        memcpy(u.f.data, payload, size);
        if (ioctl(d->fd, VFIO_DEVICE_FEATURE, &u) < 0)
                return -errno;
        memcpy(payload, u.f.data, size);
        return 0;
}

static int dev_get_flags(struct mdev *d)
{
        struct vfio_device_feature_migration m = {0};
        int ret =
            dev_feature(d, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION, &m, sizeof(m));

        if (ret < 0)
                return fail(d, "ioctl(VFIO_DEVICE_FEATURE GET MIGRATION)", -ret);
        d->mig_flags = (uint32_t)m.flags;
        return 0;
}

static int dev_get_bar0(struct mdev *d)
{
        struct vfio_region_info ri = {.argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX};

        if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
                return fail(d, "ioctl(VFIO_DEVICE_GET_REGION_INFO BAR0)", errno);
        d->bar0_off = ri.offset;
        d->bar0_size = ri.size;
        return 0;
}

static int dev_open_fd(struct mdev *d)
{
        d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->uuid);
        if (d->fd < 0)
                return fail(d, "ioctl(VFIO_GROUP_GET_DEVICE_FD)", errno);
        return 0;
}

static int dev_open(struct mdev *d)
{
        struct vfio_group_status gs = {.argsz = sizeof(gs)};
        char path[64];
        int ret, type;

        ret = dev_find_group(d);
        if (ret)
                return ret;
        d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
        if (d->container < 0)
                return fail(d, "open(/dev/vfio/vfio)", errno);
        if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
                fprintf(stderr, "migtop-migrate: unknown VFIO API version\n");
                return -EINVAL;
        }
        snprintf(path, sizeof(path), "/dev/vfio/%d", d->groupno);
        d->group = open(path, O_RDWR | O_CLOEXEC);
        if (d->group < 0)
                return fail(d, "open(/dev/vfio/<group>)", errno);
        if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs) < 0)
                return fail(d, "ioctl(VFIO_GROUP_GET_STATUS)", errno);
        if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
                fprintf(stderr, "migtop-migrate: %s %s: group %d is not viable\n", d->role, d->uuid,
                        d->groupno);
                return -EINVAL;
        }
        if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0)
                return fail(d, "ioctl(VFIO_GROUP_SET_CONTAINER)", errno);
        type = ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0
                   ? VFIO_TYPE1v2_IOMMU
                   : VFIO_TYPE1_IOMMU;
        if (ioctl(d->container, VFIO_SET_IOMMU, type) < 0)
                return fail(d, "ioctl(VFIO_SET_IOMMU type1; is vfio_iommu_type1 loaded?)", errno);
        ret = dev_open_fd(d);
        if (ret)
                return ret;
        ret = dev_get_flags(d);
        if (ret)
                return ret;
        if (!(d->mig_flags & VFIO_MIGRATION_STOP_COPY)) {
                fprintf(stderr, "migtop-migrate: %s %s: no STOP_COPY migration support\n", d->role,
                        d->uuid);
                return -ENOTSUP;
        }
        return dev_get_bar0(d);
}

/* Drive the device to @st; *data_fd gets the new migration file or -1. */
static int dev_set_state_q(struct mdev *d, uint32_t st, int *data_fd, bool report)
{
        struct vfio_device_feature_mig_state m = {.device_state = st, .data_fd = -1};
        int ret = dev_feature(d, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &m,
                              sizeof(m));

        if (ret < 0) {
                char op[96];

                if (report) {
                        snprintf(op, sizeof(op),
                                 "ioctl(VFIO_DEVICE_FEATURE SET MIG_DEVICE_STATE %s)",
                                 state_name(st));
                        fail(d, op, -ret);
                }
                return ret;
        }
        if (data_fd)
                *data_fd = m.data_fd;
        else if (m.data_fd >= 0)
                close(m.data_fd);
        return 0;
}

static int dev_set_state(struct mdev *d, uint32_t st, int *data_fd)
{
        return dev_set_state_q(d, st, data_fd, true);
}

static int dev_get_state(struct mdev *d, uint32_t *st)
{
        struct vfio_device_feature_mig_state m = {0};
        int ret = dev_feature(d, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &m,
                              sizeof(m));

        if (ret < 0)
                return fail(d, "ioctl(VFIO_DEVICE_FEATURE GET MIG_DEVICE_STATE)", -ret);
        *st = m.device_state;
        return 0;
}

static int dev_data_size(struct mdev *d, uint64_t *len)
{
        struct vfio_device_feature_mig_data_size m = {0};
        int ret = dev_feature(d, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &m,
                              sizeof(m));

        if (ret < 0)
                return ret;
        *len = m.stop_copy_length;
        return 0;
}

static int reg_read(struct mdev *d, uint32_t off, uint32_t *val)
{
        uint8_t b[4];
        ssize_t n = pread(d->fd, b, 4, (off_t)(d->bar0_off + off));

        if (n != 4)
                return fail(d, "pread(BAR0 register)", n < 0 ? errno : EIO);
        *val = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        return 0;
}

static int reg_write(struct mdev *d, uint32_t off, uint32_t val)
{
        uint8_t b[4] = {(uint8_t)val, (uint8_t)(val >> 8), (uint8_t)(val >> 16),
                        (uint8_t)(val >> 24)};
        ssize_t n = pwrite(d->fd, b, 4, (off_t)(d->bar0_off + off));

        if (n != 4)
                return fail(d, "pwrite(BAR0 register)", n < 0 ? errno : EIO);
        return 0;
}

/* ---- streams -------------------------------------------------------------------------- */

/* The kernel's crc32_le(seed, p, len): reflected 0xedb88320, no final inversion. */
static uint32_t crc32_le(uint32_t crc, const uint8_t *p, size_t len)
{
        while (len--) {
                crc ^= *p++;
                for (int i = 0; i < 8; i++)
                        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
        return crc;
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le64(const uint8_t *p)
{
        return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t stream_crc(const uint8_t *buf, size_t len)
{
        uint8_t zero[4] = {0};
        uint32_t crc = crc32_le(~0u, buf, MACC_HDR_OFF_CRC32);

        crc = crc32_le(crc, zero, 4);
        return crc32_le(crc, buf + MACC_HDR_OFF_CRC32 + 4, len - MACC_HDR_OFF_CRC32 - 4);
}

/*
 * Length of the record at @p (header + state + payload), as its header says; a stream is
 * a sequence of records: payload-only pre-copy records, then the one carrying the state.
 */
static uint64_t record_len(const uint8_t *p)
{
        return (uint64_t)MACC_STREAM_HDR_LEN + le32(p + MACC_HDR_OFF_STATE_LEN) +
               le64(p + MACC_HDR_OFF_PAYLOAD_LEN);
}

/* Re-seal every record's CRC after a mutation (a record cut short: over what is left). */
static void stream_fix_crc(uint8_t *buf, size_t len)
{
        size_t off = 0;

        while (len - off >= MACC_STREAM_HDR_LEN) {
                uint64_t rl = record_len(buf + off);

                if (rl > len - off)
                        rl = len - off;
                put_le32(buf + off + MACC_HDR_OFF_CRC32, stream_crc(buf + off, (size_t)rl));
                off += (size_t)rl;
        }
}

struct buf {
        uint8_t *p;
        size_t len, cap;
};

/* The hisi types' stream is struct acc_vf_data alone (40 or 176 bytes); the p2p type's
 * starts with a record header. */
static bool stream_is_hisi(const uint8_t *p, size_t len)
{
        return len <= MACC_STATE_LEN_FULL && !(len >= 4 && le32(p) == MACC_STREAM_MAGIC);
}

static int buf_append(struct buf *b, const void *p, size_t n)
{
        if (b->len + n > b->cap) {
                size_t cap = b->cap ? b->cap : CHUNK;
                uint8_t *np;

                while (cap < b->len + n)
                        cap *= 2;
                np = realloc(b->p, cap);
                if (!np)
                        return -ENOMEM;
                b->p = np;
                b->cap = cap;
        }
        memcpy(b->p + b->len, p, n);
        b->len += n;
        return 0;
}

static int file_load(const char *path, struct buf *b)
{
        uint8_t chunk[CHUNK];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0) {
                fprintf(stderr, "migtop-migrate: open %s: %s\n", path, strerror(errno));
                return -errno;
        }
        while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
                if (b->len + (size_t)n > MAX_STREAM || buf_append(b, chunk, (size_t)n)) {
                        close(fd);
                        fprintf(stderr, "migtop-migrate: %s: too large\n", path);
                        return -EFBIG;
                }
        }
        close(fd);
        return n < 0 ? -errno : 0;
}

static int file_store(const char *path, const uint8_t *p, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t off = 0;

        if (fd < 0) {
                fprintf(stderr, "migtop-migrate: create %s: %s\n", path, strerror(errno));
                return -errno;
        }
        while (off < len) {
                ssize_t n = write(fd, p + off, len - off);

                if (n < 0) {
                        int err = errno;

                        close(fd);
                        fprintf(stderr, "migtop-migrate: write %s: %s\n", path, strerror(err));
                        return -err;
                }
                off += (size_t)n;
        }
        return close(fd) ? -errno : 0;
}

static unsigned int g_chunk; /* --chunk, set once from the options */

/* Write @len bytes to a resuming data_fd in writes of at most --chunk bytes; a failing
 * write is reported with its offset in the stream, its length and its errno. */
static int write_all(struct mdev *d, int fd, const uint8_t *p, size_t len, bool report)
{
        size_t off = 0;

        while (off < len) {
                size_t n = len - off;
                ssize_t w;

                if (g_chunk && n > g_chunk)
                        n = g_chunk;
                w = write(fd, p + off, n);
                if (w < 0) {
                        int err = errno;

                        if (err == EINTR)
                                continue;
                        d->fail_off = (size_t)d->written;
                        d->fail_len = n;
                        d->fail_err = err;
                        if (report) {
                                fprintf(stderr,
                                        "migtop-migrate: %s %s: the write at offset %zu (%zu "
                                        "bytes) failed\n",
                                        d->role, d->uuid, d->fail_off, n);
                                return fail(d, "write(data_fd)", err);
                        }
                        return -err;
                }
                if (w == 0)
                        return report ? fail(d, "write(data_fd)", ENOSPC) : -ENOSPC;
                off += (size_t)w;
                d->written += (uint64_t)w;
        }
        return 0;
}

/*
 * Read from the source's data_fd until end of stream (STOP_COPY: read returns 0) or the
 * temporary end of pre-copy data (ENOMSG, or 0 in PRE_COPY); pass each chunk to the
 * destination's data_fd (when dst_fd >= 0) and to @copy.
 */
static int pump(struct mdev *s, int src_fd, struct mdev *d, int dst_fd, struct buf *copy,
                bool precopy, uint64_t *moved)
{
        static uint8_t chunk[CHUNK];

        for (;;) {
                ssize_t n = read(src_fd, chunk, sizeof(chunk));
                int ret;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && precopy && errno == ENOMSG)
                        return 0;
                if (n < 0)
                        return fail(s, "read(data_fd)", errno);
                if (n == 0)
                        return 0;
                *moved += (uint64_t)n;
                if (dst_fd >= 0) {
                        ret = write_all(d, dst_fd, chunk, (size_t)n, true);
                        if (ret)
                                return ret;
                }
                if (copy && buf_append(copy, chunk, (size_t)n))
                        return -ENOMEM;
                if (copy && copy->len > MAX_STREAM) {
                        fprintf(stderr, "migtop-migrate: stream larger than %u bytes\n",
                                MAX_STREAM);
                        return -EFBIG;
                }
                if (precopy) {
                        struct vfio_precopy_info pi = {.argsz = sizeof(pi)};

                        if (ioctl(src_fd, VFIO_MIG_GET_PRECOPY_INFO, &pi) < 0)
                                return fail(s, "ioctl(VFIO_MIG_GET_PRECOPY_INFO)", errno);
                        if (!pi.initial_bytes && !pi.dirty_bytes)
                                return 0;
                }
        }
}

/* Whether the data_fd polls readable now (data, end of stream or disabled); the driver's
 * .poll, as a VMM waiting at the temporary end of pre-copy uses it. */
static const char *fd_readable(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, 0);

        if (n < 0)
                return "poll failed";
        return n && (p.revents & POLLIN) ? "readable" : "not readable";
}

/* ---- pausing between steps (for the VM test to look at debugfs) ----------------------- */

static bool g_stdin_eof;

static void step(const struct opts *o, const char *name)
{
        char c;

        if (!o->pause)
                return;
        printf("STEP %s\n", name);
        fflush(stdout);
        while (!g_stdin_eof) {
                ssize_t n = read(STDIN_FILENO, &c, 1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        g_stdin_eof = true;
                        break;
                }
                if (c == '\n')
                        break;
        }
}

static bool stop_here(const struct opts *o, const char *name)
{
        step(o, name);
        if (o->stop_after && !strcmp(o->stop_after, name)) {
                info("stopped after step %s, as asked", name);
                return true;
        }
        return false;
}

static int apply_regs(const struct regset *rs, struct mdev *src, struct mdev *dst)
{
        for (int i = 0; i < rs->n; i++) {
                struct mdev *d = rs->r[i].dst ? dst : src;
                int ret;

                if (!d)
                        continue;
                ret = reg_write(d, rs->r[i].off, rs->r[i].val);
                if (ret)
                        return ret;
                info("%s: BAR0[0x%03x] = 0x%08x", d->role, rs->r[i].off, rs->r[i].val);
        }
        return 0;
}

/* ---- migrate -------------------------------------------------------------------------- */

static int migrate_once(const struct opts *o, struct mdev *src, struct mdev *dst, struct buf *copy,
                        bool *stopped)
{
        int sfd = -1, dfd = -1, ret = 0;
        uint64_t moved = 0, total = 0, est = 0;
        double t0, t;
        bool pre = o->precopy > 0 && (src->mig_flags & VFIO_MIGRATION_PRE_COPY);

        *stopped = false;
        if (o->precopy > 0 && !pre)
                info("source has no PRE_COPY support: skipping pre-copy");

        /* The destination waits in RESUMING from the start, as QEMU's incoming side. */
        t0 = now_ms();
        dst->written = 0;
        ret = dev_set_state(dst, VFIO_DEVICE_STATE_RESUMING, &dfd);
        if (ret)
                goto out;
        if (dfd < 0) {
                fprintf(stderr, "migtop-migrate: destination: RESUMING returned no data_fd\n");
                ret = -EPROTO;
                goto out;
        }
        phase_report("resuming", 0, now_ms() - t0);
        if ((*stopped = stop_here(o, "resuming")))
                goto out;

        if (pre) {
                t0 = now_ms();
                ret = dev_set_state(src, VFIO_DEVICE_STATE_PRE_COPY, &sfd);
                if (ret)
                        goto out;
                for (unsigned int it = 0; it < o->precopy; it++) {
                        struct vfio_precopy_info pi = {.argsz = sizeof(pi)};
                        uint64_t before = moved;

                        if (it > 0 && o->dirty) {
                                ret = reg_write(src, MACC_REG_PAYLOAD_DIRTY, o->dirty);
                                if (ret)
                                        goto out;
                        }
                        if (ioctl(sfd, VFIO_MIG_GET_PRECOPY_INFO, &pi) < 0) {
                                ret = fail(src, "ioctl(VFIO_MIG_GET_PRECOPY_INFO)", errno);
                                goto out;
                        }
                        if (pi.initial_bytes || pi.dirty_bytes) {
                                ret = pump(src, sfd, dst, dfd, copy, true, &moved);
                                if (ret)
                                        goto out;
                        }
                        info("pre-copy iteration %u: initial %llu dirty %llu -> read %" PRIu64
                             " bytes",
                             it + 1, (unsigned long long)pi.initial_bytes,
                             (unsigned long long)pi.dirty_bytes, moved - before);
                }
                t = now_ms() - t0;
                info("pre-copy end: data_fd %s", fd_readable(sfd));
                phase_report("pre-copy", moved, t);
                total += moved;
                if ((*stopped = stop_here(o, "precopy")))
                        goto out;
        }

        if (!dev_data_size(src, &est))
                info("stop-copy size estimate: %" PRIu64 " bytes", est);
        t0 = now_ms();
        {
                int nfd = -1;

                ret = dev_set_state(src, VFIO_DEVICE_STATE_STOP_COPY, &nfd);
                if (ret)
                        goto out;
                if (nfd >= 0) {
                        if (sfd >= 0)
                                close(sfd);
                        sfd = nfd;
                }
        }
        if (sfd < 0) {
                fprintf(stderr, "migtop-migrate: source: STOP_COPY returned no data_fd\n");
                ret = -EPROTO;
                goto out;
        }
        info("stop-copy: data_fd %s", fd_readable(sfd));
        moved = 0;
        ret = pump(src, sfd, dst, dfd, copy, false, &moved);
        if (ret)
                goto out;
        t = now_ms() - t0;
        phase_report("stop-copy", moved, t);
        total += moved;
        if ((*stopped = stop_here(o, "stopcopy")))
                goto out;

        /* Source: STOP_COPY -> STOP; its migration file is released (migf_data). */
        t0 = now_ms();
        ret = dev_set_state(src, VFIO_DEVICE_STATE_STOP, NULL);
        if (ret)
                goto out;
        close(sfd);
        sfd = -1;
        /* Destination: RESUMING -> STOP loads the stream (the match checks run here). */
        ret = dev_set_state(dst, VFIO_DEVICE_STATE_STOP, NULL);
        if (ret)
                goto out;
        close(dfd);
        dfd = -1;
        phase_report("stop", total, now_ms() - t0);
        if ((*stopped = stop_here(o, "stop")))
                goto out;

        t0 = now_ms();
        ret = dev_set_state(dst, VFIO_DEVICE_STATE_RUNNING, NULL);
        if (ret)
                goto out;
        phase_report("running", 0, now_ms() - t0);
        info("migrated %s -> %s: %" PRIu64 " bytes", src->uuid, dst->uuid, total);
        *stopped = stop_here(o, "running");
out:
        if (sfd >= 0)
                close(sfd);
        if (dfd >= 0)
                close(dfd);
        return ret;
}

static int cmd_migrate(const struct opts *o, const char *a, const char *b)
{
        struct mdev da, db;
        struct buf copy = {0};
        int ret;
        bool stopped = false;
        double t0 = now_ms();

        dev_init(&da, a, "source");
        dev_init(&db, b, "destination");
        ret = dev_open(&da);
        if (!ret)
                ret = dev_open(&db);
        if (ret)
                goto out;
        info("opened source %s (group %d) and destination %s (group %d), flags 0x%x/0x%x", da.uuid,
             da.groupno, db.uuid, db.groupno, da.mig_flags, db.mig_flags);
        ret = apply_regs(&o->regs, &da, &db);
        if (ret)
                goto out;
        if ((stopped = stop_here(o, "open")))
                goto out;
        for (unsigned int i = 0; i < o->loops && !stopped; i++) {
                struct mdev *s = (i & 1) ? &db : &da, *d = (i & 1) ? &da : &db;

                s->role = "source";
                d->role = "destination";
                copy.len = 0;
                if (o->loops > 1)
                        info("loop %u/%u: %s -> %s", i + 1, o->loops, s->uuid, d->uuid);
                ret = migrate_once(o, s, d, o->save ? &copy : NULL, &stopped);
                if (ret)
                        goto out;
                if (o->save && (ret = file_store(o->save, copy.p, copy.len)))
                        goto out;
        }
        info("done in %.2f ms", now_ms() - t0);
        step(o, "done");
out:
        if (ret && da.fd >= 0)
                step(o, "failed"); /* devices stay open: their state can be inspected */
        free(copy.p);
        dev_close(&da);
        dev_close(&db);
        return ret;
}

/* ---- single-device commands ----------------------------------------------------------- */

/*
 * Drive the device through each state in turn (one VFIO_DEVICE_FEATURE SET each).  A failed
 * request is reported and the next one is still made, as a VMM retrying would; the result
 * is the first failure.
 */
static int cmd_state(const struct opts *o, const char *uuid, int n, char **names)
{
        struct mdev d;
        uint32_t st[8], got = 0;
        int fd = -1, ret, i;

        if (n > 8) {
                fprintf(stderr, "migtop-migrate: at most 8 states\n");
                return -EINVAL;
        }
        for (i = 0; i < n; i++) {
                if (state_parse(names[i], &st[i])) {
                        fprintf(stderr, "migtop-migrate: unknown state '%s'\n", names[i]);
                        return -EINVAL;
                }
        }
        dev_init(&d, uuid, "device");
        ret = dev_open(&d);
        if (!ret)
                ret = apply_regs(&o->regs, &d, NULL);
        for (i = 0; d.fd >= 0 && i < n; i++) {
                int nfd = -1, rc;

                if (ret && i == 0)
                        break;
                rc = dev_set_state(&d, st[i], &nfd);
                if (!rc && nfd >= 0) {
                        if (fd >= 0)
                                close(fd);
                        fd = nfd;
                }
                if (rc && !ret)
                        ret = rc;
                if (n > 1 && !dev_get_state(&d, &got))
                        info("%s: %s -> %s: state %s", uuid, state_name(st[i]),
                             rc ? "failed" : "ok", state_name(got));
        }
        if (!ret)
                ret = dev_get_state(&d, &got);
        if (!ret) {
                info("%s: state %s%s", uuid, state_name(got), fd >= 0 ? " (data_fd open)" : "");
                step(o, state_name(got));
        }
        if (fd >= 0)
                close(fd);
        dev_close(&d);
        return ret;
}

static int cmd_save(const struct opts *o, const char *uuid, const char *path)
{
        struct mdev d;
        struct buf b = {0};
        int fd = -1, ret;
        uint64_t moved = 0;
        double t0;

        dev_init(&d, uuid, "source");
        ret = dev_open(&d);
        if (!ret)
                ret = apply_regs(&o->regs, &d, NULL);
        if (ret)
                goto out;
        t0 = now_ms();
        ret = dev_set_state(&d, VFIO_DEVICE_STATE_STOP_COPY, &fd);
        if (ret)
                goto out;
        ret = pump(&d, fd, NULL, -1, &b, false, &moved);
        if (ret)
                goto out;
        phase_report("stop-copy", moved, now_ms() - t0);
        ret = dev_set_state(&d, VFIO_DEVICE_STATE_STOP, NULL);
        if (!ret)
                ret = file_store(path, b.p, b.len);
        if (!ret)
                info("saved %zu bytes to %s", b.len, path);
        step(o, "done");
out:
        if (fd >= 0)
                close(fd);
        free(b.p);
        dev_close(&d);
        return ret;
}

/*
 * Write @b into the device in RESUMING and complete with RESUMING -> STOP.  With @o (and
 * --pause) it stops at step "resuming" once the device is in RESUMING, before the first
 * write.  With @path, @b is filled from that file only once the device is in RESUMING (after
 * the pause): as a VMM's incoming side, the destination waits in RESUMING for a stream the
 * source has not saved yet.  Returns 0 when the device accepted the stream, 1 when it
 * rejected it with EINVAL at write or at the STOP arc (*err set), negative on any other
 * failure.
 */
static int load_one(const struct opts *o, struct mdev *d, const char *path, struct buf *b, int *err,
                    bool report)
{
        int fd = -1, ret;

        *err = 0;
        d->written = 0;
        d->fail_err = 0;
        ret = dev_set_state(d, VFIO_DEVICE_STATE_RESUMING, &fd);
        if (ret)
                return ret;
        if (fd < 0) {
                fprintf(stderr, "migtop-migrate: RESUMING returned no data_fd\n");
                return -EPROTO;
        }
        if (o)
                step(o, "resuming");
        if (path) {
                b->len = 0;
                ret = file_load(path, b);
                if (ret) {
                        close(fd);
                        return ret;
                }
        }
        ret = write_all(d, fd, b->p, b->len, report);
        if (ret == 0)
                ret = dev_set_state_q(d, VFIO_DEVICE_STATE_STOP, NULL, report);
        close(fd);
        if (ret == -EINVAL || ret == -ENOSPC || ret == -EFBIG || ret == -EFAULT || ret == -ENOMEM) {
                *err = -ret;
                return 1;
        }
        return ret;
}

/*
 * Bring a device that is stuck in RESUMING (rejected stream) or ERROR back to RUNNING:
 * close and reopen it.  A reset alone would not do: hisi_acc clears match_done (the match
 * check passed once) only when the device is opened, so a reset device skips the check.
 */
static int dev_recover(struct mdev *d)
{
        uint32_t st = 0;

        close(d->fd);
        d->fd = -1;
        if (dev_open_fd(d) || dev_get_bar0(d) || dev_get_state(d, &st))
                return -EIO;
        if (st != VFIO_DEVICE_STATE_RUNNING) {
                fprintf(stderr, "migtop-migrate: %s: state %s after reopen, expected RUNNING\n",
                        d->uuid, state_name(st));
                return -EIO;
        }
        return 0;
}

/*
 * Load each file in turn into the device, opened once, with VFIO_DEVICE_RESET between two
 * loads (as a VMM retrying an incoming migration).  The result is the last load's: 0
 * accepted, EXIT_REJECTED rejected.
 */
static int cmd_load(const struct opts *o, const char *uuid, int n, char **paths)
{
        struct mdev d;
        struct buf b = {0};
        int ret, err;
        uint32_t st = 0;
        double t0;

        dev_init(&d, uuid, "destination");
        ret = dev_open(&d);
        for (int i = 0; !ret && i < n; i++) {
                if (i > 0 && ioctl(d.fd, VFIO_DEVICE_RESET) < 0) {
                        ret = fail(&d, "ioctl(VFIO_DEVICE_RESET)", errno);
                        break;
                }
                /* with --pause the file is read at step "resuming" (it may not exist yet) */
                if (!o->pause) {
                        b.len = 0;
                        ret = file_load(paths[i], &b);
                        if (ret)
                                break;
                }
                t0 = now_ms();
                ret = load_one(o, &d, o->pause ? paths[i] : NULL, &b, &err, true);
                if (ret < 0)
                        break;
                dev_get_state(&d, &st);
                if (n > 1)
                        printf("%s: ", paths[i]);
                if (ret == 1) {
                        if (d.fail_err)
                                printf("load: rejected: %s (errno %d) by the write at offset %zu "
                                       "(%zu bytes), device left in %s\n",
                                       strerror(err), err, d.fail_off, d.fail_len, state_name(st));
                        else
                                printf("load: rejected: %s (errno %d) at RESUMING -> STOP, "
                                       "device left in %s\n",
                                       strerror(err), err, state_name(st));
                } else {
                        phase_report("load", b.len, now_ms() - t0);
                        printf("load: accepted %zu bytes, device in %s\n", b.len, state_name(st));
                }
                fflush(stdout);
                if (i + 1 < n)
                        ret = 0;
        }
        if (ret == 1)
                ret = EXIT_REJECTED;
        if (ret >= 0)
                step(o, "done");
        dev_close(&d);
        free(b.p);
        return ret;
}

static int cmd_reg(int argc, char **argv)
{
        struct mdev d;
        int ret;

        dev_init(&d, argv[0], "device");
        ret = dev_open(&d);
        for (int i = 1; !ret && i < argc; i++) {
                char *eq;
                uint32_t off = (uint32_t)strtoul(argv[i], &eq, 0), val;

                if (*eq == '=') {
                        val = (uint32_t)strtoul(eq + 1, NULL, 0);
                        ret = reg_write(&d, off, val);
                        if (!ret)
                                printf("BAR0[0x%03x] <- 0x%08x\n", off, val);
                } else {
                        ret = reg_read(&d, off, &val);
                        if (!ret)
                                printf("BAR0[0x%03x] = 0x%08x\n", off, val);
                }
        }
        dev_close(&d);
        return ret;
}

static int cmd_info(const char *uuid)
{
        struct mdev d;
        uint32_t st, v[4];
        uint64_t est = 0;
        int ret;
        static const uint32_t offs[4] = {MACC_REG_DEV_ID, MACC_REG_QP_NUM, MACC_REG_QP_BASE,
                                         MACC_REG_CMD_STATUS};

        dev_init(&d, uuid, "device");
        ret = dev_open(&d);
        if (!ret)
                ret = dev_get_state(&d, &st);
        for (int i = 0; !ret && i < 4; i++)
                ret = reg_read(&d, offs[i], &v[i]);
        if (!ret) {
                printf("device %s group %d\n", uuid, d.groupno);
                printf("migration flags 0x%x:%s%s%s\n", d.mig_flags,
                       d.mig_flags & VFIO_MIGRATION_STOP_COPY ? " stop-copy" : "",
                       d.mig_flags & VFIO_MIGRATION_P2P ? " p2p" : "",
                       d.mig_flags & VFIO_MIGRATION_PRE_COPY ? " pre-copy" : "");
                printf("state %s\n", state_name(st));
                if (!dev_data_size(&d, &est))
                        printf("stop-copy size %" PRIu64 "\n", est);
                printf("bar0 size %" PRIu64 " dev_id 0x%x qp_num %u qp_base %u cmd_status %u\n",
                       d.bar0_size, v[0], v[1], v[2], v[3]);
        }
        dev_close(&d);
        return ret;
}

/* A hisi_acc stream: 40 or 176 bytes with a known magic and major version. */
static int verify_hisi(const struct buf *b)
{
        const uint8_t *v = b->p;
        uint64_t magic = b->len >= 8 ? le64(v) : 0;
        unsigned int major = b->len >= 30 ? (unsigned int)(v[28] | v[29] << 8) : 0;
        bool bad = (b->len != MACC_STATE_LEN_MATCH && b->len != MACC_STATE_LEN_FULL) ||
                   (magic != MACC_ACC_MAGIC_V1 && magic != MACC_ACC_MAGIC_V2) ||
                   (magic == MACC_ACC_MAGIC_V2 && major != 1);

        if (b->len >= MACC_STATE_LEN_MATCH)
                printf("acc_vf_data: acc_magic 0x%016" PRIx64
                       " version %u.%u qp_num %u dev_id 0x%x "
                       "que_iso_cfg %u qp_base %u vf_qm_state %u\n",
                       magic, major, v[30] | v[31] << 8, le32(v + MACC_VF_QP_NUM),
                       le32(v + MACC_VF_DEV_ID), le32(v + MACC_VF_QUE_ISO_CFG),
                       le32(v + MACC_VF_QP_BASE), le32(v + MACC_VF_VF_QM_STATE));
        if (b->len == MACC_STATE_LEN_FULL)
                printf("acc_vf_data: eqe_dma 0x%" PRIx64 " aeqe_dma 0x%" PRIx64
                       " sqc_dma 0x%" PRIx64 " cqc_dma 0x%" PRIx64 "\n",
                       le64(v + MACC_VF_EQE_DMA), le64(v + MACC_VF_EQE_DMA + 8),
                       le64(v + MACC_VF_EQE_DMA + 16), le64(v + MACC_VF_EQE_DMA + 24));
        printf("verify: %s hisi_acc stream, %zu bytes\n", bad ? "invalid" : "valid", b->len);
        return bad ? EXIT_REJECTED : 0;
}

/* Print and check a saved stream: a hisi_acc one (verify_hisi), or the p2p type's record by
 * record: exit 0 when every header and CRC is valid, the records end exactly at the end of
 * the file and only the last carries state. */
static int cmd_verify(const char *path)
{
        struct buf b = {0};
        int ret = file_load(path, &b), bad = 0, nrec = 0;
        size_t off = 0;
        bool state_seen = false;

        if (ret)
                goto out;
        if (stream_is_hisi(b.p, b.len)) {
                ret = verify_hisi(&b);
                goto out;
        }
        while (off < b.len) {
                const uint8_t *p = b.p + off;
                uint32_t state_len, crc, want;
                uint64_t rl;

                if (b.len - off < MACC_STREAM_HDR_LEN) {
                        printf("record %d at %zu: %zu bytes, shorter than a header\n", nrec, off,
                               b.len - off);
                        bad++;
                        break;
                }
                state_len = le32(p + MACC_HDR_OFF_STATE_LEN);
                rl = record_len(p);
                crc = le32(p + MACC_HDR_OFF_CRC32);
                want = rl <= b.len - off ? stream_crc(p, (size_t)rl) : 0;
                printf(
                    "record %d at %zu: magic 0x%08x version %u hdr_len %u state_len %u flags 0x%x "
                    "payload_len %" PRIu64 " payload_off %u crc 0x%08x (computed 0x%08x)\n",
                    nrec, off, le32(p), p[4] | p[5] << 8, p[6] | p[7] << 8, state_len,
                    le32(p + MACC_HDR_OFF_FLAGS), le64(p + MACC_HDR_OFF_PAYLOAD_LEN),
                    le32(p + MACC_HDR_OFF_CRC32 + 4), crc, want);
                if (state_len >= 32 && rl <= b.len - off) {
                        const uint8_t *v = p + MACC_STREAM_HDR_LEN;

                        printf("  acc_magic 0x%016" PRIx64 " qp_num %u dev_id 0x%x que_iso_cfg %u "
                               "qp_base %u vf_qm_state %u\n",
                               le64(v), le32(v + MACC_VF_QP_NUM), le32(v + MACC_VF_DEV_ID),
                               le32(v + MACC_VF_QUE_ISO_CFG), le32(v + MACC_VF_QP_BASE),
                               le32(v + MACC_VF_VF_QM_STATE));
                }
                if (le32(p) != MACC_STREAM_MAGIC || (p[4] | p[5] << 8) != MACC_STREAM_VERSION ||
                    (p[6] | p[7] << 8) != MACC_STREAM_HDR_LEN || rl > b.len - off || crc != want ||
                    state_seen) {
                        bad++;
                        break;
                }
                state_seen = state_len != 0;
                off += (size_t)rl;
                nrec++;
        }
        if (!bad && (!state_seen || !nrec))
                bad++;
        printf("verify: %s stream, %d records, %zu bytes\n", bad ? "invalid" : "valid", nrec,
               b.len);
        ret = bad ? EXIT_REJECTED : 0;
out:
        free(b.p);
        return ret;
}

static const char *errno_name(int err)
{
        static const struct {
                int err;
                const char *name;
        } t[] = {{EINVAL, "EINVAL"},       {EAGAIN, "EAGAIN"}, {EIO, "EIO"},
                 {ETIMEDOUT, "ETIMEDOUT"}, {EBUSY, "EBUSY"},   {ENODEV, "ENODEV"},
                 {ENOENT, "ENOENT"},       {EACCES, "EACCES"}, {EPERM, "EPERM"},
                 {ENXIO, "ENXIO"},         {EINTR, "EINTR"},   {ENOMEM, "ENOMEM"},
                 {EFAULT, "EFAULT"}};

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                if (t[i].err == err)
                        return t[i].name;
        return "E?";
}

/*
 * Print a (debugfs) file's content, or "ERRNO <name> <number>" when open or read fails;
 * with "fd:N", read the already open descriptor N from offset 0.  Exit 3 on error.
 */
static int cmd_cat(const char *path)
{
        char buf[8192];
        ssize_t n;
        size_t len = 0;
        int fd, err = 0;
        bool own = strncmp(path, "fd:", 3) != 0;

        fd = own ? open(path, O_RDONLY | O_CLOEXEC) : atoi(path + 3);
        if (fd < 0) {
                err = errno;
                goto out;
        }
        if (!own)
                lseek(fd, 0, SEEK_SET);
        while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        err = errno;
                        break;
                }
                len += (size_t)n;
        }
        if (own)
                close(fd);
out:
        if (err) {
                printf("ERRNO %s %d\n", errno_name(err), err);
                return 3;
        }
        fwrite(buf, 1, len, stdout);
        return 0;
}

/* ---- mutation (deterministic) --------------------------------------------------------- */

static uint64_t prng_next(uint64_t *s)
{
        uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static uint32_t prng_below(uint64_t *s, uint32_t n)
{
        return n ? (uint32_t)(prng_next(s) % n) : 0;
}

static uint32_t edge_value(uint64_t *s, uint32_t cur)
{
        static const uint32_t edges[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 40, 176, 32};

        switch (prng_below(s, 4)) {
        case 0:
                return edges[prng_below(s, sizeof(edges) / sizeof(edges[0]))];
        case 1:
                return cur + 1;
        case 2:
                return cur - 1;
        default:
                return (uint32_t)prng_next(s);
        }
}

/* Mutate a hisi_acc stream (struct acc_vf_data alone): no crc to re-seal. */
static int mutate_hisi(struct buf *b, uint64_t *s, char *desc, size_t dlen)
{
        static const uint32_t vf_fields[] = {
            MACC_VF_ACC_MAGIC,   MACC_VF_ACC_MAGIC + 4, MACC_VF_QP_NUM,      MACC_VF_DEV_ID,
            MACC_VF_QUE_ISO_CFG, MACC_VF_QP_BASE,       MACC_VF_VF_QM_STATE, MACC_VF_MAJOR_VER};
        uint32_t kind = b->len ? prng_below(s, 7) : 3, off, v;

        switch (kind) {
        case 0:
                off = prng_below(s, (uint32_t)b->len);
                v = 1u << prng_below(s, 8);
                b->p[off] ^= (uint8_t)v;
                snprintf(desc, dlen, "flip bit 0x%02x at %u", v, off);
                break;
        case 1: {
                uint32_t cnt = 1 + prng_below(s, 8);

                snprintf(desc, dlen, "set %u random bytes", cnt);
                while (cnt--)
                        b->p[prng_below(s, (uint32_t)b->len)] = (uint8_t)prng_next(s);
                break;
        }
        case 2:
                b->len = prng_below(s, (uint32_t)b->len);
                snprintf(desc, dlen, "truncate to %zu", b->len);
                break;
        case 3: {
                uint8_t extra[64];
                uint32_t cnt = 1 + prng_below(s, sizeof(extra));

                for (uint32_t i = 0; i < cnt; i++)
                        extra[i] = (uint8_t)prng_next(s);
                if (buf_append(b, extra, cnt))
                        return -ENOMEM;
                snprintf(desc, dlen, "append %u bytes", cnt);
                break;
        }
        case 4:
        case 5:
                off = vf_fields[prng_below(s, sizeof(vf_fields) / sizeof(vf_fields[0]))];
                if (off + 4 > b->len)
                        return mutate_hisi(b, s, desc, dlen);
                v = edge_value(s, le32(b->p + off));
                put_le32(b->p + off, v);
                snprintf(desc, dlen, "acc_vf_data word at %u = 0x%x", off, v);
                break;
        default:
                if (b->len < MACC_STATE_LEN_FULL)
                        return mutate_hisi(b, s, desc, dlen);
                off = MACC_VF_EQE_DMA + 8 * prng_below(s, 4);
                memset(b->p + off, 0, 8);
                snprintf(desc, dlen, "zero dma address at %u", off);
                break;
        }
        return 0;
}

/*
 * Mutate @b in place (it may grow or shrink) with the PRNG state @s; describe the mutation
 * in @desc.  Half of the mutations re-seal the CRC so that the checks behind it run.
 */
static int mutate(struct buf *b, uint64_t *s, char *desc, size_t dlen)
{
        static const uint32_t hdr_fields[] = {
            MACC_HDR_OFF_MAGIC, MACC_HDR_OFF_VERSION,     MACC_HDR_OFF_STATE_LEN,
            MACC_HDR_OFF_FLAGS, MACC_HDR_OFF_PAYLOAD_LEN, MACC_HDR_OFF_PAYLOAD_LEN + 4};
        static const uint32_t vf_fields[] = {
            MACC_VF_ACC_MAGIC,   MACC_VF_ACC_MAGIC + 4, MACC_VF_QP_NUM,      MACC_VF_DEV_ID,
            MACC_VF_QUE_ISO_CFG, MACC_VF_QP_BASE,       MACC_VF_VF_QM_STATE, MACC_VF_MAJOR_VER};
        uint32_t kind = prng_below(s, 7), off, v;
        bool reseal = prng_below(s, 2) == 0;
        int n = 0;

        if (!b->len)
                kind = 3;
        switch (kind) {
        case 0: /* one bit anywhere */
                off = prng_below(s, (uint32_t)b->len);
                v = 1u << prng_below(s, 8);
                b->p[off] ^= (uint8_t)v;
                n = snprintf(desc, dlen, "flip bit 0x%02x at %u", v, off);
                break;
        case 1: { /* a few random bytes */
                uint32_t cnt = 1 + prng_below(s, 8);

                n = snprintf(desc, dlen, "set %u random bytes", cnt);
                while (cnt--)
                        b->p[prng_below(s, (uint32_t)b->len)] = (uint8_t)prng_next(s);
                break;
        }
        case 2: /* truncate */
                b->len = prng_below(s, (uint32_t)b->len);
                n = snprintf(desc, dlen, "truncate to %zu", b->len);
                break;
        case 3: { /* append garbage */
                uint8_t extra[64];
                uint32_t cnt = 1 + prng_below(s, sizeof(extra));

                for (uint32_t i = 0; i < cnt; i++)
                        extra[i] = (uint8_t)prng_next(s);
                if (buf_append(b, extra, cnt))
                        return -ENOMEM;
                n = snprintf(desc, dlen, "append %u bytes", cnt);
                break;
        }
        case 4: /* a header field */
                off = hdr_fields[prng_below(s, sizeof(hdr_fields) / sizeof(hdr_fields[0]))];
                if (off + 4 > b->len)
                        return mutate(b, s, desc, dlen);
                v = edge_value(s, le32(b->p + off));
                put_le32(b->p + off, v);
                n = snprintf(desc, dlen, "header word at %u = 0x%x", off, v);
                break;
        case 5: /* a struct acc_vf_data match field */
                off = MACC_STREAM_HDR_LEN +
                      vf_fields[prng_below(s, sizeof(vf_fields) / sizeof(vf_fields[0]))];
                if (off + 4 > b->len)
                        return mutate(b, s, desc, dlen);
                v = edge_value(s, le32(b->p + off));
                put_le32(b->p + off, v);
                n = snprintf(desc, dlen, "acc_vf_data word at %u = 0x%x", off - MACC_STREAM_HDR_LEN,
                             v);
                break;
        default: /* payload or register-state bytes, past the match part */
                if (b->len <= MACC_STREAM_HDR_LEN + MACC_STATE_LEN_MATCH)
                        return mutate(b, s, desc, dlen);
                off = MACC_STREAM_HDR_LEN + MACC_STATE_LEN_MATCH +
                      prng_below(s, (uint32_t)b->len - MACC_STREAM_HDR_LEN - MACC_STATE_LEN_MATCH);
                b->p[off] = (uint8_t)prng_next(s);
                n = snprintf(desc, dlen, "data byte at %u", off);
                break;
        }
        if (reseal && b->len >= MACC_STREAM_HDR_LEN) {
                stream_fix_crc(b->p, b->len);
                if (n >= 0 && (size_t)n < dlen)
                        snprintf(desc + n, dlen - (size_t)n, ", crc resealed");
        }
        return 0;
}

static int cmd_mutate(const char *in, const char *out, uint64_t seed)
{
        struct buf b = {0};
        char desc[128];
        uint64_t s = seed;
        int ret = file_load(in, &b);

        if (!ret)
                ret = stream_is_hisi(b.p, b.len) ? mutate_hisi(&b, &s, desc, sizeof(desc))
                                                 : mutate(&b, &s, desc, sizeof(desc));
        if (!ret)
                ret = file_store(out, b.p, b.len);
        if (!ret)
                printf("mutate seed %" PRIu64 ": %s (%zu bytes)\n", seed, desc, b.len);
        free(b.p);
        return ret;
}

static int regs_snapshot(struct mdev *d, uint32_t *r)
{
        for (uint32_t off = 0; off < REG_SNAPSHOT_END; off += 4) {
                if (off == MACC_REG_PAYLOAD_DIRTY) {
                        r[off / 4] = 0;
                        continue;
                }
                if (reg_read(d, off, &r[off / 4]))
                        return -EIO;
        }
        return 0;
}

/*
 * Feed @count mutations of a saved stream into a RESUMING device.  Each must be either
 * accepted, or rejected with EINVAL leaving the device in RESUMING with its registers
 * unchanged; anything else counts as a failure.  Finally the unmutated stream must load.
 */
static int cmd_fuzz(const struct opts *o, const char *uuid, const char *path)
{
        struct mdev d;
        struct buf orig = {0}, b = {0};
        uint32_t before[REG_SNAPSHOT_END / 4], after[REG_SNAPSHOT_END / 4];
        unsigned int accepted = 0, rejected = 0, bad = 0;
        uint64_t s = o->seed;
        char desc[128];
        int ret, err;
        double t0 = now_ms();
        bool hisi;

        ret = file_load(path, &orig);
        if (ret)
                goto out_free;
        hisi = stream_is_hisi(orig.p, orig.len);
        dev_init(&d, uuid, "destination");
        ret = dev_open(&d);
        if (ret)
                goto out;
        for (unsigned int i = 0; i < o->count; i++) {
                uint32_t st = 0;

                b.len = 0;
                if (buf_append(&b, orig.p, orig.len) ||
                    (hisi ? mutate_hisi(&b, &s, desc, sizeof(desc))
                          : mutate(&b, &s, desc, sizeof(desc)))) {
                        ret = -ENOMEM;
                        goto out;
                }
                if (regs_snapshot(&d, before)) {
                        ret = -EIO;
                        goto out;
                }
                ret = load_one(NULL, &d, NULL, &b, &err, false);
                if (ret < 0) {
                        printf("fuzz %u (%s): unexpected failure %s\n", i, desc, strerror(-ret));
                        bad++;
                } else if (ret == 0) {
                        accepted++;
                        if (!o->quiet)
                                printf("fuzz %u (%s): accepted\n", i, desc);
                } else {
                        rejected++;
                        if (dev_get_state(&d, &st) || st != VFIO_DEVICE_STATE_RESUMING) {
                                printf("fuzz %u (%s): rejected but device in %s, not RESUMING\n", i,
                                       desc, state_name(st));
                                bad++;
                        } else if (regs_snapshot(&d, after) ||
                                   memcmp(before, after, sizeof(before))) {
                                printf("fuzz %u (%s): rejected but registers changed\n", i, desc);
                                bad++;
                        } else if (!o->quiet) {
                                printf("fuzz %u (%s): rejected (%s)\n", i, desc, strerror(err));
                        }
                }
                if (dev_recover(&d)) {
                        printf("fuzz %u (%s): device did not recover\n", i, desc);
                        bad++;
                        ret = -EIO;
                        goto out;
                }
        }
        ret = load_one(NULL, &d, NULL, &orig, &err, true);
        if (ret != 0) {
                printf("fuzz: the unmutated stream no longer loads\n");
                bad++;
        }
        printf("fuzz: %u streams in %.0f ms: %u accepted, %u rejected, %u bad\n", o->count,
               now_ms() - t0, accepted, rejected, bad);
        ret = bad ? -EIO : 0;
out:
        dev_close(&d);
out_free:
        free(orig.p);
        free(b.p);
        return ret;
}

/* ---- main ----------------------------------------------------------------------------- */

static void usage(FILE *f)
{
        fprintf(
            f, "usage: migtop-migrate [options] COMMAND ARGS\n"
               "Drive VFIO migration (v2) of migtop_acc mdev devices like a VMM does.\n"
               "\n"
               "commands:\n"
               "  migrate SRC DST     migrate SRC to DST (UUIDs): DST to RESUMING, SRC pre-copy\n"
               "                      (--precopy), STOP_COPY read to EOF into DST, both STOP,\n"
               "                      DST RUNNING; prints bytes and time per phase\n"
               "  save UUID FILE      STOP_COPY: write the device's stream to FILE, then STOP\n"
               "  load UUID FILE...   RESUMING: write FILE into the device, then STOP; prints\n"
               "                      'load: accepted' (exit 0) or 'load: rejected' (exit 2);\n"
               "                      several files: one after the other on the device opened\n"
               "                      once, VFIO_DEVICE_RESET between them; the last decides\n"
               "  state UUID STATE... drive the device to each STATE in turn (RUNNING, STOP,\n"
               "                      STOP_COPY, ...); a failed request is reported and the\n"
               "                      next one still made; exit 1 if any failed\n"
               "  reg UUID OFF[=VAL]...  read or write BAR0 registers\n"
               "  info UUID           migration flags, state, stop-copy size, identity registers\n"
               "  verify FILE         check a saved stream (exit 2 if invalid): a hisi_acc one\n"
               "                      (40 or 176 bytes, magic, version) or a p2p one (records,\n"
               "                      headers, crc32)\n"
               "  mutate IN OUT SEED  write one deterministic mutation of stream IN to OUT\n"
               "  cat FILE|fd:N       print a file, or 'ERRNO NAME N' (exit 3) when reading fails\n"
               "  fuzz UUID FILE      load --count mutations of FILE (seed --seed); each must be\n"
               "                      accepted or rejected cleanly (EFAULT/ENOMEM at a write,\n"
               "                      EINVAL at STOP; device left in RESUMING, registers\n"
               "                      unchanged); then FILE must still load\n"
               "\n"
               "options:\n"
               "  --precopy N         pre-copy iterations before STOP_COPY (default 0)\n"
               "  --dirty N           pages dirtied (BAR0 PAYLOAD_DIRTY) between iterations (4)\n"
               "  --loop N            migrate N times, alternating direction (default 1)\n"
               "  --stop-after STEP   end after STEP: open resuming precopy stopcopy stop running\n"
               "  --pause             print 'STEP name' after each step and wait for a line on\n"
               "                      stdin (devices stay open; EOF stops waiting); load\n"
               "                      stops at 'resuming' before it reads FILE: the stream\n"
               "                      may be written there while the device waits\n"
               "  --set-reg [dst:]OFF=VAL  BAR0 write on the source (or dst) after opening\n"
               "  --save FILE         migrate: also write the stream to FILE\n"
               "  --chunk N           write the resuming stream in writes of at most N bytes\n"
               "                      (1, 7, 40, 4096 ...); a failing write is reported with\n"
               "                      its offset, length and errno\n"
               "  --count N --seed S  fuzz: number of streams (200) and PRNG seed (1)\n"
               "  --quiet             fewer messages\n"
               "\n"
               "exit status: 0 success, 1 failure (message names the ioctl and errno),\n"
               "2 stream rejected (load, verify), 3 read error (cat), 64 usage error.\n");
}

static int parse_uint(const char *s, unsigned int *out)
{
        char *end;
        unsigned long v = strtoul(s, &end, 0);

        if (!*s || *end || v > UINT_MAX)
                return -EINVAL;
        *out = (unsigned int)v;
        return 0;
}

static int parse_reg(const char *s, struct regset *rs)
{
        char *end;
        bool dst = false;

        if (rs->n >= MAX_REGS)
                return -E2BIG;
        if (!strncmp(s, "dst:", 4)) {
                dst = true;
                s += 4;
        } else if (!strncmp(s, "src:", 4)) {
                s += 4;
        }
        rs->r[rs->n].off = (uint32_t)strtoul(s, &end, 0);
        if (*end != '=' || (rs->r[rs->n].off & 3) || rs->r[rs->n].off >= MACC_BAR0_SIZE)
                return -EINVAL;
        rs->r[rs->n].val = (uint32_t)strtoul(end + 1, &end, 0);
        if (*end)
                return -EINVAL;
        rs->r[rs->n].dst = dst;
        rs->n++;
        return 0;
}

static int run(const struct opts *o, int argc, char **argv)
{
        const char *cmd = argv[0];
        unsigned int seed;

        if (!strcmp(cmd, "migrate") && argc == 3)
                return cmd_migrate(o, argv[1], argv[2]);
        if (!strcmp(cmd, "save") && argc == 3)
                return cmd_save(o, argv[1], argv[2]);
        if (!strcmp(cmd, "load") && argc >= 3)
                return cmd_load(o, argv[1], argc - 2, argv + 2);
        if (!strcmp(cmd, "state") && argc >= 3)
                return cmd_state(o, argv[1], argc - 2, argv + 2);
        if (!strcmp(cmd, "reg") && argc >= 2)
                return cmd_reg(argc - 1, argv + 1);
        if (!strcmp(cmd, "info") && argc == 2)
                return cmd_info(argv[1]);
        if (!strcmp(cmd, "verify") && argc == 2)
                return cmd_verify(argv[1]);
        if (!strcmp(cmd, "mutate") && argc == 4 && !parse_uint(argv[3], &seed))
                return cmd_mutate(argv[1], argv[2], seed);
        if (!strcmp(cmd, "cat") && argc == 2)
                return cmd_cat(argv[1]);
        if (!strcmp(cmd, "fuzz") && argc == 3)
                return cmd_fuzz(o, argv[1], argv[2]);
        usage(stderr);
        return -EX_USAGE_MARK;
}

int main(int argc, char **argv)
{
        struct opts o = {.dirty = 4, .loops = 1, .count = 200, .seed = 1};
        static const char *const steps[] = {"open",     "resuming", "precopy",
                                            "stopcopy", "stop",     "running"};
        int i, ret;

        signal(SIGPIPE, SIG_IGN);
        for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                unsigned int seed;
                bool bad = false, val = true;

                if (!strcmp(a, "--help")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(a, "--pause")) {
                        o.pause = true;
                        val = false;
                } else if (!strcmp(a, "--quiet")) {
                        o.quiet = true;
                        val = false;
                } else if (!v) {
                        bad = true;
                } else if (!strcmp(a, "--precopy")) {
                        bad = parse_uint(v, &o.precopy) != 0;
                } else if (!strcmp(a, "--dirty")) {
                        bad = parse_uint(v, &o.dirty) != 0;
                } else if (!strcmp(a, "--loop")) {
                        bad = parse_uint(v, &o.loops) != 0 || !o.loops;
                } else if (!strcmp(a, "--chunk")) {
                        bad = parse_uint(v, &o.chunk) != 0 || !o.chunk;
                } else if (!strcmp(a, "--count")) {
                        bad = parse_uint(v, &o.count) != 0;
                } else if (!strcmp(a, "--seed")) {
                        bad = parse_uint(v, &seed) != 0;
                        o.seed = seed;
                } else if (!strcmp(a, "--save")) {
                        o.save = v;
                } else if (!strcmp(a, "--set-reg")) {
                        bad = parse_reg(v, &o.regs) != 0;
                } else if (!strcmp(a, "--stop-after")) {
                        o.stop_after = v;
                        bad = true;
                        for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
                                bad = bad && strcmp(v, steps[k]);
                } else {
                        bad = true;
                }
                if (bad) {
                        fprintf(stderr, "migtop-migrate: bad option %s%s%s (see --help)\n", a,
                                v && val ? " " : "", v && val ? v : "");
                        return EXIT_USAGE;
                }
                if (val)
                        i++;
        }
        if (i >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        g_quiet = o.quiet;
        g_chunk = o.chunk;
        ret = run(&o, argc - i, argv + i);
        if (ret == -EX_USAGE_MARK)
                return EXIT_USAGE;
        if (ret == EXIT_REJECTED || ret == 3)
                return ret;
        return ret ? EXIT_FAIL : 0;
}
