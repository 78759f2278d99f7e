// SPDX-License-Identifier: GPL-2.0-only
/*
 * engine_klog: the kernel log in the engine.  Records are read in engine_process(), on the
 * engine's thread, never blocking: the live /dev/kmsg is opened O_NONBLOCK (a read with
 * nothing new fails with EAGAIN; devkmsg_read only takes the per-open mutex, which no one
 * else holds) and its fd is added to an epoll set with the reader's eventfd, which is what
 * engine_fd() returns, so the UI's single poll() wakes for records too.  Why not a reader
 * thread: a record is at most 2 KiB and parses in microseconds; a batch bound (512 per
 * engine_process) keeps a flood from holding the loop (the rest is read on the next call,
 * with a zero timeout), and no lock or queue is needed between threads.
 *
 * Each record naming a device (DEVICE=+pci:BDF, +mdev:UUID) goes to that device's ring;
 * one naming a device not in the table waits in a bounded ring of orphans until the
 * device appears (eng_klog_adopt) or newer orphans push it out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "engine/engine_int.h"

#define KLOG_BATCH 512 /* records per engine_process() */

const char *engine_klog_state_name(enum engine_klog_state s)
{
        switch (s) {
        case ENGINE_KLOG_OK:
                return "ok";
        case ENGINE_KLOG_FILE:
                return "file";
        case ENGINE_KLOG_UNAVAILABLE:
                return "unavailable";
        default:
                return "off";
        }
}

int64_t engine_klog_time_ns(const struct engine_snap *s, const struct kmsg_rec *r)
{
        if (!s || !r || !s->klog.same_clock || r->ts_us < 0)
                return -1;
        return r->ts_us * 1000;
}

static void klog_status_from_source(struct engine *e)
{
        struct klog *k = e->o.klog;
        struct engine_klog *st = &e->kst;

        snprintf(st->source, sizeof(st->source), "%s", klog_source(k));
        if (klog_state(k) != KLOG_ST_OK) {
                st->state = ENGINE_KLOG_UNAVAILABLE;
                snprintf(st->msg, sizeof(st->msg), "%s", klog_message(k));
                st->caught_up = true;
        } else {
                st->state = klog_live(k) ? ENGINE_KLOG_OK : ENGINE_KLOG_FILE;
                st->msg[0] = '\0';
        }
        /* the engine's default clock is CLOCK_MONOTONIC, like local_clock() since boot */
        st->same_clock = klog_live(k) && e->default_clock;
}

int eng_klog_init(struct engine *e)
{
        struct epoll_event ev = {.events = EPOLLIN};
        int fd;

        e->epfd = e->klog_fd = -1;
        klog_ring_init(&e->klog_orphans, e->o.klog_orphans);
        if (!e->o.klog)
                return 0;
        klog_status_from_source(e);
        fd = klog_fd(e->o.klog);
        if (fd < 0)
                return 0;
        e->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (e->epfd < 0)
                return -errno;
        ev.data.fd = reader_fd(e->rd);
        if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
                return -errno;
        ev.data.fd = fd;
        if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return -errno;
        e->klog_fd = fd;
        return 0;
}

void eng_klog_fini(struct engine *e)
{
        if (e->epfd >= 0)
                close(e->epfd);
        e->epfd = -1;
        klog_ring_free(&e->klog_orphans);
}

bool eng_klog_busy(const struct engine *e)
{
        return e->o.klog && (e->klog_more || !e->kst.caught_up);
}

static void klog_log(struct engine *e, const struct eng_dev *d, const struct kmsg_rec *r)
{
        if (e->o.log)
                evlog_kmsg(e->o.log, eng_realtime(e), d->td.name, r);
}

static int klog_give(struct engine *e, struct eng_dev *d, const struct kmsg_rec *r)
{
        int ret = klog_ring_push(&d->klog, r);

        if (ret < 0)
                return ret;
        e->kst.attributed++;
        dev_touch(e, d);
        klog_log(e, d, r);
        return 0;
}

static int klog_deliver(struct engine *e, const struct kmsg_rec *r)
{
        struct eng_dev *d;

        /* a file may be an excerpt: only the live ring's numbering says records were lost */
        if (e->kst.state == ENGINE_KLOG_OK && e->klog_have_seq && r->seq > e->klog_last_seq + 1)
                e->kst.lost += r->seq - e->klog_last_seq - 1;
        e->klog_have_seq = true;
        e->klog_last_seq = r->seq;
        e->kst.records++;
        if (!r->device[0])
                return 0;
        d = eng_dev_lookup(e, r->device);
        if (d)
                return klog_give(e, d, r);
        return klog_ring_push(&e->klog_orphans, r);
}

/* The source failed or ended: stop polling its fd. */
static void klog_stop(struct engine *e)
{
        e->kst.caught_up = true;
        e->klog_done = true;
        if (klog_state(e->o.klog) == KLOG_ST_OK)
                return; /* a file read to its end */
        if (e->epfd >= 0 && e->klog_fd >= 0)
                epoll_ctl(e->epfd, EPOLL_CTL_DEL, e->klog_fd, NULL);
        e->klog_fd = -1;
        if (e->kst.state != ENGINE_KLOG_UNAVAILABLE) {
                klog_status_from_source(e);
                if (e->o.log)
                        evlog_klog(e->o.log, eng_realtime(e), "unavailable", e->kst.msg);
        }
}

int eng_klog_pump(struct engine *e)
{
        struct kmsg_rec r;
        char err[sizeof(e->kst.bad_msg)], note[96];
        int ret = 0, got = 0;

        e->klog_more = false;
        /* a source is asked until it ends: a replay's records come as its clock passes them */
        if (!e->o.klog || e->klog_done)
                return 0;
        for (int n = 0; n < KLOG_BATCH; n++) {
                int k = klog_next(e->o.klog, &r, err, sizeof(err));

                switch (k) {
                case KLOG_REC:
                        ret = klog_deliver(e, &r);
                        if (ret < 0)
                                return ret;
                        got = 1;
                        continue;
                case KLOG_GAP:
                        e->kst.gaps++;
                        if (e->o.log) {
                                snprintf(note, sizeof(note),
                                         "records were overwritten before migtop read them "
                                         "(gap %llu)",
                                         (unsigned long long)e->kst.gaps);
                                evlog_klog(e->o.log, eng_realtime(e), "gap", note);
                        }
                        e->seq++;
                        continue;
                case KLOG_BAD:
                        e->kst.bad++;
                        snprintf(e->kst.bad_msg, sizeof(e->kst.bad_msg), "%s", err);
                        e->seq++;
                        continue;
                case KLOG_END:
                        if (got || !e->kst.caught_up || klog_state(e->o.klog) != KLOG_ST_OK)
                                e->seq++;
                        klog_stop(e);
                        return 0;
                default: /* KLOG_NONE */
                        if (got || !e->kst.caught_up)
                                e->seq++;
                        e->kst.caught_up = true;
                        return 0;
                }
        }
        e->klog_more = true;
        e->seq++;
        return 0;
}

static bool klog_is_for(const struct kmsg_rec *r, void *ctx)
{
        return strcmp(r->device, ((const struct eng_dev *)ctx)->td.name) == 0;
}

void eng_klog_adopt(struct engine *e, struct eng_dev *d)
{
        bool any = false;

        for (size_t i = 0; i < e->klog_orphans.n; i++) {
                const struct kmsg_rec *r = klog_ring_at(&e->klog_orphans, i);

                if (klog_is_for(r, d)) {
                        if (klog_give(e, d, r) < 0)
                                return; /* no memory: they stay orphans */
                        any = true;
                }
        }
        if (any)
                klog_ring_filter(&e->klog_orphans, klog_is_for, d);
}
