/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * theme: colour themes for the console, as plain data (no curses here).
 *
 * A theme file is INI-like: `element = [FG [BG]] [ATTR...]` lines, `inherits = NAME`,
 * comments (see man/migtop-theme.5).  theme_load() finds and parses a theme (with its
 * parents); theme_resolve() degrades it to what the terminal can show (truecolour, 256,
 * 16, 8 colours or none), so that the UI only maps the result onto curses pairs.
 */
#ifndef MIGTOP_UI_THEME_H
#define MIGTOP_UI_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fsm.h"

/* Screen elements; theme_elem_name() gives the key used in theme files. */
enum theme_elem {
        THEME_NORMAL,        /* "normal": text without a more specific element */
        THEME_HEADER,        /* "header": top line */
        THEME_FOOTER,        /* "footer": key hints at the bottom */
        THEME_TITLE,         /* "title": pane titles */
        THEME_BORDER,        /* "border": pane separators */
        THEME_LIST_HEADER,   /* "list.header": column headings */
        THEME_LIST_ROW,      /* "list.row" */
        THEME_LIST_SELECTED, /* "list.selected": the selected device */
        THEME_STATE_RUNNING,
        THEME_STATE_STOP,
        THEME_STATE_STOP_COPY,
        THEME_STATE_RESUMING,
        THEME_STATE_P2P, /* RUNNING_P2P and PRE_COPY_P2P */
        THEME_STATE_PRE_COPY,
        THEME_STATE_ERROR,
        THEME_STATE_INVALID,
        THEME_STATUS_OK,      /* file read fine */
        THEME_STATUS_WARN,    /* e.g. not migrated yet */
        THEME_STATUS_ERROR,   /* read failed unexpectedly */
        THEME_STATUS_BLOCKED, /* read waiting on the driver's mutex */
        THEME_STATUS_ABSENT,  /* file absent / not opened */
        THEME_DIFF_BYTE,      /* a byte that differs between source and destination */
        THEME_DIFF_FIELD,     /* a decoded field that differs */
        THEME_HEX_OFFSET,     /* offsets of hex dumps */
        THEME_VERDICT_ACCEPT, /* destination would accept the source's data */
        THEME_VERDICT_REJECT,
        THEME_HELP,     /* help text */
        THEME_HELP_KEY, /* key names in help and footer */
        THEME_MESSAGE,  /* status line and "terminal too small" */
        THEME_NELEMS
};

/*
 * A colour: THEME_COLOR_DEFAULT (the terminal's own), a palette index 0..255, or
 * THEME_COLOR_RGB_FLAG | 0xrrggbb.
 */
typedef int32_t theme_color;
#define THEME_COLOR_DEFAULT  (-1)
#define THEME_COLOR_INHERIT  (-2) /* omitted in the file: as element `normal` */
#define THEME_COLOR_RGB_FLAG 0x01000000
#define THEME_RGB(r, g, b)                                                                         \
        ((theme_color)(THEME_COLOR_RGB_FLAG | ((r)&0xff) << 16 | ((g)&0xff) << 8 | ((b)&0xff)))
#define THEME_IS_RGB(c) ((c) >= 0 && ((c)&THEME_COLOR_RGB_FLAG))

#define THEME_A_BOLD      (1u << 0)
#define THEME_A_UNDERLINE (1u << 1)
#define THEME_A_REVERSE   (1u << 2)
#define THEME_A_DIM       (1u << 3)
#define THEME_A_STANDOUT  (1u << 4)
#define THEME_A_ITALIC    (1u << 5)
/* In monochrome, an element must carry one of these to stand out from plain text. */
#define THEME_A_VISIBLE (THEME_A_BOLD | THEME_A_UNDERLINE | THEME_A_REVERSE | THEME_A_STANDOUT)

struct theme_style {
        theme_color fg, bg;
        unsigned attrs;
};

#define THEME_NAME_MAX 64

struct theme {
        char name[THEME_NAME_MAX];
        struct theme_style st[THEME_NELEMS];
        bool set[THEME_NELEMS]; /* given by the file or a parent (else the built-in style) */
};

/* What the terminal can show, weakest first. */
enum theme_depth {
        THEME_DEPTH_MONO,
        THEME_DEPTH_8,
        THEME_DEPTH_16,
        THEME_DEPTH_256,
        THEME_DEPTH_TRUE,
};

/* Key in theme files ("list.selected"); NULL out of range. */
const char *theme_elem_name(enum theme_elem e);
/* Element for a key, or -EINVAL. */
int theme_elem_from_name(const char *name, size_t len);
/* Element that shows a migration state. */
enum theme_elem theme_elem_for_state(enum fsm_state s);

/* The compiled-in dark theme ("default"), used when no file is found. */
void theme_builtin(struct theme *t);

/*
 * Parse one theme file's text over *t (which holds the parent, or theme_builtin()).
 * `inherits` lines are reported through *inherits (copied, up to THEME_NAME_MAX) and
 * must be handled by the caller before applying: theme_load() does so.  fname names the
 * file in messages.  Returns 0, or -EINVAL with "FILE:LINE: what" in err.
 */
int theme_parse(struct theme *t, const char *text, size_t len, const char *fname, char *inherits,
                char *err, size_t errlen);

/* Where themes are looked for; NULL or empty members are skipped. */
struct theme_paths {
        const char *xdg_config_home; /* $XDG_CONFIG_HOME (ignored unless absolute) */
        const char *home;            /* $HOME, for ~/.config when XDG_CONFIG_HOME is unset */
        const char *datadir;         /* installed share dir (MIGTOP_DATADIR) */
        const char *exe_dir;         /* directory of the executable: its ../themes */
};

/*
 * The usual paths: $XDG_CONFIG_HOME and $HOME from the environment, MIGTOP_DATADIR (set
 * by the Makefile from PREFIX) and exe_dir (may be NULL).
 */
void theme_paths_from_env(struct theme_paths *p, const char *exe_dir);

#define THEME_PATH_MAX 4096
#define THEME_MAX_DIRS 3
struct theme_dirs {
        size_t n;
        char dir[THEME_MAX_DIRS][THEME_PATH_MAX];
};

/*
 * The directories searched, in order: $XDG_CONFIG_HOME/migtop/themes (or
 * $HOME/.config/migtop/themes), DATADIR/themes, EXE_DIR/../themes.
 */
void theme_search_dirs(const struct theme_paths *p, struct theme_dirs *d);

/*
 * Find NAME (letters, digits, '.', '_', '-') as NAME.theme in the search directories,
 * or use it as a path when it contains '/'.  Writes the file path to path.
 * Returns 0, -ENOENT (message in err lists where it looked), or -EINVAL for a bad name.
 */
int theme_find(const char *name, const struct theme_paths *p, char *path, size_t pathsz, char *err,
               size_t errlen);

/*
 * Load theme NAME|PATH with its `inherits` chain (parents found by name in the same
 * search path, depth <= 8, cycles rejected) over the built-in theme.  "default" with
 * no file found gives the built-in theme.  Returns 0 or negative errno with err set.
 */
int theme_load(const char *name, const struct theme_paths *p, struct theme *t, char *err,
               size_t errlen);

/*
 * Colour depth to use: colors is the terminal's colour count (curses COLORS), colorterm
 * the $COLORTERM value, no_color the $NO_COLOR value (set and non-empty disables
 * colour), no_color_opt the --no-color option.  May be NULL.
 */
enum theme_depth theme_depth_pick(int colors, const char *colorterm, const char *no_color,
                                  bool no_color_opt);

/* Colour conversions (indices per the xterm palette). */
int theme_rgb_to_256(uint8_t r, uint8_t g, uint8_t b);
int theme_rgb_to_16(uint8_t r, uint8_t g, uint8_t b);
void theme_256_to_rgb(int idx, uint8_t *r, uint8_t *g, uint8_t *b);
int theme_256_to_16(int idx);

/*
 * One colour as the given depth shows it: an index below 256/16/8, or the RGB value at
 * THEME_DEPTH_TRUE, or THEME_COLOR_DEFAULT for DEFAULT (and always at THEME_DEPTH_MONO).
 * *bright is set when a bright colour (8..15) was folded into 0..7 (may be NULL).
 */
theme_color theme_color_degrade(theme_color c, enum theme_depth d, bool *bright);

/*
 * Elements whose meaning must show even without colour: the selection, differing bytes
 * and fields, errors, rejections, headings.
 */
bool theme_elem_must_stand_out(enum theme_elem e);

/* Whether two resolved styles look different on screen (colours or visible attributes). */
bool theme_style_distinct(const struct theme_style *a, const struct theme_style *b);

/*
 * Every element of t at depth d (out has THEME_NELEMS entries): omitted colours become
 * those of `normal`, colours are degraded, bright colours folded at depth 8 add bold.
 * Guarantees: an element that must stand out never looks like `normal` (a visible
 * attribute is added when colours were lost: reverse for the selection and differing
 * bytes); no element ends up with fg == bg unless they were equal before degradation;
 * at THEME_DEPTH_MONO all colours are THEME_COLOR_DEFAULT.
 */
void theme_resolve(const struct theme *t, enum theme_depth d, struct theme_style *out);

#endif
