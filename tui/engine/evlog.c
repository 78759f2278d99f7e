// SPDX-License-Identifier: GPL-2.0-only
#include "engine/evlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/esc.h"
#include "core/jsonout.h"

#include "core/stuck.h"

struct evlog {
        char *path;
        FILE *f;
        bool json;
        bool is_stdout;
        unsigned esc; /* esc_text() flags: UTF-8 kept in a UTF-8 locale */
        int err;      /* the first write error (positive errno), until reopened */
};

static int open_file(struct evlog *l)
{
        int fd, flags, err;

        if (l->is_stdout) {
                l->f = stdout;
                return 0;
        }
        /*
         * O_NONBLOCK: a FIFO without a reader fails at once (ENXIO, see evlog_strerror())
         * instead of hanging in open(); writes block again as usual once it is open.
         */
        fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0666);
        if (fd < 0)
                return -errno;
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
                err = -errno;
                close(fd);
                return err;
        }
        l->f = fdopen(fd, "a");
        if (!l->f) {
                err = -errno;
                close(fd);
                return err;
        }
        setvbuf(l->f, NULL, _IOLBF, 0);
        return 0;
}

const char *evlog_strerror(int err)
{
        if (err == ENXIO)
                return "it is a FIFO with no reader (start the reader first, then migtop)";
        return strerror(err);
}

int evlog_open(const char *path, bool json, struct evlog **out)
{
        struct evlog *l = calloc(1, sizeof(*l));
        int err;

        *out = NULL;
        if (!l)
                return -ENOMEM;
        l->path = strdup(path);
        if (!l->path) {
                free(l);
                return -ENOMEM;
        }
        l->json = json;
        l->esc = esc_locale_utf8() ? ESC_UTF8 : 0;
        l->is_stdout = strcmp(path, "-") == 0;
        err = open_file(l);
        if (err) {
                free(l->path);
                free(l);
                return err;
        }
        *out = l;
        return 0;
}

void evlog_close(struct evlog *l)
{
        if (!l)
                return;
        if (l->f && !l->is_stdout)
                fclose(l->f);
        else if (l->f)
                fflush(l->f);
        free(l->path);
        free(l);
}

int evlog_reopen(struct evlog *l)
{
        if (l->is_stdout)
                return 0;
        if (l->f)
                fclose(l->f);
        l->f = NULL;
        l->err = 0;
        return open_file(l);
}

const char *evlog_path(const struct evlog *l)
{
        return l->path;
}

void evlog_time(int64_t t_ns, char *buf, size_t n)
{
        time_t secs = (time_t)(t_ns / 1000000000LL);
        long ms = (long)((t_ns % 1000000000LL) / 1000000LL);
        struct tm tm;
        char base[24];

        gmtime_r(&secs, &tm);
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, n, "%s.%03ldZ", base, ms);
}

static const char *err_name(int err, char *buf, size_t n)
{
        const char *s = strerrorname_np(err);

        if (s)
                return s;
        snprintf(buf, n, "errno %d", err);
        return buf;
}

/* An escaped copy of s for a text line (core/esc.h), in buf. */
static const char *ev_e(const struct evlog *l, char *buf, size_t n, const char *s)
{
        return esc_str(buf, n, s, l->esc);
}

#define EV_E_MAX    (ESC_GROWTH * 256 + 1) /* a name or message of 256 bytes, escaped */
#define EV_LINE_MAX (3 * EV_E_MAX + 256)

/* Every line is written through (line-buffered, or flushed): a failure is seen at once. */
static int put_line(struct evlog *l, const char *line)
{
        if (!l->f) {
                if (!l->err)
                        l->err = EBADF;
                return -EBADF;
        }
        errno = 0;
        if (fputs(line, l->f) == EOF || fputc('\n', l->f) == EOF || fflush(l->f) == EOF ||
            ferror(l->f)) {
                if (!l->err)
                        l->err = errno ? errno : EIO;
                clearerr(l->f);
                return -l->err;
        }
        return 0;
}

int evlog_error(const struct evlog *l)
{
        return l->err ? -l->err : 0;
}

static int put_json(struct evlog *l, struct json_object *o)
{
        int err = put_line(l, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

        json_object_put(o);
        return err;
}

static struct json_object *json_head(int64_t t_ns, const char *dev, const char *event)
{
        struct json_object *o = json_object_new_object();
        char ts[40];

        evlog_time(t_ns, ts, sizeof(ts));
        json_object_object_add(o, "time", json_object_new_string(ts));
        json_object_object_add(o, "device", jout_str(dev));
        json_object_object_add(o, "event", json_object_new_string(event));
        return o;
}

int evlog_state(struct evlog *l, int64_t t_ns, const char *dev, const struct fsm_change *c)
{
        char ts[40], de[EV_E_MAX], line[EV_LINE_MAX];
        size_t off;

        if (l->json) {
                struct json_object *o = json_head(t_ns, dev, "state");
                struct json_object *steps = json_object_new_array();

                json_object_object_add(o, "from", json_object_new_string(fsm_state_name(c->from)));
                json_object_object_add(o, "to", json_object_new_string(fsm_state_name(c->to)));
                json_object_object_add(o, "class", json_object_new_string(fsm_class_name(c->cls)));
                for (unsigned i = 0; i < c->nsteps && i < FSM_MAX_STEPS; i++)
                        json_object_array_add(steps,
                                              json_object_new_string(fsm_state_name(c->steps[i])));
                json_object_object_add(o, "inferred", steps);
                return put_json(l, o);
        }
        evlog_time(t_ns, ts, sizeof(ts));
        off = (size_t)snprintf(line, sizeof(line), "%s %s state %s -> %s (%s", ts,
                               ev_e(l, de, sizeof(de), dev), fsm_state_name(c->from),
                               fsm_state_name(c->to), fsm_class_name(c->cls));
        for (unsigned i = 0; i < c->nsteps && i < FSM_MAX_STEPS && off < sizeof(line); i++)
                off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? ", " : " via ",
                                        fsm_state_name(c->steps[i]));
        if (off < sizeof(line))
                snprintf(line + off, sizeof(line) - off, ")");
        return put_line(l, line);
}

int evlog_file(struct evlog *l, int64_t t_ns, const char *dev, const char *file, const char *status,
               int err, size_t len)
{
        return evlog_file_after(l, t_ns, dev, file, status, err, len, -1);
}

int evlog_file_after(struct evlog *l, int64_t t_ns, const char *dev, const char *file,
                     const char *status, int err, size_t len, long long blocked_ms)
{
        char ts[40], de[EV_E_MAX], fe[EV_E_MAX], line[EV_LINE_MAX], eb[24];
        size_t off;

        if (l->json) {
                struct json_object *o = json_head(t_ns, dev, "file");

                json_object_object_add(o, "file", jout_str(file));
                json_object_object_add(o, "status", json_object_new_string(status));
                json_object_object_add(
                    o, "errno", err ? json_object_new_string(err_name(err, eb, sizeof(eb))) : NULL);
                json_object_object_add(o, "length", json_object_new_uint64(len));
                if (blocked_ms >= 0)
                        json_object_object_add(o, "blocked_ms", json_object_new_int64(blocked_ms));
                return put_json(l, o);
        }
        evlog_time(t_ns, ts, sizeof(ts));
        ev_e(l, de, sizeof(de), dev);
        ev_e(l, fe, sizeof(fe), file);
        if (err)
                snprintf(line, sizeof(line), "%s %s file %s %s (%s)", ts, de, fe, status,
                         strerrorname_np(err) ? strerrorname_np(err) : "?");
        else
                snprintf(line, sizeof(line), "%s %s file %s %s, %zu bytes", ts, de, fe, status,
                         len);
        off = strlen(line);
        if (blocked_ms >= 0 && off < sizeof(line))
                snprintf(line + off, sizeof(line) - off, ", answered after %lld ms", blocked_ms);
        return put_line(l, line);
}

int evlog_device(struct evlog *l, int64_t t_ns, const char *dev, const char *action,
                 const char *reason)
{
        char ts[40], de[EV_E_MAX], re[EV_E_MAX], line[EV_LINE_MAX];

        if (l->json) {
                struct json_object *o = json_head(t_ns, dev, "device");

                json_object_object_add(o, "action", json_object_new_string(action));
                json_object_object_add(o, "reason", jout_str(reason));
                return put_json(l, o);
        }
        evlog_time(t_ns, ts, sizeof(ts));
        snprintf(line, sizeof(line), "%s %s device %s%s%s", ts, ev_e(l, de, sizeof(de), dev),
                 action, reason ? ": " : "", ev_e(l, re, sizeof(re), reason));
        return put_line(l, line);
}

int evlog_kmsg(struct evlog *l, int64_t t_ns, const char *dev, const struct kmsg_rec *r)
{
        char ts[40], de[EV_E_MAX], line[ESC_GROWTH * KMSG_TEXT_MAX + EV_E_MAX + 128];
        char text[ESC_GROWTH * KMSG_TEXT_MAX + 1];

        if (l->json) {
                struct json_object *o2 = json_head(t_ns, dev, "kernel");

                json_object_object_add(o2, "seq", json_object_new_uint64(r->seq));
                json_object_object_add(o2, "ts_us", json_object_new_int64(r->ts_us));
                json_object_object_add(o2, "level",
                                       json_object_new_string(kmsg_level_name(r->level)));
                json_object_object_add(o2, "text", jout_strn(r->text, r->text_len));
                return put_json(l, o2);
        }
        esc_text(text, sizeof(text), r->text, r->text_len, l->esc);
        evlog_time(t_ns, ts, sizeof(ts));
        snprintf(line, sizeof(line), "%s %s kernel %s: %s%s (seq %llu, %lld.%06lld s)", ts,
                 ev_e(l, de, sizeof(de), dev), kmsg_level_name(r->level), text,
                 r->text_cut ? "..." : "", (unsigned long long)r->seq,
                 (long long)(r->ts_us / 1000000), (long long)(r->ts_us % 1000000));
        return put_line(l, line);
}

int evlog_klog(struct evlog *l, int64_t t_ns, const char *status, const char *msg)
{
        char ts[40], de[EV_E_MAX], line[EV_LINE_MAX];

        if (l->json) {
                struct json_object *o = json_object_new_object();

                evlog_time(t_ns, ts, sizeof(ts));
                json_object_object_add(o, "time", json_object_new_string(ts));
                json_object_object_add(o, "device", NULL);
                json_object_object_add(o, "event", json_object_new_string("kernel_log"));
                json_object_object_add(o, "status", json_object_new_string(status));
                json_object_object_add(o, "message", jout_str(msg));
                return put_json(l, o);
        }
        evlog_time(t_ns, ts, sizeof(ts));
        snprintf(line, sizeof(line), "%s - kernel_log %s%s%s", ts, status, msg ? ": " : "",
                 ev_e(l, de, sizeof(de), msg));
        return put_line(l, line);
}

int evlog_host(struct evlog *l, int64_t t_ns, const char *host, const char *status, const char *msg)
{
        char ts[40], he[EV_E_MAX], de[EV_E_MAX], line[EV_LINE_MAX];

        evlog_time(t_ns, ts, sizeof(ts));
        if (l->json) {
                struct json_object *o = json_object_new_object();

                json_object_object_add(o, "time", json_object_new_string(ts));
                json_object_object_add(o, "device", NULL);
                json_object_object_add(o, "event", json_object_new_string("host"));
                json_object_object_add(o, "host", jout_str(host));
                json_object_object_add(o, "status", json_object_new_string(status));
                json_object_object_add(o, "message", msg && msg[0] ? jout_str(msg) : NULL);
                return put_json(l, o);
        }
        snprintf(line, sizeof(line), "%s - host %s %s%s%s", ts, ev_e(l, he, sizeof(he), host),
                 status, msg && msg[0] ? ": " : "",
                 msg && msg[0] ? ev_e(l, de, sizeof(de), msg) : "");
        return put_line(l, line);
}

int evlog_stuck(struct evlog *l, int64_t t_ns, const char *dev, enum fsm_state st,
                int64_t in_state_ms, int64_t threshold_ms, const char *ended)
{
        char ts[40], de[EV_E_MAX], line[EV_LINE_MAX], in[32], thr[32];

        if (l->json) {
                struct json_object *o = json_head(t_ns, dev, "stuck");

                json_object_object_add(o, "stuck", json_object_new_boolean(!ended));
                json_object_object_add(o, "state", json_object_new_string(fsm_state_name(st)));
                json_object_object_add(o, "in_state_ms", json_object_new_int64(in_state_ms));
                json_object_object_add(o, "threshold_ms", json_object_new_int64(threshold_ms));
                json_object_object_add(o, "now", ended ? json_object_new_string(ended) : NULL);
                return put_json(l, o);
        }
        evlog_time(t_ns, ts, sizeof(ts));
        stuck_fmt_dur(in_state_ms, in, sizeof(in));
        stuck_fmt_dur(threshold_ms, thr, sizeof(thr));
        if (ended)
                snprintf(line, sizeof(line), "%s %s stuck ended: %s -> %s after %s in %s", ts,
                         ev_e(l, de, sizeof(de), dev), fsm_state_name(st), ended, in,
                         fsm_state_name(st));
        else
                snprintf(line, sizeof(line), "%s %s stuck: in %s for %s (threshold %s)", ts,
                         ev_e(l, de, sizeof(de), dev), fsm_state_name(st), in, thr);
        return put_line(l, line);
}
