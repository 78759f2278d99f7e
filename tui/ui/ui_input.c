/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ui_input: the console's keys, filter typing and mouse (see ui_int.h).
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

static const int ui_intervals[] = {50,   100,   250,   500,   1000,   2000,
                                   5000, 10000, 30000, 60000, 3600000};

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
        if (u->o->remote) {
                /* the hosts' agents read at the same pace (within the protocol's range); a
                   host down now gets it on its next link */
                int ms = u->v.interval_ms;

                ms = ms < AP_INTERVAL_MIN   ? AP_INTERVAL_MIN
                     : ms > AP_INTERVAL_MAX ? AP_INTERVAL_MAX
                                            : ms;
                remote_control(u->o->remote, &(struct ap_ctl){.kind = AP_CTL_INTERVAL, .ms = ms});
                snprintf(u->v.status, sizeof(u->v.status),
                         "state read and screen refreshed every %d ms, on the hosts every %d ms",
                         u->v.interval_ms, ms);
                return;
        }
        snprintf(u->v.status, sizeof(u->v.status), "state read and screen refreshed every %d ms",
                 u->v.interval_ms);
}

static void ui_export(struct ui *u)
{
        char path[128], cwd[300];
        int err = views_export(&u->v, u->o->remote, path, sizeof(path));

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

void ui_input(struct ui *u)
{
        int ch;

        while ((ch = getch()) != ERR)
                ui_key(u, ch);
}
