/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_remote: the latest state an agent sent, as a source (see src_remote.h); the link
 * that feeds it is src_remote_link.c.
 */
#include "core/src_remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/esc.h"
#include "core/src_remote_int.h"

const char *rsrc_state_name(enum rsrc_state s)
{
        static const char *const names[] = {[RSRC_CONNECTING] = "connecting",
                                            [RSRC_CONNECTED] = "connected",
                                            [RSRC_DOWN] = "down",
                                            [RSRC_RECONNECTING] = "reconnecting"};

        return (unsigned)s < sizeof(names) / sizeof(*names) ? names[s] : "?";
}

int rsrc_backoff_ms(int prev_ms, bool connected)
{
        if (connected || prev_ms <= 0)
                return RSRC_BACKOFF_MIN_MS;
        return prev_ms >= RSRC_BACKOFF_MAX_MS / 2 ? RSRC_BACKOFF_MAX_MS : prev_ms * 2;
}

int64_t rsrc_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t rsrc_real_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under mu. */
void rsrc_set_state(struct rsrc *r, enum rsrc_state st)
{
        if (r->st.state == st)
                return;
        r->st.state = st;
        r->st.since_ms = rsrc_real_ms();
        r->st.changes++;
        pthread_cond_broadcast(&r->cv);
}

int rsrc_new(const char *label, struct rsrc **out)
{
        struct rsrc *r = calloc(1, sizeof(*r));

        if (!r)
                return -ENOMEM;
        pthread_mutex_init(&r->mu, NULL);
        pthread_cond_init(&r->cv, NULL);
        snprintf(r->label, sizeof(r->label), "%s", label);
        r->pid = -1;
        r->in_fd = r->out_fd = r->err_fd = -1;
        r->ctl_paused = -1;
        r->kq_fd = -1;
        r->st.since_ms = rsrc_real_ms();
        r->st.rtt_ms = -1;
        *out = r;
        return 0;
}

/* ---- the table ---------------------------------------------------------------------------- */

static void rsrc_names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static void rsrc_ent_free(struct rsrc_ent *e)
{
        free(e->path);
        free(e->data);
        rsrc_names_free(e->names, e->n);
}

void rsrc_clear(struct rsrc *r)
{
        for (size_t i = 0; i < r->n; i++)
                rsrc_ent_free(&r->e[i]);
        r->n = 0;
}

static int rsrc_cmp(const char *path, bool is_list, const struct rsrc_ent *e)
{
        int c = strcmp(path, e->path);

        return c ? c : (int)is_list - (int)e->is_list;
}

/* The index where (path, is_list) is or would go; *found. */
static size_t rsrc_find(const struct rsrc *r, const char *path, bool is_list, bool *found)
{
        size_t lo = 0, hi = r->n;

        *found = false;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = rsrc_cmp(path, is_list, &r->e[mid]);

                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return lo;
}

static struct rsrc_ent *rsrc_get(struct rsrc *r, const char *path, bool is_list)
{
        bool found;
        size_t i = rsrc_find(r, path, is_list, &found);

        if (found)
                return &r->e[i];
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 256;
                struct rsrc_ent *ne = realloc(r->e, cap * sizeof(*ne));

                if (!ne)
                        return NULL;
                r->e = ne;
                r->cap = cap;
        }
        memmove(&r->e[i + 1], &r->e[i], (r->n - i) * sizeof(*r->e));
        memset(&r->e[i], 0, sizeof(*r->e));
        r->e[i].path = strdup(path);
        if (!r->e[i].path) {
                memmove(&r->e[i], &r->e[i + 1], (r->n - i) * sizeof(*r->e));
                return NULL;
        }
        r->e[i].is_list = is_list;
        r->n++;
        return &r->e[i];
}

/* Drop everything under dir/ (a device that went). */
static void rsrc_drop_under(struct rsrc *r, const char *dir)
{
        size_t len = strlen(dir), w = 0;

        for (size_t i = 0; i < r->n; i++) {
                if (strncmp(r->e[i].path, dir, len) == 0 && r->e[i].path[len] == '/') {
                        rsrc_ent_free(&r->e[i]);
                        continue;
                }
                r->e[w++] = r->e[i];
        }
        r->n = w;
}

static int rsrc_strcmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int rsrc_set_file(struct rsrc *r, struct ap_file *f)
{
        struct rsrc_ent *e = rsrc_get(r, f->path, false);

        if (!e)
                return -ENOMEM;
        free(e->data);
        e->err = f->err;
        e->data = f->data; /* taken */
        e->len = f->err ? 0 : f->len;
        e->trunc = f->trunc;
        f->data = NULL;
        return 0;
}

static bool rsrc_has(char **names, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return true;
        return false;
}

static int rsrc_set_list(struct rsrc *r, struct ap_list *l)
{
        struct rsrc_ent *e = rsrc_get(r, l->path, true);
        char **nn;
        size_t k = 0;

        if (!e)
                return -ENOMEM;
        if (l->err || l->full) {
                rsrc_names_free(e->names, e->n);
                e->err = l->err;
                e->names = l->names; /* taken */
                e->n = l->n;
                l->names = NULL;
                l->n = 0;
                return 0;
        }
        /* a delta: the names kept, plus the ones added (a device: its files come later) */
        if (l->n && !l->path[0])
                r->added_ns = rsrc_mono_ns();
        nn = calloc(e->n + l->n + 1, sizeof(*nn));
        if (!nn)
                return -ENOMEM;
        for (size_t i = 0; i < e->n; i++) {
                if (rsrc_has(l->del, l->ndel, e->names[i]))
                        free(e->names[i]);
                else
                        nn[k++] = e->names[i];
        }
        for (size_t i = 0; i < l->n; i++) {
                if (rsrc_has(nn, k, l->names[i]))
                        continue;
                nn[k++] = l->names[i];
                l->names[i] = NULL;
        }
        free(e->names);
        qsort(nn, k, sizeof(*nn), rsrc_strcmp);
        e->names = nn;
        e->n = k;
        e->err = 0;
        return 0;
}

void rsrc_down(struct rsrc *r, const char *fmt, ...)
{
        va_list ap;

        if (r->st.state == RSRC_DOWN)
                return;
        va_start(ap, fmt);
        vsnprintf(r->st.error, sizeof(r->st.error), fmt, ap);
        va_end(ap);
        r->refused = true;
        rsrc_set_state(r, RSRC_DOWN);
}

/* Queue a klog message's records (taken from m).  Under mu. */
static void rsrc_klog_push(struct rsrc *r, struct ap_msg *m)
{
        uint64_t one = 1;

        if (r->kq_head && r->kq_head == r->kq_n)
                r->kq_head = r->kq_n = 0;
        for (size_t i = 0; i < m->nklog; i++) {
                if (r->kq_n - r->kq_head >= RSRC_KLOG_MAX) {
                        r->kq_dropped++;
                        continue;
                }
                if (r->kq_n == r->kq_cap) {
                        size_t cap = r->kq_cap ? r->kq_cap * 2 : 64;
                        struct rsrc_krec *q;

                        if (r->kq_head) { /* room at the front first */
                                memmove(r->kq, r->kq + r->kq_head,
                                        (r->kq_n - r->kq_head) * sizeof(*r->kq));
                                r->kq_n -= r->kq_head;
                                r->kq_head = 0;
                        }
                        if (r->kq_n == r->kq_cap) {
                                q = realloc(r->kq, cap * sizeof(*q));
                                if (!q) {
                                        r->kq_dropped++;
                                        continue;
                                }
                                r->kq = q;
                                r->kq_cap = cap;
                        }
                }
                r->kq[r->kq_n++] =
                    (struct rsrc_krec){.raw = m->klog[i], .len = m->klog_len[i], .link = r->hellos};
                m->klog[i] = NULL; /* taken */
        }
        if (r->kq_fd >= 0 && write(r->kq_fd, &one, sizeof(one)) < 0) {
                /* an eventfd full of wakeups: the reader is behind, it reads them all */
        }
}

int rsrc_klog_next(struct rsrc *r, char **raw, size_t *len, uint64_t *dropped, unsigned *link)
{
        int got = 0;

        pthread_mutex_lock(&r->mu);
        *dropped = r->kq_dropped;
        r->kq_dropped = 0;
        if (r->kq_head < r->kq_n) {
                struct rsrc_krec *k = &r->kq[r->kq_head++];

                *raw = k->raw;
                *len = k->len;
                if (link)
                        *link = k->link;
                got = 1;
        }
        pthread_mutex_unlock(&r->mu);
        return got;
}

void rsrc_klog_notify(struct rsrc *r, int fd)
{
        pthread_mutex_lock(&r->mu);
        r->kq_fd = fd;
        pthread_mutex_unlock(&r->mu);
}

/* Drop the sysfs facts of dev.  Under mu. */
static void rsrc_sys_drop(struct rsrc *r, const char *dev)
{
        for (size_t i = 0; i < r->nsys; i++)
                if (strcmp(r->sys[i].dev, dev) == 0) {
                        r->sys[i] = r->sys[--r->nsys];
                        return;
                }
}

/* Keep a message's sysfs facts.  Under mu. */
static int rsrc_sys_take(struct rsrc *r, const struct ap_msg *m)
{
        for (size_t i = 0; i < m->nsys; i++) {
                rsrc_sys_drop(r, m->sys[i].dev);
                if (r->nsys == r->sys_cap) {
                        size_t cap = r->sys_cap ? r->sys_cap * 2 : 16;
                        struct ap_sys *y = realloc(r->sys, cap * sizeof(*y));

                        if (!y)
                                return -ENOMEM;
                        r->sys = y;
                        r->sys_cap = cap;
                }
                r->sys[r->nsys++] = m->sys[i];
        }
        return 0;
}

int rsrc_sys(struct rsrc *r, const char *dev, struct ap_sys *out)
{
        int ret = -ENOENT;

        pthread_mutex_lock(&r->mu);
        for (size_t i = 0; i < r->nsys; i++)
                if (strcmp(r->sys[i].dev, dev) == 0) {
                        *out = r->sys[i];
                        ret = 0;
                        break;
                }
        pthread_mutex_unlock(&r->mu);
        return ret;
}

static int rsrc_apply(struct rsrc *r, struct ap_msg *m)
{
        int ret = 0;

        switch (m->kind) {
        case AP_HELLO:
                r->st.hello = m->hello;
                r->st.have_hello = true;
                r->hello = true;
                r->hellos++;
                return 0;
        case AP_SNAP:
                rsrc_clear(r);
                r->nsys = 0;
                /* fall through */
        case AP_DELTA:
                for (size_t i = 0; ret == 0 && i < m->nlists; i++) {
                        struct ap_list *l = &m->lists[i];

                        if (!l->path[0] && !l->full)
                                for (size_t k = 0; k < l->ndel; k++) {
                                        rsrc_drop_under(r, l->del[k]);
                                        rsrc_sys_drop(r, l->del[k]);
                                }
                        ret = rsrc_set_list(r, l);
                }
                for (size_t i = 0; ret == 0 && i < m->nfiles; i++)
                        ret = rsrc_set_file(r, &m->files[i]);
                if (ret == 0)
                        ret = rsrc_sys_take(r, m);
                if (ret == 0 && m->kind == AP_SNAP &&
                    (r->st.state == RSRC_CONNECTING || r->st.state == RSRC_RECONNECTING)) {
                        r->st.error[0] = '\0';
                        rsrc_set_state(r, RSRC_CONNECTED);
                }
                pthread_cond_broadcast(&r->cv); /* a read waiting for a new device's files */
                return ret;
        case AP_ERROR: {
                char esc[400];

                rsrc_down(r, "%s: the agent failed: %s", r->label,
                          esc_str(esc, sizeof(esc), m->msg, 0));
                return -EPROTO;
        }
        case AP_KLOG:
                rsrc_klog_push(r, m);
                return 0;
        case AP_PONG:
                if (r->ping_ns && m->seq == r->ping_id) {
                        r->st.rtt_ms = (int)((rsrc_mono_ns() - r->ping_ns) / 1000000);
                        r->ping_ns = 0;
                }
                return 0;
        case AP_HB:
        default:
                return 0;
        }
}

int rsrc_feed(struct rsrc *r, const char *line, size_t len)
{
        struct ap_msg m;
        char why[200];
        int ret = ap_msg_decode(line, len, &m, why, sizeof(why));

        pthread_mutex_lock(&r->mu);
        if (r->refused) { /* the rest of a refused link, until it ends */
                pthread_mutex_unlock(&r->mu);
                ap_msg_free(&m);
                return -EPROTO;
        }
        r->st.lines++;
        r->st.bytes += len + 1;
        r->st.last_ns = rsrc_mono_ns();
        if (ret == -EPROTO) {
                rsrc_down(r, "%s: %s; install the same migtop version on both hosts", r->label,
                          why);
        } else if (ret == -ENOMEM) {
                rsrc_down(r, "%s: out of memory", r->label);
        } else if (ret < 0 && !r->hello) {
                /* the first line is not a hello: not an agent (a shell banner, an old
                   migtop that does not know --agent) */
                char esc[120];

                esc_text(esc, sizeof(esc), line, len < 100 ? len : 100, 0);
                rsrc_down(r, "%s: not a migtop agent: it said \"%s\"", r->label, esc);
                ret = -EPROTO;
        } else if (ret < 0) {
                r->st.bad++;
                snprintf(r->st.error, sizeof(r->st.error), "%s: a line ignored: %s", r->label, why);
                ret = 0;
        } else if (!r->hello && m.kind != AP_HELLO) {
                rsrc_down(r, "%s: the agent did not start with a hello", r->label);
                ret = -EPROTO;
        } else {
                ret = rsrc_apply(r, &m);
                if (ret == -ENOMEM)
                        rsrc_down(r, "%s: out of memory", r->label);
        }
        pthread_mutex_unlock(&r->mu);
        ap_msg_free(&m); /* (what the table took is NULL in m; a failed decode left it empty) */
        return ret;
}

void rsrc_end(struct rsrc *r, const char *why)
{
        pthread_mutex_lock(&r->mu);
        rsrc_down(r, "%s", why);
        pthread_mutex_unlock(&r->mu);
}

void rsrc_status(struct rsrc *r, struct rsrc_status *out)
{
        pthread_mutex_lock(&r->mu);
        *out = r->st;
        pthread_mutex_unlock(&r->mu);
}

enum rsrc_state rsrc_wait(struct rsrc *r, int timeout_ms)
{
        struct timespec ts;
        enum rsrc_state s;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&r->mu);
        while (r->st.state == RSRC_CONNECTING)
                if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
                        break;
        s = r->st.state;
        pthread_mutex_unlock(&r->mu);
        return s;
}

/* ---- the source --------------------------------------------------------------------------- */

/*
 * Whether path is not known yet but should come: the deepest listing known above it names
 * its next component (a device just added, whose files the agent has not sent yet).  Under
 * mu.
 */
static bool rsrc_coming(const struct rsrc *r, const char *path)
{
        char dir[1024];
        size_t len = strlen(path);

        if (len >= sizeof(dir))
                return false;
        memcpy(dir, path, len + 1);
        for (;;) {
                char *slash = strrchr(dir, '/');
                const char *name = slash ? slash + 1 : dir;
                const struct rsrc_ent *e;
                bool found;
                size_t i;

                if (slash)
                        *slash = '\0';
                i = rsrc_find(r, slash ? dir : "", true, &found);
                if (found) {
                        e = &r->e[i];
                        if (e->err)
                                return false;
                        for (size_t k = 0; k < e->n; k++)
                                if (strcmp(e->names[k], name) == 0)
                                        return true;
                        return false;
                }
                if (!slash)
                        return false;
        }
}

/*
 * Until path (a file or a listing) is known, while the listings say it is coming and the
 * link is connected, until RSRC_COMING_MS after a device was last added: as a read still
 * in flight on the host.
 * Under mu.  The index, *found.
 */
static size_t rsrc_await(struct rsrc *r, const char *path, bool is_list, bool *found)
{
        size_t i = rsrc_find(r, path, is_list, found);
        struct timespec ts;

        int64_t left = r->added_ns + (int64_t)RSRC_COMING_MS * 1000000 - rsrc_mono_ns();

        if (*found || left <= 0 || r->st.state != RSRC_CONNECTED || !rsrc_coming(r, path))
                return i;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += left / 1000000000;
        ts.tv_nsec += left % 1000000000;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        while (!*found && r->st.state == RSRC_CONNECTED && rsrc_coming(r, path)) {
                if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT) {
                        i = rsrc_find(r, path, is_list, found);
                        break;
                }
                i = rsrc_find(r, path, is_list, found);
        }
        return i;
}

static int rsrc_read(void *ctx, const char *path, struct src_read *out)
{
        struct rsrc *r = ctx;
        bool found;
        size_t i;

        memset(out, 0, sizeof(*out));
        out->t_start = src_now_ns();
        pthread_mutex_lock(&r->mu);
        i = rsrc_await(r, path, false, &found);
        if (!found) {
                out->err = r->st.state == RSRC_DOWN && !r->n ? EHOSTUNREACH : ENOENT;
        } else if (r->e[i].err) {
                out->err = r->e[i].err;
        } else {
                out->data = malloc(r->e[i].len + 1);
                if (!out->data) {
                        pthread_mutex_unlock(&r->mu);
                        return -ENOMEM;
                }
                memcpy(out->data, r->e[i].data, r->e[i].len);
                out->data[r->e[i].len] = '\0';
                out->len = r->e[i].len;
                out->truncated = r->e[i].trunc;
        }
        pthread_mutex_unlock(&r->mu);
        out->t_end = src_now_ns();
        return 0;
}

static int rsrc_list(void *ctx, const char *path, struct src_list *out)
{
        struct rsrc *r = ctx;
        char **names = NULL;
        bool found;
        size_t i, n = 0;

        memset(out, 0, sizeof(*out));
        pthread_mutex_lock(&r->mu);
        i = rsrc_await(r, path, true, &found);
        if (!found) {
                out->err = r->st.state == RSRC_DOWN && !r->n ? EHOSTUNREACH : ENOENT;
        } else if (r->e[i].err) {
                out->err = r->e[i].err;
        } else {
                n = r->e[i].n;
                names = calloc(n ? n : 1, sizeof(*names));
                for (size_t k = 0; names && k < n; k++)
                        if (!(names[k] = strdup(r->e[i].names[k]))) {
                                rsrc_names_free(names, k);
                                names = NULL;
                        }
                if (!names) {
                        pthread_mutex_unlock(&r->mu);
                        return -ENOMEM;
                }
        }
        pthread_mutex_unlock(&r->mu);
        if (names)
                src_list_take(out, names, n);
        return 0;
}

static void rsrc_src_destroy(void *ctx)
{
        (void)ctx; /* the rsrc is the caller's */
}

static const struct src_ops rsrc_ops = {
    .kind = "remote",
    .read = rsrc_read,
    .list = rsrc_list,
    .destroy = rsrc_src_destroy,
};

int rsrc_src(struct rsrc *r, const char *root, struct src **out)
{
        return src_new(&rsrc_ops, r, root, out);
}
