/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_remote_link: the transport of a remote source (see src_remote.h): the command run
 * with its pipes, the thread that feeds its stdout to the state and starts it again with
 * a backoff, control messages and pings.
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
#include "core/thr.h"

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
        /* a link that stops reading never blocks the caller of rsrc_control (the UI) */
        fcntl(in[1], F_SETFL, O_NONBLOCK);
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
static int rsrc_send(struct rsrc *r, const struct ap_ctl *c);

/* With mu held: send the focus when it is due and the agent takes it (its hello came). */
static int rsrc_focus_flush(struct rsrc *r)
{
        int ret;

        if (!r->focus_due || !r->hello || !r->st.hello.focus)
                return 0;
        ret = rsrc_send(r, r->focus);
        r->focus_due = ret == -EAGAIN; /* the pipe is full: again on the next pass */
        return ret;
}

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
        /* lines of at most PIPE_BUF bytes (AP_CTL_MAX): written whole, or not at all */
        n = write(r->in_fd, s, len);
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
                r->focus_due = r->focus != NULL; /* once the hello says the agent takes it */
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
                rsrc_focus_flush(r);
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

static bool rsrc_focus_same(const struct ap_ctl *a, const struct ap_ctl *b)
{
        if (a->nfocus != b->nfocus)
                return false;
        for (size_t i = 0; i < a->nfocus; i++)
                if (strcmp(a->focus[i], b->focus[i]) != 0)
                        return false;
        return true;
}

int rsrc_control(struct rsrc *r, const struct ap_ctl *c)
{
        int ret;

        pthread_mutex_lock(&r->mu);
        if (c->kind == AP_CTL_FOCUS) {
                ret = 0;
                if (!r->focus && !(r->focus = calloc(1, sizeof(*r->focus))))
                        ret = -ENOMEM;
                else if (!rsrc_focus_same(r->focus, c) || r->focus->kind != AP_CTL_FOCUS) {
                        *r->focus = *c;
                        r->focus_due = true;
                        ret = rsrc_focus_flush(r);
                }
                pthread_mutex_unlock(&r->mu);
                return ret;
        }
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
        free(r->focus);
        for (size_t i = 0; r->argv && r->argv[i]; i++)
                free(r->argv[i]);
        free(r->argv);
        if (r->retry_cv_init)
                pthread_cond_destroy(&r->retry_cv);
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
}
