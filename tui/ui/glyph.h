/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * glyph: every non-ASCII mark the console draws, with its ASCII fallback, in one table
 * chosen by the locale's codeset.  A terminal in the C locale shows a UTF-8 byte as
 * meta notation ("~@~T" for an em dash), so without UTF-8 nothing but ASCII may reach
 * curses: views ask for a glyph by name, and text built elsewhere (the compare model's
 * absent mark, a kernel line) goes through glyph_ascii() before it is drawn.  Pure: no
 * curses, no locale calls.
 */
#ifndef MIGTOP_UI_GLYPH_H
#define MIGTOP_UI_GLYPH_H

#include <stdbool.h>
#include <stddef.h>

enum glyph {
        GLYPH_ELLIPSIS, /* "…" / "~": text was cut here */
        GLYPH_DIFF,     /* "≠" / "*": a field that differs */
        GLYPH_PASS,     /* "✓" / "+": a check passed */
        GLYPH_FAIL,     /* "✗" / "x": a check failed */
        GLYPH_ARROW,    /* "→" / "->": a state change */
        GLYPH_ABSENT,   /* "—" / "-": a value that is absent or invalid */
        GLYPH_NGLYPHS
};

/* The glyph's text: its UTF-8 form when utf8, else its ASCII fallback ("?" if unknown). */
const char *glyph(enum glyph g, bool utf8);

/* Whether a codeset name (nl_langinfo(CODESET)) is UTF-8 ("UTF-8", "utf8", any case). */
bool glyph_codeset_utf8(const char *codeset);

/*
 * s in ASCII: each UTF-8 glyph of the table becomes its fallback, any other byte >= 0x80
 * (another code point, or a byte of invalid UTF-8) one "?" per code point.  Writes at
 * most size - 1 bytes and a NUL (cut at a whole replacement); returns the length the
 * whole result needs, as snprintf does.
 */
size_t glyph_ascii(const char *s, char *out, size_t size);

/*
 * The same, but only the table's glyphs are replaced: every other byte is copied as it
 * is, for an escaping step after it (the console shows them as \xNN, as batch output).
 */
size_t glyph_fallback(const char *s, char *out, size_t size);

/* Whether s holds only ASCII (a quick test before glyph_ascii()). */
bool glyph_is_ascii(const char *s);

#endif
