/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ui_hosts: the console with --host: each host's link as of a layout, its status lines
 * and the host of a device (see ui_int.h).
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
void ui_hosts_look(struct ui *u)
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

void ui_hosts_watched(const struct ui *u, char *buf, size_t size)
{
        size_t n = u->o->remote ? remote_count(u->o->remote) : 0, len = 0;
        bool local = !u->o->remote || !u->o->no_local;

        buf[0] = '\0';
        if (local)
                len = (size_t)snprintf(buf, size, "%s", u->v.host);
        for (size_t i = 0; i < n && len < size; i++)
                len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                        remote_label(u->o->remote, i));
        if (len < size && len <= UI_WATCHED_MAX)
                return;
        if (local)
                snprintf(buf, size, "%s + %zu host%s", u->v.host, n, n == 1 ? "" : "s");
        else
                snprintf(buf, size, "%zu hosts", n);
}

bool ui_hosts_poll(struct ui *u)
{
        size_t n = u->o->remote ? remote_count(u->o->remote) : 0;
        bool news = false;

        for (size_t i = 0; i < n && i < REMOTE_MAX_HOSTS; i++) {
                struct rsrc_status st;

                remote_status(u->o->remote, i, &st);
                if (st.changes == u->host_changes[i])
                        continue;
                u->host_changes[i] = st.changes;
                news |= st.state == RSRC_CONNECTED;
        }
        if (news && u->e) {
                engine_rescan(u->e);
                u->host_fresh_ns = ui_now() + UI_HOST_FRESH_MS * 1000000LL;
        }
        return news;
}

/* With hosts: the HOST column after the device's (unless the config file placed it). */
void ui_hosts_setup(struct ui *u)
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

void ui_draw_hosts(const struct ui *u)
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
