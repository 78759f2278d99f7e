/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * glyph: the console's non-ASCII marks and their ASCII fallbacks (see glyph.h).
 */
#include <string.h>
#include <strings.h>

#include "ui/glyph.h"

static const struct {
        const char *utf8, *ascii;
} glyph_table[GLYPH_NGLYPHS] = {
    [GLYPH_ELLIPSIS] = {"\u2026", "~"}, [GLYPH_DIFF] = {"\u2260", "*"},
    [GLYPH_PASS] = {"\u2713", "+"},     [GLYPH_FAIL] = {"\u2717", "x"},
    [GLYPH_ARROW] = {"\u2192", "->"},   [GLYPH_ABSENT] = {"\u2014", "-"},
};

const char *glyph(enum glyph g, bool utf8)
{
        if ((unsigned)g >= GLYPH_NGLYPHS)
                return "?";
        return utf8 ? glyph_table[g].utf8 : glyph_table[g].ascii;
}

bool glyph_codeset_utf8(const char *cs)
{
        return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

bool glyph_is_ascii(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s >= 0x80)
                        return false;
        return true;
}

/* Bytes of the UTF-8 sequence starting at s (1 for a stray or invalid byte). */
static size_t glyph_seq_len(const unsigned char *s)
{
        size_t n = 1;

        if (*s >= 0xc2 && *s < 0xe0)
                n = 2;
        else if (*s >= 0xe0 && *s < 0xf0)
                n = 3;
        else if (*s >= 0xf0 && *s < 0xf5)
                n = 4;

        for (size_t i = 1; i < n; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 1;
        return n;
}

/* strict: other code points and stray bytes become '?'; else they are copied as they are. */
static size_t glyph_replace(const char *s, char *out, size_t size, bool strict)
{
        size_t need = 0;

        while (*s) {
                const char *rep = NULL;
                char one[2] = {*s, '\0'}, seq[5];
                size_t adv = 1, rlen;

                if ((unsigned char)*s < 0x80) {
                        rep = one;
                } else {
                        adv = glyph_seq_len((const unsigned char *)s);
                        rep = strict ? "?" : NULL;
                        for (int g = 0; g < GLYPH_NGLYPHS; g++) {
                                size_t gl = strlen(glyph_table[g].utf8);

                                if (gl == adv && memcmp(s, glyph_table[g].utf8, gl) == 0) {
                                        rep = glyph_table[g].ascii;
                                        break;
                                }
                        }
                        if (!rep) { /* copied as it is: the sequence, or the stray byte */
                                memcpy(seq, s, adv);
                                seq[adv] = '\0';
                                rep = seq;
                        }
                }
                rlen = strlen(rep);
                if (size > 0 && need + rlen < size)
                        memcpy(out + need, rep, rlen);
                else if (size > 0 && need < size)
                        size = need + 1; /* cut here: no part of a later replacement */
                need += rlen;
                s += adv;
        }
        if (size > 0)
                out[need < size ? need : size - 1] = '\0';
        return need;
}

size_t glyph_ascii(const char *s, char *out, size_t size)
{
        return glyph_replace(s, out, size, true);
}

size_t glyph_fallback(const char *s, char *out, size_t size)
{
        return glyph_replace(s, out, size, false);
}
