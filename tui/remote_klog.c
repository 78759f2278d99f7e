/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * remote_klog: the hosts' kernel log (remote_klog, remote_has_klog; see remote.h), merged
 * with the local one, each host's records checked for losses and repeats across links.
 */
#include "remote.h"
#include "remote_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/kmsg.h"
#include "core/src_rec.h"
#include "engine/klog.h"

/* ---- the kernel log ----------------------------------------------------------------------- */

/*
 * Each host's kernel log stream.  A jump in its sequence numbers on one link is a loss
 * (its ring overwritten before its agent read it), told as a gap.  A new link reads the
 * host's ring again from its oldest record: those numbered up to the last one taken are
 * held until the record numbered last comes: the same (time and text), the host did not
 * restart and they were taken already (dropped); another, or none, it restarted and they
 * are new (handed out).
 */
struct remote_kheld {
        char *raw;
        size_t len;
};

struct remote_khost {
        bool have;     /* a record was taken */
        uint64_t last; /* the last one's sequence number, time and text's hash */
        int64_t last_ts;
        uint64_t last_sum;
        unsigned link;   /* the link it came on */
        bool catchup;    /* a new link, before its record numbered last */
        int64_t held_ms; /* when the last one was held (CLOCK_MONOTONIC) */
        struct remote_kheld *held;
        size_t nheld, cap, release; /* releasing: held[release..nheld) to hand out */
        bool releasing;
};

#define REMOTE_KHELD_MAX 65536 /* held past this: handed out (repeats rather than losses) */
/* A new link sends the host's ring in one burst: held records with nothing after them this
   long, and no record numbered last, are a restarted host's. */
#define REMOTE_KCATCHUP_MS 1000

struct remote_klog {
        struct klog *local; /* NULL: none */
        bool local_done;
        struct remote *rem; /* a reference */
        int efd;            /* written by the hosts' feeding threads */
        int epfd;           /* polls efd and the local source's descriptor */
        size_t next;        /* the host asked first next time */
        uint64_t gaps;      /* records the hosts' queues dropped, not told yet */
        struct remote_khost h[REMOTE_MAX_HOSTS];
        /* a record told after the gap before it */
        struct kmsg_rec pend;
        bool have_pend;
};

static int remote_k_fd(void *ctx)
{
        return ((struct remote_klog *)ctx)->epfd;
}

static uint64_t remote_k_sum(const struct kmsg_rec *r)
{
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */

        for (size_t i = 0; i < r->text_len && i < sizeof(r->text); i++)
                h = (h ^ (unsigned char)r->text[i]) * 1099511628211ULL;
        return h;
}

static void remote_kh_drop_held(struct remote_khost *kh)
{
        for (size_t i = kh->release; i < kh->nheld; i++)
                free(kh->held[i].raw);
        free(kh->held);
        kh->held = NULL;
        kh->nheld = kh->cap = kh->release = 0;
        kh->releasing = false;
}

/* Hold raw (taken) until the catch-up decides.  false: no room (then hand all out). */
static bool remote_kh_hold(struct remote_khost *kh, char *raw, size_t len)
{
        if (kh->nheld == kh->cap) {
                size_t cap = kh->cap ? kh->cap * 2 : 64;
                struct remote_kheld *n;

                if (cap > REMOTE_KHELD_MAX || !(n = realloc(kh->held, cap * sizeof(*n))))
                        return false;
                kh->held = n;
                kh->cap = cap;
        }
        kh->held[kh->nheld++] = (struct remote_kheld){.raw = raw, .len = len};
        kh->held_ms = remote_ms();
        return true;
}

/* The host restarted (or the catch-up cannot hold more): hand out what was held, afresh. */
static void remote_kh_release(struct remote_khost *kh)
{
        kh->catchup = false;
        kh->have = false; /* a new numbering */
        kh->releasing = kh->nheld > 0;
        kh->release = 0;
}

/*
 * The next record of host h: 1 with *raw (malloc'd) and *link, 0: none now.  Drops the
 * records a new link repeats (see remote_khost).  *dropped: the host's queue drops.
 */
static int remote_kh_next(struct remote_klog *k, size_t h, char **raw, size_t *len, unsigned *link,
                          char *err, size_t errsz)
{
        struct remote_khost *kh = &k->h[h];

        for (;;) {
                struct kmsg_rec r;
                uint64_t dropped;
                int got;

                if (kh->releasing) {
                        *raw = kh->held[kh->release].raw;
                        *len = kh->held[kh->release].len;
                        kh->held[kh->release++].raw = NULL;
                        *link = kh->link;
                        if (kh->release == kh->nheld)
                                remote_kh_drop_held(kh);
                        return 1;
                }
                got = rsrc_klog_next(k->rem->r[h], raw, len, &dropped, link);
                if (dropped) {
                        /* told as one gap; the jump they leave is not counted again */
                        k->gaps += dropped;
                        __atomic_add_fetch(&k->rem->klog_lost[h], dropped, __ATOMIC_RELAXED);
                        kh->have = false;
                        kh->catchup = false;
                        remote_kh_drop_held(kh);
                }
                if (!got && kh->catchup && kh->nheld &&
                    remote_ms() - kh->held_ms >= REMOTE_KCATCHUP_MS) {
                        remote_kh_release(kh); /* the burst ended before the last record */
                        continue;
                }
                if (!got)
                        return 0;
                if (!kh->have)
                        return 1;
                if (*link != kh->link) {
                        /* a new link: from the host's oldest record again */
                        remote_kh_drop_held(kh);
                        kh->link = *link;
                        kh->catchup = true;
                }
                if (!kh->catchup || kmsg_parse(*raw, *len, &r, err, errsz) < 0)
                        return 1; /* (a bad record is told by the caller's parse) */
                if (r.seq < kh->last) {
                        if (remote_kh_hold(kh, *raw, *len))
                                continue;
                        remote_kh_release(kh); /* too many: hand them out, then this */
                        if (!remote_kh_hold(kh, *raw, *len))
                                return 1;
                        kh->releasing = true;
                        continue;
                }
                if (r.seq == kh->last && r.ts_us == kh->last_ts &&
                    remote_k_sum(&r) == kh->last_sum) {
                        /* the same boot: all held were taken on the earlier link */
                        remote_kh_drop_held(kh);
                        kh->catchup = false;
                        free(*raw);
                        continue;
                }
                /* another record where the last was, or past it with older ones held: the
                   host restarted; those held are new, then this one */
                if (!kh->nheld) {
                        kh->catchup = false;
                        if (r.seq == kh->last)
                                kh->have = false;
                        return 1;
                }
                remote_kh_release(kh);
                if (!remote_kh_hold(kh, *raw, *len)) {
                        free(*raw);
                        __atomic_add_fetch(&k->rem->klog_lost[h], 1, __ATOMIC_RELAXED);
                }
                kh->releasing = true;
        }
}

/* The next host record: KLOG_REC, KLOG_BAD, KLOG_GAP or KLOG_NONE. */
static int remote_k_host(struct remote_klog *k, struct kmsg_rec *out, char *err, size_t errsz)
{
        struct remote *rem = k->rem;

        if (k->have_pend) {
                *out = k->pend;
                k->have_pend = false;
                return KLOG_REC;
        }
        for (size_t n = 0; n < rem->n; n++) {
                size_t h = (k->next + n) % rem->n;
                struct remote_khost *kh = &k->h[h];
                char *raw = NULL, name[KMSG_DEV_MAX];
                size_t len;
                unsigned link = 0;
                int ret;

                if (!remote_kh_next(k, h, &raw, &len, &link, err, errsz))
                        continue;
                k->next = h + 1;
                if (rem->rec)
                        src_rec_klog_host(rem->rec, (unsigned)h + 1, raw, len);
                ret = kmsg_parse(raw, len, out, err, errsz);
                free(raw);
                if (ret < 0) {
                        char why[256];

                        snprintf(why, sizeof(why), "%s", err);
                        snprintf(err, errsz, "%s: %s", rem->label[h], why);
                        return KLOG_BAD;
                }
                if (out->device[0]) {
                        /* the host's device: "hvA:0000:7d:00.1" (too long: tied to none) */
                        if ((size_t)snprintf(name, sizeof(name), "%s:%s", rem->label[h],
                                             out->device) >= sizeof(name))
                                name[0] = '\0';
                        memcpy(out->device, name, sizeof(name));
                }
                __atomic_add_fetch(&rem->klog_records[h], 1, __ATOMIC_RELAXED);
                ret = KLOG_REC;
                /* a jump on one link (a new link starts from the host's oldest record) */
                if (kh->have && kh->link == link && out->seq > kh->last + 1) {
                        __atomic_add_fetch(&rem->klog_lost[h], out->seq - kh->last - 1,
                                           __ATOMIC_RELAXED);
                        k->pend = *out;
                        k->have_pend = true;
                        ret = KLOG_GAP;
                }
                kh->have = true;
                kh->link = link;
                kh->last = out->seq;
                kh->last_ts = out->ts_us;
                kh->last_sum = remote_k_sum(out);
                return ret;
        }
        return KLOG_NONE;
}

static int remote_k_next(void *ctx, struct kmsg_rec *out, char *err, size_t errsz)
{
        struct remote_klog *k = ctx;
        uint64_t v;
        int ret;

        if (k->gaps) {
                k->gaps = 0;
                return KLOG_GAP;
        }
        if (k->local && !k->local_done) {
                ret = klog_next(k->local, out, err, errsz);
                if (ret != KLOG_NONE && ret != KLOG_END)
                        return ret;
                k->local_done = ret == KLOG_END;
        }
        ret = remote_k_host(k, out, err, errsz);
        if (ret != KLOG_NONE)
                return ret;
        /* nothing: clear the wakeups, then look once more (a record may have come between) */
        while (read(k->efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
                ;
        return remote_k_host(k, out, err, errsz);
}

static void remote_k_destroy(void *ctx)
{
        struct remote_klog *k = ctx;

        for (size_t i = 0; i < k->rem->n; i++) {
                rsrc_klog_notify(k->rem->r[i], -1);
                remote_kh_drop_held(&k->h[i]);
        }
        remote_close(k->rem);
        klog_free(k->local);
        if (k->epfd >= 0)
                close(k->epfd);
        if (k->efd >= 0)
                close(k->efd);
        free(k);
}

static const struct klog_ops remote_k_ops = {
    .kind = "remote",
    .fd = remote_k_fd,
    .next = remote_k_next,
    .destroy = remote_k_destroy,
};

bool remote_has_klog(struct remote *rem, bool pending)
{
        for (size_t i = 0; i < rem->n && !rem->rpl; i++) {
                struct rsrc_status st;

                rsrc_status(rem->r[i], &st);
                if (!st.have_hello && pending)
                        return true;
                if (st.have_hello && (!st.hello.klog[0] || strcmp(st.hello.klog, "ok") == 0 ||
                                      strcmp(st.hello.klog, "file") == 0))
                        return true;
        }
        return false;
}

int remote_klog(struct remote *rem, struct klog *local, struct klog **out)
{
        struct remote_klog *k = calloc(1, sizeof(*k));
        struct epoll_event ev = {.events = EPOLLIN};
        char source[300];
        int ret;

        *out = NULL;
        if (!k) {
                klog_free(local);
                return -ENOMEM;
        }
        k->local = local;
        k->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        k->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (k->efd < 0 || k->epfd < 0)
                goto fail;
        ev.data.fd = k->efd;
        if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->efd, &ev) < 0)
                goto fail;
        if (local && klog_fd(local) >= 0) {
                ev.data.fd = klog_fd(local);
                if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
                        goto fail;
        }
        __atomic_add_fetch(&rem->refs, 1, __ATOMIC_ACQ_REL);
        k->rem = rem;
        rem->klocal = local;
        rem->klog_on = true;
        for (size_t i = 0; i < rem->n; i++)
                rsrc_klog_notify(rem->r[i], k->efd);
        snprintf(source, sizeof(source), "%s%shosts", local ? klog_source(local) : "",
                 local ? " and the " : "the ");
        ret = klog_new(&remote_k_ops, k, source, false, out);
        if (ret < 0)
                remote_k_destroy(k);
        return ret;
fail:
        ret = -errno;
        if (k->epfd >= 0)
                close(k->epfd);
        if (k->efd >= 0)
                close(k->efd);
        klog_free(local);
        free(k);
        return ret;
}
