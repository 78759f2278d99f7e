/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch_hosts: --host in the batch modes: whether a device's data is stale, the words of
 * a host's status, what a host's sysfs says of its device, and --log's host lines.
 */
#include "batch_int.h"

#include <stdio.h>
#include <string.h>

#include "engine/discover.h"
#include "engine/evlog.h"
#include "remote.h"

_Static_assert(sizeof(((struct batch_ctx *)0)->host_logged) / sizeof(unsigned) == REMOTE_MAX_HOSTS,
               "one count per host");

bool batch_dev_stale(const struct batch_ctx *c, const char *name, long long *age_ms, long *host)
{
        return remote_dev_stale(c->rem, name, batch_mono_ns(), age_ms, host);
}

void batch_host_detail(const struct batch_ctx *c, size_t i, char *buf, size_t n)
{
        struct rsrc_status st;
        int64_t now = batch_mono_ns();

        remote_status(c->rem, i, &st);
        switch (st.state) {
        case RSRC_CONNECTED:
                snprintf(buf, n, "agent %s on %s, kernel %s, last data %.1f s ago", st.hello.migtop,
                         st.hello.host, st.hello.kernel, (double)(now - st.last_ns) / 1e9);
                break;
        case RSRC_DOWN:
                if (st.retry_ns > now)
                        snprintf(buf, n, "%s; next attempt in %.1f s", st.error,
                                 (double)(st.retry_ns - now) / 1e9);
                else
                        snprintf(buf, n, "%s", st.error);
                break;
        case RSRC_RECONNECTING:
                snprintf(buf, n, "attempt %u; the last link: %s", st.attempts, st.error);
                break;
        case RSRC_CONNECTING:
        default:
                snprintf(buf, n, "%s", "");
                break;
        }
}

bool batch_remote_sysfs(const struct batch_ctx *c, const char *name, struct disc_dev *out)
{
        struct ap_sys y;

        if (!c->rem || remote_dev_sys(c->rem, name, &y) < 0)
                return false;
        memset(out, 0, sizeof(*out));
        snprintf(out->name, sizeof(out->name), "%s", y.dev);
        out->bus = strcmp(y.bus, "pci") == 0    ? DISC_BUS_PCI
                   : strcmp(y.bus, "mdev") == 0 ? DISC_BUS_MDEV
                                                : DISC_BUS_OTHER;
        snprintf(out->driver, sizeof(out->driver), "%s", y.driver);
        snprintf(out->parent, sizeof(out->parent), "%s", y.parent);
        out->iommu_group = y.iommu_group;
        out->numa_node = y.numa_node;
        out->is_vf = y.is_vf;
        out->has_ids = y.has_ids;
        out->vendor = y.vendor;
        out->device = y.device;
        out->mig = DISC_MIG_UNKNOWN; /* not carried */
        return true;
}

/* --log: a line for each host whose status changed since the last look. */
void batch_hosts_log(struct batch_ctx *c)
{
        for (size_t i = 0; c->log && i < remote_count(c->rem); i++) {
                struct rsrc_status st;
                char detail[700];

                remote_status(c->rem, i, &st);
                if (c->host_logged[i] == st.changes + 1)
                        continue;
                c->host_logged[i] = st.changes + 1; /* 0: never logged */
                batch_host_detail(c, i, detail, sizeof(detail));
                evlog_host(c->log, (int64_t)st.since_ms * BATCH_MS_NS, remote_label(c->rem, i),
                           rsrc_state_name(st.state), detail);
        }
}
