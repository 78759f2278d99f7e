/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_remote: the latest state an agent sent, as a source (see src_remote.h).
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
#include "core/thr.h"

#define RSRC_LINE_MAX (64u << 20) /* a snapshot line of a few thousand devices fits */

struct rsrc_ent {
        char *path;
        bool is_list;
        int err;
        char *data; /* file */
        size_t len;
        bool trunc;
        char **names; /* list, sorted */
        size_t n;
};

struct rsrc_krec {
        char *raw;
        size_t len;
};

struct rsrc {
        pthread_mutex_t mu;
        pthread_cond_t cv;       /* state changes, data arriving, the thread's end */
        pthread_cond_t retry_cv; /* the backoff's wait (CLOCK_MONOTONIC), woken to stop */
        bool retry_cv_init;
        char label[64];
        struct rsrc_status st;
        bool hello;
        struct rsrc_ent *e; /* sorted by (path, is_list) */
        size_t n, cap;
        /* transport: argv, the link now (under mu), the supervising thread */
        char **argv;
        pid_t pid;
        int in_fd, out_fd, err_fd;
        pthread_t thread;
        bool thread_started;
        bool thread_done;
        bool stop;         /* rsrc_free: no further attempt */
        bool refused;      /* the stream was refused: end this link */
        int ctl_ms;        /* the last interval sent (0: none), for later links */
        int ctl_paused;    /* -1: never sent, 0 resumed, 1 paused */
        char errline[256]; /* the child's last stderr line */
        /* kernel log records waiting for rsrc_klog_next() */
        struct rsrc_krec *kq;
        size_t kq_head, kq_n, kq_cap;
        uint64_t kq_dropped;
        int kq_fd;
        int64_t added_ns;   /* CLOCK_MONOTONIC of the last device added by a delta */
        uint64_t ping_id;   /* the last ping sent */
        int64_t ping_ns;    /* when (0: answered, or none) */
        struct ap_sys *sys; /* what the host's sysfs says of its devices */
        size_t nsys, sys_cap;
};

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

static int64_t rsrc_mono_ns(void)
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
static void rsrc_set_state(struct rsrc *r, enum rsrc_state st)
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

static void rsrc_clear(struct rsrc *r)
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

static void rsrc_down(struct rsrc *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rsrc_down(struct rsrc *r, const char *fmt, ...)
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
                r->kq[r->kq_n++] = (struct rsrc_krec){.raw = m->klog[i], .len = m->klog_len[i]};
                m->klog[i] = NULL; /* taken */
        }
        if (r->kq_fd >= 0 && write(r->kq_fd, &one, sizeof(one)) < 0) {
                /* an eventfd full of wakeups: the reader is behind, it reads them all */
        }
}

int rsrc_klog_next(struct rsrc *r, char **raw, size_t *len, uint64_t *dropped)
{
        int got = 0;

        pthread_mutex_lock(&r->mu);
        *dropped = r->kq_dropped;
        r->kq_dropped = 0;
        if (r->kq_head < r->kq_n) {
                struct rsrc_krec *k = &r->kq[r->kq_head++];

                *raw = k->raw;
                *len = k->len;
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

/* ---- the transport ------------------------------------------------------------------------ */

struct rsrc_buf {
        char *p;
        size_t len, cap;
};

/* Append; hand each whole line to fn.  0, or -E2BIG for a line past RSRC_LINE_MAX. */
static int rsrc_buf_take(struct rsrc_buf *b, const char *data, size_t n,
                         void (*fn)(struct rsrc *, const char *, size_t), struct rsrc *r)
{
        size_t start = 0;

        if (b->len + n > b->cap) {
                size_t cap = b->cap ? b->cap : 65536;
                char *p;

                while (cap < b->len + n)
                        cap *= 2;
                if (cap > RSRC_LINE_MAX + 65536)
                        return -E2BIG;
                p = realloc(b->p, cap);
                if (!p)
                        return -ENOMEM;
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, data, n);
        b->len += n;
        for (size_t i = b->len - n; i < b->len; i++) {
                if (b->p[i] != '\n')
                        continue;
                fn(r, b->p + start, i - start);
                start = i + 1;
        }
        memmove(b->p, b->p + start, b->len - start);
        b->len -= start;
        return 0;
}

static void rsrc_out_line(struct rsrc *r, const char *line, size_t len)
{
        rsrc_feed(r, line, len);
}

static void rsrc_err_line(struct rsrc *r, const char *line, size_t len)
{
        if (!len)
                return;
        pthread_mutex_lock(&r->mu);
        esc_text(r->errline, sizeof(r->errline), line, len, 0);
        pthread_mutex_unlock(&r->mu);
}

/* Start one link: argv with pipes.  Under mu (pid, fds).  0 or negative errno. */
static int rsrc_start(struct rsrc *r)
{
        extern char **environ;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t sa;
        sigset_t none;
        int in[2], out[2], err[2], ret;
        pid_t pid;

        if (pipe2(in, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(out, O_CLOEXEC) < 0) {
                ret = -errno;
                goto close_in;
        }
        if (pipe2(err, O_CLOEXEC) < 0) {
                ret = -errno;
                goto close_out;
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        /* the link starts with no signal blocked, whatever the caller blocks */
        posix_spawnattr_init(&sa);
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&sa, &none);
        posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK);
        ret = -posix_spawnp(&pid, r->argv[0], &fa, &sa, r->argv, environ);
        posix_spawnattr_destroy(&sa);
        posix_spawn_file_actions_destroy(&fa);
        close(in[0]);
        close(out[1]);
        close(err[1]);
        if (ret < 0) {
                close(in[1]);
                close(out[0]);
                close(err[0]);
                return ret;
        }
        r->pid = pid;
        r->in_fd = in[1];
        r->out_fd = out[0];
        r->err_fd = err[0];
        return 0;
close_out:
        close(out[0]);
        close(out[1]);
close_in:
        close(in[0]);
        close(in[1]);
        return ret;
}

/* Write a control line on the link now.  Under mu. */
static int rsrc_send(struct rsrc *r, const struct ap_ctl *c)
{
        char *s;
        size_t len;
        ssize_t n;

        if (r->in_fd < 0)
                return -ENOTCONN;
        s = ap_ctl_encode(c);
        if (!s)
                return -ENOMEM;
        len = strlen(s);
        n = write(r->in_fd, s, len); /* short lines: a pipe takes them whole */
        free(s);
        return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/*
 * One link: start it, feed r from its stdout until it ends (or it is refused, or nothing
 * came for RSRC_SILENCE_MS: then it is stopped), reap it, and put r down with why.
 * Whether a snapshot came on it.
 */
static bool rsrc_link(struct rsrc *r)
{
        struct rsrc_buf ob = {0}, eb = {0};
        char buf[65536];
        int status = 0, ret;
        bool out_open = true, err_open = true, killed = false, connected = false;
        int64_t start = rsrc_mono_ns(), last_ping = 0;

        pthread_mutex_lock(&r->mu);
        r->hello = false;
        r->ping_ns = 0;
        r->refused = false;
        r->errline[0] = '\0';
        if (r->stop) {
                ret = -ECANCELED;
        } else if (r->pid > 0) {
                ret = 0; /* the first link, started by rsrc_spawn() */
        } else {
                r->st.attempts++;
                ret = rsrc_start(r);
        }
        if (ret == 0) {
                /* what the caller asked of the agent before holds for this link too */
                if (r->ctl_ms)
                        rsrc_send(r, &(struct ap_ctl){.kind = AP_CTL_INTERVAL, .ms = r->ctl_ms});
                if (r->ctl_paused == 1)
                        rsrc_send(r, &(struct ap_ctl){.kind = AP_CTL_PAUSE});
        } else if (ret != -ECANCELED) {
                rsrc_down(r, "%s: cannot run %s: %s", r->label, r->argv[0], strerror(-ret));
        }
        pthread_mutex_unlock(&r->mu);
        if (ret < 0)
                return false;
        while (out_open || err_open) {
                struct pollfd p[2] = {{.fd = out_open ? r->out_fd : -1, .events = POLLIN},
                                      {.fd = err_open ? r->err_fd : -1, .events = POLLIN}};
                int64_t now;

                if (poll(p, 2, 1000) < 0 && errno != EINTR)
                        break;
                for (int k = 0; k < 2; k++) {
                        ssize_t n;

                        if (!p[k].revents)
                                continue;
                        n = read(p[k].fd, buf, sizeof(buf));
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n <= 0) {
                                *(k ? &err_open : &out_open) = false;
                                continue;
                        }
                        ret = rsrc_buf_take(k ? &eb : &ob, buf, (size_t)n,
                                            k ? rsrc_err_line : rsrc_out_line, r);
                        if (ret < 0 && !k)
                                rsrc_end(r, ret == -E2BIG ? "a line from the agent too long"
                                                          : "out of memory");
                }
                now = rsrc_mono_ns();
                pthread_mutex_lock(&r->mu);
                connected |= r->st.state == RSRC_CONNECTED;
                /* the round trip, every RSRC_PING_MS, to an agent that answers pings */
                if (r->st.state == RSRC_CONNECTED && r->hello && r->st.hello.ping &&
                    now - last_ping >= (int64_t)RSRC_PING_MS * 1000000) {
                        last_ping = now;
                        r->ping_ns = now;
                        if (rsrc_send(r, &(struct ap_ctl){.kind = AP_CTL_PING,
                                                          .id = (int64_t)++r->ping_id}) < 0)
                                r->ping_ns = 0;
                }
                if (!killed && !r->refused && !r->stop &&
                    now - (r->st.last_ns > start ? r->st.last_ns : start) >
                        (int64_t)RSRC_SILENCE_MS * 1000000) {
                        rsrc_down(r,
                                  "%s: nothing from the agent for %d s: the link is taken as "
                                  "dead",
                                  r->label, RSRC_SILENCE_MS / 1000);
                }
                if (!killed && (r->refused || r->stop) && r->pid > 0) {
                        /* refused, dead or closing: end it (the agent ends when its stdin
                           closes; ssh on SIGTERM) */
                        if (r->in_fd >= 0) {
                                close(r->in_fd);
                                r->in_fd = -1;
                        }
                        if (!r->stop)
                                kill(r->pid, SIGTERM);
                        killed = true;
                }
                pthread_mutex_unlock(&r->mu);
        }
        if (eb.len)
                rsrc_err_line(r, eb.p, eb.len);
        free(ob.p);
        free(eb.p);
        waitpid(r->pid, &status, 0);
        pthread_mutex_lock(&r->mu);
        r->pid = -1;
        if (r->in_fd >= 0)
                close(r->in_fd);
        close(r->out_fd);
        close(r->err_fd);
        r->in_fd = r->out_fd = r->err_fd = -1;
        if (WIFEXITED(status))
                rsrc_down(r, "%s: the connection ended (exit status %d)%s%s", r->label,
                          WEXITSTATUS(status), r->errline[0] ? ": " : "", r->errline);
        else
                rsrc_down(r, "%s: the connection ended (signal %d)%s%s", r->label,
                          WIFSIGNALED(status) ? WTERMSIG(status) : 0, r->errline[0] ? ": " : "",
                          r->errline);
        pthread_mutex_unlock(&r->mu);
        return connected;
}

/* The links one after the other, with the backoff between them, until rsrc_free. */
static void *rsrc_thread(void *arg)
{
        struct rsrc *r = arg;
        int delay = 0;

        for (;;) {
                bool connected = rsrc_link(r);
                struct timespec ts;

                pthread_mutex_lock(&r->mu);
                if (r->stop)
                        break;
                delay = rsrc_backoff_ms(delay, connected);
                r->st.retry_ns = rsrc_mono_ns() + (int64_t)delay * 1000000;
                pthread_cond_broadcast(&r->cv);
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_sec += delay / 1000;
                ts.tv_nsec += (long)(delay % 1000) * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                while (!r->stop)
                        if (pthread_cond_timedwait(&r->retry_cv, &r->mu, &ts) == ETIMEDOUT)
                                break;
                if (r->stop)
                        break;
                r->st.retry_ns = 0;
                rsrc_set_state(r, RSRC_RECONNECTING);
                pthread_mutex_unlock(&r->mu);
        }
        r->thread_done = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        return NULL;
}

int rsrc_spawn(struct rsrc *r, char *const argv[])
{
        pthread_condattr_t ca;
        sigset_t all, old;
        size_t n = 0;
        int ret;

        while (argv[n])
                n++;
        r->argv = calloc(n + 1, sizeof(*r->argv));
        if (!r->argv)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(r->argv[i] = strdup(argv[i])))
                        return -ENOMEM; /* rsrc_free frees */
        /* the first link now: a command that cannot be run is told at once */
        pthread_mutex_lock(&r->mu);
        ret = rsrc_start(r);
        if (ret < 0) {
                pthread_mutex_unlock(&r->mu);
                return ret;
        }
        r->st.attempts = 1;
        pthread_mutex_unlock(&r->mu);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&r->retry_cv, &ca);
        pthread_condattr_destroy(&ca);
        r->retry_cv_init = true;
        /* the feeding thread takes no signal: the caller's loop reads them (a signalfd) */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        ret = -thr_start(&r->thread, NULL, rsrc_thread, r);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (ret < 0)
                return ret; /* rsrc_free() closes and reaps */
        r->thread_started = true;
        return 0;
}

int rsrc_control(struct rsrc *r, const struct ap_ctl *c)
{
        int ret;

        pthread_mutex_lock(&r->mu);
        if (c->kind == AP_CTL_INTERVAL)
                r->ctl_ms = c->ms;
        else if (c->kind == AP_CTL_PAUSE || c->kind == AP_CTL_RESUME)
                r->ctl_paused = c->kind == AP_CTL_PAUSE;
        ret = rsrc_send(r, c);
        pthread_mutex_unlock(&r->mu);
        return ret;
}

void rsrc_stop(struct rsrc *r)
{
        if (!r)
                return;
        pthread_mutex_lock(&r->mu);
        r->stop = true;
        if (r->in_fd >= 0) {
                close(r->in_fd); /* the agent exits when its stdin closes */
                r->in_fd = -1;
        }
        if (r->retry_cv_init)
                pthread_cond_broadcast(&r->retry_cv);
        pthread_mutex_unlock(&r->mu);
}

void rsrc_free(struct rsrc *r)
{
        if (!r)
                return;
        rsrc_stop(r);
        if (r->thread_started) {
                /* a link that hangs: ask once, then stop it */
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += 2;
                pthread_mutex_lock(&r->mu);
                while (!r->thread_done)
                        if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
                                break;
                if (!r->thread_done && r->pid > 0)
                        kill(r->pid, SIGTERM);
                pthread_mutex_unlock(&r->mu);
                pthread_join(r->thread, NULL);
        } else if (r->pid > 0) {
                kill(r->pid, SIGTERM);
                waitpid(r->pid, NULL, 0);
                close(r->out_fd);
                close(r->err_fd);
        }
        rsrc_clear(r);
        free(r->e);
        for (size_t i = r->kq_head; i < r->kq_n; i++)
                free(r->kq[i].raw);
        free(r->kq);
        free(r->sys);
        for (size_t i = 0; r->argv && r->argv[i]; i++)
                free(r->argv[i]);
        free(r->argv);
        if (r->retry_cv_init)
                pthread_cond_destroy(&r->retry_cv);
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
}
