/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config: the console's settings file, $XDG_CONFIG_HOME/migtop/config
 * (~/.config/migtop/config): `key = value` lines for interval, theme, mouse and columns
 * (see man/migtop-theme.5).  Pure parsing into a plain struct; command-line options
 * override what it says.
 */
#ifndef MIGTOP_UI_CONFIG_H
#define MIGTOP_UI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/stuck.h"
#include "ui/layout.h"

#define CONFIG_INTERVAL_MIN     50      /* ms */
#define CONFIG_INTERVAL_MAX     3600000 /* ms: one hour */
#define CONFIG_INTERVAL_DEFAULT 1000
#define CONFIG_THEME_MAX        1024
#define CONFIG_HOSTS_MAX        16   /* REMOTE_MAX_HOSTS */
#define CONFIG_HOST_MAX         1100 /* a host SPEC, with its name=, root=, cmd= */

struct config {
        int interval_ms;              /* poll interval */
        char theme[CONFIG_THEME_MAX]; /* theme name or path */
        bool mouse;                   /* mouse support in the console */
        enum layout_col cols[LAYOUT_NCOLS];
        size_t ncols;           /* list columns in order */
        struct stuck_cfg stuck; /* time in a state beyond which a device is stuck */
        /* host = SPEC lines (repeatable), as written: checked by who uses them (remote.h) */
        char hosts[CONFIG_HOSTS_MAX][CONFIG_HOST_MAX];
        int host_line[CONFIG_HOSTS_MAX]; /* the line of each, for messages */
        size_t nhosts;
};

/* interval 1000 ms, theme "default", mouse on, layout_default_cols(), stuck_default(). */
void config_defaults(struct config *c);

/*
 * Parse a config file's text over *c.  Keys: interval (milliseconds, or with an "ms" or
 * "s" suffix), theme (name or path), mouse (on/off, yes/no, true/false, 1/0), columns
 * (column names separated by commas or spaces), stuck (STATE=SECONDS,... as --stuck,
 * core/stuck.h; states not named keep their default), host (a --host SPEC; the only key
 * that may be given more than once, up to CONFIG_HOSTS_MAX times).  Returns 0, or -EINVAL with
 * "FILE:LINE: what" in err; *c is left unchanged on error.
 */
int config_parse(struct config *c, const char *text, size_t len, const char *fname, char *err,
                 size_t errlen);

/*
 * The config file's path: $XDG_CONFIG_HOME/migtop/config when that is absolute, else
 * $HOME/.config/migtop/config.  Returns 0, -ENOENT when neither is usable, or
 * -ENAMETOOLONG.
 */
int config_path(const char *xdg_config_home, const char *home, char *out, size_t outsz);

/*
 * Read and parse the file at path over *c.  A missing file is fine (returns 0, *c
 * untouched) unless must_exist; other failures return negative errno with err set.
 */
int config_load(const char *path, bool must_exist, struct config *c, char *err, size_t errlen);

#endif
