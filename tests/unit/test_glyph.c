/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ui/glyph.h"

/* Every glyph: non-ASCII in UTF-8, a non-empty ASCII fallback otherwise. */
static void every_glyph_has_an_ascii_fallback(void **state)
{
        for (int g = 0; g < GLYPH_NGLYPHS; g++) {
                const char *u = glyph((enum glyph)g, true), *a = glyph((enum glyph)g, false);

                assert_false(glyph_is_ascii(u));
                assert_true(a[0] != '\0');
                assert_true(glyph_is_ascii(a));
        }
        assert_string_equal(glyph(GLYPH_ABSENT, true), "\xe2\x80\x94");
        assert_string_equal(glyph(GLYPH_ABSENT, false), "-");
        assert_string_equal(glyph(GLYPH_ELLIPSIS, false), "~");
        assert_string_equal(glyph(GLYPH_ARROW, false), "->");
        assert_string_equal(glyph(GLYPH_NGLYPHS, false), "?");
}

static void codeset_names(void **state)
{
        assert_true(glyph_codeset_utf8("UTF-8"));
        assert_true(glyph_codeset_utf8("utf8"));
        assert_false(glyph_codeset_utf8("ANSI_X3.4-1968")); /* glibc's C locale */
        assert_false(glyph_codeset_utf8("ISO-8859-1"));
        assert_false(glyph_codeset_utf8(NULL));
}

/* The compare view's absent value, the em dash that showed as "~@~T" in the C locale. */
static void ascii_replaces_glyphs_and_other_code_points(void **state)
{
        char out[64];
        size_t n;

        n = glyph_ascii("qp_num \xe2\x80\x94 16", out, sizeof(out));
        assert_string_equal(out, "qp_num - 16");
        assert_int_equal(n, strlen(out));
        glyph_ascii("STOP \xe2\x86\x92 RUNNING \xe2\x9c\x93\xe2\x9c\x97\xe2\x89\xa0\xe2\x80\xa6",
                    out, sizeof(out));
        assert_string_equal(out, "STOP -> RUNNING +x*~");
        /* another code point, a 4-byte one, invalid bytes: one '?' each */
        glyph_ascii("caf\xc3\xa9 \xf0\x9f\x98\x80 \xff\xc3(", out, sizeof(out));
        assert_string_equal(out, "caf? ? ?"
                                 "?(");
        glyph_ascii("plain", out, sizeof(out));
        assert_string_equal(out, "plain");
        for (const char *p = out; *p; p++)
                assert_true((unsigned char)*p < 0x80);
}

/* For the console: glyphs fall back, anything else is left to its escaping (\xNN). */
static void fallback_replaces_only_glyphs(void **state)
{
        char out[64];

        glyph_fallback("a \xe2\x80\x94 caf\xc3\xa9 \xff \xe2\x86\x92", out, sizeof(out));
        assert_string_equal(out, "a - caf\xc3\xa9 \xff ->");
        assert_int_equal(glyph_fallback("\xe2\x80\xa6x", out, 2), 2);
        assert_string_equal(out, "~");
}

static void ascii_cuts_at_a_whole_replacement(void **state)
{
        char out[5];
        size_t n = glyph_ascii("ab\xe2\x86\x92"
                               "cd",
                               out, sizeof(out));

        assert_int_equal(n, 6); /* "ab->cd" */
        assert_string_equal(out, "ab->");
        n = glyph_ascii("abc\xe2\x86\x92", out, sizeof(out));
        assert_int_equal(n, 5);
        assert_string_equal(out, "abc"); /* no half arrow */
        assert_int_equal(glyph_ascii("x", NULL, 0), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(every_glyph_has_an_ascii_fallback),
            cmocka_unit_test(codeset_names),
            cmocka_unit_test(ascii_replaces_glyphs_and_other_code_points),
            cmocka_unit_test(ascii_cuts_at_a_whole_replacement),
            cmocka_unit_test(fallback_replaces_only_glyphs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
