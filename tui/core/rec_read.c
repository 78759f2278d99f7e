/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_read: the recording reader (see rec_read.h; the layout in rec.h).  It never trusts
 * the file.
 */
#include "rec_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* ---- decoding ---------------------------------------------------------------------- */

struct rec_dec {
        const uint8_t *p;
        size_t n, i;
        bool bad;
};

static const uint8_t *rd_take(struct rec_dec *d, size_t n)
{
        const uint8_t *q;

        if (d->bad || n > d->n - d->i) {
                d->bad = true;
                return NULL;
        }
        q = d->p + d->i;
        d->i += n;
        return q;
}

static unsigned rd_u8(struct rec_dec *d)
{
        const uint8_t *q = rd_take(d, 1);

        return q ? q[0] : 0;
}

static unsigned rd_u16(struct rec_dec *d)
{
        const uint8_t *q = rd_take(d, 2);

        return q ? (unsigned)q[0] | (unsigned)q[1] << 8 : 0;
}

static uint32_t rd_u32(struct rec_dec *d)
{
        const uint8_t *q = rd_take(d, 4);

        return q ? rec_le32(q) : 0;
}

static int64_t rd_i64(struct rec_dec *d)
{
        uint64_t lo = rd_u32(d), hi = rd_u32(d);

        return (int64_t)(lo | hi << 32);
}

/* A str: NUL-terminated in place, no NUL inside. */
static const char *rd_str(struct rec_dec *d, size_t *len)
{
        size_t n = rd_u16(d);
        const uint8_t *q = rd_take(d, n + 1);

        if (!q || n > REC_STR_MAX || q[n] != 0 || memchr(q, 0, n)) {
                d->bad = true;
                return NULL;
        }
        if (len)
                *len = n;
        return (const char *)q;
}

static const char *rd_blob(struct rec_dec *d, size_t *len)
{
        size_t n = rd_u32(d);
        const uint8_t *q;

        if (d->bad || n >= d->n - d->i) {
                d->bad = true;
                return NULL;
        }
        q = rd_take(d, n + 1);
        if (!q || q[n] != 0) {
                d->bad = true;
                return NULL;
        }
        *len = n;
        return (const char *)q;
}

static void rd_strcpy(struct rec_dec *d, char *dst, size_t size)
{
        size_t n = 0;
        const char *s = rd_str(d, &n);

        if (!s || n >= size) {
                d->bad = true;
                dst[0] = '\0';
                return;
        }
        memcpy(dst, s, n + 1);
}

/* ---- reader ------------------------------------------------------------------------ */

struct rec_reader {
        const uint8_t *p;
        size_t size;
        void *map;
        size_t raw_max;
        struct rec_header h;
        struct rec_chunk_info *chunks;
        uint64_t *skipped; /* bytes of junk before each chunk */
        size_t nchunks;
        uint64_t tail_off; /* junk or a cut index frame from here to the end; 0: none */
        char msg[320];
        ZSTD_DCtx *dc;
        uint8_t *raw, *stage;
        size_t raw_len, raw_cap, pos, stage_cap;
        size_t cur;     /* next chunk to load */
        bool loaded;    /* raw holds chunk cur - 1 */
        bool frame_cut; /* its zstd frame ended with the file */
        char zerr[96];  /* its zstd error, "" */
        const char **names;
        size_t names_cap;
        int64_t last_t;
        struct rec_link link; /* the last LINK's payload (ev->link) */
        struct rec_sys sys;   /* the last SYS's (ev->sys) */
};

static void rr_msg(struct rec_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void rr_msg(struct rec_reader *r, const char *fmt, ...)
{
        va_list ap;

        if (r->msg[0])
                return; /* the first problem is the one to tell */
        va_start(ap, fmt);
        vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
        va_end(ap);
}

static void rr_last(struct rec_reader *r, char *buf, size_t size)
{
        if (r->last_t)
                rec_time_iso(r->last_t, buf, size);
        else
                snprintf(buf, size, "none");
}

/* The chunk c is damaged (why): the first problem met, with the last whole record. */
static void rr_damaged(struct rec_reader *r, const struct rec_chunk_info *c, const char *why,
                       const char *then)
{
        char when[40];

        rr_last(r, when, sizeof(when));
        rr_msg(r,
               "recording damaged in the chunk at byte %llu (%s): last whole record before it "
               "at %s%s",
               (unsigned long long)c->off, why, when, then);
}

/* The file ends inside a chunk. */
static void rr_cut(struct rec_reader *r)
{
        char when[40];

        rr_last(r, when, sizeof(when));
        rr_msg(r, "recording cut at byte %zu: last whole record at %s", r->size, when);
}

static int rr_header(struct rec_reader *r, char *err, size_t errsz)
{
        struct rec_dec d;
        uint32_t len;
        unsigned ver;

        if (r->size == 0) {
                snprintf(err, errsz, "an empty file, not a migtop recording");
                return -EINVAL;
        }
        if (r->size < 8 || rec_le32(r->p) != REC_SKIP_HDR) {
                if (r->size < 8 && r->size > 0 &&
                    memcmp(r->p, (uint8_t[4]){0x50, 0x2A, 0x4D, 0x18}, r->size < 4 ? r->size : 4) ==
                        0)
                        snprintf(err, errsz, "recording cut at byte %zu, inside its header",
                                 r->size);
                else
                        snprintf(err, errsz, "not a migtop recording (no recording header)");
                return -EINVAL;
        }
        len = rec_le32(r->p + 4);
        if (r->size >= 16 && memcmp(r->p + 8, REC_MAGIC, 8) != 0) {
                snprintf(err, errsz, "not a migtop recording (a zstd file of something else)");
                return -EINVAL;
        }
        if (r->size >= 18) {
                ver = (unsigned)r->p[16] | (unsigned)r->p[17] << 8;
                if (ver != REC_VERSION) {
                        snprintf(err, errsz,
                                 "recording format version %u: this migtop (%s) reads version "
                                 "%u only",
                                 ver, MIGTOP_VERSION, REC_VERSION);
                        return -EPROTONOSUPPORT;
                }
        }
        if (len > REC_HDR_MAX || len < 8 + 4 + 8 + 4) {
                snprintf(err, errsz, "recording header damaged (length %u)", len);
                return -EINVAL;
        }
        if (r->size - 8 < len) {
                snprintf(err, errsz, "recording cut at byte %zu, inside its header", r->size);
                return -EINVAL;
        }
        if (rec_crc(r->p + 8, len - 4) != rec_le32(r->p + 8 + len - 4)) {
                snprintf(err, errsz, "recording header damaged (checksum)");
                return -EINVAL;
        }
        d = (struct rec_dec){.p = r->p + 8, .n = len - 4};
        rd_take(&d, 8);
        r->h.version = rd_u16(&d);
        r->h.flags = rd_u16(&d);
        if (r->h.flags & ~(REC_HDR_OPTS | REC_HDR_LINKS)) {
                snprintf(err, errsz,
                         "recording header flags 0x%x: written by a newer migtop than this one "
                         "(%s), which knows 0x%x; replay it with that migtop or a newer one",
                         r->h.flags, MIGTOP_VERSION, REC_HDR_OPTS | REC_HDR_LINKS);
                return -EPROTONOSUPPORT;
        }
        r->h.t0_ns = rd_i64(&d);
        rd_strcpy(&d, r->h.migtop_version, sizeof(r->h.migtop_version));
        r->h.nhosts = rd_u16(&d);
        if (r->h.nhosts < 1 || r->h.nhosts > REC_HOSTS_MAX)
                d.bad = true;
        for (size_t i = 0; !d.bad && i < r->h.nhosts; i++) {
                rd_strcpy(&d, r->h.hosts[i].name, sizeof(r->h.hosts[i].name));
                rd_strcpy(&d, r->h.hosts[i].kernel, sizeof(r->h.hosts[i].kernel));
                rd_strcpy(&d, r->h.hosts[i].root, sizeof(r->h.hosts[i].root));
        }
        if (!d.bad && (r->h.flags & REC_HDR_OPTS)) {
                /* the run's options: kept when they fit, others skipped (a newer writer's) */
                unsigned n = rd_u16(&d);

                for (unsigned i = 0; !d.bad && i < n; i++) {
                        size_t kn = 0, vn = 0;
                        const char *k = rd_str(&d, &kn), *v = rd_str(&d, &vn);
                        struct rec_opt *o = &r->h.opts[r->h.nopts];

                        if (d.bad || r->h.nopts == REC_OPTS_MAX || kn >= sizeof(o->key) ||
                            vn >= sizeof(o->value))
                                continue;
                        memcpy(o->key, k, kn + 1);
                        memcpy(o->value, v, vn + 1);
                        r->h.nopts++;
                }
        }
        if (!d.bad && d.i != d.n) {
                /* whole, checksummed, its known fields read: more of them than this one knows */
                snprintf(err, errsz,
                         "recording header has %zu bytes this migtop (%s) does not know after "
                         "its fields: written by a newer migtop, replay it with that one",
                         d.n - d.i, MIGTOP_VERSION);
                return -EPROTONOSUPPORT;
        }
        if (d.bad) {
                snprintf(err, errsz, "recording header malformed");
                return -EINVAL;
        }
        return (int)(8 + len);
}

/* A LINK record's payload into l (d->bad when it is not one). */
static void rr_link(struct rec_dec *d, struct rec_link *l)
{
        memset(l, 0, sizeof(*l));
        l->state = rd_u8(d);
        l->have_hello = rd_u8(d) != 0;
        l->since_ns = rd_i64(d);
        l->last_ns = rd_i64(d);
        l->retry_ns = rd_i64(d);
        l->rtt_ms = (int)rd_u32(d);
        l->attempts = rd_u32(d);
        l->changes = rd_u32(d);
        l->lines = (uint64_t)rd_i64(d);
        l->bytes = (uint64_t)rd_i64(d);
        l->bad = (uint64_t)rd_i64(d);
        rd_strcpy(d, l->error, sizeof(l->error));
        rd_strcpy(d, l->dest, sizeof(l->dest));
        rd_strcpy(d, l->agent, sizeof(l->agent));
        rd_strcpy(d, l->agent_host, sizeof(l->agent_host));
        rd_strcpy(d, l->kernel, sizeof(l->kernel));
        rd_strcpy(d, l->klog, sizeof(l->klog));
        if (l->state > REC_LINK_RECONNECTING || l->rtt_ms < -1)
                d->bad = true;
}

/* A SYS record's payload into y. */
static void rr_sys(struct rec_dec *d, struct rec_sys *y)
{
        unsigned f;

        memset(y, 0, sizeof(*y));
        rd_strcpy(d, y->dev, sizeof(y->dev));
        rd_strcpy(d, y->bus, sizeof(y->bus));
        rd_strcpy(d, y->driver, sizeof(y->driver));
        rd_strcpy(d, y->parent, sizeof(y->parent));
        f = rd_u8(d);
        y->is_vf = f & 1;
        y->has_ids = (f & 2) != 0;
        y->vendor = rd_u16(d);
        y->device = rd_u16(d);
        y->iommu_group = (int)rd_u32(d);
        y->numa_node = (int)rd_u32(d);
        if (f > 3 || !y->dev[0])
                d->bad = true;
}

/* A chunk's index frame at off (whole and with a good checksum)? */
static bool rr_meta_ok(const struct rec_reader *r, size_t off)
{
        const uint8_t *q = r->p + off;

        return r->size - off >= REC_META_TOTAL && rec_le32(q) == REC_SKIP_CHUNK &&
               rec_le32(q + 4) == REC_META_SIZE && rec_crc(q + 8, 20) == rec_le32(q + 28);
}

/*
 * Whether the n bytes at off (the first 4 looked at) begin a zstd frame's magic
 * (ZSTD_MAGICNUMBER): only such a frame is a chunk's; another is a damaged chunk that gives
 * nothing.  libzstd also decodes the legacy formats (v0.5-v0.7; Debian builds it so), which
 * the writer never writes, and on damage that decoder returns a whole block of its buffers
 * as they were (uninitialised, or what an earlier chunk left there): a damaged chunk's
 * records would depend on what was read before it (fuzz_rec's re-read oracle).
 */
static bool rr_zmagic(const struct rec_reader *r, size_t off, size_t n)
{
        static const uint8_t m[4] = {0x28, 0xB5, 0x2F, 0xFD}; /* ZSTD_MAGICNUMBER, LE */

        if (n > 4)
                n = 4;
        return n <= r->size - off && memcmp(r->p + off, m, n) == 0;
}

static int rr_index(struct rec_reader *r, size_t pos)
{
        size_t cap = 0, junk_from = 0;
        bool junk = false;

        while (pos < r->size) {
                struct rec_chunk_info *c;
                size_t fs;

                if (!rr_meta_ok(r, pos)) {
                        if (!junk)
                                junk_from = pos;
                        junk = true;
                        pos++;
                        continue;
                }
                if (r->nchunks == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        void *nc = realloc(r->chunks, ncap * sizeof(*r->chunks));
                        void *ns;

                        if (!nc)
                                return -ENOMEM;
                        r->chunks = nc;
                        ns = realloc(r->skipped, ncap * sizeof(*r->skipped));
                        if (!ns)
                                return -ENOMEM;
                        r->skipped = ns;
                        cap = ncap;
                }
                c = &r->chunks[r->nchunks];
                r->skipped[r->nchunks] = junk ? pos - junk_from : 0;
                junk = false;
                c->off = pos;
                c->seq = rec_le32(r->p + pos + 8);
                c->flags = rec_le32(r->p + pos + 12);
                c->t_first = (int64_t)((uint64_t)rec_le32(r->p + pos + 16) |
                                       (uint64_t)rec_le32(r->p + pos + 20) << 32);
                r->nchunks++;
                pos += REC_META_TOTAL;
                fs = rr_zmagic(r, pos, 4) ? ZSTD_findFrameCompressedSize(r->p + pos, r->size - pos)
                                          : (size_t)-1;
                if (ZSTD_isError(fs) || fs > r->size - pos) {
                        /* cut, or damaged: the frame runs to the next chunk or the end */
                        size_t next = pos;

                        while (next < r->size && !rr_meta_ok(r, next))
                                next++;
                        c->end = next;
                        pos = next;
                        continue;
                }
                pos += fs;
                c->end = pos;
        }
        if (junk)
                r->tail_off = junk_from;
        return 0;
}

int rec_reader_open_mem(const void *data, size_t size, size_t raw_max, struct rec_reader **out,
                        char *err, size_t errsz)
{
        struct rec_reader *r = calloc(1, sizeof(*r));
        int ret;

        *out = NULL;
        if (!r) {
                snprintf(err, errsz, "out of memory");
                return -ENOMEM;
        }
        r->p = data;
        r->size = size;
        r->raw_max = raw_max ? raw_max : REC_RAW_MAX;
        ret = rr_header(r, err, errsz);
        if (ret < 0) {
                free(r);
                return ret;
        }
        r->dc = ZSTD_createDCtx();
        r->stage_cap = ZSTD_DStreamOutSize();
        r->stage = malloc(r->stage_cap);
        if (!r->dc || !r->stage ||
            ZSTD_isError(ZSTD_DCtx_setParameter(r->dc, ZSTD_d_windowLogMax, REC_WINDOW_LOG)) ||
            rr_index(r, (size_t)ret) < 0) {
                rec_reader_free(r);
                snprintf(err, errsz, "out of memory");
                return -ENOMEM;
        }
        *out = r;
        return 0;
}

int rec_reader_open(const char *path, struct rec_reader **out, char *err, size_t errsz)
{
        struct stat st;
        void *map = NULL;
        int fd, ret;

        *out = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                ret = -errno;
                snprintf(err, errsz, "cannot open the recording %s: %s", path, strerror(errno));
                return ret;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
                snprintf(err, errsz, "cannot read the recording %s: not a regular file", path);
                close(fd);
                return ret;
        }
        if (st.st_size > 0) {
                map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
                if (map == MAP_FAILED) {
                        ret = -errno;
                        snprintf(err, errsz, "cannot map the recording %s: %s", path,
                                 strerror(errno));
                        close(fd);
                        return ret;
                }
        }
        close(fd);
        {
                char why[320];

                ret = rec_reader_open_mem(map ? map : "", map ? (size_t)st.st_size : 0, 0, out, why,
                                          sizeof(why));
                if (ret < 0) {
                        snprintf(err, errsz, "%s: %s", path, why);
                        if (map)
                                munmap(map, (size_t)st.st_size);
                        return ret;
                }
        }
        (*out)->map = map;
        return 0;
}

void rec_reader_free(struct rec_reader *r)
{
        if (!r)
                return;
        if (r->map)
                munmap(r->map, r->size);
        ZSTD_freeDCtx(r->dc);
        free(r->chunks);
        free(r->skipped);
        free(r->raw);
        free(r->stage);
        free(r->names);
        free(r);
}

const struct rec_header *rec_reader_header(const struct rec_reader *r)
{
        return &r->h;
}

const char *rec_reader_message(const struct rec_reader *r)
{
        return r->msg;
}

size_t rec_reader_nchunks(const struct rec_reader *r)
{
        return r->nchunks;
}

const struct rec_chunk_info *rec_reader_chunk(const struct rec_reader *r, size_t i)
{
        return i < r->nchunks ? &r->chunks[i] : NULL;
}

int64_t rec_reader_last_t(const struct rec_reader *r)
{
        return r->last_t;
}

int rec_seek(struct rec_reader *r, int64_t t_ns)
{
        size_t best = 0;

        for (size_t i = 0; i < r->nchunks; i++)
                if ((r->chunks[i].flags & REC_CHUNK_KEY) && r->chunks[i].t_first <= t_ns)
                        best = i;
        r->cur = best;
        r->loaded = false;
        return 0;
}

/* Decompress chunk i into raw. */
static int rr_load(struct rec_reader *r, size_t i)
{
        const struct rec_chunk_info *c = &r->chunks[i];
        ZSTD_inBuffer in = {r->p + c->off + REC_META_TOTAL, c->end - c->off - REC_META_TOTAL, 0};

        r->raw_len = 0;
        r->pos = 0;
        r->frame_cut = false;
        r->zerr[0] = '\0';
        ZSTD_DCtx_reset(r->dc, ZSTD_reset_session_only);
        if (!rr_zmagic(r, c->off + REC_META_TOTAL, in.size)) {
                snprintf(r->zerr, sizeof(r->zerr), "not a zstd frame");
                return 0;
        }
        if (in.size < 4) { /* a prefix of the magic: the file ends there */
                r->frame_cut = true;
                return 0;
        }
        /*
         * Through a staging buffer of a fixed size: zstd decodes a whole frame at once (and
         * then gives nothing of a damaged one) when the output has room for it, so the
         * records read from a damaged chunk would depend on the buffer's size.
         */
        for (;;) {
                ZSTD_outBuffer out = {r->stage, r->stage_cap, 0};
                size_t ret = ZSTD_decompressStream(r->dc, &out, &in);

                if (out.pos) {
                        if (out.pos > r->raw_max - r->raw_len) {
                                snprintf(r->zerr, sizeof(r->zerr),
                                         "larger than %zu bytes decompressed", r->raw_max);
                                return 0;
                        }
                        if (r->raw_len + out.pos > r->raw_cap) {
                                size_t ncap = r->raw_cap ? r->raw_cap : 64 * 1024;
                                uint8_t *nr;

                                while (ncap < r->raw_len + out.pos)
                                        ncap *= 2;
                                nr = realloc(r->raw, ncap);
                                if (!nr)
                                        return -ENOMEM;
                                r->raw = nr;
                                r->raw_cap = ncap;
                        }
                        memcpy(r->raw + r->raw_len, r->stage, out.pos);
                        r->raw_len += out.pos;
                }
                if (ZSTD_isError(ret)) {
                        snprintf(r->zerr, sizeof(r->zerr), "zstd: %s", ZSTD_getErrorName(ret));
                        return 0;
                }
                if (ret == 0)
                        return 0; /* the frame is whole */
                if (in.pos == in.size && out.pos < out.size) {
                        r->frame_cut = true;
                        return 0;
                }
        }
}

/* Decode one record at r->pos; 1 done, 0 none (the chunk ends or is damaged: message). */
static int rr_record(struct rec_reader *r, struct rec_ev *ev)
{
        const struct rec_chunk_info *c = &r->chunks[r->cur - 1];
        size_t left = r->raw_len - r->pos;
        const uint8_t *q = r->raw ? r->raw + r->pos : NULL; /* NULL: nothing decoded yet */
        struct rec_dec d;
        uint32_t len;

        if (left == 0)
                goto end;
        if (left < 4)
                goto cut;
        len = rec_le32(q);
        if (len < REC_REC_FIXED || len > REC_BODY_MAX)
                goto bad;
        if (left - 4 < (size_t)len + 4)
                goto cut;
        if (rec_crc(q + 4, len) != rec_le32(q + 4 + len))
                goto bad;
        d = (struct rec_dec){.p = q + 4, .n = len};
        memset(ev, 0, sizeof(*ev));
        ev->type = rd_u8(&d);
        ev->flags = rd_u8(&d);
        ev->host = rd_u16(&d);
        ev->t_ns = rd_i64(&d);
        ev->chunk_off = c->off;
        if (ev->host >= r->h.nhosts || (ev->flags & ~(REC_F_KEY | REC_F_OPEN)) ||
            ((ev->flags & REC_F_OPEN) && ev->type != REC_READ))
                goto bad;
        switch (ev->type) {
        case REC_READ:
        case REC_LIST: {
                uint32_t e;

                ev->path = rd_str(&d, NULL);
                e = rd_u32(&d);
                if (e > 4095)
                        d.bad = true;
                ev->err = (int)e;
                if (ev->type == REC_READ) {
                        unsigned t = rd_u8(&d);

                        if (t > 1)
                                d.bad = true;
                        ev->truncated = t;
                        ev->t_start = rd_i64(&d);
                        ev->t_end = rd_i64(&d);
                        ev->data = rd_blob(&d, &ev->len);
                        break;
                }
                ev->n = rd_u32(&d);
                if (d.bad || ev->n > (d.n - d.i) / 3) {
                        d.bad = true;
                        break;
                }
                if (ev->n + 1 > r->names_cap) {
                        size_t ncap = ev->n + 16;
                        const char **nn = realloc(r->names, ncap * sizeof(*nn));

                        if (!nn)
                                return -ENOMEM;
                        r->names = nn;
                        r->names_cap = ncap;
                }
                for (size_t i = 0; i < ev->n && !d.bad; i++)
                        r->names[i] = rd_str(&d, NULL);
                r->names[ev->n] = NULL;
                ev->names = r->names;
                break;
        }
        case REC_KLOG:
                ev->data = rd_blob(&d, &ev->len);
                break;
        case REC_HOST:
                ev->status = rd_u8(&d);
                if (ev->status != REC_HOST_UP && ev->status != REC_HOST_DOWN)
                        d.bad = true;
                ev->data = rd_str(&d, &ev->len);
                break;
        case REC_KEY:
                ev->n = rd_u32(&d);
                break;
        case REC_LINK:
                rr_link(&d, &r->link);
                d.bad |= !(r->h.flags & REC_HDR_LINKS) || ev->host == 0;
                ev->link = &r->link;
                break;
        case REC_SYS:
                rr_sys(&d, &r->sys);
                d.bad |= !(r->h.flags & REC_HDR_LINKS) || ev->host == 0;
                ev->path = r->sys.dev;
                ev->sys = &r->sys;
                break;
        case REC_STOP:
                break;
        default:
                d.bad = true;
        }
        if (d.bad || d.i != d.n)
                goto bad;
        r->pos += 4 + (size_t)len + 4;
        r->last_t = ev->t_ns;
        return 1;
bad:
        rr_damaged(r, c, "a record fails its checksum or format", "; skipped to the next chunk");
        return 0;
cut:
        if (!r->frame_cut && !r->zerr[0]) {
                rr_damaged(r, c, "a record is cut inside it", "");
                return 0;
        }
end:
        if (r->zerr[0])
                rr_damaged(r, c, r->zerr, "");
        else if (r->frame_cut)
                rr_cut(r);
        return 0;
}

int rec_next(struct rec_reader *r, struct rec_ev *ev)
{
        for (;;) {
                int ret;

                if (!r->loaded) {
                        if (r->cur >= r->nchunks) {
                                if (r->tail_off) {
                                        char when[40];

                                        rr_last(r, when, sizeof(when));
                                        if (r->size - r->tail_off < REC_META_TOTAL)
                                                rr_cut(r);
                                        else
                                                rr_msg(r,
                                                       "recording damaged: bytes %llu-%zu are "
                                                       "not a chunk; last whole record at %s",
                                                       (unsigned long long)r->tail_off, r->size,
                                                       when);
                                }
                                return 0;
                        }
                        if (r->skipped[r->cur])
                                rr_msg(r,
                                       "recording damaged: %llu bytes before byte %llu are not "
                                       "a chunk (skipped)",
                                       (unsigned long long)r->skipped[r->cur],
                                       (unsigned long long)r->chunks[r->cur].off);
                        ret = rr_load(r, r->cur);
                        if (ret < 0)
                                return ret;
                        r->cur++;
                        r->loaded = true;
                }
                ret = rr_record(r, ev);
                if (ret != 0)
                        return ret;
                r->loaded = false;
        }
}
