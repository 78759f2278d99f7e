/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * draw: theme styles on curses, and the shapes the views are made of (see draw.h).
 */
#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/esc.h"
#include "ui/draw.h"
#include "ui/glyph.h"

#define DRAW_LINE_MAX 1024

/* The curses attributes of each element, set once by draw_init() (curses is global too). */
static attr_t draw_attr[THEME_NELEMS];
static short draw_pair[THEME_NELEMS];

static attr_t draw_theme_attrs(unsigned a)
{
        attr_t r = A_NORMAL;

        if (a & THEME_A_BOLD)
                r |= A_BOLD;
        if (a & THEME_A_UNDERLINE)
                r |= A_UNDERLINE;
        if (a & THEME_A_REVERSE)
                r |= A_REVERSE;
        if (a & THEME_A_DIM)
                r |= A_DIM;
        if (a & THEME_A_STANDOUT)
                r |= A_STANDOUT;
#ifdef A_ITALIC
        if (a & THEME_A_ITALIC)
                r |= A_ITALIC;
#endif
        return r;
}

/*
 * What curses can show after start_color().  It can only emit RGB on a direct-colour
 * terminfo (COLORS is 2^24 there): elsewhere truecolour themes use the 256 palette.
 */
static enum theme_depth draw_cap_depth(enum theme_depth want)
{
        if (!has_colors() || COLORS < 8)
                return THEME_DEPTH_MONO;
        if (want == THEME_DEPTH_TRUE && COLORS < 0x1000000)
                want = THEME_DEPTH_256;
        if (want == THEME_DEPTH_256 && COLORS < 256)
                want = COLORS >= 16 ? THEME_DEPTH_16 : THEME_DEPTH_8;
        if (want == THEME_DEPTH_16 && COLORS < 16)
                want = THEME_DEPTH_8;
        if (want == THEME_DEPTH_8 && COLORS < 8)
                want = THEME_DEPTH_MONO;
        return want;
}

static int draw_color(theme_color c)
{
        if (c == THEME_COLOR_DEFAULT || c < 0)
                return -1;
        return THEME_IS_RGB(c) ? (int)(c & 0xffffff) : (int)c;
}

enum theme_depth draw_init(const struct theme *t, enum theme_depth want)
{
        struct theme_style st[THEME_NELEMS];
        enum theme_depth d = want == THEME_DEPTH_MONO ? want : draw_cap_depth(want);

        theme_resolve(t, d, st);
        if (d != THEME_DEPTH_MONO)
                use_default_colors();
        for (int i = 0; i < THEME_NELEMS; i++) {
                draw_attr[i] = draw_theme_attrs(st[i].attrs);
                draw_pair[i] = 0;
                if (d == THEME_DEPTH_MONO || i + 1 >= COLOR_PAIRS)
                        continue;
                if (init_extended_pair(i + 1, draw_color(st[i].fg), draw_color(st[i].bg)) == OK)
                        draw_pair[i] = (short)(i + 1);
        }
        return d;
}

bool draw_utf8(void)
{
        return glyph_codeset_utf8(nl_langinfo(CODESET));
}

void draw_style(enum theme_elem e, bool extra_reverse)
{
        attr_t a = draw_attr[e];

        if (extra_reverse)
                a ^= A_REVERSE;
        attr_set(a, draw_pair[e], NULL);
}

void draw_fill(const struct layout_rect *r, enum theme_elem e)
{
        if (r->w <= 0 || r->h <= 0)
                return;
        draw_style(e, false);
        for (int y = r->y; y < r->y + r->h; y++)
                mvhline(y, r->x, ' ', r->w);
}

/*
 * Every string reaches the screen through here, escaped (core/esc.h: control characters
 * and bytes that are not UTF-8 as \\xNN; without a UTF-8 locale any byte >= 0x80;
 * ESC_WIDTH1: characters that do not take exactly one cell too) before its width is
 * measured, so that one character is one cell and columns never shift.  ESC_KEEP_BS:
 * escaping twice changes nothing, so a view may escape (draw_escape()) to measure.
 */
static unsigned draw_esc_flags(bool utf8)
{
        return ESC_KEEP_BS | (utf8 ? ESC_UTF8 | ESC_WIDTH1 : 0);
}

/* s, already escaped (only one-cell characters), fitted into w cells. */
static int draw_escaped(int y, int x, int w, enum theme_elem e, const char *s,
                        enum layout_ellipsis mode)
{
        char buf[DRAW_LINE_MAX];
        int n;

        if (w <= 0)
                return 0;
        n = layout_ellipsize(s, w, mode, draw_utf8(), buf, sizeof(buf));
        if (n < 0)
                return 0;
        draw_style(e, false);
        mvaddstr(y, x, buf);
        return n;
}

void draw_escape(const char *s, char *out, size_t size)
{
        char ascii[DRAW_LINE_MAX];
        bool utf8 = draw_utf8();

        if (!s)
                s = "";
        /* without UTF-8 glyphs fall back (glyph.h); esc_str() escapes any other byte >= 0x80 */
        if (!utf8 && !glyph_is_ascii(s)) {
                glyph_fallback(s, ascii, sizeof(ascii));
                s = ascii;
        }
        esc_str(out, size, s, draw_esc_flags(utf8));
}

int draw_text_mode(int y, int x, int w, enum theme_elem e, const char *s, enum layout_ellipsis mode)
{
        char esc[DRAW_LINE_MAX];

        if (w <= 0)
                return 0;
        draw_escape(s, esc, sizeof(esc));
        return draw_escaped(y, x, w, e, esc, mode);
}

int draw_text(int y, int x, int w, enum theme_elem e, const char *s, bool pad)
{
        int n = draw_text_mode(y, x, w, e, s, LAYOUT_ELLIPSIS_END);

        if (pad && n < w)
                mvhline(y, x + n, ' ', w - n);
        return n;
}

int draw_textf(int y, int x, int w, enum theme_elem e, const char *fmt, ...)
{
        char buf[DRAW_LINE_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return draw_text(y, x, w, e, buf, false);
}

void draw_title(const struct layout_rect *r, const char *fmt, ...)
{
        char buf[DRAW_LINE_MAX];
        va_list ap;

        if (r->h <= 0 || r->w <= 0)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        draw_text(r->y, r->x, r->w, THEME_TITLE, buf, true);
}

static void draw_centred(int y, const struct layout_rect *r, const char *s)
{
        int len = (int)strlen(s);

        draw_text(y, r->x + (len < r->w ? (r->w - len) / 2 : 0), r->w, THEME_MESSAGE, s, false);
}

void draw_too_small(const struct layout_rect *r, int rows, int cols)
{
        char buf[64];

        if (r->h <= 0 || r->w <= 0)
                return;
        draw_centred(r->y, r, "terminal too small");
        if (r->h > 1) {
                snprintf(buf, sizeof(buf), "%dx%d, need %dx%d", cols, rows, LAYOUT_MIN_COLS,
                         LAYOUT_MIN_ROWS);
                draw_centred(r->y + 1, r, buf);
        }
}

enum theme_elem draw_state_elem(enum fsm_state s)
{
        return theme_elem_for_state(s);
}

enum theme_elem draw_status_elem(enum drv_status st)
{
        switch (st) {
        case DRV_ST_OK:
                return THEME_STATUS_OK;
        case DRV_ST_NOT_MIGRATED:
        case DRV_ST_NOT_READY:
                return THEME_STATUS_WARN;
        case DRV_ST_BLOCKED:
                return THEME_STATUS_BLOCKED;
        case DRV_ST_NOT_OPENED:
        case DRV_ST_ABSENT:
        case DRV_ST_UNREAD: /* no answer yet: nothing known, not a warning */
                return THEME_STATUS_ABSENT;
        case DRV_ST_ERROR:
        case DRV_ST_GONE:
        default:
                return THEME_STATUS_ERROR;
        }
}

static int draw_one_value(const struct acc_field *f, unsigned i, char *buf, size_t size)
{
        if (!(f->valid_mask & (1u << i)))
                return snprintf(buf, size, "?");
        if (f->elem_size >= 8 || f->value[i] > 0xffff)
                return snprintf(buf, size, "0x%" PRIx64, f->value[i]);
        return snprintf(buf, size, "%" PRIu64, f->value[i]);
}

void draw_field_value(const struct acc_field *f, char *buf, size_t size)
{
        size_t used = 0;

        if (size == 0)
                return;
        buf[0] = '\0';
        if (f->count == 1) {
                draw_one_value(f, 0, buf, size);
                return;
        }
        for (unsigned i = 0; i < f->count && used + 1 < size; i++) {
                int n = snprintf(buf + used, size - used, "%s", i ? " " : "[");

                if (n < 0)
                        return;
                used += (size_t)n;
                if (used + 1 >= size)
                        break;
                n = draw_one_value(f, i, buf + used, size - used);
                if (n < 0)
                        return;
                used += (size_t)n;
        }
        if (used + 1 < size)
                snprintf(buf + used, size - used, "]");
}

/* Cells of an escaped string: one per code point (escaping left only one-cell characters). */
static int draw_cells(const char *s)
{
        int n = 0;

        for (; *s; s++)
                n += ((unsigned char)*s & 0xc0) != 0x80;
        return n;
}

void draw_field_row(int y, int x, int w, const char *name, int offset, const char *value, bool diff,
                    bool cur)
{
        draw_field_row_elem(y, x, w, diff ? THEME_DIFF_FIELD : THEME_NORMAL, name, offset, value,
                            diff, cur);
}

void draw_field_row_elem(int y, int x, int w, enum theme_elem e, const char *name, int offset,
                         const char *value, bool diff, bool cur)
{
        char line[DRAW_LINE_MAX], en[DRAW_LINE_MAX / 4], ev[DRAW_LINE_MAX / 2], mark[16];
        char off[16] = "   ";
        int pad;

        if (w <= 0)
                return;
        if (offset >= 0)
                snprintf(off, sizeof(off), "%3d", offset);
        /* escaped first and padded by cells, not bytes, so that the value column holds */
        draw_escape(diff ? glyph(GLYPH_DIFF, draw_utf8()) : " ", mark, sizeof(mark));
        draw_escape(name, en, sizeof(en));
        draw_escape(value, ev, sizeof(ev));
        pad = 14 - draw_cells(en);
        snprintf(line, sizeof(line), "%s %s%*s %s  %s", mark, en, pad > 0 ? pad : 0, "", off, ev);
        draw_style(e, cur);
        mvhline(y, x, ' ', w);
        draw_escaped(y, x, w, e, line, LAYOUT_ELLIPSIS_END);
        if (cur)
                mvchgat(y, x, w, draw_attr[e] ^ A_REVERSE, draw_pair[e], NULL);
}

void draw_hex_row(int y, int x, size_t off, const uint8_t *bytes, int n, unsigned present,
                  unsigned diff, bool cur)
{
        char cell[4];

        draw_style(THEME_HEX_OFFSET, false);
        mvprintw(y, x, "%08zx:", off); /* as the kernel dumps it */
        for (int i = 0; i < n && i < 16; i++) {
                bool d = diff & (1u << i);

                if (!(present & (1u << i)))
                        continue;
                draw_style(d ? THEME_DIFF_BYTE : THEME_NORMAL, d && cur);
                snprintf(cell, sizeof(cell), "%02x", bytes[i]);
                mvaddstr(y, x + LAYOUT_HEX_OFFSET_W + LAYOUT_HEX_GAP_W + LAYOUT_HEX_BYTE_W * i,
                         cell);
        }
}

void draw_age(int64_t ns, char *buf, size_t size)
{
        int64_t s = ns / 1000000000;

        if (ns < 0)
                ns = s = 0;
        if (s < 60)
                snprintf(buf, size, "%" PRId64 ".%" PRId64 "s", s, (ns / 100000000) % 10);
        else if (s < 3600)
                snprintf(buf, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
        else if (s < 86400)
                snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, (s / 60) % 60);
        else
                snprintf(buf, size, "%" PRId64 "d%02" PRId64 "h", s / 86400, (s / 3600) % 24);
}
