/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * draw: the console's drawing primitives on top of ncursesw.  Maps the resolved theme
 * onto curses colour pairs and attributes once (degraded to what the terminal shows:
 * direct colour, 256, 16, 8 colours, or attributes only), and offers the few shapes every
 * view is made of: clipped text in a styled cell range, pane titles, decoded field rows
 * and hex rows with per-byte highlighting.  The only module besides ui.c that calls
 * curses.
 */
#ifndef MIGTOP_UI_DRAW_H
#define MIGTOP_UI_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/accdata.h"
#include "core/drv.h"
#include "core/fsm.h"
#include "ui/layout.h"
#include "ui/theme.h"

/*
 * Set up colours after initscr(): depth from theme_depth_pick() (capped to what curses
 * can show), styles from theme_resolve().  Returns the depth used.
 */
enum theme_depth draw_init(const struct theme *t, enum theme_depth want);
/* Whether text may hold UTF-8 (locale codeset). */
bool draw_utf8(void);
/* Select an element's style for the next output (plus extra curses attributes). */
void draw_style(enum theme_elem e, bool extra_reverse);

/*
 * s as draw_text() shows it, into out: glyphs' ASCII fallbacks without UTF-8, then
 * escaped (core/esc.h: control characters and bytes that are not UTF-8 as \xNN, only
 * characters of one cell kept).  Idempotent: draw_text() of the result shows it as it is,
 * so a view can measure or wrap escaped text.  One character is one cell.
 */
void draw_escape(const char *s, char *out, size_t size);

/* Fill a rectangle with blanks in an element's style. */
void draw_fill(const struct layout_rect *r, enum theme_elem e);
/*
 * Text at (y, x) fitted into w cells (ellipsised at the end when cut, "~" without UTF-8);
 * pad: fill the rest of w with blanks in the same style.  Returns cells written.
 */
int draw_text(int y, int x, int w, enum theme_elem e, const char *s, bool pad);
int draw_textf(int y, int x, int w, enum theme_elem e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Text fitted by layout_ellipsize() with the given mode (no padding). */
int draw_text_mode(int y, int x, int w, enum theme_elem e, const char *s,
                   enum layout_ellipsis mode);
/* A pane title: the first row of r, in THEME_TITLE, padded. */
void draw_title(const struct layout_rect *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "terminal too small" centred in r. */
void draw_too_small(const struct layout_rect *r, int rows, int cols);

/* Theme element for a migration state / a file status. */
enum theme_elem draw_state_elem(enum fsm_state s);
enum theme_elem draw_status_elem(enum drv_status st);

/* A decoded value as text: "0x1234" or "[1 2 3]", "?" for invalid elements. */
void draw_field_value(const struct acc_field *f, char *buf, size_t size);

/*
 * One decoded field row at (y, x) in w cells: a mark column ("≠" or "*" when diff), the
 * field name, its offset and value.  diff also styles it THEME_DIFF_FIELD; cur (the
 * current difference) adds reverse video.  offset < 0: no offset (a line after a dump).
 */
void draw_field_row(int y, int x, int w, const char *name, int offset, const char *value, bool diff,
                    bool cur);
/* The same in element e (offset < 0: a line without offset, "guest driver load"). */
void draw_field_row_elem(int y, int x, int w, enum theme_elem e, const char *name, int offset,
                         const char *value, bool diff, bool cur);

/*
 * One hex row at (y, x): the offset, then n (<= 16) bytes.  Bit i of present says byte i
 * exists (else blanks); bit i of diff draws it THEME_DIFF_BYTE (colour and attribute);
 * cur (the current difference) shows the differing bytes in reverse video.
 */
void draw_hex_row(int y, int x, size_t off, const uint8_t *bytes, int n, unsigned present,
                  unsigned diff, bool cur);

/* A duration as "3.2s", "12m05s", "4h12m", "2d03h" (ns). */
void draw_age(int64_t ns, char *buf, size_t size);

#endif
