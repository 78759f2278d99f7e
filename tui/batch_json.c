/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch: the JSON output of --once and -n (core/jsonout plus the engine's and sysfs's
 * facts), and the fatal-error report ({"error"} on stdout, the message on stderr).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "batch_int.h"
#include "core/esc.h"
#include "core/jsonout.h"
#include "core/pair.h"
#include "core/rec.h"
#include "core/src_replay.h"
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/engine.h"
#include "engine/evlog.h"
#include "engine/replayer.h"
#include "remote.h"
#include "ui/pairside.h"

static struct json_object *batch_str_or_null(const char *s)
{
        return s && s[0] ? jout_str(s) : NULL;
}

static struct json_object *batch_json_sysfs(const struct disc_dev *d)
{
        static const char *const bus[] = {"pci", "mdev", "other"};
        struct json_object *o = json_object_new_object();
        char hex[16];

        if (!o)
                return NULL;
        json_object_object_add(o, "bus",
                               jout_str(bus[d->bus <= DISC_BUS_OTHER ? d->bus : DISC_BUS_OTHER]));
        json_object_object_add(o, "path", batch_str_or_null(d->syspath));
        json_object_object_add(o, "driver", batch_str_or_null(d->driver));
        json_object_object_add(o, "driver_migration", jout_str(disc_mig_name(d->mig)));
        json_object_object_add(o, "iommu_group",
                               d->iommu_group >= 0 ? json_object_new_int(d->iommu_group) : NULL);
        json_object_object_add(o, "numa_node",
                               d->numa_node >= 0 ? json_object_new_int(d->numa_node) : NULL);
        json_object_object_add(o, "parent", batch_str_or_null(d->parent));
        json_object_object_add(o, "vf", json_object_new_boolean(d->is_vf));
        snprintf(hex, sizeof(hex), "%04x", d->vendor);
        json_object_object_add(o, "vendor", d->has_ids ? jout_str(hex) : NULL);
        snprintf(hex, sizeof(hex), "%04x", d->device);
        json_object_object_add(o, "device", d->has_ids ? jout_str(hex) : NULL);
        json_object_object_add(o, "pci_name",
                               d->pci_name_known ? batch_str_or_null(d->pci_name) : NULL);
        json_object_object_add(o, "mdev_type", batch_str_or_null(d->mdev_type));
        json_object_object_add(o, "mdev_type_name", batch_str_or_null(d->mdev_type_name));
        return o;
}

/* A device sysfs shows but debugfs does not. */
static struct json_object *batch_json_sysfs_only(const struct disc_entry *en)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "name", jout_str(en->name));
        json_object_object_add(o, "sysfs_only", json_object_new_boolean(1));
        json_object_object_add(o, "reason", jout_str(disc_reason_key(en->reason)));
        json_object_object_add(o, "message", jout_str(disc_reason_text(en->reason)));
        json_object_object_add(o, "migration", NULL);
        json_object_object_add(o, "state", NULL);
        json_object_object_add(o, "sysfs", batch_json_sysfs(&en->dev));
        return o;
}

/* The sysfs-only devices of m as a JSON array appended to devs. */
static void batch_json_add_sysfs_only(struct json_object *devs, const struct disc_merged *m)
{
        for (size_t i = 0; devs && m && i < m->n; i++)
                if (!m->e[i].in_debugfs && m->e[i].in_sysfs)
                        json_object_array_add(devs, batch_json_sysfs_only(&m->e[i]));
}

/* s escaped for the terminal (core/esc.h): a message may quote a name. */
static void batch_err_puts(FILE *err, const char *s)
{
        char *e = esc_text_dup(s, strlen(s), esc_locale_utf8() ? ESC_UTF8 : 0, NULL);

        fputs(e ? e : "(out of memory)", err);
        free(e);
}

/* "sysfs shows ..." for the environment error message. */
static void batch_sysfs_summary(FILE *err, const struct disc_merged *m)
{
        size_t n = 0;
        char line[DISC_PATH_MAX];

        for (size_t i = 0; i < m->n; i++)
                n += !m->e[i].in_debugfs && m->e[i].in_sysfs;
        if (!n) {
                fputs("migtop: sysfs shows no device bound to a VFIO driver with migration "
                      "support\n",
                      err);
                return;
        }
        fprintf(err, "migtop: sysfs shows %zu VFIO device%s that may support migration:\n", n,
                n == 1 ? "" : "s");
        for (size_t i = 0; i < m->n; i++) {
                if (m->e[i].in_debugfs || !m->e[i].in_sysfs)
                        continue;
                disc_format_dev(&m->e[i].dev, line, sizeof(line));
                fputs("migtop:   ", err);
                batch_err_puts(err, m->e[i].name);
                fputc(' ', err);
                batch_err_puts(err, line);
                fputc('\n', err);
        }
}

/* ---- JSON output ----------------------------------------------------------------------- */

static void batch_json_blocked(struct json_object *files, const char *name, long long ms)
{
        struct json_object *f;

        if (ms >= 0 && files && json_object_object_get_ex(files, name, &f))
                json_object_object_add(f, "blocked_ms", json_object_new_int64(ms));
}

/* The root the snapshot is of: a replay's is the recorded run's (this host's, host 0). */
static const char *batch_json_root(const struct batch_ctx *c)
{
        const struct rec_header *h = c->rpl ? replay_header(rpl_replay(c->rpl)) : NULL;

        return h && h->nhosts > 0 && h->hosts[0].root[0] ? h->hosts[0].root : c->o->root;
}

/* Add the engine's and sysfs's facts to jout_dev()'s object of device i. */
static void batch_json_dev(const struct batch_ctx *c, const struct engine_snap *s, size_t i,
                           struct json_object *dj, const struct disc_merged *m, int64_t now)
{
        const struct tree_dev *d = &s->tree.devs[i];
        const struct engine_dev_info *info = s->info ? &s->info[i] : NULL;
        const struct disc_entry *en = m && m->n ? batch_entry(m, d->name) : NULL;
        struct json_object *files = NULL;
        bool stale = false;

        if (!dj)
                return;
        json_object_object_add(dj, "sysfs_only", json_object_new_boolean(0));
        json_object_object_add(dj, "gone", json_object_new_boolean(info && info->gone));
        if (c->rem) { /* a host's device while its link is not connected: the data it last sent */
                long long age;
                long h;

                remote_json_dev(c->rem, d->name, batch_mono_ns(), dj);
                /* its values stopped, not the device: stale, never stuck */
                stale = batch_dev_stale(c, d->name, &age, &h);
        }
        json_object_object_add(dj, "transitions",
                               info ? json_object_new_uint64(info->transitions) : NULL);
        /* how long the device has been seen in its current state (null: no state yet) */
        json_object_object_add(
            dj, "state_age_ms",
            info && info->have_state
                ? json_object_new_int64((now - info->state_since_ns) / BATCH_MS_NS)
                : NULL);
        /* in its state beyond the state's --stuck threshold, and by how long (null: not) */
        json_object_object_add(dj, "stuck", json_object_new_boolean(info && info->stuck && !stale));
        json_object_object_add(dj, "stuck_for_ms",
                               info && info->stuck && !stale
                                   ? json_object_new_int64(engine_snap_stuck_ms(s, i, now))
                                   : NULL);
        if (!en && c->rem) {
                struct disc_dev rd;

                json_object_object_add(dj, "sysfs",
                                       batch_remote_sysfs(c, d->name, &rd) ? batch_json_sysfs(&rd)
                                                                           : NULL);
        } else {
                json_object_object_add(dj, "sysfs",
                                       en && en->in_sysfs ? batch_json_sysfs(&en->dev) : NULL);
        }
        /* null: no kernel log to tell (off or unavailable) */
        json_object_object_add(
            dj, "kernel_log",
            info && (s->klog.state == ENGINE_KLOG_OK || s->klog.state == ENGINE_KLOG_FILE)
                ? jout_kernel_log(info->klog, info->nklog)
                : NULL);
        if (json_object_object_get_ex(dj, "files", &files) && info) {
                batch_json_blocked(files, "state", batch_blocked_ms(now, &info->state_info));
                batch_json_blocked(files, "features", batch_blocked_ms(now, &info->features_info));
        }
        for (size_t k = 0; k < d->ndirs; k++) {
                const struct tree_drvdir *dir = &d->dirs[k];
                struct json_object *dirj;

                if (!dir->ops || !json_object_object_get_ex(dj, dir->name, &dirj))
                        continue;
                for (unsigned j = 0; j < dir->nfiles && j < dir->ops->nfiles; j++)
                        batch_json_blocked(
                            dirj, dir->files[j].name,
                            batch_blocked_ms(
                                now, engine_snap_file_info(s, i, dir->name, dir->files[j].name)));
        }
}

/* {"source", "status", "error", "records", "attributed", "gaps", "lost", "skipped", ...} */
static struct json_object *batch_json_klog_status(const struct engine_klog *k)
{
        struct json_object *o = json_object_new_object();
        /* counters of a source that could never be read are unknown, not 0 */
        bool on = k->state == ENGINE_KLOG_OK || k->state == ENGINE_KLOG_FILE || k->records;

        if (!o)
                return NULL;
        json_object_object_add(o, "source",
                               k->state != ENGINE_KLOG_OFF ? jout_str(k->source) : NULL);
        json_object_object_add(o, "status", jout_str(engine_klog_state_name(k->state)));
        json_object_object_add(o, "error",
                               k->state == ENGINE_KLOG_UNAVAILABLE ? jout_str(k->msg) : NULL);
        json_object_object_add(o, "records", on ? json_object_new_uint64(k->records) : NULL);
        json_object_object_add(o, "attributed", on ? json_object_new_uint64(k->attributed) : NULL);
        json_object_object_add(o, "gaps", on ? json_object_new_uint64(k->gaps) : NULL);
        json_object_object_add(o, "lost", on ? json_object_new_uint64(k->lost) : NULL);
        json_object_object_add(o, "skipped", on ? json_object_new_uint64(k->bad) : NULL);
        json_object_object_add(o, "skipped_reason", k->bad ? jout_str(k->bad_msg) : NULL);
        /* ts_us can be set beside state-change times: the live kernel on this machine */
        json_object_object_add(o, "same_clock", json_object_new_boolean(on && k->same_clock));
        return o;
}

/*
 * One element of the "devices" array, as json-c would print it inside the document: pretty,
 * at depth 2 (every line indented 4 more spaces), after "[" or ","; plain, as is.  A NULL
 * object (out of memory) is null, as json-c prints it.
 */
static int batch_json_put_elem(FILE *out, struct json_object *o, bool pretty, bool first)
{
        char *str = o ? jout_string(o, pretty) : NULL;
        const char *v = str ? str : "null";

        if (o && !str)
                return -ENOMEM;
        fputs(first ? "" : ",", out);
        if (pretty) {
                fputs("\n    ", out);
                for (const char *q = v; *q; q++) {
                        putc(*q, out);
                        if (*q == '\n')
                                fputs("    ", out);
                }
        } else {
                fputs(v, out);
        }
        free(str);
        return 0;
}

/*
 * The document is printed one device at a time (built, printed, freed), not built whole:
 * with 10,000 devices the whole document held about 23 KB of json-c objects per device.
 * The text is the same as json-c's for the whole document (same flags, same indentation).
 */
int batch_json(struct batch_ctx *c, const struct engine_snap *s, const struct disc_merged *m,
               const struct pair_result *p, const struct pair_side *sides)
{
        const struct batch_opts *o = c->o;
        struct tree top = s->tree;
        struct json_object *j, *only = NULL;
        bool pretty = !o->lines, first = true;
        char ts[40], *doc, *open, *close;
        size_t nonly;
        int ret = 0;

        top.ndevs = 0; /* the devices are printed one by one below */
        j = jout_tree(&top);
        if (!j)
                return -ENOMEM;
        only = json_object_new_array();
        batch_json_add_sysfs_only(only, m);
        nonly = only ? json_object_array_length(only) : 0;
        batch_now_time(c, ts, sizeof(ts));
        json_object_object_add(j, "time", jout_str(ts));
        json_object_object_add(j, "root", jout_str(batch_json_root(c)));
        {
                /* files no read answered in time ("unread"): the snapshot was cut short */
                size_t unread = tree_count_status(&s->tree, DRV_ST_UNREAD);

                json_object_object_add(j, "complete", json_object_new_boolean(unread == 0));
                json_object_object_add(j, "unread", json_object_new_uint64(unread));
        }
        json_object_object_add(j, "kernel_log_status", batch_json_klog_status(&s->klog));
        if (c->rem)
                json_object_object_add(j, "hosts", remote_json_hosts(c->rem, batch_mono_ns()));
        if (p)
                json_object_object_add(
                    j, "compare", jout_compare(o->pair_src, o->pair_dst, p, &sides[0], &sides[1]));
        doc = jout_string(j, pretty);
        json_object_put(j);
        if (!doc) {
                json_object_put(only);
                return -ENOMEM;
        }
        /* "devices" is the first key: its (empty) array is where the devices go */
        open = strstr(doc, "\"devices\":");
        open = open ? strchr(open, '[') : NULL;
        close = open ? strchr(open, ']') : NULL;
        if (!close || (s->tree.ndevs == 0 && nonly == 0)) {
                fprintf(c->out, "%s\n", doc);
                free(doc);
                json_object_put(only);
                return 0;
        }
        fwrite(doc, 1, (size_t)(open - doc) + 1, c->out);
        for (size_t i = 0; ret == 0 && i < s->tree.ndevs; i++) {
                struct json_object *dj = jout_dev(&s->tree.devs[i]);

                batch_json_dev(c, s, i, dj, m, c->now_ns);
                ret = batch_json_put_elem(c->out, dj, pretty, first);
                json_object_put(dj);
                first = false;
        }
        for (size_t i = 0; ret == 0 && i < nonly; i++) {
                ret =
                    batch_json_put_elem(c->out, json_object_array_get_idx(only, i), pretty, first);
                first = false;
        }
        fprintf(c->out, "%s%s\n", pretty ? "\n  " : "", close);
        free(doc);
        json_object_put(only);
        return ret;
}

/* A fatal error: message on stderr, and {"error"} (+ what sysfs shows) on stdout in JSON. */
int batch_fail(struct batch_ctx *c, const char *msg, const struct disc_merged *m)
{
        fputs("migtop: ", c->err);
        batch_err_puts(c->err, msg);
        fputc('\n', c->err);
        if (m && c->disc)
                batch_sysfs_summary(c->err, m);
        if (c->o->json) {
                struct json_object *j = jout_error(msg);
                char ts[40];

                if (j && m && m->n) {
                        struct json_object *devs = json_object_new_array();

                        batch_json_add_sysfs_only(devs, m);
                        json_object_object_add(j, "devices", devs);
                }
                batch_now_time(c, ts, sizeof(ts));
                if (j) {
                        json_object_object_add(j, "time", jout_str(ts));
                        json_object_object_add(j, "root", jout_str(batch_json_root(c)));
                }
                batch_json_put(c->out, j, !c->o->lines);
                json_object_put(j);
                fflush(c->out);
        }
        return BATCH_EXIT_ENV;
}
