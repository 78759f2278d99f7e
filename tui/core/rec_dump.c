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
