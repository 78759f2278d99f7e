/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * esc: strings from outside made safe for a terminal (\xNN) and for JSON (valid UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"

static void check_text(const char *in, size_t n, unsigned flags, const char *want)
{
        char out[256];
        size_t need = esc_text(out, sizeof(out), in, n, flags);

        assert_string_equal(out, want);
        assert_int_equal(need, strlen(want));
}

static void test_controls_and_backslash(void **state)
{
        (void)state;
        check_text("a\x1b[31mb", 7, ESC_UTF8, "a\\x1b[31mb");
        check_text("bell\a", 5, ESC_UTF8, "bell\\x07");
        check_text("l1\nl2\r\t", 7, ESC_UTF8, "l1\\x0al2\\x0d\\x09");
        check_text("del\x7f", 4, ESC_UTF8, "del\\x7f");
        check_text("nul\0x", 5, ESC_UTF8, "nul\\x00x");
        /* a backslash is escaped too: every "\x" in the output is an escape */
        check_text("C:\\x41", 6, ESC_UTF8, "C:\\x5cx41");
        check_text("0000:3b:00.1", 12, 0, "0000:3b:00.1");
        check_text("", 0, ESC_UTF8, "");
}

static void test_utf8_kept_or_escaped(void **state)
{
        (void)state;
        /* valid UTF-8 is kept in a UTF-8 locale, escaped byte by byte elsewhere */
        check_text("caf\xc3\xa9", 5, ESC_UTF8, "caf\xc3\xa9");
        check_text("caf\xc3\xa9", 5, 0, "caf\\xc3\\xa9");
        check_text("\xe2\x80\xa6 \xf0\x9f\x98\x80", 8, ESC_UTF8, "\xe2\x80\xa6 \xf0\x9f\x98\x80");
        /* invalid: 0xff, a truncated 3-byte sequence, a lone continuation byte */
        check_text("a\xff", 2, ESC_UTF8, "a\\xff");
        check_text("\xe2\x82", 2, ESC_UTF8, "\\xe2\\x82");
        check_text("\xe2\x82x", 3, ESC_UTF8, "\\xe2\\x82x");
        check_text("\x80", 1, ESC_UTF8, "\\x80");
        /* overlong "/" and NUL, a surrogate, beyond U+10FFFF */
        check_text("\xc0\xaf", 2, ESC_UTF8, "\\xc0\\xaf");
        check_text("\xe0\x80\xaf", 3, ESC_UTF8, "\\xe0\\x80\\xaf");
        check_text("\xed\xa0\x80", 3, ESC_UTF8, "\\xed\\xa0\\x80");
        check_text("\xf4\x90\x80\x80", 4, ESC_UTF8, "\\xf4\\x90\\x80\\x80");
        /* C1 controls (U+009B is CSI on some terminals) are escaped even when well formed */
        check_text("\xc2\x9b"
                   "2J",
                   4, ESC_UTF8, "\\xc2\\x9b2J");
        check_text("\xc2\xa0", 2, ESC_UTF8, "\xc2\xa0"); /* U+00A0: printable */
}

static void test_width1(void **state)
{
        (void)state;
        /* the console: only characters of one cell are kept (wcwidth() in a UTF-8 locale) */
        if (!setlocale(LC_CTYPE, "C.UTF-8"))
                skip();
        check_text("caf\xc3\xa9 \xe2\x80\xa6", 9, ESC_UTF8 | ESC_WIDTH1,
                   "caf\xc3\xa9 \xe2\x80\xa6");
        /* a wide CJK character (2 cells), a combining acute accent (0 cells) */
        check_text("\xe4\xb8\xad", 3, ESC_UTF8 | ESC_WIDTH1, "\\xe4\\xb8\\xad");
        check_text("\xe4\xb8\xad", 3, ESC_UTF8, "\xe4\xb8\xad");
        check_text("e\xcc\x81", 3, ESC_UTF8 | ESC_WIDTH1, "e\\xcc\\x81");
        setlocale(LC_CTYPE, "C");
}

static void test_keep_backslash(void **state)
{
        char once[64], twice[64];

        (void)state;
        /* the console: '\' kept, so that escaping twice changes nothing */
        check_text("a\\b\x1b", 4, ESC_KEEP_BS, "a\\b\\x1b");
        esc_str(once, sizeof(once), "\x1b[2J\xff\\x", ESC_KEEP_BS | ESC_UTF8);
        esc_str(twice, sizeof(twice), once, ESC_KEEP_BS | ESC_UTF8);
        assert_string_equal(once, "\\x1b[2J\\xff\\x");
        assert_string_equal(twice, once);
}

static void test_truncation(void **state)
{
        char out[8];

        (void)state;
        /* never half an escape: "ab\x1b" needs 6 bytes + NUL, 6 do not hold the escape */
        assert_int_equal(esc_text(out, 6,
                                  "ab\x1b"
                                  "c",
                                  4, 0),
                         7);
        assert_string_equal(out, "ab");
        /* nothing after a piece that did not fit, even if a later one would */
        assert_int_equal(esc_text(out, 4,
                                  "a\x1b"
                                  "b",
                                  3, 0),
                         6);
        assert_string_equal(out, "a");
        /* never half a UTF-8 sequence */
        assert_int_equal(esc_text(out, 4, "ab\xc3\xa9", 4, ESC_UTF8), 4);
        assert_string_equal(out, "ab");
        assert_int_equal(esc_text(out, 5, "ab\xc3\xa9", 4, ESC_UTF8), 4);
        assert_string_equal(out, "ab\xc3\xa9");
        /* cap 0: only the length */
        assert_int_equal(esc_text(NULL, 0, "\xff\xff", 2, 0), 8);
}

static void test_str_and_dup(void **state)
{
        char buf[32];
        size_t len = 0;
        char *d;

        (void)state;
        assert_string_equal(esc_str(buf, sizeof(buf), "x\ny", ESC_UTF8), "x\\x0ay");
        assert_string_equal(esc_str(buf, sizeof(buf), NULL, ESC_UTF8), "");
        d = esc_text_dup("\x1b\x1b\x1b", 3, 0, &len);
        assert_non_null(d);
        assert_int_equal(len, 12);
        assert_string_equal(d, "\\x1b\\x1b\\x1b");
        free(d);
}

static void test_utf8_seq_and_valid(void **state)
{
        uint32_t cp = 0;

        (void)state;
        assert_int_equal(esc_utf8_seq("A", 1, &cp), 1);
        assert_int_equal(cp, 'A');
        assert_int_equal(esc_utf8_seq("\xc3\xa9", 2, &cp), 2);
        assert_int_equal(cp, 0xe9);
        assert_int_equal(esc_utf8_seq("\xef\xbf\xbd", 3, &cp), 3);
        assert_int_equal(cp, 0xfffd);
        assert_int_equal(esc_utf8_seq("\xf4\x8f\xbf\xbf", 4, &cp), 4);
        assert_int_equal(cp, 0x10ffff);
        assert_int_equal(esc_utf8_seq("\xc3\xa9", 1, NULL), 0); /* cut short */
        assert_int_equal(esc_utf8_seq("", 0, NULL), 0);
        assert_true(esc_utf8_valid("caf\xc3\xa9 \x1b", 7));
        assert_true(esc_utf8_valid("", 0));
        assert_false(esc_utf8_valid("ff\xff", 3));
        assert_false(esc_utf8_valid("\xe2\x82", 2));
        assert_false(esc_utf8_valid("\xf8\x88\x80\x80\x80", 5)); /* 5-byte form */
}

static void test_utf8_fix(void **state)
{
        size_t len = 0;
        char *f;

        (void)state;
        f = esc_utf8_fix("ff\xff", 3, &len);
        assert_non_null(f);
        assert_string_equal(f, "ff\xef\xbf\xbd");
        assert_int_equal(len, 5);
        free(f);
        /* one U+FFFD per byte of a truncated sequence; valid text and controls untouched */
        f = esc_utf8_fix("\xe2\x82x\x1b\xc3\xa9", 6, &len);
        assert_string_equal(f, "\xef\xbf\xbd\xef\xbf\xbdx\x1b\xc3\xa9");
        assert_true(esc_utf8_valid(f, len));
        free(f);
        f = esc_utf8_fix("", 0, &len);
        assert_string_equal(f, "");
        assert_int_equal(len, 0);
        free(f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_controls_and_backslash),
            cmocka_unit_test(test_utf8_kept_or_escaped),
            cmocka_unit_test(test_truncation),
            cmocka_unit_test(test_width1),
            cmocka_unit_test(test_keep_backslash),
            cmocka_unit_test(test_str_and_dup),
            cmocka_unit_test(test_utf8_seq_and_valid),
            cmocka_unit_test(test_utf8_fix),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
