/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * remote_rec: --record of a --host run (each link's source, kernel log, status and sysfs
 * facts under its host index) and --replay of one (the hosts as recorded), see remote.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/src_rec.h"
#include "core/src_replay.h"
#include "engine/klog.h"
#include "engine/replayer.h"
#include "remote.h"
#include "remote_int.h"

static int64_t remote_clock_ns(clockid_t id)
{
        struct timespec ts;

        clock_gettime(id, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A link's status as recorded: its CLOCK_MONOTONIC times on the recording's clock. */
static void remote_link_of(const struct remote *rem, size_t i, const struct rsrc_status *st,
                           struct rec_link *l)
{
        memset(l, 0, sizeof(*l));
        l->state = (unsigned)st->state;
        l->have_hello = st->have_hello;
        l->since_ns = st->since_ms * 1000000;
        l->last_ns = st->last_ns ? st->last_ns + rem->rt_off : 0;
        l->retry_ns = st->retry_ns ? st->retry_ns + rem->rt_off : 0;
        l->rtt_ms = st->rtt_ms < -1 ? -1 : st->rtt_ms;
        l->attempts = st->attempts;
        l->changes = st->changes;
        l->lines = st->lines;
        l->bytes = st->bytes;
        l->bad = st->bad;
        snprintf(l->error, sizeof(l->error), "%s", st->error);
        snprintf(l->dest, sizeof(l->dest), "%s", rem->dest[i]);
        if (st->have_hello) {
                snprintf(l->agent, sizeof(l->agent), "%s", st->hello.migtop);
                snprintf(l->agent_host, sizeof(l->agent_host), "%s", st->hello.host);
                snprintf(l->kernel, sizeof(l->kernel), "%s", st->hello.kernel);
                snprintf(l->klog, sizeof(l->klog), "%s", st->hello.klog);
        }
}

/* src_rec's poll: each link's status, recorded when it changed. */
static void remote_rec_poll(void *ctx, struct src_rec *rc)
{
        struct remote *rem = ctx;

        for (size_t i = 0; i < rem->n; i++) {
                struct rsrc_status st;
                struct rec_link l;

                rsrc_status(rem->r[i], &st);
                remote_link_of(rem, i, &st, &l);
                src_rec_link(rc, (unsigned)i + 1, &l);
        }
}

static void remote_rec_release(void *ctx)
{
        remote_close(ctx);
}

/* src_rec_sys_fn over a link (ctx: its rsrc). */
static int remote_rec_sys(void *ctx, const char *dev, struct rec_sys *out)
{
        struct ap_sys y;
        int ret = rsrc_sys(ctx, dev, &y);

        if (ret < 0)
                return ret;
        snprintf(out->dev, sizeof(out->dev), "%s", dev);
        snprintf(out->bus, sizeof(out->bus), "%s", y.bus);
        snprintf(out->driver, sizeof(out->driver), "%s", y.driver);
        snprintf(out->parent, sizeof(out->parent), "%s", y.parent);
        out->is_vf = y.is_vf;
        out->has_ids = y.has_ids;
        out->vendor = y.vendor;
        out->device = y.device;
        out->iommu_group = y.iommu_group;
        out->numa_node = y.numa_node;
        return 0;
}

int remote_record(struct remote *rem, struct src_rec *rc)
{
        int ret = 0;

        rem->rt_off = remote_clock_ns(CLOCK_REALTIME) - remote_clock_ns(CLOCK_MONOTONIC);
        if (rem->u->local && (ret = src_rec_wrap(rc, rem->u->local, 0, &rem->u->local)) < 0)
                return ret;
        for (size_t i = 0; i < rem->n; i++) {
                ret = src_rec_wrap_link(rc, rem->s[i], (unsigned)i + 1, remote_rec_sys, rem->r[i],
                                        &rem->s[i]);
                if (ret < 0)
                        return ret;
        }
        if (rem->klocal)
                klog_set_tap(rem->klocal, src_rec_klog, rc);
        rem->rec = rc;
        __atomic_add_fetch(&rem->refs, 1, __ATOMIC_ACQ_REL);
        src_rec_poll(rc, remote_rec_poll, remote_rec_release, rem);
        return 0;
}

void remote_rec_hosts(const struct remote_host *hosts, size_t n, struct rec_host *out)
{
        for (size_t i = 0; i < n; i++) {
                memset(&out[i], 0, sizeof(out[i]));
                snprintf(out[i].name, sizeof(out[i].name), "%s", hosts[i].label);
                snprintf(out[i].root, sizeof(out[i].root), "%s", hosts[i].root);
        }
}

int remote_replayed(const struct rpl *rpl, struct remote **out)
{
        const struct rec_header *h = replay_header(rpl_replay(rpl));
        struct remote *rem;

        *out = NULL;
        if (!(h->flags & REC_HDR_LINKS) || h->nhosts < 2)
                return 0;
        rem = calloc(1, sizeof(*rem));
        if (!rem)
                return -ENOMEM;
        rem->rpl = rpl;
        rem->refs = 1;
        for (size_t i = 1; i < h->nhosts && rem->n < REMOTE_MAX_HOSTS; i++) {
                struct rec_link l;

                snprintf(rem->label[rem->n], sizeof(rem->label[0]), "%s", h->hosts[i].name);
                if (rpl_link(rpl, (unsigned)i, &l) == 0)
                        snprintf(rem->dest[rem->n], sizeof(rem->dest[0]), "%s", l.dest);
                rem->n++;
        }
        *out = rem;
        return 0;
}

/*
 * A replayed link's status as of the replay's clock; its times made CLOCK_MONOTONIC ones
 * as far before now as they were before the replayed time, so that an age reads as then.
 */
void remote_replayed_status(struct remote *rem, size_t i, struct rsrc_status *out)
{
        int64_t vnow = rpl_now(rem->rpl), mono = remote_clock_ns(CLOCK_MONOTONIC);
        struct rec_link l;

        memset(out, 0, sizeof(*out));
        out->rtt_ms = -1;
        if (rpl_link(rem->rpl, (unsigned)i + 1, &l) < 0) {
                out->state = RSRC_CONNECTING;
                return;
        }
        if (!rem->dest[i][0])
                snprintf(rem->dest[i], sizeof(rem->dest[i]), "%s", l.dest);
        out->state = (enum rsrc_state)l.state;
        out->have_hello = l.have_hello;
        out->since_ms = l.since_ns / 1000000;
        out->last_ns = l.last_ns ? mono - (vnow - l.last_ns) : 0;
        out->retry_ns = l.retry_ns ? mono - (vnow - l.retry_ns) : 0;
        out->rtt_ms = l.rtt_ms;
        out->attempts = l.attempts;
        out->changes = l.changes;
        out->lines = l.lines;
        out->bytes = l.bytes;
        out->bad = l.bad;
        snprintf(out->error, sizeof(out->error), "%s", l.error);
        snprintf(out->hello.migtop, sizeof(out->hello.migtop), "%s", l.agent);
        snprintf(out->hello.host, sizeof(out->hello.host), "%s", l.agent_host);
        snprintf(out->hello.kernel, sizeof(out->hello.kernel), "%s", l.kernel);
        snprintf(out->hello.klog, sizeof(out->hello.klog), "%s", l.klog);
}

int remote_replayed_sys(struct remote *rem, const char *dev, struct ap_sys *out)
{
        struct rec_sys y;
        const char *colon = strchr(dev, ':');

        if (rpl_sys(rem->rpl, dev, &y) < 0)
                return -ENOENT;
        memset(out, 0, sizeof(*out));
        snprintf(out->dev, sizeof(out->dev), "%s", colon ? colon + 1 : dev);
        snprintf(out->bus, sizeof(out->bus), "%s", y.bus);
        snprintf(out->driver, sizeof(out->driver), "%s", y.driver);
        snprintf(out->parent, sizeof(out->parent), "%s", y.parent);
        out->is_vf = y.is_vf;
        out->has_ids = y.has_ids;
        out->vendor = (uint16_t)y.vendor;
        out->device = (uint16_t)y.device;
        out->iommu_group = y.iommu_group;
        out->numa_node = y.numa_node;
        return 0;
}
