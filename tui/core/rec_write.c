/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_write: the recording writer (see rec_write.h; the layout in rec.h).  zstd (streaming,
 * one frame per chunk) compresses.
 */
#include "rec_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "rec_buf.h"
#include "rec_tab.h"

/* ---- writer ------------------------------------------------------------------------ */

struct rec_kline {
        unsigned host;
        int64_t t;
        char *line;
        size_t len;
};

/* A host's last status: what a keyframe repeats. */
struct rec_hstat {
        unsigned status; /* 0: none recorded */
        int64_t t;
        char *msg;
};

struct rec_writer {
        struct rec_writer_opts o;
        struct rec_host *hosts;
        struct rec_hstat *hstat; /* one per host */
        struct rec_link *links;  /* one per host: its last LINK (have_link) */
        int64_t *links_t;        /* its time */
        bool *have_link;
        struct rec_opt *opts;
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
        struct rec_tab tab;
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

        rec_buf_put(&b, REC_MAGIC, 8);
        rec_buf_u16(&b, REC_VERSION);
        rec_buf_u16(&b, (w->o.nopts ? REC_HDR_OPTS : 0) | (w->o.links ? REC_HDR_LINKS : 0));
        {
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                rec_buf_i64(&b, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
        }
        rec_buf_str(&b, w->mver);
        rec_buf_u16(&b, (unsigned)w->o.nhosts);
        for (size_t i = 0; i < w->o.nhosts; i++) {
                rec_buf_str(&b, w->hosts[i].name);
                rec_buf_str(&b, w->hosts[i].kernel);
                rec_buf_str(&b, w->hosts[i].root);
        }
        if (w->o.nopts) {
                rec_buf_u16(&b, (unsigned)w->o.nopts);
                for (size_t i = 0; i < w->o.nopts; i++) {
                        rec_buf_str(&b, w->opts[i].key);
                        rec_buf_str(&b, w->opts[i].value);
                }
        }
        rec_buf_u32(&b, b.oom ? 0 : rec_crc(b.p, b.len));
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
        rec_buf_u32(&w->rec, (uint32_t)w->body.len);
        rec_buf_put(&w->rec, w->body.p, w->body.len);
        rec_buf_u32(&w->rec, rec_crc(w->body.p, w->body.len));
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
        rec_buf_u8(&w->body, type);
        rec_buf_u8(&w->body, flags);
        rec_buf_u16(&w->body, host);
        rec_buf_i64(&w->body, t);
}

static void rw_body_ent(struct rec_writer *w, const struct rec_ent *e, unsigned flags)
{
        rw_body_start(w, e->type, flags, e->host, e->t);
        rec_buf_str(&w->body, e->path);
        if (e->type == REC_SYS) {
                rec_buf_put(&w->body, e->data, e->len); /* the rest, encoded */
                return;
        }
        rec_buf_u32(&w->body, (uint32_t)e->err);
        if (e->type == REC_READ) {
                rec_buf_u8(&w->body, e->truncated);
                rec_buf_i64(&w->body, e->t_start);
                rec_buf_i64(&w->body, e->t_end);
                rec_buf_blob(&w->body, e->data ? e->data : "", e->len);
                return;
        }
        rec_buf_u32(&w->body, (uint32_t)e->n);
        for (size_t i = 0, off = 0; i < e->n; i++) {
                rec_buf_str(&w->body, e->data + off);
                off += strlen(e->data + off) + 1;
        }
}

/* A LINK record of host's status l (its time: the last change, l->since_ns). */
static void rw_body_link(struct rec_writer *w, unsigned host, unsigned flags,
                         const struct rec_link *l)
{
        struct rec_buf *b = &w->body;

        rw_body_start(w, REC_LINK, flags, host, w->links_t[host]);
        rec_buf_u8(b, l->state);
        rec_buf_u8(b, l->have_hello);
        rec_buf_i64(b, l->since_ns);
        rec_buf_i64(b, l->last_ns);
        rec_buf_i64(b, l->retry_ns);
        rec_buf_u32(b, (uint32_t)l->rtt_ms);
        rec_buf_u32(b, l->attempts);
        rec_buf_u32(b, l->changes);
        rec_buf_i64(b, (int64_t)l->lines);
        rec_buf_i64(b, (int64_t)l->bytes);
        rec_buf_i64(b, (int64_t)l->bad);
        rec_buf_str(b, l->error);
        rec_buf_str(b, l->dest);
        rec_buf_str(b, l->agent);
        rec_buf_str(b, l->agent_host);
        rec_buf_str(b, l->kernel);
        rec_buf_str(b, l->klog);
}

static int rw_chunk_start(struct rec_writer *w, int64_t t)
{
        uint8_t meta[REC_META_TOTAL];
        size_t nkey = w->tab.n + w->kl_n;
        int ret;

        for (size_t i = 0; i < w->o.nhosts; i++)
                nkey += (w->hstat[i].status != 0) + w->have_link[i];

        if (ZSTD_isError(ZSTD_CCtx_reset(w->cc, ZSTD_reset_session_only)))
                return rw_fail(w, EIO);
        {
                struct rec_buf b = {.p = meta, .cap = sizeof(meta)};

                rec_buf_u32(&b, REC_SKIP_CHUNK);
                rec_buf_u32(&b, REC_META_SIZE);
                rec_buf_u32(&b, w->chunk_seq);
                rec_buf_u32(&b, REC_CHUNK_KEY);
                rec_buf_i64(&b, t);
                rec_buf_u32(&b, 0);
                rec_buf_u32(&b, rec_crc(meta + 8, 20));
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
        rec_buf_u32(&w->body, (uint32_t)nkey);
        ret = rw_emit(w);
        for (size_t i = 0; ret >= 0 && i < w->tab.cap; i++) {
                if (!w->tab.e[i].path)
                        continue;
                rw_body_ent(w, &w->tab.e[i], REC_F_KEY);
                ret = rw_emit(w);
        }
        for (size_t i = 0; ret >= 0 && i < w->o.nhosts; i++) {
                if (!w->hstat[i].status)
                        continue;
                rw_body_start(w, REC_HOST, REC_F_KEY, (unsigned)i, w->hstat[i].t);
                rec_buf_u8(&w->body, w->hstat[i].status);
                rec_buf_str(&w->body, w->hstat[i].msg ? w->hstat[i].msg : "");
                ret = rw_emit(w);
        }
        for (size_t i = 0; ret >= 0 && i < w->o.nhosts; i++) {
                if (!w->have_link[i])
                        continue;
                rw_body_link(w, (unsigned)i, REC_F_KEY, &w->links[i]);
                ret = rw_emit(w);
        }
        for (size_t i = 0; ret >= 0 && i < w->kl_n; i++) {
                const struct rec_kline *k = &w->kl[(w->kl_head + i) % w->o.klog_keep];

                rw_body_start(w, REC_KLOG, REC_F_KEY, k->host, k->t);
                rec_buf_blob(&w->body, k->line, k->len);
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

/* End the file; with rotate move it to FILE.1; open path anew (a new header). */
static int rw_reopen(struct rec_writer *w, bool rotate)
{
        char *old;
        int ret;

        ret = rw_chunk_end(w);
        if (close(w->fd) < 0 && ret == 0)
                ret = rw_fail(w, errno);
        w->fd = -1;
        if (ret < 0)
                return ret;
        if (rotate) {
                if (asprintf(&old, "%s.1", w->path) < 0)
                        return rw_fail(w, ENOMEM);
                ret = rename(w->path, old) < 0 ? errno : 0;
                free(old);
                if (ret)
                        return rw_fail(w, ret);
        }
        ret = rw_open_file(w);
        return ret < 0 ? rw_fail(w, -ret) : 0;
}

/* Before recording for host: the writer's error, -EINVAL for an unknown host, or 0. */
static int rw_check(const struct rec_writer *w, unsigned host)
{
        if (w->error)
                return -w->error;
        return host < w->o.nhosts ? 0 : -EINVAL;
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
        if (o->nhosts < 1 || o->nhosts > REC_HOSTS_MAX || o->keyframe_ns <= 0 ||
            o->nopts > REC_OPTS_MAX || (o->nopts && !o->opts)) {
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
        w->hstat = calloc(o->nhosts, sizeof(*w->hstat));
        w->links = calloc(o->nhosts, sizeof(*w->links));
        w->links_t = calloc(o->nhosts, sizeof(*w->links_t));
        w->have_link = calloc(o->nhosts, sizeof(*w->have_link));
        w->opts = calloc(o->nopts ? o->nopts : 1, sizeof(*w->opts));
        w->mver = strdup(o->migtop_version ? o->migtop_version : "?");
        w->path = strdup(path);
        w->cc = ZSTD_createCCtx();
        w->zout_cap = ZSTD_CStreamOutSize();
        w->zout = malloc(w->zout_cap);
        w->kl = calloc(w->o.klog_keep, sizeof(*w->kl));
        if (!w->hosts || !w->hstat || !w->links || !w->links_t || !w->have_link || !w->opts ||
            !w->mver || !w->path || !w->cc || !w->zout || !w->kl)
                goto oom;
        for (size_t i = 0; i < o->nopts; i++) {
                w->opts[i] = o->opts[i];
                w->opts[i].key[sizeof(w->opts[i].key) - 1] = '\0';
                w->opts[i].value[sizeof(w->opts[i].value) - 1] = '\0';
        }
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

/* Check, get a chunk ready for time t and start a record's body. */
static int rw_begin(struct rec_writer *w, unsigned host, int64_t t, unsigned type)
{
        int ret = rw_check(w, host);

        if (ret == 0)
                ret = rw_ready(w, t);
        if (ret == 0)
                rw_body_start(w, type, 0, host, t);
        return ret;
}

int rec_write_read(struct rec_writer *w, unsigned host, const char *path, const struct src_read *r)
{
        const char *d = r->err ? "" : (r->data ? r->data : "");
        size_t len = r->err ? 0 : r->len;
        struct rec_ent *e;
        bool same;
        char *copy;
        int ret;

        ret = rw_check(w, host);
        if (ret < 0)
                return ret;
        e = rec_tab_find(&w->tab, host, REC_READ, path);
        same = e && e->err == r->err && e->truncated == !!r->truncated && e->len == len &&
               (len == 0 || memcmp(e->data, d, len) == 0);
        if (same && r->t_end - r->t_start < REC_SLOW_NS)
                return 0;
        /* the keyframe a new chunk starts with is the state before this result */
        ret = rw_ready(w, r->t_end);
        if (ret < 0)
                return ret;
        if (!e && !(e = rec_tab_add(&w->tab, host, REC_READ, path)))
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

        ret = rw_check(w, host);
        if (ret < 0)
                return ret;
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
        e = rec_tab_find(&w->tab, host, REC_LIST, path);
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
        if (!e && !(e = rec_tab_add(&w->tab, host, REC_LIST, path))) {
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

        ret = rw_begin(w, host, t_ns, REC_KLOG);
        if (ret < 0)
                return ret;
        rec_buf_blob(&w->body, line, len);
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
        struct rec_hstat *h;
        char *copy;
        int ret;

        if (!msg)
                msg = "";
        ret = rw_check(w, host);
        if (ret < 0)
                return ret;
        if (status != REC_HOST_UP && status != REC_HOST_DOWN)
                return -EINVAL;
        h = &w->hstat[host];
        copy = strdup(msg);
        if (!copy)
                return rw_fail(w, ENOMEM);
        ret = rw_begin(w, host, t_ns, REC_HOST);
        if (ret < 0) {
                free(copy);
                return ret;
        }
        rec_buf_u8(&w->body, status);
        rec_buf_str(&w->body, msg);
        ret = rw_emit(w);
        /* known from now on, also when its own record failed (EFBIG cannot happen here) */
        free(h->msg);
        h->msg = copy;
        h->status = (unsigned)status;
        h->t = t_ns;
        return ret < 0 ? ret : 1;
}

int rec_write_link(struct rec_writer *w, unsigned host, int64_t t_ns, const struct rec_link *l)
{
        int ret = rw_check(w, host);

        if (ret < 0)
                return ret;
        if (!w->o.links || host == 0 || l->state > REC_LINK_RECONNECTING)
                return -EINVAL;
        if (w->have_link[host] && memcmp(&w->links[host], l, sizeof(*l)) == 0)
                return 0;
        ret = rw_ready(w, t_ns);
        if (ret < 0)
                return ret;
        /* known from now on (the keyframe a new chunk starts with came before) */
        w->links[host] = *l;
        w->links_t[host] = t_ns;
        w->have_link[host] = true;
        rw_body_link(w, host, 0, l);
        ret = rw_emit(w);
        return ret < 0 ? ret : 1;
}

int rec_write_sys(struct rec_writer *w, unsigned host, int64_t t_ns, const struct rec_sys *y)
{
        struct rec_buf b = {0};
        struct rec_ent *e;
        char dev[sizeof(y->dev)];
        int ret = rw_check(w, host);

        if (ret < 0)
                return ret;
        if (!w->o.links || host == 0 || !y->dev[0])
                return -EINVAL;
        snprintf(dev, sizeof(dev), "%s", y->dev);
        rec_buf_str(&b, y->bus);
        rec_buf_str(&b, y->driver);
        rec_buf_str(&b, y->parent);
        rec_buf_u8(&b, (y->is_vf ? 1u : 0u) | (y->has_ids ? 2u : 0u));
        rec_buf_u16(&b, y->vendor);
        rec_buf_u16(&b, y->device);
        rec_buf_u32(&b, (uint32_t)y->iommu_group);
        rec_buf_u32(&b, (uint32_t)y->numa_node);
        if (b.oom)
                return rw_fail(w, ENOMEM);
        e = rec_tab_find(&w->tab, host, REC_SYS, dev);
        if (e && e->len == b.len && memcmp(e->data, b.p, b.len) == 0) {
                free(b.p);
                return 0;
        }
        ret = rw_ready(w, t_ns);
        if (ret < 0 || (!e && !(e = rec_tab_add(&w->tab, host, REC_SYS, dev)))) {
                free(b.p);
                return ret < 0 ? ret : rw_fail(w, ENOMEM);
        }
        free(e->data);
        e->data = (char *)b.p;
        e->len = b.len;
        e->t = t_ns;
        rw_body_ent(w, e, 0);
        ret = rw_emit(w);
        return ret < 0 ? ret : 1;
}

/*
 * Before a record written at the stop (unanswered reads, the stop): into the chunk open,
 * however old (a keyframe of everything at the close would serve no reader); a chunk only
 * when none is open.
 */
static int rw_ready_last(struct rec_writer *w, int64_t t)
{
        if (w->error)
                return -w->error;
        return w->in_chunk ? 0 : rw_chunk_start(w, t);
}

int rec_write_open_read(struct rec_writer *w, unsigned host, const char *path, int64_t t_start,
                        int64_t t_ns)
{
        int ret = rw_check(w, host);

        if (ret == 0)
                ret = rw_ready_last(w, t_ns);
        if (ret < 0)
                return ret;
        rw_body_start(w, REC_READ, REC_F_OPEN, host, t_ns);
        rec_buf_str(&w->body, path);
        rec_buf_u32(&w->body, 0);
        rec_buf_u8(&w->body, 0);
        rec_buf_i64(&w->body, t_start);
        rec_buf_i64(&w->body, t_ns);
        rec_buf_blob(&w->body, "", 0);
        ret = rw_emit(w);
        return ret < 0 ? ret : 1;
}

int rec_write_stop(struct rec_writer *w, int64_t t_ns)
{
        int ret = rw_check(w, 0);

        if (ret == 0)
                ret = rw_ready_last(w, t_ns);
        if (ret < 0)
                return ret;
        rw_body_start(w, REC_STOP, 0, 0, t_ns);
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
                return rw_reopen(w, true);
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
        return w->error ? -w->error : rw_reopen(w, false);
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
        rec_tab_free(&w->tab);
        if (w->kl)
                for (size_t i = 0; i < w->o.klog_keep; i++)
                        free(w->kl[i].line);
        free(w->kl);
        free(w->body.p);
        free(w->rec.p);
        ZSTD_freeCCtx(w->cc);
        free(w->zout);
        if (w->hstat)
                for (size_t i = 0; i < w->o.nhosts; i++)
                        free(w->hstat[i].msg);
        free(w->hstat);
        free(w->links);
        free(w->links_t);
        free(w->have_link);
        free(w->opts);
        free(w->hosts);
        free(w->mver);
        free(w->path);
        free(w);
        return ret;
}
