/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * remote: host specs, the ssh command line, the union source, the hosts' status and JSON
 * (see remote.h); the hosts' kernel log is in remote_klog.c, --record/--replay in remote_rec.c.
 */
#include "remote.h"
#include "remote_int.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/jsonout.h"
#include "engine/evlog.h"

/* ---- specs -------------------------------------------------------------------------------- */

static bool remote_label_ok(const char *s)
{
        bool hex = true;

        if (!s[0])
                return false;
        for (const char *p = s; *p; p++) {
                if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
                        return false;
                hex &= isxdigit((unsigned char)*p) != 0;
        }
        return !hex;
}

int remote_parse(const char *spec, struct remote_host *h, char *msg, size_t size)
{
        char buf[2048], *save = NULL, *tok;
        const char *at;

        memset(h, 0, sizeof(*h));
        snprintf(h->cmd, sizeof(h->cmd), "migtop");
        if (strlen(spec) >= sizeof(buf)) {
                snprintf(msg, size, "--host: '%.40s...' is too long", spec);
                return -EINVAL;
        }
        snprintf(buf, sizeof(buf), "%s", spec);
        tok = strtok_r(buf, ",", &save);
        if (!tok || !tok[0] || tok[0] == '-' || strchr(spec, '\n') ||
            strlen(tok) >= sizeof(h->dest)) {
                snprintf(msg, size,
                         "--host wants [user@]host[,name=LABEL][,root=DIR][,cmd=PATH], not '%s'",
                         spec);
                return -EINVAL;
        }
        snprintf(h->dest, sizeof(h->dest), "%s", tok);
        at = strrchr(h->dest, '@');
        at = at ? at + 1 : h->dest;
        if (strlen(at) >= sizeof(h->label)) {
                snprintf(msg, size, "--host %s: give a shorter label with name=LABEL", h->dest);
                return -EINVAL;
        }
        memcpy(h->label, at, strlen(at) + 1);
        while ((tok = strtok_r(NULL, ",", &save))) {
                char *eq = strchr(tok, '=');
                char *field = NULL;
                size_t fsize = 0;

                if (eq) {
                        *eq = '\0';
                        if (strcmp(tok, "name") == 0)
                                field = h->label, fsize = sizeof(h->label);
                        else if (strcmp(tok, "root") == 0)
                                field = h->root, fsize = sizeof(h->root);
                        else if (strcmp(tok, "cmd") == 0)
                                field = h->cmd, fsize = sizeof(h->cmd);
                }
                if (!field || !eq[1] || strlen(eq + 1) >= fsize) {
                        snprintf(msg, size,
                                 "--host %s: '%s' is not name=LABEL, root=DIR or cmd=PATH", h->dest,
                                 tok);
                        return -EINVAL;
                }
                snprintf(field, fsize, "%s", eq + 1);
        }
        /* a host name such as "hv1.example.com": the label is its first part */
        if (!strstr(spec, ",name=")) {
                char *dot = strchr(h->label, '.');

                if (dot && dot != h->label)
                        *dot = '\0';
        }
        if (!remote_label_ok(h->label)) {
                snprintf(msg, size,
                         "--host %s: the label '%s' must be letters, digits, '.', '_' or '-', and "
                         "not only hex digits; give one with name=LABEL",
                         h->dest, h->label);
                return -EINVAL;
        }
        return 0;
}

/* ---- the command line --------------------------------------------------------------------- */

void remote_argv_free(char **argv)
{
        for (size_t i = 0; argv && argv[i]; i++)
                free(argv[i]);
        free(argv);
}

/* s quoted for a POSIX shell: 'it'\''s' */
static void remote_quote(char *out, size_t size, const char *s)
{
        size_t o = 0;

        if (size < 3)
                return;
        out[o++] = '\'';
        for (; *s && o + 6 < size; s++) {
                if (*s == '\'') {
                        memcpy(out + o, "'\\''", 4);
                        o += 4;
                } else {
                        out[o++] = *s;
                }
        }
        out[o++] = '\'';
        out[o] = '\0';
}

char **remote_argv(const struct remote_host *h, const char *ssh, int interval_ms)
{
        char words[1024], *save = NULL, *w, cmd[3000], q1[600], q2[2100];
        char **argv = calloc(64, sizeof(*argv));
        size_t n = 0;

        if (!argv)
                return NULL;
        snprintf(words, sizeof(words), "%s", ssh && ssh[0] ? ssh : REMOTE_SSH_DEFAULT);
        for (w = strtok_r(words, " \t", &save); w && n < 60; w = strtok_r(NULL, " \t", &save))
                if (!(argv[n++] = strdup(w)))
                        goto fail;
        if (!n)
                goto fail;
        remote_quote(q1, sizeof(q1), h->cmd);
        if (h->root[0]) {
                remote_quote(q2, sizeof(q2), h->root);
                snprintf(cmd, sizeof(cmd), "%s --agent -d %d --root %s", q1, interval_ms, q2);
        } else {
                snprintf(cmd, sizeof(cmd), "%s --agent -d %d", q1, interval_ms);
        }
        if (!(argv[n++] = strdup(h->dest)) || !(argv[n++] = strdup(cmd)))
                goto fail;
        return argv;
fail:
        remote_argv_free(argv);
        return NULL;
}

/* ---- the union source --------------------------------------------------------------------- */

/* The host of path's first component "LABEL:DEVICE...", and the path within it. */
static long remote_route(const struct remote *rem, const char *path, const char **rest)
{
        for (size_t i = 0; i < rem->n; i++) {
                size_t len = strlen(rem->label[i]);

                if (strncmp(path, rem->label[i], len) == 0 && path[len] == ':' && path[len + 1]) {
                        *rest = path + len + 1;
                        return (long)i;
                }
        }
        return -1;
}

static int remote_u_read(void *ctx, const char *path, struct src_read *out)
{
        struct remote_union *u = ctx;
        const char *rest;
        long i = remote_route(u->rem, path, &rest);

        if (i >= 0)
                return src_read(u->rem->s[i], rest, out);
        if (u->local)
                return src_read(u->local, path, out);
        memset(out, 0, sizeof(*out));
        out->err = ENOENT;
        return 0;
}

static int remote_u_list(void *ctx, const char *path, struct src_list *out)
{
        struct remote_union *u = ctx;
        const char *rest;
        char **names;
        size_t n = 0, cap = 0;
        long i = path[0] ? remote_route(u->rem, path, &rest) : -1;
        int ret;

        if (i >= 0)
                return src_list(u->rem->s[i], rest, out);
        if (path[0]) {
                if (u->local)
                        return src_list(u->local, path, out);
                memset(out, 0, sizeof(*out));
                out->err = ENOENT;
                return 0;
        }
        /* the root: local devices, then LABEL:DEVICE for each host's */
        memset(out, 0, sizeof(*out));
        if (u->local) {
                ret = src_list(u->local, "", out);
                if (ret < 0)
                        return ret;
                if (out->err && !u->rem->n)
                        return 0;
        }
        cap = out->n + 16;
        names = calloc(cap, sizeof(*names));
        if (!names)
                goto oom;
        for (size_t k = 0; k < out->n; k++)
                names[n++] = out->names[k];
        free(out->names);
        out->names = NULL;
        out->n = 0;
        out->err = 0;
        for (size_t h = 0; h < u->rem->n; h++) {
                struct src_list l;

                if (src_list(u->rem->s[h], "", &l) < 0)
                        goto oom_names;
                for (size_t k = 0; !l.err && k < l.n; k++) {
                        char *s;

                        if (n == cap) {
                                char **nn = realloc(names, cap * 2 * sizeof(*nn));

                                if (!nn) {
                                        src_list_free(&l);
                                        goto oom_names;
                                }
                                names = nn;
                                cap *= 2;
                        }
                        if (asprintf(&s, "%s:%s", u->rem->label[h], l.names[k]) < 0) {
                                src_list_free(&l);
                                goto oom_names;
                        }
                        names[n++] = s;
                }
                src_list_free(&l);
        }
        src_list_take(out, names, n);
        return 0;
oom_names:
        for (size_t k = 0; k < n; k++)
                free(names[k]);
        free(names);
oom:
        src_list_free(out);
        return -ENOMEM;
}

static void remote_u_destroy(void *ctx)
{
        struct remote_union *u = ctx;

        src_close(u->local);
        remote_close(u->rem);
        free(u);
}

static const struct src_ops remote_u_ops = {
    .kind = "remote",
    .read = remote_u_read,
    .list = remote_u_list,
    .destroy = remote_u_destroy,
};

int64_t remote_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int remote_open(const struct remote_host *hosts, size_t n, const char *ssh, int interval_ms,
                int wait_ms, struct src *local, FILE *err, struct remote **remp, struct src **out,
                char *msg, size_t size)
{
        struct remote *rem = calloc(1, sizeof(*rem));
        struct remote_union *u = calloc(1, sizeof(*u));
        int64_t end = remote_ms() + wait_ms;
        int ret = -ENOMEM;

        *remp = NULL;
        *out = NULL;
        if (!rem || !u || n > REMOTE_MAX_HOSTS)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                char **argv = remote_argv(&hosts[i], ssh, interval_ms);
                char root[1400];

                snprintf(rem->label[i], sizeof(rem->label[i]), "%s", hosts[i].label);
                snprintf(rem->dest[i], sizeof(rem->dest[i]), "%s", hosts[i].dest);
                snprintf(root, sizeof(root), "%s:%s", hosts[i].dest,
                         hosts[i].root[0] ? hosts[i].root : "(default root)");
                if (!argv || rsrc_new(hosts[i].label, &rem->r[i]) < 0 ||
                    rsrc_src(rem->r[i], root, &rem->s[i]) < 0) {
                        remote_argv_free(argv);
                        rem->n = i + 1;
                        goto fail;
                }
                rem->n = i + 1;
                ret = rsrc_spawn(rem->r[i], argv);
                remote_argv_free(argv);
                if (ret < 0) {
                        snprintf(msg, size, "--host %s: cannot run '%s': %s", hosts[i].dest,
                                 ssh && ssh[0] ? ssh : REMOTE_SSH_DEFAULT, strerror(-ret));
                        goto fail;
                }
        }
        for (size_t i = 0; i < n; i++) {
                int64_t left = end - remote_ms();
                struct rsrc_status st;

                if (rsrc_wait(rem->r[i], left > 0 ? (int)left : 0) == RSRC_CONNECTED)
                        continue;
                rsrc_status(rem->r[i], &st);
                if (st.state == RSRC_DOWN)
                        fprintf(err, "migtop: host %s: %s\n", hosts[i].label, st.error);
                else
                        fprintf(err, "migtop: host %s: no snapshot from the agent within %d ms\n",
                                hosts[i].label, wait_ms);
        }
        u->local = local;
        u->rem = rem;
        rem->u = u;
        ret = src_new(&remote_u_ops, u, local ? local->root : "(hosts)", out);
        if (ret < 0)
                goto fail;
        rem->refs = 2;
        *remp = rem;
        return 0;
fail:
        src_close(local);
        if (ret == -ENOMEM)
                snprintf(msg, size, "out of memory");
        free(u);
        remote_close(rem);
        return ret;
}

size_t remote_count(const struct remote *rem)
{
        return rem ? rem->n : 0;
}

const char *remote_label(const struct remote *rem, size_t i)
{
        return rem->label[i];
}

const char *remote_dest(const struct remote *rem, size_t i)
{
        return rem->dest[i];
}

void remote_status(struct remote *rem, size_t i, struct rsrc_status *out)
{
        if (rem->rpl)
                remote_replayed_status(rem, i, out);
        else
                rsrc_status(rem->r[i], out);
}

long remote_host_of(const struct remote *rem, const char *dev)
{
        const char *rest;

        return rem ? remote_route(rem, dev, &rest) : -1;
}

int remote_dev_sys(struct remote *rem, const char *dev, struct ap_sys *out)
{
        const char *rest;
        long i = rem ? remote_route(rem, dev, &rest) : -1;

        if (i >= 0 && rem->rpl)
                return remote_replayed_sys(rem, dev, out);
        return i < 0 ? -ENOENT : rsrc_sys(rem->r[i], rest, out);
}

int remote_control(struct remote *rem, const struct ap_ctl *c)
{
        int ret = 0;

        for (size_t i = 0; i < rem->n; i++) {
                /* a replayed host has no link: nothing to tell */
                int r = rem->r[i] ? rsrc_control(rem->r[i], c) : 0;

                if (r < 0 && !ret)
                        ret = r;
        }
        return ret;
}

int remote_focus(struct remote *rem, const char *const *names, size_t n)
{
        struct ap_ctl *c;
        int ret = 0;

        if (!rem || rem->rpl)
                return 0;
        c = malloc(sizeof(*c));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < rem->n; i++) {
                int r;

                if (!rem->r[i])
                        continue;
                memset(c, 0, offsetof(struct ap_ctl, focus));
                c->kind = AP_CTL_FOCUS;
                for (size_t k = 0; k < n && c->nfocus < AP_FOCUS_MAX; k++) {
                        const char *rest;
                        size_t j = 0;

                        if (!names[k] || remote_route(rem, names[k], &rest) != (long)i ||
                            strlen(rest) >= AP_NAME_MAX)
                                continue;
                        while (j < c->nfocus && strcmp(c->focus[j], rest) != 0)
                                j++;
                        if (j == c->nfocus) /* (the selected device is also on screen) */
                                memcpy(c->focus[c->nfocus++], rest, strlen(rest) + 1);
                }
                r = rsrc_control(rem->r[i], c);
                if (r < 0 && r != -ENOTCONN && r != -EAGAIN && !ret)
                        ret = r;
        }
        free(c);
        return ret;
}

bool remote_dev_stale(struct remote *rem, const char *name, int64_t now_ns, long long *age_ms,
                      long *host)
{
        long i = remote_host_of(rem, name);
        struct rsrc_status st;

        *host = i;
        *age_ms = 0;
        if (i < 0)
                return false;
        remote_status(rem, (size_t)i, &st);
        if (st.state == RSRC_CONNECTED)
                return false;
        *age_ms = st.last_ns ? (now_ns - st.last_ns) / 1000000 : 0;
        return true;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static struct json_object *remote_str_or_null(const char *s)
{
        return s && s[0] ? jout_str(s) : NULL;
}

struct json_object *remote_json_hosts(struct remote *rem, int64_t now)
{
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < remote_count(rem); i++) {
                struct json_object *o = json_object_new_object();
                struct rsrc_status st;
                char ts[40];

                if (!o)
                        break;
                remote_status(rem, i, &st);
                evlog_time(st.since_ms * 1000000, ts, sizeof(ts));
                json_object_object_add(o, "name", jout_str(rem->label[i]));
                json_object_object_add(o, "dest", jout_str(rem->dest[i]));
                json_object_object_add(o, "status", jout_str(rsrc_state_name(st.state)));
                json_object_object_add(
                    o, "error", st.state != RSRC_CONNECTED ? remote_str_or_null(st.error) : NULL);
                json_object_object_add(o, "since", jout_str(ts));
                json_object_object_add(o, "rtt_ms",
                                       st.rtt_ms >= 0 ? json_object_new_int(st.rtt_ms) : NULL);
                json_object_object_add(o, "agent_version",
                                       st.have_hello ? remote_str_or_null(st.hello.migtop) : NULL);
                json_object_object_add(o, "agent_host",
                                       st.have_hello ? remote_str_or_null(st.hello.host) : NULL);
                json_object_object_add(o, "kernel",
                                       st.have_hello ? remote_str_or_null(st.hello.kernel) : NULL);
                json_object_object_add(
                    o, "last_data_age_ms",
                    st.last_ns ? json_object_new_int64((now - st.last_ns) / 1000000) : NULL);
                json_object_object_add(
                    o, "retry_in_ms",
                    st.state == RSRC_DOWN && st.retry_ns
                        ? json_object_new_int64(st.retry_ns > now ? (st.retry_ns - now) / 1000000
                                                                  : 0)
                        : NULL);
                json_object_object_add(o, "attempts", json_object_new_int64(st.attempts));
                json_object_object_add(o, "lines", json_object_new_uint64(st.lines));
                json_object_object_add(o, "bytes", json_object_new_uint64(st.bytes));
                json_object_object_add(o, "bad_lines", json_object_new_uint64(st.bad));
                /* its agent's kernel log ("ok", "file", "unavailable", "off"), and what of it
                   reached this run's (null: this run reads none of the hosts') */
                json_object_object_add(o, "kernel_log",
                                       st.have_hello ? remote_str_or_null(st.hello.klog) : NULL);
                json_object_object_add(o, "kernel_log_records",
                                       rem->klog_on ? json_object_new_uint64(__atomic_load_n(
                                                          &rem->klog_records[i], __ATOMIC_RELAXED))
                                                    : NULL);
                json_object_object_add(o, "kernel_log_lost",
                                       rem->klog_on ? json_object_new_uint64(__atomic_load_n(
                                                          &rem->klog_lost[i], __ATOMIC_RELAXED))
                                                    : NULL);
                json_object_array_add(a, o);
        }
        return a;
}

void remote_json_dev(struct remote *rem, const char *name, int64_t now_ns, struct json_object *dj)
{
        long long age;
        long h;
        bool stale = remote_dev_stale(rem, name, now_ns, &age, &h);

        json_object_object_add(dj, "host", h >= 0 ? jout_str(rem->label[h]) : NULL);
        json_object_object_add(dj, "stale", json_object_new_boolean(stale));
        json_object_object_add(dj, "stale_ms", stale ? json_object_new_int64(age) : NULL);
}

void remote_close(struct remote *rem)
{
        if (!rem || (rem->refs && __atomic_sub_fetch(&rem->refs, 1, __ATOMIC_ACQ_REL) > 0))
                return;
        for (size_t i = 0; i < rem->n; i++)
                if (rem->r[i])
                        rsrc_stop(rem->r[i]); /* all at once: hung links cost 2 s in all */
        for (size_t i = 0; i < rem->n; i++) {
                src_close(rem->s[i]);
                if (rem->r[i])
                        rsrc_free(rem->r[i]);
        }
        free(rem);
}
