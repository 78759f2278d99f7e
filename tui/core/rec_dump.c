/* SPDX-License-Identifier: GPL-2.0-only */
/* rec_dump: a recording as JSON lines (see rec_dump.h). */
#include "rec_dump.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "core/jsonout.h"
#include "core/src.h"

static void rd_add(struct json_object *o, const char *k, struct json_object *v)
{
        json_object_object_add(o, k, v);
}

static struct json_object *rd_time(int64_t t)
{
        char buf[40];

        rec_time_iso(t, buf, sizeof(buf));
        return json_object_new_string(buf);
}

/* bytes as a JSON string, and as hex too when they are not UTF-8 text */
static void rd_bytes(struct json_object *o, const char *k, const char *d, size_t n)
{
        rd_add(o, k, jout_strn(d, n));
        if (!esc_utf8_valid(d, n)) {
                char *hex = malloc(2 * n + 1);
                char key[32];

                if (!hex)
                        return;
                for (size_t i = 0; i < n; i++)
                        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)d[i]);
                snprintf(key, sizeof(key), "%s_hex", k);
                rd_add(o, key, json_object_new_string_len(hex, (int)(2 * n)));
                free(hex);
        }
}

static int rd_put(FILE *out, struct json_object *o)
{
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
        int ret = fprintf(out, "%s\n", s) < 0 ? -EIO : 0;

        json_object_put(o);
        return ret;
}

/* A LINK's members (the times as ISO and ns, 0: null). */
static void rd_link(struct json_object *o, const struct rec_link *l)
{
        static const char *const states[] = {"connecting", "connected", "down", "reconnecting"};

        rd_add(o, "state", json_object_new_string(states[l->state & 3]));
        rd_add(o, "since", rd_time(l->since_ns));
        rd_add(o, "last_ns", l->last_ns ? json_object_new_int64(l->last_ns) : NULL);
        rd_add(o, "retry_ns", l->retry_ns ? json_object_new_int64(l->retry_ns) : NULL);
        rd_add(o, "rtt_ms", l->rtt_ms >= 0 ? json_object_new_int(l->rtt_ms) : NULL);
        rd_add(o, "attempts", json_object_new_int64(l->attempts));
        rd_add(o, "changes", json_object_new_int64(l->changes));
        rd_add(o, "lines", json_object_new_uint64(l->lines));
        rd_add(o, "bytes", json_object_new_uint64(l->bytes));
        rd_add(o, "bad_lines", json_object_new_uint64(l->bad));
        rd_add(o, "error", jout_str(l->error));
        rd_add(o, "dest", jout_str(l->dest));
        rd_add(o, "agent_version", l->have_hello ? jout_str(l->agent) : NULL);
        rd_add(o, "agent_host", l->have_hello ? jout_str(l->agent_host) : NULL);
        rd_add(o, "kernel", l->have_hello ? jout_str(l->kernel) : NULL);
        rd_add(o, "klog", l->have_hello ? jout_str(l->klog) : NULL);
}

/* A SYS's members. */
static void rd_sys(struct json_object *o, const struct rec_sys *y)
{
        rd_add(o, "device", jout_str(y->dev));
        rd_add(o, "bus", jout_str(y->bus));
        rd_add(o, "driver", jout_str(y->driver));
        rd_add(o, "parent", jout_str(y->parent));
        rd_add(o, "vf", json_object_new_boolean(y->is_vf));
        rd_add(o, "vendor", y->has_ids ? json_object_new_int((int)y->vendor) : NULL);
        rd_add(o, "pci_device", y->has_ids ? json_object_new_int((int)y->device) : NULL);
        rd_add(o, "iommu_group", json_object_new_int(y->iommu_group));
        rd_add(o, "numa_node", json_object_new_int(y->numa_node));
}

int rec_dump(struct rec_reader *rd, FILE *out)
{
        const struct rec_header *h = rec_reader_header(rd);
        struct json_object *o = json_object_new_object(), *hosts = json_object_new_array();
        struct rec_ev ev;
        uint64_t n = 0;
        int ret;

        rd_add(o, "type", json_object_new_string("header"));
        rd_add(o, "format_version", json_object_new_int((int)h->version));
        rd_add(o, "migtop_version", jout_str(h->migtop_version));
        rd_add(o, "t0", rd_time(h->t0_ns));
        for (size_t i = 0; i < h->nhosts; i++) {
                struct json_object *x = json_object_new_object();

                rd_add(x, "name", jout_str(h->hosts[i].name));
                rd_add(x, "kernel", jout_str(h->hosts[i].kernel));
                rd_add(x, "root", jout_str(h->hosts[i].root));
                json_object_array_add(hosts, x);
        }
        rd_add(o, "hosts", hosts);
        if (h->flags & REC_HDR_LINKS) /* hosts 1.. are --host links */
                rd_add(o, "links", json_object_new_boolean(1));
        if (h->flags & REC_HDR_OPTS) { /* the recording run's options, as stored */
                struct json_object *opts = json_object_new_object();

                for (size_t i = 0; i < h->nopts && i < REC_OPTS_MAX; i++)
                        rd_add(opts, h->opts[i].key, jout_str(h->opts[i].value));
                rd_add(o, "options", opts);
        }
        ret = rd_put(out, o);
        rec_seek(rd, INT64_MIN);
        while (ret == 0 && rec_next(rd, &ev) == 1) {
                o = json_object_new_object();
                rd_add(o, "type", json_object_new_string(rec_type_name(ev.type)));
                rd_add(o, "t", rd_time(ev.t_ns));
                rd_add(o, "t_ns", json_object_new_int64(ev.t_ns));
                rd_add(o, "host", json_object_new_int((int)ev.host));
                rd_add(o, "keyframe", json_object_new_boolean(ev.flags & REC_F_KEY));
                switch (ev.type) {
                case REC_READ:
                case REC_LIST:
                        rd_add(o, "path", jout_str(ev.path));
                        rd_add(o, "errno",
                               ev.err ? json_object_new_string(
                                            src_errno_name(ev.err) ? src_errno_name(ev.err) : "?")
                                      : NULL);
                        if (ev.type == REC_LIST) {
                                struct json_object *a = json_object_new_array();

                                for (size_t i = 0; i < ev.n; i++)
                                        json_object_array_add(a, jout_str(ev.names[i]));
                                rd_add(o, "names", a);
                                break;
                        }
                        rd_add(o, "t_start_ns", json_object_new_int64(ev.t_start));
                        rd_add(o, "t_end_ns", json_object_new_int64(ev.t_end));
                        rd_add(o, "truncated", json_object_new_boolean(ev.truncated));
                        if (ev.flags & REC_F_OPEN) /* no answer by t: in flight at the stop */
                                rd_add(o, "answered", json_object_new_boolean(false));
                        rd_bytes(o, "data", ev.data, ev.len);
                        break;
                case REC_KLOG:
                        rd_bytes(o, "line", ev.data, ev.len);
                        break;
                case REC_HOST:
                        rd_add(o, "status",
                               json_object_new_string(ev.status == REC_HOST_UP ? "up" : "down"));
                        rd_add(o, "message", jout_str(ev.data));
                        break;
                case REC_KEY:
                        rd_add(o, "count", json_object_new_int64((int64_t)ev.n));
                        break;
                case REC_LINK:
                        rd_link(o, ev.link);
                        break;
                case REC_SYS:
                        rd_sys(o, ev.sys);
                        break;
                default:
                        break;
                }
                ret = rd_put(out, o);
                n++;
        }
        if (ret == 0) {
                o = json_object_new_object();
                rd_add(o, "type", json_object_new_string("end"));
                rd_add(o, "records", json_object_new_int64((int64_t)n));
                rd_add(o, "message",
                       rec_reader_message(rd)[0] ? jout_str(rec_reader_message(rd)) : NULL);
                ret = rd_put(out, o);
        }
        if (ret == 0 && fflush(out) != 0)
                ret = -EIO;
        return ret;
}
