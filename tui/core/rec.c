/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec: the recording format (see rec.h for the layout).  zstd (streaming, one frame per
 * chunk) compresses, zlib's crc32 checks every record, the header and each chunk's index
 * frame.
 */
#include "rec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define REC_SKIP_HDR   0x184D2A50u /* zstd skippable frames 0x184D2A5? */
#define REC_SKIP_CHUNK 0x184D2A51u
#define REC_MAGIC      "MIGTOPRC"
#define REC_META_SIZE  24u
#define REC_META_TOTAL (8u + REC_META_SIZE)
#define REC_HDR_MAX    (1024u * 1024u)
#define REC_REC_FIXED  12u /* type, flags, host, time */
#define REC_WINDOW_LOG 23  /* the reader's bound; the writer stays below */

static const char *const rec_type_names[] = {NULL, "read", "list", "klog", "host", "key"};

const char *rec_type_name(unsigned type)
{
        return type < sizeof(rec_type_names) / sizeof(rec_type_names[0]) ? rec_type_names[type]
                                                                         : NULL;
}

void rec_time_iso(int64_t t_ns, char *buf, size_t size)
{
        time_t s = (time_t)(t_ns / 1000000000);
        long ms = (long)((t_ns % 1000000000) / 1000000);
        struct tm tm;

        if (ms < 0) {
                ms += 1000;
                s--;
        }
        if (!gmtime_r(&s, &tm) || tm.tm_year > 9999 - 1900 || tm.tm_year < -1900) {
                snprintf(buf, size, "%lld ns", (long long)t_ns);
                return;
        }
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* ---- encoding ---------------------------------------------------------------------- */

struct rec_buf {
        uint8_t *p;
        size_t len, cap;
        bool oom;
};

static void rb_put(struct rec_buf *b, const void *d, size_t n)
{
        if (b->oom)
                return;
        if (b->len + n > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                uint8_t *np;

                while (cap < b->len + n)
                        cap *= 2;
                np = realloc(b->p, cap);
                if (!np) {
                        b->oom = true;
                        return;
                }
                b->p = np;
                b->cap = cap;
        }
        if (n)
                memcpy(b->p + b->len, d, n);
        b->len += n;
}

static void rb_u8(struct rec_buf *b, unsigned v)
{
        uint8_t c = (uint8_t)v;

        rb_put(b, &c, 1);
}

static void rb_u16(struct rec_buf *b, unsigned v)
{
        uint8_t c[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

        rb_put(b, c, 2);
}

static void rb_u32(struct rec_buf *b, uint32_t v)
{
        uint8_t c[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

        rb_put(b, c, 4);
}

static void rb_i64(struct rec_buf *b, int64_t sv)
{
        uint64_t v = (uint64_t)sv;

        rb_u32(b, (uint32_t)v);
        rb_u32(b, (uint32_t)(v >> 32));
}

static void rb_str(struct rec_buf *b, const char *s)
{
        size_t n = strlen(s);

        if (n > REC_STR_MAX)
                n = REC_STR_MAX;
        rb_u16(b, (unsigned)n);
        rb_put(b, s, n);
        rb_u8(b, 0);
}

static void rb_blob(struct rec_buf *b, const void *d, size_t n)
{
        rb_u32(b, (uint32_t)n);
        rb_put(b, d, n);
        rb_u8(b, 0);
}

static uint32_t rec_crc(const void *d, size_t n)
{
        return (uint32_t)crc32(0L, d, (uInt)n);
}

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

static uint32_t le32(const uint8_t *q)
{
        return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

static uint32_t rd_u32(struct rec_dec *d)
{
        const uint8_t *q = rd_take(d, 4);

        return q ? le32(q) : 0;
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

/* ---- writer ------------------------------------------------------------------------ */

/* The last known result of one (host, type, path): what a keyframe repeats. */
struct rec_ent {
        char *path; /* NULL: free slot */
        unsigned host, type;
        int err;
        bool truncated;
        int64_t t, t_start, t_end;
        char *data; /* READ: the bytes; LIST: names, each NUL-terminated */
        size_t len, n;
};

struct rec_kline {
        unsigned host;
        int64_t t;
        char *line;
        size_t len;
};

struct rec_writer {
        struct rec_writer_opts o;
        struct rec_host *hosts;
        char *mver;
        char *path;
        int fd;
        uint64_t bytes;
        int error;
        ZSTD_CCtx *cc;
        uint8_t *zout;
        size_t zout_cap;
        bool in_chunk;
        uint32_t chunk_seq;
        int64_t chunk_t0;
        size_t chunk_raw;
        bool dirty;
        int64_t dirty_t;
        struct rec_ent *tab;
        size_t tab_cap, tab_n;
        struct rec_kline *kl;
        size_t kl_head, kl_n;
        struct rec_buf body, rec;
};

void rec_writer_opts_default(struct rec_writer_opts *o)
{
        memset(o, 0, sizeof(*o));
        o->level = 1;
        o->keyframe_ns = 60LL * 1000000000;
        o->chunk_max = 8u * 1024 * 1024;
        o->flush_ns = 1000000000LL;
        o->klog_keep = 256;
}

static int rw_fail(struct rec_writer *w, int err)
{
        if (!w->error)
                w->error = err;
        return -w->error;
}

static int rw_write(struct rec_writer *w, const void *d, size_t n)
{
        const uint8_t *p = d;

        if (w->error)
                return -w->error;
        while (n) {
                ssize_t r = write(w->fd, p, n);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return rw_fail(w, errno);
                }
                p += r;
                n -= (size_t)r;
                w->bytes += (uint64_t)r;
        }
        return 0;
}

/* Feed in to the compressor with mode, writing what it outputs, until done. */
static int rw_compress(struct rec_writer *w, const void *d, size_t n, ZSTD_EndDirective mode)
{
        ZSTD_inBuffer in = {d, n, 0};

        for (;;) {
                ZSTD_outBuffer out = {w->zout, w->zout_cap, 0};
                size_t rem = ZSTD_compressStream2(w->cc, &out, &in, mode);
                int ret;

                if (ZSTD_isError(rem))
                        return rw_fail(w, EIO);
                ret = rw_write(w, w->zout, out.pos);
                if (ret < 0)
                        return ret;
                if (mode == ZSTD_e_continue ? in.pos == in.size : rem == 0)
                        return 0;
        }
}

static int rw_header(struct rec_writer *w)
{
        struct rec_buf b = {0};
        uint8_t head[8];
        int ret;

        rb_put(&b, REC_MAGIC, 8);
        rb_u16(&b, REC_VERSION);
        rb_u16(&b, 0);
        {
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                rb_i64(&b, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
        }
        rb_str(&b, w->mver);
        rb_u16(&b, (unsigned)w->o.nhosts);
        for (size_t i = 0; i < w->o.nhosts; i++) {
                rb_str(&b, w->hosts[i].name);
                rb_str(&b, w->hosts[i].kernel);
                rb_str(&b, w->hosts[i].root);
        }
        rb_u32(&b, b.oom ? 0 : rec_crc(b.p, b.len));
        if (b.oom) {
                free(b.p);
                return rw_fail(w, ENOMEM);
        }
        memcpy(head, (uint8_t[4]){0x50, 0x2A, 0x4D, 0x18}, 4);
        head[4] = (uint8_t)b.len;
        head[5] = (uint8_t)(b.len >> 8);
        head[6] = (uint8_t)(b.len >> 16);
        head[7] = (uint8_t)(b.len >> 24);
        ret = rw_write(w, head, 8);
        if (ret == 0)
                ret = rw_write(w, b.p, b.len);
        free(b.p);
        return ret;
}

/* Frame body (in w->body) as a record and compress it. */
static int rw_emit(struct rec_writer *w)
{
        if (w->body.oom)
                return rw_fail(w, ENOMEM);
        if (w->body.len > REC_BODY_MAX)
                return -EFBIG; /* not written; the writer goes on */
        w->rec.len = 0;
        rb_u32(&w->rec, (uint32_t)w->body.len);
        rb_put(&w->rec, w->body.p, w->body.len);
        rb_u32(&w->rec, rec_crc(w->body.p, w->body.len));
        if (w->rec.oom)
                return rw_fail(w, ENOMEM);
        w->chunk_raw += w->rec.len;
        w->dirty = true;
        return rw_compress(w, w->rec.p, w->rec.len, ZSTD_e_continue);
}

static void rw_body_start(struct rec_writer *w, unsigned type, unsigned flags, unsigned host,
                          int64_t t)
{
        w->body.len = 0;
        rb_u8(&w->body, type);
        rb_u8(&w->body, flags);
        rb_u16(&w->body, host);
        rb_i64(&w->body, t);
}

static void rw_body_ent(struct rec_writer *w, const struct rec_ent *e, unsigned flags)
{
        rw_body_start(w, e->type, flags, e->host, e->t);
        rb_str(&w->body, e->path);
        rb_u32(&w->body, (uint32_t)e->err);
        if (e->type == REC_READ) {
                rb_u8(&w->body, e->truncated);
                rb_i64(&w->body, e->t_start);
                rb_i64(&w->body, e->t_end);
                rb_blob(&w->body, e->data ? e->data : "", e->len);
                return;
        }
        rb_u32(&w->body, (uint32_t)e->n);
        for (size_t i = 0, off = 0; i < e->n; i++) {
                rb_str(&w->body, e->data + off);
                off += strlen(e->data + off) + 1;
        }
}

static int rw_chunk_start(struct rec_writer *w, int64_t t)
{
        uint8_t meta[REC_META_TOTAL];
        size_t nkey = w->tab_n + w->kl_n;
        int ret;

        if (ZSTD_isError(ZSTD_CCtx_reset(w->cc, ZSTD_reset_session_only)))
                return rw_fail(w, EIO);
        {
                struct rec_buf b = {.p = meta, .cap = sizeof(meta)};

                rb_u32(&b, REC_SKIP_CHUNK);
                rb_u32(&b, REC_META_SIZE);
                rb_u32(&b, w->chunk_seq);
                rb_u32(&b, REC_CHUNK_KEY);
                rb_i64(&b, t);
                rb_u32(&b, 0);
                rb_u32(&b, rec_crc(meta + 8, 20));
        }
        ret = rw_write(w, meta, sizeof(meta));
        if (ret < 0)
                return ret;
        w->in_chunk = true;
        w->chunk_seq++;
        w->chunk_t0 = t;
        w->chunk_raw = 0;
        /* the keyframe: the state as known before t */
        rw_body_start(w, REC_KEY, 0, 0, t);
        rb_u32(&w->body, (uint32_t)nkey);
        ret = rw_emit(w);
        for (size_t i = 0; ret >= 0 && i < w->tab_cap; i++) {
                if (!w->tab[i].path)
                        continue;
                rw_body_ent(w, &w->tab[i], REC_F_KEY);
                ret = rw_emit(w);
        }
        for (size_t i = 0; ret >= 0 && i < w->kl_n; i++) {
                const struct rec_kline *k = &w->kl[(w->kl_head + i) % w->o.klog_keep];

                rw_body_start(w, REC_KLOG, REC_F_KEY, k->host, k->t);
                rb_blob(&w->body, k->line, k->len);
                ret = rw_emit(w);
        }
        return ret < 0 ? ret : 0;
}

static int rw_chunk_end(struct rec_writer *w)
{
        int ret;

        if (!w->in_chunk)
                return 0;
        w->in_chunk = false;
        /* flush first: the last records are whole before the frame's end is written */
        ret = rw_compress(w, NULL, 0, ZSTD_e_flush);
        if (ret == 0)
                ret = rw_compress(w, NULL, 0, ZSTD_e_end);
        w->dirty = false;
        return ret;
}

static int rw_open_file(struct rec_writer *w)
{
        w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w->fd < 0)
                return -errno;
        w->bytes = 0;
        w->in_chunk = false;
        w->chunk_seq = 0;
        return rw_header(w);
}

static int rw_rotate(struct rec_writer *w)
{
        char *old;
        int ret;

        ret = rw_chunk_end(w);
        if (close(w->fd) < 0 && ret == 0)
                ret = rw_fail(w, errno);
        w->fd = -1;
        if (ret < 0)
                return ret;
        if (asprintf(&old, "%s.1", w->path) < 0)
                return rw_fail(w, ENOMEM);
        if (rename(w->path, old) < 0) {
                free(old);
                return rw_fail(w, errno);
        }
        free(old);
        ret = rw_open_file(w);
        return ret < 0 ? rw_fail(w, -ret) : 0;
}

/* Before writing a record of time t: a chunk is open, and a new one when one is due. */
static int rw_ready(struct rec_writer *w, int64_t t)
{
        int ret;

        if (w->error)
                return -w->error;
        if (w->in_chunk &&
            (t - w->chunk_t0 >= w->o.keyframe_ns || w->chunk_raw >= w->o.chunk_max)) {
                ret = rw_chunk_end(w);
                if (ret < 0)
                        return ret;
        }
        return w->in_chunk ? 0 : rw_chunk_start(w, t);
}

int rec_writer_open(const char *path, const struct rec_writer_opts *o, struct rec_writer **out,
                    char *err, size_t errsz)
{
        struct rec_writer *w;
        int ret;

        *out = NULL;
        if (o->nhosts < 1 || o->nhosts > REC_HOSTS_MAX || o->keyframe_ns <= 0) {
                snprintf(err, errsz, "recording %s: bad options", path);
                return -EINVAL;
        }
        w = calloc(1, sizeof(*w));
        if (!w)
                goto oom;
        w->o = *o;
        if (w->o.klog_keep == 0)
                w->o.klog_keep = 1;
        w->fd = -1;
        w->hosts = calloc(o->nhosts, sizeof(*w->hosts));
        w->mver = strdup(o->migtop_version ? o->migtop_version : "?");
        w->path = strdup(path);
        w->cc = ZSTD_createCCtx();
        w->zout_cap = ZSTD_CStreamOutSize();
        w->zout = malloc(w->zout_cap);
        w->kl = calloc(w->o.klog_keep, sizeof(*w->kl));
        if (!w->hosts || !w->mver || !w->path || !w->cc || !w->zout || !w->kl)
                goto oom;
        memcpy(w->hosts, o->hosts, o->nhosts * sizeof(*w->hosts));
        for (size_t i = 0; i < o->nhosts; i++) {
                w->hosts[i].name[sizeof(w->hosts[i].name) - 1] = '\0';
                w->hosts[i].kernel[sizeof(w->hosts[i].kernel) - 1] = '\0';
                w->hosts[i].root[sizeof(w->hosts[i].root) - 1] = '\0';
        }
        if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cc, ZSTD_c_compressionLevel, o->level)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(w->cc, ZSTD_c_checksumFlag, 1)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(w->cc, ZSTD_c_windowLog, 17))) {
                snprintf(err, errsz, "recording %s: zstd refused the settings", path);
                rec_writer_close(w);
                return -EINVAL;
        }
        ret = rw_open_file(w);
        if (ret < 0) {
                snprintf(err, errsz, "cannot write the recording %s: %s", path, strerror(-ret));
                w->error = 0;
                rec_writer_close(w);
                return ret;
        }
        *out = w;
        return 0;
oom:
        snprintf(err, errsz, "recording %s: out of memory", path);
        rec_writer_close(w);
        return -ENOMEM;
}

static uint64_t rw_hash(unsigned host, unsigned type, const char *path)
{
        uint64_t h = 1469598103934665603ULL;

        h = (h ^ host) * 1099511628211ULL;
        h = (h ^ type) * 1099511628211ULL;
        for (const unsigned char *p = (const unsigned char *)path; *p; p++)
                h = (h ^ *p) * 1099511628211ULL;
        return h;
}

/* The entry of (host, type, path), a new one when absent; NULL on allocation failure. */
static struct rec_ent *rw_find(const struct rec_writer *w, unsigned host, unsigned type,
                               const char *path)
{
        size_t i;

        if (!w->tab_cap)
                return NULL;
        i = rw_hash(host, type, path) & (w->tab_cap - 1);
        for (; w->tab[i].path; i = (i + 1) & (w->tab_cap - 1)) {
                struct rec_ent *e = &w->tab[i];

                if (e->host == host && e->type == type && strcmp(e->path, path) == 0)
                        return e;
        }
        return NULL;
}

/* A new entry for (host, type, path) (not in the table yet); NULL on allocation failure. */
static struct rec_ent *rw_add(struct rec_writer *w, unsigned host, unsigned type, const char *path)
{
        size_t i;

        if ((w->tab_n + 1) * 2 > w->tab_cap) {
                size_t ncap = w->tab_cap ? w->tab_cap * 2 : 64;
                struct rec_ent *nt = calloc(ncap, sizeof(*nt));

                if (!nt)
                        return NULL;
                for (size_t j = 0; j < w->tab_cap; j++) {
                        struct rec_ent *e = &w->tab[j];

                        if (!e->path)
                                continue;
                        i = rw_hash(e->host, e->type, e->path) & (ncap - 1);
                        while (nt[i].path)
                                i = (i + 1) & (ncap - 1);
                        nt[i] = *e;
                }
                free(w->tab);
                w->tab = nt;
                w->tab_cap = ncap;
        }
        i = rw_hash(host, type, path) & (w->tab_cap - 1);
        while (w->tab[i].path)
                i = (i + 1) & (w->tab_cap - 1);
        w->tab[i].path = strdup(path);
        if (!w->tab[i].path)
                return NULL;
        w->tab[i].host = host;
        w->tab[i].type = type;
        w->tab_n++;
        return &w->tab[i];
}

int rec_write_read(struct rec_writer *w, unsigned host, const char *path, const struct src_read *r)
{
        const char *d = r->err ? "" : (r->data ? r->data : "");
        size_t len = r->err ? 0 : r->len;
        struct rec_ent *e;
        bool same;
        char *copy;
        int ret;

        if (w->error)
                return -w->error;
        if (host >= w->o.nhosts)
                return -EINVAL;
        e = rw_find(w, host, REC_READ, path);
        same = e && e->err == r->err && e->truncated == !!r->truncated && e->len == len &&
               (len == 0 || memcmp(e->data, d, len) == 0);
        if (same && r->t_end - r->t_start < REC_SLOW_NS)
                return 0;
        /* the keyframe a new chunk starts with is the state before this result */
        ret = rw_ready(w, r->t_end);
        if (ret < 0)
                return ret;
        if (!e && !(e = rw_add(w, host, REC_READ, path)))
                return rw_fail(w, ENOMEM);
        if (!same) {
                copy = malloc(len + 1);
                if (!copy)
                        return rw_fail(w, ENOMEM);
                memcpy(copy, d, len);
                copy[len] = '\0';
                free(e->data);
                e->data = copy;
                e->len = len;
        }
        e->err = r->err;
        e->truncated = !!r->truncated;
        e->t = r->t_end;
        e->t_start = r->t_start;
        e->t_end = r->t_end;
        rw_body_ent(w, e, 0);
        ret = rw_emit(w);
        return ret < 0 ? ret : 1;
}

int rec_write_list(struct rec_writer *w, unsigned host, const char *path, int64_t t_ns,
                   const struct src_list *l)
{
        size_t len = 0, off = 0;
        struct rec_ent *e;
        char *cat;
        int ret;

        if (w->error)
                return -w->error;
        if (host >= w->o.nhosts)
                return -EINVAL;
        for (size_t i = 0; i < l->n; i++)
                len += strlen(l->names[i]) + 1;
        cat = malloc(len + 1);
        if (!cat)
                return rw_fail(w, ENOMEM);
        for (size_t i = 0; i < l->n; i++) {
                size_t n = strlen(l->names[i]) + 1;

                memcpy(cat + off, l->names[i], n);
                off += n;
        }
        e = rw_find(w, host, REC_LIST, path);
        if (e && e->err == l->err && e->n == l->n && e->len == len &&
            memcmp(e->data, cat, len) == 0) {
                free(cat);
                return 0;
        }
        ret = rw_ready(w, t_ns);
        if (ret < 0) {
                free(cat);
                return ret;
        }
        if (!e && !(e = rw_add(w, host, REC_LIST, path))) {
                free(cat);
                return rw_fail(w, ENOMEM);
        }
        free(e->data);
        e->data = cat;
        e->len = len;
        e->n = l->n;
        e->err = l->err;
        e->t = t_ns;
        rw_body_ent(w, e, 0);
        ret = rw_emit(w);
        return ret < 0 ? ret : 1;
}

int rec_write_klog(struct rec_writer *w, unsigned host, int64_t t_ns, const char *line, size_t len)
{
        struct rec_kline *k;
        int ret;

        if (w->error)
                return -w->error;
        if (host >= w->o.nhosts)
                return -EINVAL;
        ret = rw_ready(w, t_ns);
        if (ret < 0)
                return ret;
        rw_body_start(w, REC_KLOG, 0, host, t_ns);
        rb_blob(&w->body, line, len);
        ret = rw_emit(w);
        if (ret < 0)
                return ret;
        /* kept for the next keyframes */
        if (w->kl_n == w->o.klog_keep) {
                k = &w->kl[w->kl_head];
                free(k->line);
                w->kl_head = (w->kl_head + 1) % w->o.klog_keep;
                w->kl_n--;
        }
        k = &w->kl[(w->kl_head + w->kl_n) % w->o.klog_keep];
        k->line = malloc(len + 1);
        if (!k->line)
                return rw_fail(w, ENOMEM);
        memcpy(k->line, line, len);
        k->line[len] = '\0';
        k->len = len;
        k->host = host;
        k->t = t_ns;
        w->kl_n++;
        return 1;
}

int rec_write_host(struct rec_writer *w, unsigned host, int64_t t_ns, enum rec_host_status status,
                   const char *msg)
{
        int ret;

        if (w->error)
                return -w->error;
        if (host >= w->o.nhosts)
                return -EINVAL;
        ret = rw_ready(w, t_ns);
        if (ret < 0)
                return ret;
        rw_body_start(w, REC_HOST, 0, host, t_ns);
        rb_u8(&w->body, status);
        rb_str(&w->body, msg ? msg : "");
        ret = rw_emit(w);
        return ret < 0 ? ret : 1;
}

int rec_writer_flush(struct rec_writer *w)
{
        int ret;

        if (w->error)
                return -w->error;
        if (!w->in_chunk || !w->dirty)
                return 0;
        ret = rw_compress(w, NULL, 0, ZSTD_e_flush);
        if (ret < 0)
                return ret;
        w->dirty = false;
        if (w->o.max_bytes && w->bytes >= w->o.max_bytes)
                return rw_rotate(w);
        return 0;
}

int rec_writer_tick(struct rec_writer *w, int64_t now_ns)
{
        if (w->error)
                return -w->error;
        if (!w->dirty) {
                w->dirty_t = now_ns;
                return 0;
        }
        if (now_ns - w->dirty_t < w->o.flush_ns)
                return 0;
        w->dirty_t = now_ns;
        return rec_writer_flush(w);
}

int rec_writer_reopen(struct rec_writer *w)
{
        int ret;

        if (w->error)
                return -w->error;
        ret = rw_chunk_end(w);
        if (close(w->fd) < 0 && ret == 0)
                ret = rw_fail(w, errno);
        w->fd = -1;
        if (ret < 0)
                return ret;
        ret = rw_open_file(w);
        return ret < 0 ? rw_fail(w, -ret) : 0;
}

uint64_t rec_writer_bytes(const struct rec_writer *w)
{
        return w->bytes;
}

int rec_writer_error(const struct rec_writer *w)
{
        return w->error;
}

int rec_writer_close(struct rec_writer *w)
{
        int ret = 0;

        if (!w)
                return 0;
        if (w->fd >= 0) {
                if (w->cc && w->zout)
                        ret = rw_chunk_end(w);
                if (close(w->fd) < 0 && ret == 0)
                        ret = -errno;
        }
        if (w->error && ret == 0)
                ret = -w->error;
        for (size_t i = 0; i < w->tab_cap; i++) {
                free(w->tab[i].path);
                free(w->tab[i].data);
        }
        free(w->tab);
        if (w->kl)
                for (size_t i = 0; i < w->o.klog_keep; i++)
                        free(w->kl[i].line);
        free(w->kl);
        free(w->body.p);
        free(w->rec.p);
        ZSTD_freeCCtx(w->cc);
        free(w->zout);
        free(w->hosts);
        free(w->mver);
        free(w->path);
        free(w);
        return ret;
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

static int rr_header(struct rec_reader *r, char *err, size_t errsz)
{
        struct rec_dec d;
        uint32_t len;
        unsigned ver;

        if (r->size == 0) {
                snprintf(err, errsz, "an empty file, not a migtop recording");
                return -EINVAL;
        }
        if (r->size < 8 || le32(r->p) != REC_SKIP_HDR) {
                if (r->size < 8 && r->size > 0 &&
                    memcmp(r->p, (uint8_t[4]){0x50, 0x2A, 0x4D, 0x18}, r->size < 4 ? r->size : 4) ==
                        0)
                        snprintf(err, errsz, "recording cut at byte %zu, inside its header",
                                 r->size);
                else
                        snprintf(err, errsz, "not a migtop recording (no recording header)");
                return -EINVAL;
        }
        len = le32(r->p + 4);
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
        if (rec_crc(r->p + 8, len - 4) != le32(r->p + 8 + len - 4)) {
                snprintf(err, errsz, "recording header damaged (checksum)");
                return -EINVAL;
        }
        d = (struct rec_dec){.p = r->p + 8, .n = len - 4};
        rd_take(&d, 8);
        r->h.version = rd_u16(&d);
        rd_u16(&d);
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
        if (d.bad || d.i != d.n) {
                snprintf(err, errsz, "recording header malformed");
                return -EINVAL;
        }
        return (int)(8 + len);
}

/* A chunk's index frame at off (whole and with a good checksum)? */
static bool rr_meta_ok(const struct rec_reader *r, size_t off)
{
        const uint8_t *q = r->p + off;

        return r->size - off >= REC_META_TOTAL && le32(q) == REC_SKIP_CHUNK &&
               le32(q + 4) == REC_META_SIZE && rec_crc(q + 8, 20) == le32(q + 28);
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
                c->seq = le32(r->p + pos + 8);
                c->flags = le32(r->p + pos + 12);
                c->t_first = (int64_t)((uint64_t)le32(r->p + pos + 16) |
                                       (uint64_t)le32(r->p + pos + 20) << 32);
                r->nchunks++;
                pos += REC_META_TOTAL;
                fs = ZSTD_findFrameCompressedSize(r->p + pos, r->size - pos);
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
        char when[40];
        uint32_t len;

        if (left == 0)
                goto end;
        if (left < 4)
                goto cut;
        len = le32(q);
        if (len < REC_REC_FIXED || len > REC_BODY_MAX)
                goto bad;
        if (left - 4 < (size_t)len + 4)
                goto cut;
        if (rec_crc(q + 4, len) != le32(q + 4 + len))
                goto bad;
        d = (struct rec_dec){.p = q + 4, .n = len};
        memset(ev, 0, sizeof(*ev));
        ev->type = rd_u8(&d);
        ev->flags = rd_u8(&d);
        ev->host = rd_u16(&d);
        ev->t_ns = rd_i64(&d);
        ev->chunk_off = c->off;
        if (ev->host >= r->h.nhosts || (ev->flags & ~REC_F_KEY))
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
        default:
                d.bad = true;
        }
        if (d.bad || d.i != d.n)
                goto bad;
        r->pos += 4 + (size_t)len + 4;
        r->last_t = ev->t_ns;
        return 1;
bad:
        rr_last(r, when, sizeof(when));
        rr_msg(r,
               "recording damaged in the chunk at byte %llu (a record fails its checksum or "
               "format): last whole record before it at %s; skipped to the next chunk",
               (unsigned long long)c->off, when);
        return 0;
cut:
        if (!r->frame_cut && !r->zerr[0]) {
                rr_last(r, when, sizeof(when));
                rr_msg(r,
                       "recording damaged in the chunk at byte %llu (a record is cut inside "
                       "it): last whole record before it at %s",
                       (unsigned long long)c->off, when);
                return 0;
        }
end:
        if (r->zerr[0]) {
                rr_last(r, when, sizeof(when));
                rr_msg(r,
                       "recording damaged in the chunk at byte %llu (%s): last whole record "
                       "before it at %s",
                       (unsigned long long)c->off, r->zerr, when);
        } else if (r->frame_cut) {
                rr_last(r, when, sizeof(when));
                rr_msg(r, "recording cut at byte %zu: last whole record at %s", r->size, when);
        }
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
                                                rr_msg(r,
                                                       "recording cut at byte %zu: last whole "
                                                       "record at %s",
                                                       r->size, when);
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
