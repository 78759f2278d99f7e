/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ui: the interactive console (ncursesw).  main() builds the engine and the options and
 * hands over; the console never does file I/O of its own on the UI thread: it polls the
 * engine's fd beside stdin, calls engine_process(), and draws the latest snapshot.
 */
#ifndef MIGTOP_UI_UI_H
#define MIGTOP_UI_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/discover.h"
#include "engine/engine.h"
#include "ui/config.h"

struct remote;

struct ui_opts {
        const char *theme;    /* --theme NAME|PATH, NULL: config file, then "default" */
        bool no_color;        /* --no-color (NO_COLOR is read by the ui itself) */
        bool no_mouse;        /* --no-mouse */
        int interval_ms;      /* state polling interval shown and changed with +/- (0: engine's) */
        const char *pair_src; /* --pair SRC=DST: device names, NULL when not given */
        const char *pair_dst;
        const char *host;     /* host name shown in the header and the list ("local") */
        const char *exe_dir;  /* directory of the executable (theme search in the source tree) */
        struct disc *hotplug; /* a started udev monitor: rescan on its events (NULL: none) */
        const struct config *config; /* the config file as main read it (NULL: defaults) */
        /*
         * --replay FILE: the replayer (engine/replayer.h) whose engine e is; the console
         * plays it on the recording's clock (its keys, its status line).  NULL: live.
         */
        struct rpl *replay;
        /*
         * --host SPEC: the hosts (remote.h) whose devices e's source has (LABEL:DEVICE):
         * a HOST column, one status line per host, their devices marked stale while their
         * link is down.  It is asked remote_status() and told the interval (+/-) and what
         * is on screen (remote_focus); none of it waits on a link.  NULL: none.
         */
        struct remote *remote;
        bool no_local; /* --no-local: only the hosts' devices (the header names them) */
        /*
         * For ui_run(NULL, o): the tree root could not be opened yet (no vfio directory in
         * debugfs).  The console stays up with msg on screen and calls connect at start,
         * once a second and on r (rescan) until it returns 0 with an engine (which the
         * caller keeps and frees); else a negative errno and one line in msg (the
         * remediation batch output gives).
         */
        int (*connect)(void *arg, struct engine **e, char *msg, size_t size);
        void *connect_arg;
};

/*
 * Run the console until the user quits.  Takes no ownership of e (NULL: o->connect gives
 * it later).  Returns 0, or a
 * negative errno when the terminal cannot be used (not a tty, no terminfo): main prints
 * the message from ui_strerror() and exits 1.
 */
int ui_run(struct engine *e, const struct ui_opts *o);
const char *ui_strerror(int err);

#endif
