/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ui_int: what the console's parts share (ui.c: setup, snapshots, drawing and the loop;
 * ui_input.c: keys and mouse; ui_hosts.c: --host; ui_replay.c: --replay).  Not for
 * anything outside tui/ui/ui*.c.
 */
#ifndef MIGTOP_UI_UI_INT_H
#define MIGTOP_UI_UI_INT_H
#include <curses.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "remote.h"
#include "ui/layout.h"
#include "ui/ui.h"
#include "ui/views.h"

#define UI_KEY_ESC     27
#define UI_WHEEL_LINES 3
/* after a host's link connected, its devices are shown as they are listed, this long,
   whatever the interval */
#define UI_HOST_FRESH_MS 3000
#define UI_WATCHED_MAX   40 /* the header's list of hosts, longer: their count */

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
        unsigned host_changes[REMOTE_MAX_HOSTS]; /* each host's status changes, as last seen */
        char watched[96];      /* the header's: "local", "hvA, hvB", "local + 3 hosts" */
        int64_t host_fresh_ns; /* until then a host just connected: changes shown at once */
        struct sigaction old_int, old_term;
};

/* ui.c */
int64_t ui_now(void);
void ui_connect(struct ui *u, int64_t now, bool force);
void ui_compute_layout(struct ui *u);

/* ui_input.c: the keys and mouse events waiting (never blocks) */
void ui_input(struct ui *u);

/* ui_hosts.c */
void ui_hosts_setup(struct ui *u);
void ui_hosts_look(struct ui *u);
void ui_draw_hosts(const struct ui *u);
/* What the console watches, for the header: this host's name, the hosts' labels (or their
   count when they do not fit), not this host with --no-local. */
void ui_hosts_watched(const struct ui *u, char *buf, size_t size);
/* A host whose link connected since the last look: list the root again (its devices now,
   not at the next rescan, which a long interval puts far off).  True when one did. */
bool ui_hosts_poll(struct ui *u);

/* ui_replay.c: a key of the replay (true: taken); the replay's clock at a tick */
bool ui_replay_key(struct ui *u, int ch);
void ui_replay_tick(struct ui *u, int64_t now);

#endif
