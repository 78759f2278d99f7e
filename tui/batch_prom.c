/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch: the metrics of `--textfile DIR` (DIR/migtop.prom, replaced atomically each
 * interval, for node_exporter's textfile collector) and of `--openmetrics` (OpenMetrics
 * text on stdout), from one snapshot: the engine's facts, sysfs's, the --pair compare.
 *
 * Labels are bounded: device names, driver facts, state/status/class/level names, the
 * names of the pair's checks; never a time or a message.  With --host, a host's device
 * series have its label ("host"), and each host its link's series (migtop_host_*).  Series of a
 * device exist while the engine keeps it (a gone device is dropped after engine_opts.gone_keep_ms).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "batch_int.h"
#include "core/kmsg.h"
#include "core/kv.h"
#include "core/pair.h"
#include "core/prom.h"
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/engine.h"
#include "remote.h"

#define BATCH_PROM_FILE "migtop.prom"
#define BATCH_NS_S      1e9

/*
 * The state label of a device: the kernel's name; "gone" for a vanished device (kept a
 * while by the engine), "unknown" when the state file was not read (yet) or failed.
 */
static const char *batch_prom_state(const struct tree_dev *d)
{
        if (d->state_file.status == DRV_ST_GONE)
                return "gone";
        return d->state_file.status == DRV_ST_OK ? fsm_state_name(d->state) : "unknown";
}

/*
 * A device's labels l[0..n) and, for a host's device (--host), host="LABEL" after them
 * (l has room for one more): the count.  A local device has no host label.
 */
static size_t batch_prom_host(const struct batch_ctx *c, const char *dev, struct prom_label *l,
                              size_t n)
{
        long h = remote_host_of(c->rem, dev);

        if (h < 0)
                return n;
        l[n].name = "host";
        l[n].value = remote_label(c->rem, (size_t)h);
        return n + 1;
}

/* Whether device dev is a host's whose link is down (the values are the last sent). */
static bool batch_prom_stale(const struct batch_ctx *c, const char *dev)
{
        long long age;
        long h;

        return c->rem && batch_dev_stale(c, dev, &age, &h);
}

static void batch_prom_info(struct prom_w *w, const struct batch_ctx *c,
                            const struct engine_snap *s, const struct disc_merged *m)
{
        prom_family(w, "migtop_device_info", PROM_INFO,
                    "A migration capable VFIO device under the vfio debugfs directory, with "
                    "its bound driver, PCI IDs and parent (PF or mdev parent) from sysfs.");
        for (size_t i = 0; i < s->tree.ndevs; i++) {
                const struct tree_dev *d = &s->tree.devs[i];
                const struct engine_sys *sys = s->info ? engine_dev_sys(&s->info[i]) : NULL;
                const struct disc_entry *en = m && m->n ? batch_entry(m, d->name) : NULL;
                char ven[8] = "", dev[8] = "";
                const char *drv = "", *parent = "";
                struct disc_dev rd;

                if (en && en->in_sysfs) {
                        drv = en->dev.driver;
                        parent = en->dev.parent;
                        if (en->dev.has_ids) {
                                snprintf(ven, sizeof(ven), "%04x", en->dev.vendor & 0xffffu);
                                snprintf(dev, sizeof(dev), "%04x", en->dev.device & 0xffffu);
                        }
                } else if (!en && batch_remote_sysfs(c, d->name, &rd)) {
                        /* a host's device: what its host's sysfs says, as its agent sent it */
                        drv = rd.driver;
                        parent = rd.parent;
                        if (rd.has_ids) {
                                snprintf(ven, sizeof(ven), "%04x", rd.vendor & 0xffffu);
                                snprintf(dev, sizeof(dev), "%04x", rd.device & 0xffffu);
                        }
                } else if (sys && sys->known) {
                        drv = sys->driver;
                        parent = sys->parent;
                        if (sys->pci_device >= 0)
                                snprintf(dev, sizeof(dev), "%04x", sys->pci_device & 0xffff);
                }
                struct prom_label l[] = {{"device", d->name}, {"driver", drv},
                                         {"pci_vendor", ven}, {"pci_device", dev},
                                         {"parent", parent},  {NULL, NULL}};

                prom_sample(w, "migtop_device_info", l, batch_prom_host(c, d->name, l, 5), 1);
        }
}

static void batch_prom_states(struct prom_w *w, const struct batch_ctx *c,
                              const struct engine_snap *s, int64_t now)
{
        prom_family(w, "migtop_device_state", PROM_GAUGE,
                    "1 for the device's current migration state (migration/state as the kernel "
                    "prints it: RUNNING, STOP, STOP_COPY, RESUMING, PRE_COPY, ...; unknown when "
                    "not read, gone for a vanished device).");
        for (size_t i = 0; i < s->tree.ndevs; i++) {
                const struct tree_dev *d = &s->tree.devs[i];
                struct prom_label l[] = {
                    {"device", d->name}, {"state", batch_prom_state(d)}, {NULL, NULL}};

                prom_sample(w, "migtop_device_state", l, batch_prom_host(c, d->name, l, 2), 1);
        }
        prom_family(w, "migtop_device_state_seconds", PROM_GAUGE,
                    "Seconds since the poller first saw the device in its current state.");
        for (size_t i = 0; s->info && i < s->tree.ndevs; i++) {
                const struct engine_dev_info *in = &s->info[i];
                struct prom_label l[] = {{"device", s->tree.devs[i].name}, {NULL, NULL}};

                if (in->have_state)
                        prom_sample(w, "migtop_device_state_seconds", l,
                                    batch_prom_host(c, l[0].value, l, 1),
                                    (double)(now - in->state_since_ns) / BATCH_NS_S);
        }
        prom_family(w, "migtop_device_stuck", PROM_GAUGE,
                    "1 when the device has been in its state longer than that state's stuck "
                    "threshold (--stuck; by default 60 s in STOP_COPY, RESUMING, PRE_COPY, "
                    "PRE_COPY_P2P and RUNNING_P2P, never in the others); 0 for a host's "
                    "device while its link is down (migtop_device_stale): its values stopped, "
                    "not the device.");
        for (size_t i = 0; s->info && i < s->tree.ndevs; i++) {
                struct prom_label l[] = {{"device", s->tree.devs[i].name}, {NULL, NULL}};
                bool stuck = s->info[i].stuck && !batch_prom_stale(c, l[0].value);

                prom_sample(w, "migtop_device_stuck", l, batch_prom_host(c, l[0].value, l, 1),
                            stuck ? 1 : 0);
        }
        if (c->rem) {
                prom_family(w, "migtop_device_stale", PROM_GAUGE,
                            "1 for a host's device (--host) while its link is down: its values "
                            "are the last its agent sent (migtop_host_data_age_seconds old).");
                for (size_t i = 0; i < s->tree.ndevs; i++) {
                        struct prom_label l[] = {{"device", s->tree.devs[i].name}, {NULL, NULL}};
                        size_t nl = batch_prom_host(c, l[0].value, l, 1);

                        if (nl > 1)
                                prom_sample(w, "migtop_device_stale", l, nl,
                                            batch_prom_stale(c, l[0].value) ? 1 : 0);
                }
        }
        prom_family(w, "migtop_state_transitions_total", PROM_COUNTER,
                    "State changes the poller saw, by the v2 FSM's classification: direct (one "
                    "arc), combination (several arcs, intermediate states inferred), to_error, "
                    "reset (out of ERROR), impossible (no path).");
        for (size_t i = 0; s->info && i < s->tree.ndevs; i++) {
                for (unsigned k = FSM_CLASS_DIRECT; k <= FSM_CLASS_IMPOSSIBLE; k++) {
                        struct prom_label l[] = {{"device", s->tree.devs[i].name},
                                                 {"class", fsm_class_name(k)},
                                                 {NULL, NULL}};

                        prom_sample_u64(w, "migtop_state_transitions_total", l,
                                        batch_prom_host(c, l[0].value, l, 2),
                                        s->info[i].transitions_by_class[k]);
                }
        }
}

/* A file with something to show: a read answered, or one in flight past its deadline. */
static bool batch_prom_shown(const struct engine_file_info *fi)
{
        return fi && (fi->read_once || fi->blocked);
}

/* The files of a device with a status (batch_prom_shown): label, parsed file, descriptor. */
struct batch_prom_file {
        char label[80]; /* "state", "features", "hisi_acc/dev_data" */
        const struct drv_file *f;
        const struct drv_file_desc *desc; /* NULL for the core files */
};

static size_t batch_prom_files(const struct engine_snap *s, size_t i, struct batch_prom_file *out,
                               size_t max)
{
        const struct tree_dev *d = &s->tree.devs[i];
        const struct engine_dev_info *in = s->info ? &s->info[i] : NULL;
        size_t n = 0;

        if (max < 2)
                return 0;
        if (!in || batch_prom_shown(&in->state_info)) {
                snprintf(out[n].label, sizeof(out[n].label), "state");
                out[n].f = &d->state_file;
                out[n++].desc = NULL;
        }
        if (!in || batch_prom_shown(&in->features_info)) {
                snprintf(out[n].label, sizeof(out[n].label), "features");
                out[n].f = &d->features_file;
                out[n++].desc = NULL;
        }
        for (size_t k = 0; k < d->ndirs; k++) {
                const struct tree_drvdir *dir = &d->dirs[k];

                for (unsigned j = 0; dir->ops && j < dir->nfiles && j < dir->ops->nfiles; j++) {
                        const struct engine_file_info *fi =
                            s->info ? engine_snap_file_info(s, i, dir->name, dir->files[j].name)
                                    : NULL;

                        if (n == max)
                                return n;
                        if (s->info && !batch_prom_shown(fi))
                                continue;
                        snprintf(out[n].label, sizeof(out[n].label), "%s/%s", dir->name,
                                 dir->files[j].name);
                        out[n].f = &dir->files[j];
                        out[n++].desc = &dir->ops->files[j];
                }
        }
        return n;
}

#define BATCH_PROM_FILES 32

static void batch_prom_file_metrics(struct prom_w *w, const struct batch_ctx *c,
                                    const struct engine_snap *s)
{
        struct batch_prom_file f[BATCH_PROM_FILES];

        prom_family(w, "migtop_file_status", PROM_GAUGE,
                    "1 for the status of the last read of a debugfs file: ok, not_opened, "
                    "not_migrated, not_ready, error, absent, blocked, gone, mailbox_error.");
        for (size_t i = 0; i < s->tree.ndevs; i++) {
                size_t n = batch_prom_files(s, i, f, BATCH_PROM_FILES);

                for (size_t k = 0; k < n; k++) {
                        struct prom_label l[] = {{"device", s->tree.devs[i].name},
                                                 {"file", f[k].label},
                                                 {"status", drv_status_name(f[k].f->status)},
                                                 {NULL, NULL}};

                        prom_sample(w, "migtop_file_status", l,
                                    batch_prom_host(c, l[0].value, l, 3), 1);
                }
        }
        prom_family(w, "migtop_file_read_seconds", PROM_GAUGE,
                    "How long the last completed read of a debugfs file took.");
        for (size_t i = 0; i < s->tree.ndevs; i++) {
                size_t n = batch_prom_files(s, i, f, BATCH_PROM_FILES);

                for (size_t k = 0; k < n; k++) {
                        const struct drv_file *df = f[k].f;
                        struct prom_label l[] = {
                            {"device", s->tree.devs[i].name}, {"file", f[k].label}, {NULL, NULL}};

                        if (df->t_start > 0 && df->t_end >= df->t_start)
                                prom_sample(w, "migtop_file_read_seconds", l,
                                            batch_prom_host(c, l[0].value, l, 2),
                                            (double)(df->t_end - df->t_start) / BATCH_NS_S);
                }
        }
        prom_family(w, "migtop_migf_length_bytes", PROM_GAUGE,
                    "Length of the last migration stream the driver kept a copy of (migf_data: "
                    "migrate data length), on a source what it saved, on a destination what "
                    "it received.");
        for (size_t i = 0; i < s->tree.ndevs; i++) {
                size_t n = batch_prom_files(s, i, f, BATCH_PROM_FILES);

                for (size_t k = 0; k < n; k++) {
                        struct prom_label l[] = {{"device", s->tree.devs[i].name}, {NULL, NULL}};
                        uint64_t len;

                        if (!f[k].desc || strcmp(f[k].desc->name, "migf_data") != 0 ||
                            !f[k].desc->length_key || f[k].f->status != DRV_ST_OK ||
                            kv_get_u64(&f[k].f->kv, f[k].desc->length_key, &len) < 0)
                                continue;
                        prom_sample_u64(w, "migtop_migf_length_bytes", l,
                                        batch_prom_host(c, l[0].value, l, 1), len);
                }
        }
}

static void batch_prom_klog(struct prom_w *w, const struct batch_ctx *c,
                            const struct engine_snap *s)
{
        bool on = s->klog.state == ENGINE_KLOG_OK || s->klog.state == ENGINE_KLOG_FILE;

        prom_family(w, "migtop_kernel_log_lines_total", PROM_COUNTER,
                    "Kernel log records naming the device (DEVICE=), by level; absent without "
                    "a kernel log.");
        for (size_t i = 0; on && s->info && i < s->tree.ndevs; i++) {
                for (int lv = 0; lv < 8; lv++) {
                        struct prom_label l[] = {{"device", s->tree.devs[i].name},
                                                 {"level", kmsg_level_name(lv)},
                                                 {NULL, NULL}};

                        prom_sample_u64(w, "migtop_kernel_log_lines_total", l,
                                        batch_prom_host(c, l[0].value, l, 2),
                                        s->info[i].klog_by_level[lv]);
                }
        }
}

static void batch_prom_pair(struct prom_w *w, const struct batch_opts *o,
                            const struct pair_result *p)
{
        prom_family(w, "migtop_pair_verdict", PROM_GAUGE,
                    "1 for the verdict of each check of the --pair compare (pass, fail, unknown) "
                    "and of the whole (check overall: accept, reject, incomplete).");
        if (!p)
                return;
        for (unsigned k = 0; k < p->checks.n; k++) {
                const struct prom_label l[] = {
                    {"src", o->pair_src},
                    {"dst", o->pair_dst},
                    {"check", p->checks.c[k].name},
                    {"verdict", check_verdict_name(p->checks.c[k].verdict)}};

                prom_sample(w, "migtop_pair_verdict", l, 4, 1);
        }
        const struct prom_label l[] = {{"src", o->pair_src},
                                       {"dst", o->pair_dst},
                                       {"check", "overall"},
                                       {"verdict", match_verdict_name(p->match.verdict)}};
        prom_sample(w, "migtop_pair_verdict", l, 4, 1);
}

/* --host: each host's link. */
static void batch_prom_hosts(struct prom_w *w, const struct batch_ctx *c)
{
        size_t n = remote_count(c->rem);
        int64_t now = batch_mono_ns();
        struct rsrc_status st[REMOTE_MAX_HOSTS];

        if (!c->rem)
                return;
        for (size_t i = 0; i < n; i++)
                remote_status(c->rem, i, &st[i]);
        prom_family(w, "migtop_host_up", PROM_GAUGE,
                    "1 while the link to the host's agent (--host) is connected (its first "
                    "snapshot came and the stream goes on); 0 connecting, down or reconnecting.");
        for (size_t i = 0; i < n; i++) {
                const struct prom_label l[] = {{"host", remote_label(c->rem, i)}};

                prom_sample(w, "migtop_host_up", l, 1, st[i].state == RSRC_CONNECTED ? 1 : 0);
        }
        prom_family(w, "migtop_host_status", PROM_GAUGE,
                    "1 for the status of the link to the host's agent: connecting, connected, "
                    "down, reconnecting.");
        for (size_t i = 0; i < n; i++) {
                const struct prom_label l[] = {{"host", remote_label(c->rem, i)},
                                               {"status", rsrc_state_name(st[i].state)}};

                prom_sample(w, "migtop_host_status", l, 2, 1);
        }
        prom_family(w, "migtop_host_rtt_seconds", PROM_GAUGE,
                    "The last round trip of a ping to the host's agent; absent until measured.");
        for (size_t i = 0; i < n; i++) {
                const struct prom_label l[] = {{"host", remote_label(c->rem, i)}};

                if (st[i].rtt_ms >= 0)
                        prom_sample(w, "migtop_host_rtt_seconds", l, 1, st[i].rtt_ms / 1e3);
        }
        prom_family(w, "migtop_host_data_age_seconds", PROM_GAUGE,
                    "Seconds since the last line from the host's agent (its heartbeat comes "
                    "every 5 s); absent before the first.");
        for (size_t i = 0; i < n; i++) {
                const struct prom_label l[] = {{"host", remote_label(c->rem, i)}};

                if (st[i].last_ns)
                        prom_sample(w, "migtop_host_data_age_seconds", l, 1,
                                    (double)(now - st[i].last_ns) / BATCH_NS_S);
        }
        prom_family(w, "migtop_host_links_total", PROM_COUNTER,
                    "Links to the host's agent started since migtop started (the first, then "
                    "one per reconnection attempt).");
        for (size_t i = 0; i < n; i++) {
                const struct prom_label l[] = {{"host", remote_label(c->rem, i)}};

                prom_sample_u64(w, "migtop_host_links_total", l, 1, st[i].attempts);
        }
}

/* The exposition of one snapshot into w. */
static int batch_prom_render(struct batch_ctx *c, struct prom_w *w, const struct engine_snap *s,
                             const struct disc_merged *m, const struct pair_result *p)
{
        const struct prom_label ver[] = {{"version", MIGTOP_VERSION}};
        bool up = !s->tree.err;

        prom_family(w, "migtop_build_info", PROM_INFO, "The migtop version writing these metrics.");
        prom_sample(w, "migtop_build_info", ver, 1, 1);
        prom_family(w, "migtop_up", PROM_GAUGE,
                    "1 when the last snapshot could list the vfio debugfs directory.");
        prom_sample(w, "migtop_up", NULL, 0, up ? 1 : 0);
        prom_family(w, "migtop_scrape_errors_total", PROM_COUNTER,
                    "Snapshots that could not list the vfio debugfs directory, and metrics "
                    "files that could not be written, since migtop started.");
        prom_sample_u64(w, "migtop_scrape_errors_total", NULL, 0, c->prom_errors);
        batch_prom_hosts(w, c);
        batch_prom_info(w, c, s, m);
        batch_prom_states(w, c, s, c->now_ns);
        batch_prom_file_metrics(w, c, s);
        batch_prom_klog(w, c, s);
        batch_prom_pair(w, c->o, p);
        return prom_end(w);
}

int batch_prom(struct batch_ctx *c, const struct engine_snap *s, const struct disc_merged *m,
               const struct pair_result *p, bool first)
{
        const struct batch_opts *o = c->o;
        struct prom_w w;
        char msg[512];
        int ret;

        if (s->tree.err)
                c->prom_errors++;
        prom_init(&w, o->textfile ? PROM_FMT_TEXT : PROM_FMT_OPENMETRICS);
        ret = batch_prom_render(c, &w, s, m, p);
        if (ret < 0) {
                prom_free(&w);
                return batch_fail(c, ret == -ENOMEM ? "out of memory" : "metrics: a bad name",
                                  NULL);
        }
        if (!o->textfile) {
                fwrite(w.buf, 1, w.len, c->out);
                prom_free(&w);
                return BATCH_EXIT_OK;
        }
        ret = prom_write_file(o->textfile, BATCH_PROM_FILE, w.buf, w.len);
        prom_free(&w);
        if (ret == 0)
                return BATCH_EXIT_OK;
        snprintf(msg, sizeof(msg), "writing %s/%s: %s%s", o->textfile, BATCH_PROM_FILE,
                 strerror(-ret),
                 ret == -ENOENT    ? " (--textfile wants an existing directory)"
                 : ret == -EACCES  ? " (run migtop as a user who may write there)"
                 : ret == -ENOTDIR ? " (--textfile wants a directory)"
                                   : "");
        if (first)
                return batch_fail(c, msg, NULL); /* a wrong directory: say so at once */
        /* later (a full disk...): go on, the next interval tries again */
        c->prom_errors++;
        fprintf(c->err, "migtop: %s\n", msg);
        return BATCH_EXIT_OK;
}
