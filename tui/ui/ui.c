/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ui: the interactive console's loop (see ui.h).  Input is handled before the redraw;
 * the screen is redrawn only when the snapshot changed, a key was pressed, the terminal
 * was resized or a second passed (ages), with erase() and curses' own diffing.
 */
#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/replayer.h"
#include "remote.h"
#include "ui/config.h"
#include "ui/draw.h"
#include "ui/keys.h"
#include "ui/theme.h"
#include "ui/ui.h"
#include "ui/ui_int.h"
#include "ui/view_compare.h"
#include "ui/view_detail.h"
#include "ui/view_help.h"
#include "ui/view_list.h"
#include "ui/views.h"

/* Set by the SIGINT/SIGTERM handler: the loop leaves and restores the terminal. */
static volatile sig_atomic_t ui_signalled;

const char *ui_strerror(int err)
{
        switch (err) {
        case -ENOTTY:
                return "the interactive console needs a terminal (use --once for batch output)";
        case -ENOENT:
                return "cannot use this terminal: no terminfo entry for $TERM";
        default:
                return strerror(err < 0 ? -err : err);
        }
}

int64_t ui_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void ui_on_signal(int sig)
{
        ui_signalled = sig;
}

static void ui_signals(struct ui *u, bool install)
{
        struct sigaction sa;

        if (!install) {
                sigaction(SIGINT, &u->old_int, NULL);
                sigaction(SIGTERM, &u->old_term, NULL);
                return;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = ui_on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &u->old_int);
        sigaction(SIGTERM, &sa, &u->old_term);
}

/* ---- setup ---------------------------------------------------------------------------- */

/* Settings (the config file main read) and the theme: once before the loop starts. */
static void ui_load_config(struct ui *u, struct config *c, struct theme *t)
{
        char err[256];
        struct theme_paths tp;
        const char *name;

        if (u->o->config)
                *c = *u->o->config;
        else
                config_defaults(c);
        theme_paths_from_env(&tp, u->o->exe_dir);
        name = u->o->theme ? u->o->theme : c->theme[0] ? c->theme : "default";
        if (theme_load(name, &tp, t, err, sizeof(err)) < 0) {
                theme_builtin(t);
                snprintf(u->v.status, sizeof(u->v.status), "theme: %s; using the default theme",
                         err);
        }
}

static int ui_start_curses(struct ui *u, const struct theme *t, bool mouse)
{
        enum theme_depth want;

        u->scr = newterm(NULL, stdout, stdin);
        if (!u->scr)
                return -ENOENT;
        set_term(u->scr);
        cbreak();
        noecho();
        nonl();
        keypad(stdscr, TRUE);
        nodelay(stdscr, TRUE);
        set_escdelay(25);
        curs_set(0);
        /* no start_color() at all when colour is off: not even default-colour sequences */
        want = theme_depth_pick(256, NULL, getenv("NO_COLOR"), u->o->no_color);
        if (want != THEME_DEPTH_MONO && has_colors() && start_color() == OK)
                want = theme_depth_pick(COLORS, getenv("COLORTERM"), NULL, false);
        else
                want = THEME_DEPTH_MONO;
        draw_init(t, want);
        if (mouse) {
                mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
                              BUTTON5_PRESSED,
                          NULL);
                mouseinterval(300);
        }
        return 0;
}

static int ui_setup(struct ui *u)
{
        struct config c;
        struct theme t;

        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
                return -ENOTTY;
        setlocale(LC_ALL, "");
        views_init(&u->v);
        u->v.host = u->o->host ? u->o->host : "local";
        ui_hosts_watched(u, u->watched, sizeof(u->watched));
        ui_load_config(u, &c, &t);
        memcpy(u->v.cols_want, c.cols, sizeof(c.cols));
        u->v.ncols_want = c.ncols;
        ui_hosts_setup(u);
        u->v.interval_ms = u->o->interval_ms > 0 ? u->o->interval_ms : c.interval_ms;
        if (u->o->pair_src && u->o->pair_dst) {
                snprintf(u->v.src, sizeof(u->v.src), "%s", u->o->pair_src);
                snprintf(u->v.dst, sizeof(u->v.dst), "%s", u->o->pair_dst);
        }
        u->v.utf8 = draw_utf8();
        u->v.replay = u->o->replay != NULL;
        return ui_start_curses(u, &t, c.mouse && !u->o->no_mouse);
}

/* engine_set_stale(): a host's device whose link is down is stale, never stuck */
static bool ui_stale(void *ctx, const char *name)
{
        const struct ui *u = ctx;
        struct timespec ts;
        long long age;
        long host;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return remote_dev_stale(u->o->remote, name, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
                                &age, &host);
}

/* ---- snapshot --------------------------------------------------------------------------- */

static void ui_take_snapshot(struct ui *u, int64_t now)
{
        const struct engine_snap *s;

        if (!u->e || u->v.paused ||
            (u->v.snap && (!u->changed || (now < u->next_snap_ns && now >= u->host_fresh_ns))))
                return;
        s = engine_snapshot(u->e);
        if (!s)
                return;
        u->changed = false;
        u->next_snap_ns = now + (int64_t)u->v.interval_ms * 1000000;
        if (u->v.snap && s->seq == u->v.snap->seq) {
                engine_snap_put(s);
                return;
        }
        if (u->v.snap)
                engine_snap_put(u->v.snap);
        u->v.snap = s;
        views_rebuild(&u->v);
        u->dirty = true;
}

/*
 * Without an engine: try o->connect (forced, or once a second).  The remediation stays on
 * screen until the root appears; then the devices are read as usual.
 */
void ui_connect(struct ui *u, int64_t now, bool force)
{
        char msg[VIEWS_STATUS_MAX - 80];
        struct engine *e = NULL;

        if (u->e || !u->o->connect || (!force && now < u->next_connect_ns))
                return;
        u->next_connect_ns = now + 1000000000;
        msg[0] = '\0';
        if (u->o->connect(u->o->connect_arg, &e, msg, sizeof(msg)) == 0 && e) {
                u->e = e;
                if (u->o->remote)
                        engine_set_stale(e, ui_stale, u);
                u->v.root_msg[0] = '\0';
                u->changed = true;
                u->dirty = true;
                engine_set_state_period(u->e, u->v.interval_ms);
                snprintf(u->v.status, sizeof(u->v.status),
                         "the vfio debugfs tree is there now: "
                         "reading its devices");
                return;
        }
        snprintf(u->v.root_msg, sizeof(u->v.root_msg),
                 "%s. Waiting for it: checked every second, r checks now, q quits.", msg);
        u->dirty = u->dirty || force;
        if (force)
                snprintf(u->v.status, sizeof(u->v.status), "still no vfio debugfs tree");
}

/* ---- drawing -------------------------------------------------------------------------- */

static enum layout_view ui_layout_view(const struct views *v)
{
        switch (v->view) {
        case VIEWS_DETAIL:
                return LAYOUT_VIEW_DETAIL;
        case VIEWS_COMPARE:
                return v->hex ? LAYOUT_VIEW_COMPARE_HEX : LAYOUT_VIEW_COMPARE_DECODED;
        case VIEWS_HELP:
                return LAYOUT_VIEW_HELP;
        default:
                return LAYOUT_VIEW_LIST;
        }
}

void ui_compute_layout(struct ui *u)
{
        getmaxyx(stdscr, u->v.rows, u->v.cols);
        ui_hosts_look(u);
        if (u->v.view == VIEWS_LIST)
                view_list_measure(&u->v);
        if (u->v.view == VIEWS_COMPARE)
                view_compare_layout(&u->v, &u->lay);
        else
                views_layout(&u->v, ui_layout_view(&u->v), &u->lay);
}

static void ui_draw_header(const struct ui *u)
{
        const struct views *v = &u->v;
        const struct layout_rect *r = &u->lay.header;
        char buf[512];
        char shown[32] = "";

        if (v->snap && v->norder != v->snap->tree.ndevs)
                snprintf(shown, sizeof(shown), " of %zu", v->snap->tree.ndevs);
        snprintf(buf, sizeof(buf), " migtop %s | %s | %zu%s device%s | sort %s%s%s | every %d ms%s",
                 MIGTOP_VERSION, u->watched, v->norder, shown,
                 v->snap && v->snap->tree.ndevs == 1 ? "" : "s", views_sort_name(v->sort),
                 v->filter[0] ? " | filter " : "", v->filter, v->interval_ms,
                 v->paused ? " | PAUSED" : "");
        draw_fill(r, THEME_HEADER);
        draw_text(r->y, r->x, r->w, THEME_HEADER, buf, false);
}

static void ui_status_text(const struct views *v, char *buf, size_t size)
{
        char err[256];
        char why[160];
        long s, d, i = views_selected(v);
        enum match_verdict pv;

        if (v->editing)
                snprintf(buf, size, "filter: %s_  (Enter applies, Esc clears)", v->edit);
        else if (v->status[0])
                snprintf(buf, size, "%s", v->status);
        else if (!(v->src[0] && v->dst[0]) && views_suggest(v, &s, &d, why, sizeof(why)))
                snprintf(buf, size, "suggested pair: %s -> %s (%s); c compares",
                         v->snap->tree.devs[s].name, v->snap->tree.devs[d].name, why);
        else if (i >= 0 && v->view == VIEWS_LIST &&
                 views_alert(v, (size_t)i, views_pair_verdict(v, &pv) ? &pv : NULL, buf, size))
                return;
        else if (i >= 0 && views_error_text(v, (size_t)i, err, sizeof(err))[0])
                snprintf(buf, size, "%s: %s", v->snap->tree.devs[i].name,
                         views_error_text(v, (size_t)i, err, sizeof(err)));
        else
                buf[0] = '\0';
}

static void ui_draw_footer(const struct ui *u)
{
        static const char *const hints[][2] = {
            {"F1", "Help"}, {"Enter", "Detail"}, {"c", "Compare"}, {"s/d", "Src/Dst"},
            {"o", "Sort"},  {"/", "Filter"},     {"p", "Pause"},   {"e", "Export"},
            {"x", "Hex"},   {"n/N", "Diff"},     {"q", "Quit"},
        };
        const struct layout_rect *r = &u->lay.footer;
        int x = r->x;

        draw_fill(r, THEME_FOOTER);
        for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]) && x < r->x + r->w; i++) {
                x += draw_text(r->y, x, r->x + r->w - x, THEME_HELP_KEY, hints[i][0], false);
                if (x < r->x + r->w)
                        x += draw_text(r->y, x + 1, r->x + r->w - x - 1, THEME_FOOTER, hints[i][1],
                                       false) +
                             2;
        }
}

/* --replay: the replay's status (time, position, speed, playing), then the message. */
static void ui_replay_status(const struct ui *u, char *buf, size_t size)
{
        size_t n;

        rpl_status(u->o->replay, buf, size);
        n = strlen(buf);
        if (u->rpl_goto)
                snprintf(buf + n, size - n, " | go to: %s_  (ISO UTC, +S, -S; Enter goes, Esc)",
                         u->rpl_edit);
        else if (n + 3 < size)
                ui_status_text(&u->v, buf + n + 3, size - n - 3);
        if (!u->rpl_goto && n + 3 < size && buf[n + 3])
                memcpy(buf + n, " | ", 3);
}

static void ui_draw_frame(const struct ui *u)
{
        char buf[VIEWS_STATUS_MAX + 256];

        ui_draw_header(u);
        ui_draw_hosts(u);
        if (u->lay.status.h > 0) {
                if (u->o->replay)
                        ui_replay_status(u, buf, sizeof(buf));
                else
                        ui_status_text(&u->v, buf, sizeof(buf));
                draw_fill(&u->lay.status, THEME_MESSAGE);
                draw_text(u->lay.status.y, u->lay.status.x, u->lay.status.w, THEME_MESSAGE, buf,
                          false);
                ui_draw_footer(u);
        } else if (u->v.editing || u->v.status[0] || u->o->replay) {
                /* too short for a status line: a message (or the filter, or the replay's
                   status) takes the footer's row until the next key */
                if (u->o->replay && !u->v.editing)
                        ui_replay_status(u, buf, sizeof(buf));
                else
                        ui_status_text(&u->v, buf, sizeof(buf));
                draw_fill(&u->lay.footer, THEME_MESSAGE);
                draw_text(u->lay.footer.y, u->lay.footer.x, u->lay.footer.w, THEME_MESSAGE, buf,
                          false);
        } else {
                ui_draw_footer(u);
        }
}

static void ui_draw(struct ui *u)
{
        erase();
        ui_compute_layout(u);
        if (u->lay.too_small) {
                draw_too_small(&u->lay.message, u->v.rows, u->v.cols);
        } else {
                ui_draw_frame(u);
                switch (u->v.view) {
                case VIEWS_DETAIL:
                        view_detail_draw(&u->v, &u->lay);
                        break;
                case VIEWS_COMPARE:
                        view_compare_draw(&u->v, &u->lay);
                        break;
                case VIEWS_HELP:
                        view_help_draw(&u->v, &u->lay);
                        break;
                default:
                        view_list_draw(&u->v, &u->lay);
                        break;
                }
        }
        wnoutrefresh(stdscr);
        doupdate();
        u->dirty = false;
}

/* ---- loop ----------------------------------------------------------------------------- */

static int ui_timeout(const struct ui *u, int64_t now)
{
        int64_t ms = 1000 - (now / 1000000) % 1000; /* the next clock second */
        int t;

        if (u->o->replay && !rpl_paused(u->o->replay) && ms > 50)
                ms = 50; /* playing: ticks */
        if (!u->v.paused && u->e) {
                t = engine_next_timeout_ms(u->e);
                if (t >= 0 && t < ms)
                        ms = t;
                if (u->changed && u->next_snap_ns > now && (u->next_snap_ns - now) / 1000000 < ms)
                        ms = (u->next_snap_ns - now) / 1000000 + 1;
                else if (u->changed && u->next_snap_ns <= now)
                        ms = 0;
        }
        return (int)ms;
}

static void ui_tick(struct ui *u, int64_t now)
{
        if (!u->v.paused)
                u->v.now_ns = u->o->replay ? rpl_now(u->o->replay) : now;
        /* ages (and with --host the host lines, in every view) once a second */
        if (u->o->remote && ui_hosts_poll(u))
                u->changed = true;
        if (now / 1000000000 != u->drawn_sec &&
            (u->o->remote ||
             (!u->v.paused && (u->v.view == VIEWS_LIST || u->v.view == VIEWS_DETAIL))))
                u->dirty = true;
}

/* udev says devices came or went: list the debugfs root again (debugfs sends no events). */
static void ui_hotplug(struct ui *u)
{
        struct disc_changes ch = {0};

        if (disc_monitor_process(u->o->hotplug, &ch) > 0 && ch.n) {
                if (u->e)
                        engine_rescan(u->e);
                else
                        ui_connect(u, ui_now(), true);
                snprintf(u->v.status, sizeof(u->v.status), "hotplug: %zu device%s changed (%s%s)",
                         ch.n, ch.n == 1 ? "" : "s", ch.c[0].name, ch.n > 1 ? ", ..." : "");
                u->dirty = true;
        }
        disc_changes_free(&ch);
}

static int ui_loop(struct ui *u)
{
        struct pollfd pfd[3] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = -1, .events = POLLIN},
            {.fd = u->o->hotplug ? disc_monitor_fd(u->o->hotplug) : -1, .events = POLLIN}};
        int64_t now;

        u->dirty = true;
        u->changed = true;
        while (!u->quit && !ui_signalled) {
                ui_connect(u, ui_now(), false);
                if (u->e && !u->v.paused && engine_process(u->e) > 0)
                        u->changed = true;
                now = ui_now();
                ui_replay_tick(u, now);
                ui_take_snapshot(u, now);
                ui_tick(u, now);
                if (u->dirty) {
                        const char *shown[128];

                        u->drawn_sec = now / 1000000000;
                        ui_draw(u);
                        /* live: what is on screen is polled at the fast rate, idle devices
                           off it slower (engine_set_focus) */
                        if (u->e && !u->o->replay) {
                                size_t n = views_focus(&u->v, u->lay.list.h, shown, 128);

                                engine_set_focus(u->e, shown, n);
                                /* and the agents poll theirs on screen at the interval */
                                remote_focus(u->o->remote, shown, n);
                        }
                }
                /* paused: only the keyboard (and hotplug, noted for when polling resumes) */
                pfd[1].fd = u->v.paused || !u->e ? -1 : engine_fd(u->e);
                if (poll(pfd, 3, ui_timeout(u, ui_now())) < 0 && errno != EINTR)
                        return -errno;
                if (pfd[2].revents & POLLIN)
                        ui_hotplug(u);
                ui_input(u);
        }
        return 0;
}

int ui_run(struct engine *e, const struct ui_opts *o)
{
        struct ui u = {.e = e, .o = o};
        int err;

        if (e && o->remote)
                engine_set_stale(e, ui_stale, &u);

        if (!e && !o->connect)
                return -EINVAL;
        ui_signalled = 0;
        /* before newterm(): curses then leaves SIGINT/SIGTERM to us */
        ui_signals(&u, true);
        err = ui_setup(&u);
        if (err < 0) {
                ui_signals(&u, false);
                views_free(&u.v);
                return err;
        }
        err = ui_loop(&u);
        endwin();
        delscreen(u.scr);
        ui_signals(&u, false);
        if (u.v.snap)
                engine_snap_put(u.v.snap);
        views_free(&u.v);
        return err;
}
