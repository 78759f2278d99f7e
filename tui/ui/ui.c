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
#include "ui/view_compare.h"
#include "ui/view_detail.h"
#include "ui/view_help.h"
#include "ui/view_list.h"
#include "ui/views.h"

#define UI_KEY_ESC     27
#define UI_WHEEL_LINES 3

/* Set by the SIGINT/SIGTERM handler: the loop leaves and restores the terminal. */
static volatile sig_atomic_t ui_signalled;

struct ui {
        struct engine *e;
        const struct ui_opts *o;
        struct views v;
        struct layout lay;
        SCREEN *scr;
        bool quit, dirty, changed; /* changed: the engine has news not yet in v.snap */
        int64_t next_snap_ns;      /* do not take a new snapshot before (interval) */
        int64_t drawn_sec;         /* the second the ages on screen were computed for */
        int64_t next_connect_ns;   /* without an engine: the next try of o->connect */
        /* --replay: the real time of the last replay tick; "g": the time being typed */
        int64_t rpl_tick_ns;
        bool rpl_goto;
        char rpl_edit[64];
        /* --host: each host's link as of this layout (views.host_of reads it per cell) */
        struct {
                bool up;
                int64_t last_ns;
        } host_now[REMOTE_MAX_HOSTS];
        int64_t host_now_ns;
        struct sigaction old_int, old_term;
};

static const int ui_intervals[] = {50,   100,   250,   500,   1000,   2000,
                                   5000, 10000, 30000, 60000, 3600000};

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

static int64_t ui_now(void)
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

/* ---- --host ----------------------------------------------------------------------------- */

/* views.host_of: a device's host, stale while its link is not connected. */
static void ui_host_of(void *arg, const char *name, struct views_host *out)
{
        struct ui *u = arg;
        long i = remote_host_of(u->o->remote, name);

        out->label = u->v.host;
        out->stale = false;
        out->age_ms = 0;
        if (i < 0 || i >= REMOTE_MAX_HOSTS)
                return;
        out->label = remote_label(u->o->remote, (size_t)i);
        if (u->host_now[i].up)
                return;
        out->stale = true;
        out->age_ms =
            u->host_now[i].last_ns ? (u->host_now_ns - u->host_now[i].last_ns) / 1000000 : 0;
}

/* Each host's link now, for the cells of this layout (one look per host, not per cell). */
static void ui_hosts_look(struct ui *u)
{
        size_t n = u->o->remote ? remote_count(u->o->remote) : 0;

        u->host_now_ns = ui_now();
        for (size_t i = 0; i < n && i < REMOTE_MAX_HOSTS; i++) {
                struct rsrc_status st;

                remote_status(u->o->remote, i, &st);
                u->host_now[i].up = st.state == RSRC_CONNECTED;
                u->host_now[i].last_ns = st.last_ns;
        }
}

/* With hosts: the HOST column after the device's (unless the config file placed it). */
static void ui_hosts_setup(struct ui *u)
{
        struct views *v = &u->v;

        if (!u->o->remote)
                return;
        v->host_of = ui_host_of;
        v->host_arg = u;
        v->host_rows = (int)remote_count(u->o->remote);
        for (size_t k = 0; k < v->ncols_want; k++)
                if (v->cols_want[k] == LAYOUT_COL_HOST)
                        return;
        if (v->ncols_want >= LAYOUT_NCOLS)
                return;
        memmove(&v->cols_want[2], &v->cols_want[1], (v->ncols_want - 1) * sizeof(v->cols_want[0]));
        v->cols_want[v->ncols_want > 0 ? 1 : 0] = LAYOUT_COL_HOST;
        v->ncols_want++;
}

/* Host i's status line: "hvA connected, 3 ms, agent 0.1.0, kernel 6.12.117, data 0.4 s ago". */
static void ui_host_line(const struct ui *u, size_t i, int64_t now, char *buf, size_t size)
{
        struct rsrc_status st;
        const char *label = remote_label(u->o->remote, i);
        char rtt[32] = "";
        size_t n;

        remote_status(u->o->remote, i, &st);
        /* the reasons start with the label, which the line starts with */
        n = strlen(label);
        if (strncmp(st.error, label, n) == 0 && st.error[n] == ':' && st.error[n + 1] == ' ')
                memmove(st.error, st.error + n + 2, strlen(st.error + n + 2) + 1);
        switch (st.state) {
        case RSRC_CONNECTED:
                if (st.rtt_ms >= 0)
                        snprintf(rtt, sizeof(rtt), ", round trip %d ms", st.rtt_ms);
                snprintf(buf, size, "%s connected%s, agent %s, kernel %s, data %.1f s ago", label,
                         rtt, st.hello.migtop, st.hello.kernel,
                         st.last_ns ? (double)(now - st.last_ns) / 1e9 : 0.0);
                break;
        case RSRC_DOWN:
                if (st.retry_ns > now)
                        snprintf(buf, size, "%s down, reconnecting in %.0f s: %s", label,
                                 (double)(st.retry_ns - now) / 1e9 + 0.49, st.error);
                else
                        snprintf(buf, size, "%s down: %s", label, st.error);
                break;
        case RSRC_RECONNECTING:
                snprintf(buf, size, "%s reconnecting (attempt %u): %s", label, st.attempts,
                         st.error);
                break;
        case RSRC_CONNECTING:
        default:
                snprintf(buf, size, "%s connecting%s%s", label, st.error[0] ? ": " : "", st.error);
                break;
        }
}

static void ui_draw_hosts(const struct ui *u)
{
        const struct layout_rect *r = &u->lay.hosts;
        int64_t now = ui_now();
        char buf[800];

        for (int k = 0; k < r->h && u->o->remote && (size_t)k < remote_count(u->o->remote); k++) {
                struct rsrc_status st;

                remote_status(u->o->remote, (size_t)k, &st);
                ui_host_line(u, (size_t)k, now, buf, sizeof(buf));
                draw_text(r->y + k, r->x, r->w,
                          st.state == RSRC_CONNECTED ? THEME_MESSAGE : THEME_STATUS_ERROR, buf,
                          false);
        }
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

/* ---- snapshot --------------------------------------------------------------------------- */

static void ui_take_snapshot(struct ui *u, int64_t now)
{
        const struct engine_snap *s;

        if (!u->e || u->v.paused || (u->v.snap && (!u->changed || now < u->next_snap_ns)))
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
static void ui_connect(struct ui *u, int64_t now, bool force)
{
        char msg[VIEWS_STATUS_MAX - 80];
        struct engine *e = NULL;

        if (u->e || !u->o->connect || (!force && now < u->next_connect_ns))
                return;
        u->next_connect_ns = now + 1000000000;
        msg[0] = '\0';
        if (u->o->connect(u->o->connect_arg, &e, msg, sizeof(msg)) == 0 && e) {
                u->e = e;
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

static void ui_compute_layout(struct ui *u)
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
                 MIGTOP_VERSION, v->host, v->norder, shown,
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

/* ---- input ---------------------------------------------------------------------------- */

static void ui_move(struct ui *u, long delta)
{
        struct views *v = &u->v;
        long pos;

        switch (v->view) {
        case VIEWS_LIST:
                pos = (long)v->sel + delta;
                views_select(v, pos < 0 ? 0 : (size_t)pos);
                break;
        case VIEWS_DETAIL:
                v->detail_scroll =
                    (int)(v->detail_scroll + delta < 0 ? 0 : v->detail_scroll + delta);
                break;
        case VIEWS_COMPARE:
                v->cmp_scroll = (int)(v->cmp_scroll + delta < 0 ? 0 : v->cmp_scroll + delta);
                break;
        case VIEWS_HELP:
                v->help_scroll = (int)(v->help_scroll + delta < 0 ? 0 : v->help_scroll + delta);
                break;
        }
}

static long ui_page(const struct ui *u)
{
        int h = u->v.view == VIEWS_LIST ? u->lay.list.h : u->lay.body.h;

        return h > 1 ? h - 1 : 1;
}

static void ui_mark(struct ui *u, bool src)
{
        struct views *v = &u->v;
        long i = views_selected(v);
        char *mine = src ? v->src : v->dst, *other = src ? v->dst : v->src;
        const char *name;

        if (i < 0)
                return;
        name = v->snap->tree.devs[i].name;
        snprintf(mine, VIEWS_NAME_MAX, "%s", name);
        if (strcmp(other, name) == 0)
                other[0] = '\0';
        snprintf(v->status, sizeof(v->status), "%s marked as %s%s", name,
                 src ? "source" : "destination", v->src[0] && v->dst[0] ? ": c compares" : "");
}

static void ui_compare(struct ui *u)
{
        struct views *v = &u->v;
        long s, d;

        if (!(v->src[0] && v->dst[0]) && views_suggest(v, &s, &d, NULL, 0)) {
                snprintf(v->src, sizeof(v->src), "%s", v->snap->tree.devs[s].name);
                snprintf(v->dst, sizeof(v->dst), "%s", v->snap->tree.devs[d].name);
        }
        if (!(v->src[0] && v->dst[0])) {
                snprintf(v->status, sizeof(v->status),
                         "no pair: mark a source with s and a destination with d");
                return;
        }
        v->view = VIEWS_COMPARE;
        v->diff_cur = -1;
        v->cmp_scroll = 0;
}

static void ui_interval(struct ui *u, int dir)
{
        size_t n = sizeof(ui_intervals) / sizeof(ui_intervals[0]), k = 0;

        while (k + 1 < n && ui_intervals[k] < u->v.interval_ms)
                k++;
        if (dir < 0 && k > 0 && ui_intervals[k] >= u->v.interval_ms)
                k--;
        else if (dir > 0 && ui_intervals[k] <= u->v.interval_ms && k + 1 < n)
                k++;
        u->v.interval_ms = ui_intervals[k];
        u->next_snap_ns = 0;
        /* the screen and the state polling go at the same pace */
        if (u->e)
                engine_set_state_period(u->e, u->v.interval_ms);
        snprintf(u->v.status, sizeof(u->v.status), "state read and screen refreshed every %d ms",
                 u->v.interval_ms);
}

static void ui_export(struct ui *u)
{
        char path[128], cwd[300];
        int err = views_export(&u->v, path, sizeof(path));

        if (err < 0)
                snprintf(u->v.status, sizeof(u->v.status), "export failed: %s", strerror(-err));
        else
                snprintf(u->v.status, sizeof(u->v.status), "exported to %s/%s",
                         getcwd(cwd, sizeof(cwd)) ? cwd : ".", path);
}

static void ui_back(struct ui *u)
{
        struct views *v = &u->v;

        if (v->view == VIEWS_HELP) {
                v->view = v->below_help;
        } else if (v->view != VIEWS_LIST) {
                v->view = VIEWS_LIST;
        } else if (v->filter[0]) {
                v->filter[0] = '\0';
                views_rebuild(v);
        }
}

static void ui_page_step(struct ui *u, int dir)
{
        int n;

        if (u->v.view != VIEWS_COMPARE)
                return;
        n = u->lay.npages > 0 ? u->lay.npages : 1;
        u->v.page = ((u->v.page + dir) % n + n) % n;
}

static void ui_open(struct ui *u)
{
        if (u->v.view == VIEWS_LIST && views_selected(&u->v) >= 0) {
                u->v.view = VIEWS_DETAIL;
                u->v.detail_scroll = 0;
        }
}

static void ui_help(struct ui *u)
{
        if (u->v.view == VIEWS_HELP)
                return;
        u->v.below_help = u->v.view;
        u->v.view = VIEWS_HELP;
        u->v.help_scroll = 0;
}

static void ui_toggle_hex(struct ui *u)
{
        u->v.hex = !u->v.hex;
        u->v.diff_cur = -1;
        u->v.cmp_scroll = 0;
}

static void ui_sort(struct ui *u)
{
        u->v.sort = (enum views_sort)((u->v.sort + 1) % VIEWS_NSORT);
        views_rebuild(&u->v);
        snprintf(u->v.status, sizeof(u->v.status), "sorted by %s", views_sort_name(u->v.sort));
}

static void ui_pause(struct ui *u)
{
        u->v.paused = !u->v.paused;
        u->changed = true;
        snprintf(u->v.status, sizeof(u->v.status), "%s",
                 u->v.paused ? "paused: polling stopped (p resumes)" : "polling resumed");
}

static void ui_diff(struct ui *u, int dir)
{
        if (u->v.view != VIEWS_COMPARE)
                return;
        if (!view_compare_step(&u->v, &u->lay, dir))
                snprintf(u->v.status, sizeof(u->v.status), "no differences");
}

static void ui_action(struct ui *u, enum keys_action a)
{
        switch (a) {
        case KEYS_QUIT:
                u->quit = true;
                break;
        case KEYS_HELP:
                ui_help(u);
                break;
        case KEYS_BACK:
                ui_back(u);
                break;
        case KEYS_UP:
        case KEYS_DOWN:
                ui_move(u, a == KEYS_UP ? -1 : 1);
                break;
        case KEYS_PGUP:
        case KEYS_PGDN:
                ui_move(u, a == KEYS_PGUP ? -ui_page(u) : ui_page(u));
                break;
        case KEYS_HOME:
        case KEYS_END:
                ui_move(u, a == KEYS_HOME ? -(long)1e9 : (long)1e9);
                break;
        case KEYS_OPEN:
                ui_open(u);
                break;
        case KEYS_COMPARE:
                ui_compare(u);
                break;
        case KEYS_HEX:
                ui_toggle_hex(u);
                break;
        case KEYS_NEXT_DIFF:
        case KEYS_PREV_DIFF:
                ui_diff(u, a == KEYS_NEXT_DIFF ? 1 : -1);
                break;
        case KEYS_NEXT_PAGE:
        case KEYS_PREV_PAGE:
                ui_page_step(u, a == KEYS_NEXT_PAGE ? 1 : -1);
                break;
        case KEYS_MARK_SRC:
        case KEYS_MARK_DST:
                ui_mark(u, a == KEYS_MARK_SRC);
                break;
        case KEYS_SORT:
                ui_sort(u);
                break;
        case KEYS_FILTER:
                u->v.editing = true;
                snprintf(u->v.edit, sizeof(u->v.edit), "%s", u->v.filter);
                break;
        case KEYS_PAUSE:
                ui_pause(u);
                break;
        case KEYS_FASTER:
        case KEYS_SLOWER:
                ui_interval(u, a == KEYS_FASTER ? -1 : 1);
                break;
        case KEYS_EXPORT:
                ui_export(u);
                break;
        case KEYS_RESCAN:
                if (!u->e) {
                        ui_connect(u, ui_now(), true);
                        break;
                }
                engine_rescan(u->e);
                snprintf(u->v.status, sizeof(u->v.status), "rescanning devices");
                break;
        default:
                break;
        }
}

/* A key while typing a filter: text, Backspace, Enter applies, Esc clears. */
static void ui_filter_key(struct ui *u, int ch)
{
        struct views *v = &u->v;
        size_t len = strlen(v->edit);

        if (ch == UI_KEY_ESC) {
                v->editing = false;
                v->filter[0] = '\0';
                views_rebuild(v);
        } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
                v->editing = false;
                snprintf(v->filter, sizeof(v->filter), "%s", v->edit);
                v->sel = 0;
                views_rebuild(v);
                views_select(v, 0);
        } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
                if (len > 0)
                        v->edit[len - 1] = '\0';
        } else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(v->edit)) {
                v->edit[len] = (char)ch;
                v->edit[len + 1] = '\0';
        }
}

static void ui_mouse(struct ui *u)
{
        MEVENT me;
        long pos;

        if (getmouse(&me) != OK)
                return;
        if (me.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
                ui_move(u, me.bstate & BUTTON4_PRESSED ? -UI_WHEEL_LINES : UI_WHEEL_LINES);
                return;
        }
        if (u->v.view != VIEWS_LIST || u->lay.too_small)
                return;
        pos = view_list_hit(&u->v, &u->lay, me.y);
        if (pos < 0)
                return;
        views_select(&u->v, (size_t)pos);
        if (me.bstate & BUTTON1_DOUBLE_CLICKED)
                ui_open(u);
}

/* ---- --replay ------------------------------------------------------------------------ */

/* Go to t: the snapshot of the old engine goes first when the engine is made again. */
static void ui_replay_seek(struct ui *u, int64_t t)
{
        struct rpl *r = u->o->replay;
        const struct engine_snap *s;
        int ret;

        if (rpl_seek_reopens(r, t) && u->v.snap) {
                engine_snap_put(u->v.snap);
                u->v.snap = NULL;
                views_rebuild(&u->v);
        }
        ret = rpl_seek(r, t);
        u->e = rpl_engine(r);
        u->changed = true;
        u->next_snap_ns = 0;
        /* what the engine knows at t, now (also when polling is paused) */
        s = u->e ? engine_snapshot(u->e) : NULL;
        if (s) {
                if (u->v.snap)
                        engine_snap_put(u->v.snap);
                u->v.snap = s;
                views_rebuild(&u->v);
        }
        if (ret < 0)
                snprintf(u->v.status, sizeof(u->v.status), "replay: %s", strerror(-ret));
}

/* The selected device's name, or NULL. */
static const char *ui_replay_dev(const struct ui *u)
{
        long i = views_selected(&u->v);

        return i >= 0 && u->v.snap ? u->v.snap->tree.devs[i].name : NULL;
}

static void ui_replay_step(struct ui *u, bool next)
{
        struct rpl *r = u->o->replay;
        const char *dev = ui_replay_dev(u);
        int64_t t =
            next ? rpl_change_after(r, dev, rpl_now(r)) : rpl_change_before(r, dev, rpl_now(r));

        rpl_set_paused(r, true);
        if (t < 0) {
                snprintf(u->v.status, sizeof(u->v.status), "no %s change%s%s",
                         next ? "later" : "earlier", dev ? " of " : "", dev ? dev : "");
                return;
        }
        ui_replay_seek(u, t);
}

/* A key while typing the time to go to. */
static void ui_goto_key(struct ui *u, int ch)
{
        size_t len = strlen(u->rpl_edit);
        char err[VIEWS_STATUS_MAX - 32];
        int64_t t;

        if (ch == UI_KEY_ESC) {
                u->rpl_goto = false;
        } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
                u->rpl_goto = false;
                if (rpl_parse_goto(u->o->replay, u->rpl_edit, &t, err, sizeof(err)) < 0)
                        snprintf(u->v.status, sizeof(u->v.status), "go to %s", err);
                else
                        ui_replay_seek(u, t);
        } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
                if (len > 0)
                        u->rpl_edit[len - 1] = '\0';
        } else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(u->rpl_edit)) {
                u->rpl_edit[len] = (char)ch;
                u->rpl_edit[len + 1] = '\0';
        }
}

/* A replay key (keys_replay_lookup) or the time being typed: true when it was one. */
static bool ui_replay_key(struct ui *u, int ch)
{
        struct rpl *r = u->o->replay;
        enum keys_action a;

        if (u->rpl_goto) {
                ui_goto_key(u, ch);
                return true;
        }
        a = keys_replay_lookup(ch);
        if (a == KEYS_NONE)
                return false;
        u->v.status[0] = '\0';
        switch (a) {
        case KEYS_RPL_PLAY:
                /* at the end: from the start again (its snapshot goes first) */
                if (rpl_at_end(r))
                        ui_replay_seek(u, rpl_first_ns(r));
                rpl_set_paused(r, !rpl_paused(r));
                u->changed = true;
                break;
        case KEYS_RPL_PREV:
        case KEYS_RPL_NEXT:
                ui_replay_step(u, a == KEYS_RPL_NEXT);
                break;
        case KEYS_RPL_SLOWER:
        case KEYS_RPL_FASTER:
                rpl_set_speed(r, a == KEYS_RPL_FASTER ? rpl_speed(r) * 2 : rpl_speed(r) / 2);
                break;
        case KEYS_RPL_GOTO:
                u->rpl_goto = true;
                u->rpl_edit[0] = '\0';
                break;
        case KEYS_RPL_START:
        case KEYS_RPL_END:
                rpl_set_paused(r, true);
                ui_replay_seek(u, a == KEYS_RPL_START ? rpl_first_ns(r) : rpl_last_ns(r));
                break;
        default:
                break;
        }
        u->rpl_tick_ns = ui_now();
        return true;
}

/* Playing: the clock moves by the real time since the last tick x the speed. */
static void ui_replay_tick(struct ui *u, int64_t now)
{
        struct rpl *r = u->o->replay;
        int ret;

        if (!r)
                return;
        if (!u->rpl_tick_ns || rpl_paused(r)) {
                u->rpl_tick_ns = now;
                return;
        }
        ret = rpl_tick(r, now - u->rpl_tick_ns, 50);
        u->rpl_tick_ns = now;
        u->dirty = true; /* the status line's time */
        if (ret > 0)
                u->changed = true;
        else if (ret < 0)
                snprintf(u->v.status, sizeof(u->v.status), "replay: %s", strerror(-ret));
}

static void ui_key(struct ui *u, int ch)
{
        u->dirty = true;
        if (ch == KEY_RESIZE)
                return;
        ui_compute_layout(u); /* keys act on what the screen shows now (the view may have
                                 changed since the last redraw) */
        if (ch == KEY_MOUSE) {
                ui_mouse(u);
                return;
        }
        if (u->v.editing) {
                ui_filter_key(u, ch);
                return;
        }
        if (u->o->replay && ui_replay_key(u, ch))
                return;
        u->v.status[0] = '\0';
        ui_action(u, keys_lookup(ch));
}

static void ui_input(struct ui *u)
{
        int ch;

        while ((ch = getch()) != ERR)
                ui_key(u, ch);
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
                        if (u->e && !u->o->replay)
                                engine_set_focus(u->e, shown,
                                                 views_focus(&u->v, u->lay.list.h, shown, 128));
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
