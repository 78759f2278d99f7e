/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch: `migtop --once`, `-n N` and `--log FILE`.  Everything is read through the engine
 * (one poller, reads with a deadline, so a blocked file is reported, not waited for);
 * snapshots are printed as JSON (core/jsonout plus the engine's and sysfs's facts) or as
 * one readable block per device, then the --pair comparison.
 */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/jsonout.h"
#include "core/pair.h"
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/engine.h"
#include "engine/evlog.h"
#include "engine/klog.h"
#include "ui/pairside.h"

#define BATCH_MS_NS         1000000LL
#define BATCH_MARGIN_MS     500  /* settle budget past the deadline */
#define BATCH_COSTLY_MIN_MS 1000 /* dev_data/cmd_state: mailbox commands, driver locks */

struct batch_ctx {
        const struct batch_opts *o;
        FILE *out, *err;
        struct engine *e;
        struct evlog *log;
        struct disc *disc; /* NULL: no sysfs discovery */
        struct klog *klog; /* NULL: no kernel log */
        int sfd;           /* signalfd of SIGINT, SIGTERM (and SIGHUP with --log), or -1 */
        int stop_sig;      /* the SIGINT/SIGTERM that stopped the run, or 0 */
        int out_watch;     /* stdout's fd when it is a pipe or socket (its reader may go), or -1 */
        int out_err;       /* positive errno: writing the output failed */
        bool printed;      /* a snapshot was printed */
        int deadline_ms;
        int interval_ms;
        int64_t now_ns; /* monotonic (the engine's clock) when the snapshot was taken */
};

/* ---- the source ------------------------------------------------------------------- */

/*
 * The local source; with --fixture the root is an offline tree whose NAME.errno sidecars
 * stand for failed reads.  A FIFO in a fixture blocks its read like a driver stuck on its
 * mailbox: the local source reads in blocking mode, and the engine's deadline applies.
 */
int batch_open_src(const char *root, bool fixture, struct src **out)
{
        return src_local_open(root, fixture ? SRC_LOCAL_ERRNO_FILES : 0, out);
}

int batch_open_klog(const struct batch_opts *o, struct klog **out, char *msg, size_t size)
{
        char why[300];
        int ret;

        *out = NULL;
        if (o->no_kmsg)
                return 0;
        if (o->kmsg)
                return klog_open(o->kmsg, out, msg, size);
        if (o->fixture || strcmp(o->root, TREE_DEFAULT_ROOT) != 0)
                return 0; /* a tree that is not this machine's: its kernel log is not ours */
        /* the implicit default: whatever is wrong with it, run on without it */
        ret = klog_open(KLOG_DEFAULT_PATH, out, why, sizeof(why));
        if (ret == -ENOMEM)
                return ret;
        if (ret < 0)
                return klog_unavailable(KLOG_DEFAULT_PATH, true, why, out);
        return 0;
}

/* ---- messages -------------------------------------------------------------------------- */

void batch_root_message(int err, const char *root, char *msg, size_t size)
{
        bool deflt = strcmp(root, TREE_DEFAULT_ROOT) == 0;
        char why[256] = "";

        switch (err) {
        case ENOENT:
                if (deflt)
                        tree_root_message(err, root, true, why, sizeof(why));
                else
                        snprintf(why, sizeof(why), "check --root");
                break;
        case EACCES:
        case EPERM:
                snprintf(why, sizeof(why), "debugfs is readable by root only: run migtop as root");
                break;
        case ENOTDIR:
                snprintf(why, sizeof(why),
                         "not a directory: --root must name the vfio debugfs directory");
                break;
        default:
                break;
        }
        snprintf(msg, size, "cannot open %s: %s%s%s", root, strerror(err), why[0] ? "; " : "", why);
}

static void batch_json_put(FILE *out, struct json_object *j, bool pretty)
{
        char *s = j ? jout_string(j, pretty) : NULL;

        if (s)
                fprintf(out, "%s\n", s);
        free(s);
}

static void batch_time(char *buf, size_t n)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        evlog_time((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, buf, n);
}

static int64_t batch_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- sysfs discovery ------------------------------------------------------------------- */

static const char *batch_sysfs_root(const struct batch_opts *o)
{
        if (o->sysfs_root)
                return o->sysfs_root;
        return strcmp(o->root, TREE_DEFAULT_ROOT) == 0 ? "/" : NULL;
}

/* Merge the snapshot's device names with sysfs; on any failure *m is left empty. */
static void batch_discover(struct batch_ctx *c, const struct tree *t, int debugfs_err,
                           struct disc_merged *m)
{
        char **names = NULL;
        int ret;

        memset(m, 0, sizeof(*m));
        if (!c->disc)
                return;
        if (t && t->ndevs) {
                names = calloc(t->ndevs, sizeof(*names));
                if (!names)
                        return;
                for (size_t i = 0; i < t->ndevs; i++)
                        names[i] = t->devs[i].name;
        }
        ret = disc_rescan(c->disc, names, t ? t->ndevs : 0, debugfs_err, 0, m);
        free(names);
        if (ret < 0 && ret != -ENOENT) {
                disc_merged_free(m);
                memset(m, 0, sizeof(*m));
        }
}

static const struct disc_entry *batch_entry(const struct disc_merged *m, const char *name)
{
        size_t lo = 0, hi = m->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int r = strcmp(m->e[mid].name, name);

                if (r == 0)
                        return &m->e[mid];
                if (r < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static struct json_object *batch_str_or_null(const char *s)
{
        return s && s[0] ? json_object_new_string(s) : NULL;
}

static struct json_object *batch_json_sysfs(const struct disc_dev *d)
{
        static const char *const bus[] = {"pci", "mdev", "other"};
        struct json_object *o = json_object_new_object();
        char hex[16];

        if (!o)
                return NULL;
        json_object_object_add(
            o, "bus",
            json_object_new_string(bus[d->bus <= DISC_BUS_OTHER ? d->bus : DISC_BUS_OTHER]));
        json_object_object_add(o, "path", batch_str_or_null(d->syspath));
        json_object_object_add(o, "driver", batch_str_or_null(d->driver));
        json_object_object_add(o, "driver_migration",
                               json_object_new_string(disc_mig_name(d->mig)));
        json_object_object_add(o, "iommu_group",
                               d->iommu_group >= 0 ? json_object_new_int(d->iommu_group) : NULL);
        json_object_object_add(o, "numa_node",
                               d->numa_node >= 0 ? json_object_new_int(d->numa_node) : NULL);
        json_object_object_add(o, "parent", batch_str_or_null(d->parent));
        json_object_object_add(o, "vf", json_object_new_boolean(d->is_vf));
        snprintf(hex, sizeof(hex), "%04x", d->vendor);
        json_object_object_add(o, "vendor", d->has_ids ? json_object_new_string(hex) : NULL);
        snprintf(hex, sizeof(hex), "%04x", d->device);
        json_object_object_add(o, "device", d->has_ids ? json_object_new_string(hex) : NULL);
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
        json_object_object_add(o, "name", json_object_new_string(en->name));
        json_object_object_add(o, "sysfs_only", json_object_new_boolean(1));
        json_object_object_add(o, "reason", json_object_new_string(disc_reason_key(en->reason)));
        json_object_object_add(o, "message", json_object_new_string(disc_reason_text(en->reason)));
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
                fprintf(err, "migtop:   %s %s\n", m->e[i].name, line);
        }
}

/* ---- text output ----------------------------------------------------------------------- */

static void batch_value(FILE *out, const struct acc_field *f, unsigned i)
{
        uint64_t v = f->value[i];

        if (!(f->valid_mask & (1u << i)))
                fputs("-", out);
        else if (f->elem_size == 8)
                fprintf(out, "0x%016" PRIx64, v);
        else if (f->count > 1)
                fprintf(out, "0x%0*" PRIx64, (int)f->elem_size * 2, v);
        else if (v >= 10)
                fprintf(out, "%" PRIu64 " (0x%" PRIx64 ")", v, v);
        else
                fprintf(out, "%" PRIu64, v);
}

static void batch_fields(FILE *out, const char *file, const struct acc_decoded *d)
{
        bool missing = false;

        for (unsigned i = 0; i < d->nfields && i < ACC_MAX_FIELDS; i++) {
                const struct acc_field *f = &d->fields[i];

                if (!f->valid_mask)
                        continue; /* listed below */
                fprintf(out, "      %-16s ", f->name);
                for (unsigned k = 0; k < f->count && k < ACC_MAX_ELEMS; k++) {
                        if (k)
                                fputc(' ', out);
                        batch_value(out, f, k);
                }
                fputc('\n', out);
        }
        for (unsigned i = 0; i < d->nfields && i < ACC_MAX_FIELDS; i++) {
                if (d->fields[i].valid_mask)
                        continue;
                fprintf(out, "%s %s", missing ? "" : "      not in the data:", d->fields[i].name);
                missing = true;
        }
        if (missing)
                fputc('\n', out);
        if (d->layout == ACC_LAYOUT_REGISTERS) {
                fprintf(out, "      not in %s:", file);
                for (unsigned i = 0; acc_header_fields[i]; i++)
                        fprintf(out, " %s", acc_header_fields[i]);
                fputs(" (a register snapshot has no header)\n", out);
        }
        if (d->stream_len >= 0)
                fprintf(out, "      stream length: %" PRId64 "%s\n", d->stream_len,
                        d->stream_len == ACC_MATCH_SIZE    ? " (the header only)"
                        : d->stream_len == ACC_STRUCT_SIZE ? " (header and registers)"
                                                           : " (neither 40 nor 176: not loadable)");
}

/* "guest driver load: 1 (QM_NOT_READY: guest driver not running)" */
static void batch_kv(FILE *out, const struct kv *kv)
{
        const char *m = NULL;
        char *end;

        if (strcmp(kv->key, "guest driver load") == 0) {
                unsigned long v = strtoul(kv->value, &end, 10);

                if (end != kv->value && !*end)
                        m = acc_qm_state_meaning(v);
        }
        fprintf(out, "      %s: %s%s%s%s\n", kv->key, kv->value, m ? " (" : "", m ? m : "",
                m ? ")" : "");
}

/* How long the read of a file has been blocked (ms), or -1. */
static long long batch_blocked_ms(int64_t now_ns, const struct engine_file_info *fi)
{
        if (!fi || !fi->blocked || !fi->in_flight)
                return -1;
        return (long long)((now_ns - fi->started_ns) / BATCH_MS_NS);
}

/* "ok", "not_migrated (EAGAIN): why", "blocked: no answer for 1000 ms" */
static void batch_status(FILE *out, const struct drv_file *f, long long blocked_ms)
{
        const char *en = src_errno_name(f->err);

        fputs(drv_status_name(f->status), out);
        if (f->status == DRV_ST_BLOCKED && blocked_ms >= 0) {
                fprintf(out, ": no answer for %lld ms", blocked_ms);
                return;
        }
        /* the message usually names the errno already */
        if (en && !strstr(f->msg, en))
                fprintf(out, " (%s)", en);
        if (f->msg[0])
                fprintf(out, ": %s", f->msg);
}

static void batch_text_file(FILE *out, const char *dir, const struct drv_file *f,
                            long long blocked_ms)
{
        fprintf(out, "  %s/%s: ", dir, f->name);
        batch_status(out, f, blocked_ms);
        if (f->status == DRV_ST_OK && f->text) {
                size_t n = f->text_len;

                while (n && (f->text[n - 1] == '\n'))
                        n--;
                fprintf(out, ": %.*s", (int)n, f->text);
        }
        fputc('\n', out);
}

static void batch_dump_file(FILE *out, const char *dir, const struct drv_file *f,
                            long long blocked_ms)
{
        fprintf(out, "  %s/%s: ", dir, f->name);
        batch_status(out, f, blocked_ms);
        if (f->bytes || f->has_fields) {
                fprintf(out, " [%s, %zu bytes%s]",
                        f->has_fields ? acc_layout_name(f->fields.layout) : "raw", f->len,
                        f->cut ? ", cut off" : "");
        }
        fputc('\n', out);
        if (f->has_fields)
                batch_fields(out, f->name, &f->fields);
        for (size_t i = 0; i < f->kv.n; i++)
                batch_kv(out, &f->kv.items[i]);
}

static void batch_text_features(FILE *out, const struct tree_dev *d, long long blocked_ms)
{
        char names[128];

        fputs("\n  features: ", out);
        if (d->features_file.status != DRV_ST_OK) {
                batch_status(out, &d->features_file, blocked_ms);
                fputc('\n', out);
                return;
        }
        fsm_features_format(d->features, names, sizeof(names));
        fprintf(out, "%s\n", names[0] ? names : "(none)");
}

static void batch_text_dirs(FILE *out, const struct engine_snap *s, size_t i, int64_t now)
{
        const struct tree_dev *d = &s->tree.devs[i];

        for (size_t k = 0; k < d->ndirs; k++) {
                const struct tree_drvdir *dir = &d->dirs[k];

                if (!dir->ops) {
                        fprintf(out, "  %s/: unknown driver directory (not read)\n", dir->name);
                        continue;
                }
                for (unsigned j = 0; j < dir->nfiles && j < dir->ops->nfiles; j++) {
                        long long b = batch_blocked_ms(
                            now, engine_snap_file_info(s, i, dir->name, dir->files[j].name));

                        if (dir->ops->files[j].kind == DRV_FILE_DUMP)
                                batch_dump_file(out, dir->name, &dir->files[j], b);
                        else
                                batch_text_file(out, dir->name, &dir->files[j], b);
                }
        }
}

static void batch_text_sysfs(FILE *out, const struct disc_entry *en)
{
        char line[DISC_PATH_MAX];

        if (!en || !en->in_sysfs)
                return;
        disc_format_dev(&en->dev, line, sizeof(line));
        fprintf(out, "  sysfs: %s\n", line);
}

static void batch_text_dev_body(FILE *out, const struct engine_snap *s, size_t i,
                                const struct disc_merged *m, int64_t now)
{
        const struct tree_dev *d = &s->tree.devs[i];
        const struct engine_dev_info *info = s->info ? &s->info[i] : NULL;

        fprintf(out, "device %s\n", d->name);
        if (info && info->gone)
                fprintf(out, "  gone: vanished %.1f s ago%s%s\n",
                        (double)(now - info->gone_ns) / 1e9,
                        info->have_state ? "; last state seen: " : "",
                        info->have_state ? fsm_state_name(d->state) : "");
        batch_text_sysfs(out, m ? batch_entry(m, d->name) : NULL);
        if (d->err) {
                fprintf(out, "  error: %s (%s)\n", strerror(d->err),
                        src_errno_name(d->err) ? src_errno_name(d->err) : "?");
                return;
        }
        if (!d->has_migration) {
                fputs("  no migration directory (the driver has no migration support)\n", out);
                return;
        }
        fputs("  state: ", out);
        if (d->state_file.status == DRV_ST_OK)
                fputs(fsm_state_name(d->state), out);
        else
                batch_status(out, &d->state_file,
                             batch_blocked_ms(now, info ? &info->state_info : NULL));
        batch_text_features(out, d, batch_blocked_ms(now, info ? &info->features_info : NULL));
        batch_text_dirs(out, s, i, now);
}

#define BATCH_KLOG_LINES 8 /* kernel log lines a text snapshot shows per device */

/* The device's last kernel log lines, "[   8123.456789] err: text". */
static void batch_text_klog(FILE *out, const struct engine_snap *s, size_t i)
{
        const struct engine_dev_info *info = s->info ? &s->info[i] : NULL;
        size_t first;

        if (!info || s->klog.state == ENGINE_KLOG_OFF || !info->nklog)
                return;
        first = info->nklog > BATCH_KLOG_LINES ? info->nklog - BATCH_KLOG_LINES : 0;
        fprintf(out, "  kernel log (last %zu of %" PRIu64 "):\n", info->nklog - first,
                info->klog_total);
        for (size_t k = first; k < info->nklog; k++) {
                const struct kmsg_rec *r = &info->klog[k];

                fprintf(out, "    [%5lld.%06lld] %s: ", (long long)(r->ts_us / 1000000),
                        (long long)(r->ts_us % 1000000), kmsg_level_name(r->level));
                for (size_t c = 0; c < r->text_len; c++) {
                        unsigned char ch = (unsigned char)r->text[c];

                        if (ch < ' ' || ch == 127)
                                fprintf(out, "\\x%02x", ch);
                        else
                                fputc(ch, out);
                }
                fputs(r->text_cut ? "...\n" : "\n", out);
        }
}

static void batch_text_dev(FILE *out, const struct engine_snap *s, size_t i,
                           const struct disc_merged *m, int64_t now)
{
        batch_text_dev_body(out, s, i, m, now);
        batch_text_klog(out, s, i);
}

/* "kernel log: /dev/kmsg ok, 409 records" (nothing when there is no kernel log). */
static void batch_text_klog_status(FILE *out, const struct engine_klog *k)
{
        if (k->state == ENGINE_KLOG_OFF)
                return;
        fprintf(out, "kernel log: %s %s", k->source, engine_klog_state_name(k->state));
        if (k->state == ENGINE_KLOG_UNAVAILABLE) {
                fprintf(out, ": %s\n", k->msg);
                return;
        }
        fprintf(out, ", %" PRIu64 " records", k->records);
        if (k->gaps || k->lost)
                fprintf(out, ", %" PRIu64 " gaps, %" PRIu64 " records lost", k->gaps, k->lost);
        if (k->bad)
                fprintf(out, ", %" PRIu64 " skipped (%s)", k->bad, k->bad_msg);
        fputc('\n', out);
}

static void batch_text_sysfs_only(FILE *out, const struct disc_entry *en)
{
        fprintf(out, "device %s\n  sysfs only: %s\n", en->name, disc_reason_text(en->reason));
        batch_text_sysfs(out, en);
}

static void batch_opt_value(FILE *out, uint64_t v, bool valid)
{
        if (valid)
                fprintf(out, "%" PRIu64 " (0x%" PRIx64 ")", v, v);
        else
                fputs("unknown", out);
}

static void batch_text_compare(FILE *out, const char *src, const char *dst,
                               const struct pair_result *p)
{
        fprintf(out, "compare %s -> %s", src, dst);
        if (p->dir)
                fprintf(out, " (%s)", p->dir);
        fprintf(out, "\n  verdict: %s", match_verdict_name(p->match.verdict));
        if (p->match.summary[0] && p->match.verdict != MATCH_REJECT &&
            p->match.verdict != MATCH_INCOMPLETE)
                fprintf(out, ": %s", p->match.summary);
        fputc('\n', out);
        if (p->msg[0])
                fprintf(out, "  note: %s\n", p->msg);
        for (unsigned i = 0; i < p->checks.n && i < CHECK_MAX; i++) {
                const struct check *c = &p->checks.c[i];

                fprintf(out, "  check %-8s %-7s %s\n", c->name, check_verdict_name(c->verdict),
                        c->reason);
        }
        for (unsigned i = 0; i < p->match.n && i < MATCH_MAX; i++) {
                const struct match_mismatch *mm = &p->match.m[i];

                fprintf(out, "  mismatch %s: source ", mm->field ? mm->field : "?");
                batch_opt_value(out, mm->src, mm->src_valid);
                fputs(", destination ", out);
                batch_opt_value(out, mm->dst, mm->dst_valid);
                fprintf(out, ": %s\n", mm->reason ? mm->reason : "");
        }
        if (p->src_file && p->dst_file) {
                fputs("  differing fields (source and destination migf_data):", out);
                for (unsigned i = 0; i < p->fields.n && i < ACC_MAX_FIELDS; i++)
                        fprintf(out, " %s", p->fields.field[i]);
                if (!p->fields.n)
                        fputs(" (none)", out);
                fprintf(out, "\n  differing bytes: %zu\n", p->diff_bytes);
        }
}

static void batch_text(struct batch_ctx *c, const struct engine_snap *s,
                       const struct disc_merged *m, const struct pair_result *p)
{
        const struct batch_opts *o = c->o;
        FILE *out = c->out;
        bool first = true;

        if (o->lines) {
                char ts[40];

                batch_time(ts, sizeof(ts));
                fprintf(out, "=== %s ===\n", ts);
        }
        batch_text_klog_status(out, &s->klog);
        if (s->tree.err)
                fprintf(out, "error: %s\n", s->tree.msg[0] ? s->tree.msg : "cannot list the root");
        else if (s->tree.ndevs == 0)
                fprintf(
                    out,
                    "no devices under %s (no vfio device with migration support is registered)\n",
                    o->root);
        for (size_t i = 0; i < s->tree.ndevs; i++) {
                if (!first)
                        fputc('\n', out);
                first = false;
                batch_text_dev(out, s, i, m, c->now_ns);
        }
        for (size_t i = 0; m && i < m->n; i++) {
                if (m->e[i].in_debugfs || !m->e[i].in_sysfs)
                        continue;
                fputc('\n', out);
                batch_text_sysfs_only(out, &m->e[i]);
        }
        if (p) {
                fputc('\n', out);
                batch_text_compare(out, o->pair_src, o->pair_dst, p);
        }
}

/* ---- JSON output ----------------------------------------------------------------------- */

static void batch_json_blocked(struct json_object *files, const char *name, long long ms)
{
        struct json_object *f;

        if (ms >= 0 && files && json_object_object_get_ex(files, name, &f))
                json_object_object_add(f, "blocked_ms", json_object_new_int64(ms));
}

/* Add the engine's and sysfs's facts to jout_dev()'s object of device i. */
static void batch_json_dev(const struct engine_snap *s, size_t i, struct json_object *dj,
                           const struct disc_merged *m, int64_t now)
{
        const struct tree_dev *d = &s->tree.devs[i];
        const struct engine_dev_info *info = s->info ? &s->info[i] : NULL;
        const struct disc_entry *en = m && m->n ? batch_entry(m, d->name) : NULL;
        struct json_object *files = NULL;

        if (!dj)
                return;
        json_object_object_add(dj, "sysfs_only", json_object_new_boolean(0));
        json_object_object_add(dj, "gone", json_object_new_boolean(info && info->gone));
        json_object_object_add(dj, "transitions",
                               info ? json_object_new_uint64(info->transitions) : NULL);
        /* how long the device has been seen in its current state (null: no state yet) */
        json_object_object_add(
            dj, "state_age_ms",
            info && info->have_state
                ? json_object_new_int64((now - info->state_since_ns) / BATCH_MS_NS)
                : NULL);
        json_object_object_add(dj, "sysfs", en && en->in_sysfs ? batch_json_sysfs(&en->dev) : NULL);
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
        json_object_object_add(
            o, "source", k->state != ENGINE_KLOG_OFF ? json_object_new_string(k->source) : NULL);
        json_object_object_add(o, "status",
                               json_object_new_string(engine_klog_state_name(k->state)));
        json_object_object_add(o, "error",
                               k->state == ENGINE_KLOG_UNAVAILABLE ? json_object_new_string(k->msg)
                                                                   : NULL);
        json_object_object_add(o, "records", on ? json_object_new_uint64(k->records) : NULL);
        json_object_object_add(o, "attributed", on ? json_object_new_uint64(k->attributed) : NULL);
        json_object_object_add(o, "gaps", on ? json_object_new_uint64(k->gaps) : NULL);
        json_object_object_add(o, "lost", on ? json_object_new_uint64(k->lost) : NULL);
        json_object_object_add(o, "skipped", on ? json_object_new_uint64(k->bad) : NULL);
        json_object_object_add(o, "skipped_reason",
                               k->bad ? json_object_new_string(k->bad_msg) : NULL);
        /* ts_us can be set beside state-change times: the live kernel on this machine */
        json_object_object_add(o, "same_clock", json_object_new_boolean(on && k->same_clock));
        return o;
}

static int batch_json(struct batch_ctx *c, const struct engine_snap *s, const struct disc_merged *m,
                      const struct pair_result *p, const struct pair_side *sides)
{
        const struct batch_opts *o = c->o;
        struct json_object *j = jout_tree(&s->tree), *devs = NULL;
        char ts[40];

        if (!j)
                return -ENOMEM;
        if (json_object_object_get_ex(j, "devices", &devs)) {
                for (size_t i = 0; i < s->tree.ndevs; i++)
                        batch_json_dev(s, i, json_object_array_get_idx(devs, i), m, c->now_ns);
                batch_json_add_sysfs_only(devs, m);
        }
        batch_time(ts, sizeof(ts));
        json_object_object_add(j, "time", json_object_new_string(ts));
        json_object_object_add(j, "root", json_object_new_string(o->root));
        json_object_object_add(j, "kernel_log_status", batch_json_klog_status(&s->klog));
        if (p)
                json_object_object_add(
                    j, "compare", jout_compare(o->pair_src, o->pair_dst, p, &sides[0], &sides[1]));
        batch_json_put(c->out, j, !o->lines);
        json_object_put(j);
        return 0;
}

/* ---- the run --------------------------------------------------------------------------- */

/* A fatal error: message on stderr, and {"error"} (+ what sysfs shows) on stdout in JSON. */
static int batch_fail(struct batch_ctx *c, const char *msg, const struct disc_merged *m)
{
        fprintf(c->err, "migtop: %s\n", msg);
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
                batch_time(ts, sizeof(ts));
                if (j) {
                        json_object_object_add(j, "time", json_object_new_string(ts));
                        json_object_object_add(j, "root", json_object_new_string(c->o->root));
                }
                batch_json_put(c->out, j, !c->o->lines);
                json_object_put(j);
                fflush(c->out);
        }
        return BATCH_EXIT_ENV;
}

/*
 * Every batch mode: SIGINT/SIGTERM stop cleanly (the current line is finished, never cut),
 * SIGHUP reopens the log.  The signals are blocked (before the engine's reader threads
 * start, so none of them takes one) and read from a signalfd that every wait polls, and
 * that is checked between steps: a signal is seen within one step, however far behind
 * schedule the loop is and whatever read is blocked.
 */
static void batch_signals(struct batch_ctx *c, sigset_t *old)
{
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
                struct sigaction sa;

                if (sigs[i] == SIGHUP && !c->log)
                        continue;
                /* ignored when started (nohup, a shell's background job): stays ignored */
                if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
                        continue;
                sigaddset(&set, sigs[i]);
        }
        sigprocmask(SIG_BLOCK, &set, old);
        c->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (c->sfd < 0) /* then the default actions stop it */
                sigprocmask(SIG_SETMASK, old, NULL);
}

static void batch_reopen(struct batch_ctx *c)
{
        int ret;

        if (!c->log)
                return;
        ret = evlog_reopen(c->log);
        if (ret < 0)
                fprintf(c->err, "migtop: reopening the log %s: %s\n", evlog_path(c->log),
                        strerror(-ret));
}

/* Take the signals that arrived (SIGHUP: reopen now).  True when told to stop. */
static bool batch_stopped(struct batch_ctx *c)
{
        struct signalfd_siginfo si;

        while (c->sfd >= 0 && read(c->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGHUP)
                        batch_reopen(c);
                else if (!c->stop_sig)
                        c->stop_sig = (int)si.ssi_signo;
        }
        return c->stop_sig != 0;
}

/* A write error on the output or the log, as a negative errno, or 0. */
static int batch_write_err(const struct batch_ctx *c)
{
        if (c->out_err)
                return -c->out_err;
        return c->log ? evlog_error(c->log) : 0;
}

/*
 * Wait at most timeout_ms (-1: no bound) for a read result, a signal, or the reader of a
 * piped stdout going away (then writing can only fail: EPIPE, also with SIGPIPE ignored).
 */
static int batch_poll(struct batch_ctx *c, int timeout_ms)
{
        struct pollfd p[3] = {
            {.fd = engine_fd(c->e), .events = POLLIN},
            {.fd = c->sfd, .events = POLLIN},
            {.fd = c->out_watch, .events = 0},
        };

        if (poll(p, 3, timeout_ms) < 0)
                return errno == EINTR ? 0 : -errno;
        if (p[2].revents & (POLLERR | POLLHUP) && !c->out_err)
                c->out_err = EPIPE;
        return 0;
}

/* One turn of a batch loop: 1 stopped by a signal, else engine_process() and a check of
   the output's write errors (0, or a negative errno). */
static int batch_step(struct batch_ctx *c)
{
        int ret;

        if (batch_stopped(c))
                return 1;
        ret = engine_process(c->e);
        if (ret < 0)
                return ret;
        ret = batch_write_err(c);
        return ret < 0 ? ret : 0;
}

/* Run the engine until until_ns (monotonic; -1: forever).  1: stopped by a signal. */
static int batch_wait(struct batch_ctx *c, int64_t until_ns)
{
        for (;;) {
                int64_t now;
                int t, ret;

                ret = batch_step(c);
                if (ret != 0)
                        return ret;
                now = batch_mono_ns();
                if (until_ns >= 0 && now >= until_ns)
                        return 0;
                t = engine_next_timeout_ms(c->e);
                if (until_ns >= 0) {
                        int64_t left = (until_ns - now + BATCH_MS_NS - 1) / BATCH_MS_NS;

                        if (t < 0 || t > left)
                                t = (int)left;
                }
                ret = batch_poll(c, t);
                if (ret < 0)
                        return ret;
        }
}

/*
 * Process until no read is due and every read started has answered or is blocked, for
 * at most timeout_ms: engine_settle(), but a signal ends it at once.  0 (also when the
 * time ran out), 1: stopped by a signal, or a negative errno.
 */
static int batch_settle(struct batch_ctx *c, int timeout_ms)
{
        int64_t end = batch_mono_ns() + (int64_t)timeout_ms * BATCH_MS_NS;

        for (;;) {
                int64_t left;
                int t, ret;

                ret = batch_step(c);
                if (ret != 0)
                        return ret;
                if (engine_pending(c->e) == 0)
                        return 0;
                left = end - batch_mono_ns();
                if (left <= 0)
                        return 0;
                t = engine_next_timeout_ms(c->e);
                if (t < 0 || (int64_t)t * BATCH_MS_NS > left)
                        t = (int)((left + BATCH_MS_NS - 1) / BATCH_MS_NS);
                ret = batch_poll(c, t);
                if (ret < 0)
                        return ret;
        }
}

/* Before a later snapshot: list the root again and read every state now. */
static void batch_refresh(struct batch_ctx *c)
{
        const struct engine_snap *s = engine_snapshot(c->e);

        engine_rescan(c->e);
        for (size_t i = 0; s && i < s->tree.ndevs; i++)
                if (!s->info[i].gone)
                        engine_request(c->e, s->tree.devs[i].name, NULL, "state");
        engine_snap_put(s);
}

/*
 * What the compare knows of a device besides its files: its state changes as the engine
 * saw them (*tl, malloc'd), its PCI device ID from sysfs, its kernel log records.
 */
static int batch_side(const struct batch_ctx *c, const struct engine_snap *s,
                      const struct disc_merged *m, const struct tree_dev *d, struct pair_side *side,
                      struct pair_event **tl)
{
        long i = engine_snap_find(s, d->name);
        const struct disc_entry *en = m && m->n ? batch_entry(m, d->name) : NULL;
        int pci = -1; /* -1: the engine's sysfs facts */

        if (en && en->in_sysfs && en->dev.bus == DISC_BUS_PCI && en->dev.has_ids)
                pci = en->dev.device;
        if (i < 0) {
                pair_side_init(side, d);
                *tl = NULL;
                return 0;
        }
        /* one snapshot shows no state change: only a watching run has a timeline */
        return pairside_build(s, (size_t)i, c->o->count != 1 || c->o->log_path, pci, side, tl);
}

/* The exit status of a run stopped by a signal before it printed anything. */
static int batch_stop_status(struct batch_ctx *c)
{
        fprintf(c->err, "migtop: stopped by %s before a snapshot was complete\n",
                sigabbrev_np(c->stop_sig) ? sigabbrev_np(c->stop_sig) : "a signal");
        return 128 + c->stop_sig;
}

/*
 * Take and print one snapshot.  first: errors are fatal (exit code), else printed.
 * BATCH_STOPPED: a signal came while it was being taken (nothing printed).
 */
#define BATCH_STOPPED (-1)
static int batch_snapshot(struct batch_ctx *c, bool first)
{
        const struct batch_opts *o = c->o;
        const struct engine_snap *s;
        struct pair_result pr, *p = NULL;
        struct pair_side sides[2];
        struct pair_event *tl[2] = {NULL, NULL};
        struct disc_merged m;
        char msg[512];
        int ret = batch_settle(c, c->deadline_ms + BATCH_MARGIN_MS);

        if (ret == 1)
                return BATCH_STOPPED;
        if (ret < 0)
                return batch_fail(c, strerror(-ret), NULL);
        s = engine_snapshot(c->e);
        if (!s)
                return batch_fail(c, "out of memory", NULL);
        c->now_ns = batch_mono_ns(); /* a shared snapshot keeps the time it was built */
        batch_discover(c, &s->tree, s->tree.err, &m);
        if (first && s->tree.err) {
                snprintf(msg, sizeof(msg), "%s",
                         s->tree.msg[0] ? s->tree.msg : "cannot list the vfio debugfs root");
                ret = batch_fail(c, msg, &m);
                goto out;
        }
        if (o->pair_src && o->pair_dst) {
                const struct tree_dev *a = tree_find(&s->tree, o->pair_src);
                const struct tree_dev *b = tree_find(&s->tree, o->pair_dst);

                if (!a || !b) {
                        snprintf(msg, sizeof(msg), "--pair: no device %s under %s",
                                 !a ? o->pair_src : o->pair_dst, o->root);
                        ret = batch_fail(c, msg, NULL);
                        goto out;
                }
                if (batch_side(c, s, &m, a, &sides[0], &tl[0]) < 0 ||
                    batch_side(c, s, &m, b, &sides[1], &tl[1]) < 0 ||
                    pair_compare(&sides[0], &sides[1], &pr) < 0) {
                        ret = batch_fail(c, "out of memory", NULL);
                        goto out;
                }
                p = &pr;
        }
        ret = BATCH_EXIT_OK;
        errno = 0; /* a failed write leaves its errno (the stream only keeps ferror) */
        if (o->json) {
                if (batch_json(c, s, &m, p, sides) < 0)
                        ret = batch_fail(c, "out of memory", NULL);
        } else {
                batch_text(c, s, &m, p);
        }
        if (ret == BATCH_EXIT_OK && (fflush(c->out) != 0 || ferror(c->out))) {
                /* a failed write: the error is the stream's, sticky (ferror) */
                c->out_err = errno ? errno : EIO;
                fprintf(c->err, "migtop: writing the output: %s\n", strerror(c->out_err));
                ret = BATCH_EXIT_ENV;
        }
        if (ret == BATCH_EXIT_OK)
                c->printed = true;
out:
        free(tl[0]);
        free(tl[1]);
        disc_merged_free(&m);
        engine_snap_put(s);
        return ret;
}

/* The loop ended on an error: a failed write (output or log) is named as one. */
static int batch_io_fail(struct batch_ctx *c, int err)
{
        char msg[512];

        bool log_out = c->log && strcmp(evlog_path(c->log), "-") == 0; /* the log is stdout */

        if (c->log && (err == evlog_error(c->log) || (log_out && err == -c->out_err)))
                snprintf(msg, sizeof(msg), "writing the log %s: %s", evlog_path(c->log),
                         strerror(-err));
        else if (c->out_err && err == -c->out_err)
                snprintf(msg, sizeof(msg), "writing the output: %s", strerror(-err));
        else
                snprintf(msg, sizeof(msg), "%s", strerror(-err));
        return batch_fail(c, msg, NULL);
}

static int batch_loop(struct batch_ctx *c)
{
        const struct batch_opts *o = c->o;
        int64_t t0 = 0;
        int ret;

        if (o->count <= 0) {
                ret = batch_wait(c, -1);
                return ret < 0 ? batch_io_fail(c, ret) : BATCH_EXIT_OK;
        }
        for (long k = 0; k < o->count; k++) {
                if (k > 0) {
                        ret = batch_wait(c, t0 + k * (int64_t)c->interval_ms * BATCH_MS_NS);
                        if (ret < 0)
                                return batch_io_fail(c, ret);
                        if (ret > 0)
                                break;
                        batch_refresh(c);
                }
                ret = batch_snapshot(c, k == 0);
                if (ret == BATCH_STOPPED)
                        break;
                if (ret != BATCH_EXIT_OK)
                        return ret;
                if (k == 0)
                        t0 = batch_mono_ns();
        }
        /* stopped before anything was printed: say so, and not with 0 */
        if (c->stop_sig && !c->printed)
                return batch_stop_status(c);
        return BATCH_EXIT_OK;
}

static void batch_engine_opts(const struct batch_ctx *c, struct engine_opts *eo)
{
        const struct batch_opts *o = c->o;

        engine_opts_default(eo);
        eo->deadline_ms = c->deadline_ms;
        eo->log = c->log;
        if (o->count == 1 && !o->log_path) {
                /* one snapshot: every file once, no second round */
                eo->state_ms = eo->features_ms = eo->costly_ms = ENGINE_ONCE;
                eo->migf_ms = eo->other_ms = ENGINE_ONCE;
                eo->rescan_ms = 0;
                return;
        }
        if (c->interval_ms < eo->state_ms)
                eo->state_ms = c->interval_ms;
        /* dev_data and cmd_state issue mailbox commands and take the driver's locks (and
           log a line per failed command): never more often than once a second */
        if (c->interval_ms < eo->costly_ms)
                eo->costly_ms =
                    c->interval_ms < BATCH_COSTLY_MIN_MS ? BATCH_COSTLY_MIN_MS : c->interval_ms;
        if (c->interval_ms < eo->migf_ms)
                eo->migf_ms = c->interval_ms;
        if (c->interval_ms < eo->other_ms)
                eo->other_ms = c->interval_ms;
}

int batch_run(const struct batch_opts *o, FILE *out, FILE *err)
{
        struct batch_ctx c = {.o = o, .out = out, .err = err, .sfd = -1, .out_watch = -1};
        const char *sysroot = batch_sysfs_root(o);
        struct engine_opts eo;
        struct src *s = NULL;
        sigset_t old;
        struct stat st;
        char msg[512];
        int ret;

        c.deadline_ms = o->deadline_ms > 0 ? o->deadline_ms : BATCH_DEADLINE_DEFAULT;
        c.interval_ms = o->interval_ms > 0 ? o->interval_ms : BATCH_INTERVAL_DEFAULT;
        /* discovery failures never fail the run: without a context there is no sysfs view */
        if (sysroot && disc_open(sysroot, NULL, 0, &c.disc) < 0)
                c.disc = NULL;
        ret = batch_open_src(o->root, o->fixture, &s);
        if (ret < 0) {
                struct disc_merged m;

                batch_root_message(-ret, o->root, msg, sizeof(msg));
                batch_discover(&c, NULL, -ret, &m);
                ret = batch_fail(&c, msg, &m);
                disc_merged_free(&m);
                disc_close(c.disc);
                return ret;
        }
        ret = batch_open_klog(o, &c.klog, msg, sizeof(msg));
        if (ret < 0) {
                src_close(s);
                ret = batch_fail(&c, msg, NULL);
                disc_close(c.disc);
                return ret;
        }
        if (o->log_path) {
                ret = evlog_open(o->log_path, o->json, &c.log);
                if (ret < 0) {
                        snprintf(msg, sizeof(msg), "cannot open the log %s: %s", o->log_path,
                                 strerror(-ret));
                        src_close(s);
                        ret = batch_fail(&c, msg, NULL);
                        disc_close(c.disc);
                        klog_free(c.klog);
                        return ret;
                }
        }
        batch_signals(&c, &old);
        if (fstat(fileno(out), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
                c.out_watch = fileno(out);
        batch_engine_opts(&c, &eo);
        eo.klog = c.klog;
        ret = engine_new(s, &eo, &c.e);
        if (ret < 0) {
                snprintf(msg, sizeof(msg), "starting the poller: %s", strerror(-ret));
                ret = batch_fail(&c, msg, NULL);
        } else {
                ret = batch_loop(&c);
        }
        engine_free(c.e);
        klog_free(c.klog);
        if (c.log)
                evlog_close(c.log);
        disc_close(c.disc);
        if (c.sfd >= 0) {
                close(c.sfd);
                sigprocmask(SIG_SETMASK, &old, NULL);
        }
        return ret;
}
