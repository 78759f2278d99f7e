/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch: the readable text output of --once and -n (one block per device, the kernel log
 * lines tied to it, then the --pair comparison).
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
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/engine.h"
#include "engine/evlog.h"
#include "remote.h"
#include "ui/pairside.h"

/* ---- text output ----------------------------------------------------------------------- */

/*
 * Every string from outside (names, file contents, kernel log text, messages quoting
 * them) is printed escaped (core/esc.h): control characters, '\' and bytes that are not
 * UTF-8 (any byte >= 0x80 outside a UTF-8 locale) as \xNN, so nothing reaches the
 * terminal raw and a newline in a name cannot forge a line.
 */
#define BT_E_MAX (ESC_GROWTH * 512 + 1) /* the longest message (512 bytes), escaped */

static unsigned bt_flags(void)
{
        return esc_locale_utf8() ? ESC_UTF8 : 0;
}

/* s escaped, in a buffer that lives until the end of the caller's full expression. */
#define BT_E(s) esc_str((char[BT_E_MAX]){0}, BT_E_MAX, (s), bt_flags())

/* s[0..n) escaped, whatever its length. */
static void bt_putn(FILE *out, const char *s, size_t n)
{
        size_t len;
        char *e = esc_text_dup(s, n, bt_flags(), &len);

        if (!e) {
                fputs("(out of memory)", out);
                return;
        }
        fwrite(e, 1, len, out);
        free(e);
}

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
        /* the lines of a file: any length */
        fputs("      ", out);
        bt_putn(out, kv->key, strlen(kv->key));
        fputs(": ", out);
        bt_putn(out, kv->value, strlen(kv->value));
        fprintf(out, "%s%s%s\n", m ? " (" : "", m ? m : "", m ? ")" : "");
}

/* How long the read of a file has been blocked (ms), or -1. */
long long batch_blocked_ms(int64_t now_ns, const struct engine_file_info *fi)
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
        if (en && !strstr(drv_file_msg(f), en))
                fprintf(out, " (%s)", en);
        if (drv_file_msg(f)[0])
                fprintf(out, ": %s", BT_E(drv_file_msg(f)));
}

static void batch_text_file(FILE *out, const char *dir, const struct drv_file *f,
                            long long blocked_ms)
{
        fprintf(out, "  %s/%s: ", BT_E(dir), BT_E(f->name));
        batch_status(out, f, blocked_ms);
        if (f->status == DRV_ST_OK && f->text) {
                size_t n = f->text_len;

                while (n && (f->text[n - 1] == '\n'))
                        n--;
                fputs(": ", out);
                bt_putn(out, f->text, n);
        }
        fputc('\n', out);
}

static void batch_dump_file(FILE *out, const char *dir, const struct drv_file *f,
                            long long blocked_ms)
{
        fprintf(out, "  %s/%s: ", BT_E(dir), BT_E(f->name));
        batch_status(out, f, blocked_ms);
        if (f->bytes || f->has_fields) {
                fprintf(out, " [%s, %zu bytes%s]",
                        f->has_fields ? acc_layout_name(drv_fields(f)->layout) : "raw", f->len,
                        f->cut ? ", cut off" : "");
        }
        fputc('\n', out);
        if (f->has_fields)
                batch_fields(out, f->name, drv_fields(f));
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
                        fprintf(out, "  %s/: unknown driver directory (not read)\n",
                                BT_E(dir->name));
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
        fprintf(out, "  sysfs: %s\n", BT_E(line));
}

/* stale: a host's device whose link is down: never "stuck" (its values stopped, not it) */
static void batch_text_dev_body(FILE *out, const struct engine_snap *s, size_t i,
                                const struct disc_merged *m, int64_t now, bool stale)
{
        const struct tree_dev *d = &s->tree.devs[i];
        const struct engine_dev_info *info = s->info ? &s->info[i] : NULL;

        fprintf(out, "device %s\n", BT_E(d->name));
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
        if (info && info->stuck && !stale) {
                char in[32], thr[32];

                /* the same words as the console's detail view */
                stuck_fmt_dur((now - info->state_since_ns) / BATCH_MS_NS, in, sizeof(in));
                stuck_fmt_dur(info->stuck_threshold_ms, thr, sizeof(thr));
                fprintf(out, "  stuck: in %s for %s (threshold %s)\n", fsm_state_name(d->state), in,
                        thr);
        }
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
                bt_putn(out, r->text, r->text_len);
                fputs(r->text_cut ? "...\n" : "\n", out);
        }
}

static void batch_text_dev(const struct batch_ctx *c, const struct engine_snap *s, size_t i,
                           const struct disc_merged *m, int64_t now)
{
        FILE *out = c->out;
        long long age;
        long h;

        bool stale = c->rem && batch_dev_stale(c, s->tree.devs[i].name, &age, &h);

        batch_text_dev_body(out, s, i, m, now, stale);
        if (stale) {
                struct rsrc_status st;

                remote_status(c->rem, (size_t)h, &st);
                fprintf(out, "  stale: host %s %s, data %.1f s old\n",
                        BT_E(remote_label(c->rem, (size_t)h)), rsrc_state_name(st.state),
                        (double)age / 1000);
        }
        batch_text_klog(out, s, i);
}

/* --host: "host hvA (root@hv1): connected: agent 0.1.0 on hv1, kernel 6.12.0, ..." */
static void batch_text_hosts(const struct batch_ctx *c)
{
        for (size_t i = 0; i < remote_count(c->rem); i++) {
                struct rsrc_status st;
                char detail[700], ts[40];

                remote_status(c->rem, i, &st);
                batch_host_detail(c, i, detail, sizeof(detail));
                evlog_time(st.since_ms * BATCH_MS_NS, ts, sizeof(ts));
                fprintf(c->out, "host %s (%s): %s since %s%s%s", BT_E(remote_label(c->rem, i)),
                        BT_E(remote_dest(c->rem, i)), rsrc_state_name(st.state), ts,
                        detail[0] ? ": " : "", BT_E(detail));
                if (st.state == RSRC_CONNECTED && st.rtt_ms >= 0)
                        fprintf(c->out, ", round trip %d ms", st.rtt_ms);
                fputc('\n', c->out);
        }
}

/* "kernel log: /dev/kmsg ok, 409 records" (nothing when there is no kernel log). */
static void batch_text_klog_status(FILE *out, const struct engine_klog *k)
{
        if (k->state == ENGINE_KLOG_OFF)
                return;
        fprintf(out, "kernel log: %s %s", BT_E(k->source), engine_klog_state_name(k->state));
        if (k->state == ENGINE_KLOG_UNAVAILABLE) {
                fprintf(out, ": %s\n", BT_E(k->msg));
                return;
        }
        fprintf(out, ", %" PRIu64 " records", k->records);
        if (k->gaps || k->lost)
                fprintf(out, ", %" PRIu64 " gaps, %" PRIu64 " records lost", k->gaps, k->lost);
        if (k->bad)
                fprintf(out, ", %" PRIu64 " skipped (%s)", k->bad, BT_E(k->bad_msg));
        fputc('\n', out);
}

static void batch_text_sysfs_only(FILE *out, const struct disc_entry *en)
{
        fprintf(out, "device %s\n  sysfs only: %s\n", BT_E(en->name), disc_reason_text(en->reason));
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
        fprintf(out, "compare %s -> %s", BT_E(src), BT_E(dst));
        if (p->dir)
                fprintf(out, " (%s)", p->dir);
        fprintf(out, "\n  verdict: %s", match_verdict_name(p->match.verdict));
        if (p->match.summary[0] && p->match.verdict != MATCH_REJECT &&
            p->match.verdict != MATCH_INCOMPLETE)
                fprintf(out, ": %s", BT_E(p->match.summary));
        fputc('\n', out);
        if (p->msg[0])
                fprintf(out, "  note: %s\n", BT_E(p->msg));
        for (unsigned i = 0; i < p->checks.n && i < CHECK_MAX; i++) {
                const struct check *c = &p->checks.c[i];

                fprintf(out, "  check %-8s %-7s %s\n", c->name, check_verdict_name(c->verdict),
                        BT_E(c->reason));
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

void batch_text(struct batch_ctx *c, const struct engine_snap *s, const struct disc_merged *m,
                const struct pair_result *p)
{
        const struct batch_opts *o = c->o;
        FILE *out = c->out;
        bool first = true;

        if (o->lines) {
                char ts[40];

                batch_now_time(c, ts, sizeof(ts));
                fprintf(out, "=== %s ===\n", ts);
        }
        batch_text_klog_status(out, &s->klog);
        batch_text_hosts(c);
        if (s->tree.err) {
                fprintf(out, "error: %s\n",
                        s->tree.msg[0] ? BT_E(s->tree.msg) : "cannot list the root");
        } else if (s->tree.ndevs == 0) {
                fputs("no devices under ", out);
                bt_putn(out, o->root, strlen(o->root));
                fputs(" (no vfio device with migration support is registered)\n", out);
        }
        for (size_t i = 0; i < s->tree.ndevs; i++) {
                if (!first)
                        fputc('\n', out);
                first = false;
                batch_text_dev(c, s, i, m, c->now_ns);
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
