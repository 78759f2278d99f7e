/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ui_replay: the console on a recording (--replay): seeking, steps, "g" and the clock
 * (see ui_int.h).
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
bool ui_replay_key(struct ui *u, int ch)
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
void ui_replay_tick(struct ui *u, int64_t now)
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
