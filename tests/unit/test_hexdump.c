/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hexdump_parse(): the bytes a user sees in dev_data/migf_data views come out exactly as
 * the kernel dumped them, a cut-off read keeps only complete bytes, and every format fault
 * is reported with its code, line and column (never with bytes past the fault).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hexdump.h"
#include "fakesrc.h"

#define PFX  "Dev Data:"
#define NB   144u
#define TAIL "guest driver load: 1\ndata size: 176\n"

struct dump {
        uint8_t data[NB];
        size_t end[NB]; /* text index just past each byte */
        char text[2048];
        size_t len;
};

static void dump_make(struct dump *d, size_t nbytes)
{
        /* every byte value pattern, including the letters a-f */
        for (size_t i = 0; i < NB; i++)
                d->data[i] = (uint8_t)(i * 37u + 0xa5u);
        d->len = fakesrc_format_dump(d->text, sizeof(d->text), PFX, d->data, nbytes, d->end);
        assert_true(d->len > 0);
}

/* Text index of the first character of row r (0-based). */
static size_t row_start(const struct dump *d, unsigned r)
{
        return r == 0 ? 0 : d->end[r * 16 - 1] + 1;
}

static void expect_issue(const char *text, size_t len, enum hexdump_code code, unsigned line,
                         unsigned col, size_t kept, const uint8_t *data)
{
        struct hexdump_result r;
        char head[40];
        int ret = hexdump_parse(text, len, PFX, &r);

        assert_int_equal(r.issue.code, code);
        assert_int_equal(ret, hexdump_is_error(code) ? -EBADMSG : 0);
        assert_int_equal(r.issue.line, line);
        assert_int_equal(r.issue.col, col);
        snprintf(head, sizeof(head), "line %u, column %u: ", line, col);
        assert_memory_equal(r.issue.msg, head, strlen(head));
        assert_int_equal(r.len, kept);
        if (kept)
                assert_memory_equal(r.bytes, data, kept);
        hexdump_result_free(&r);
}

static void test_kernel_dump_parses_exactly(void **state)
{
        struct dump d;
        struct hexdump_result r;

        (void)state;
        dump_make(&d, NB);
        strcpy(d.text + d.len, TAIL);
        assert_int_equal(hexdump_parse(d.text, strlen(d.text), PFX, &r), 0);
        assert_int_equal(r.issue.code, HEXDUMP_OK);
        assert_int_equal(r.len, NB);
        assert_int_equal(r.rows, 9);
        assert_memory_equal(r.bytes, d.data, NB);
        assert_int_equal(r.tail_line, 10);
        assert_int_equal(r.tail_len, strlen(TAIL));
        assert_memory_equal(r.tail, TAIL, strlen(TAIL));
        assert_string_equal(r.issue.msg, "");
        hexdump_result_free(&r);
}

static void test_short_last_row(void **state)
{
        struct dump d;
        struct hexdump_result r;

        (void)state;
        dump_make(&d, 40);
        assert_int_equal(hexdump_parse(d.text, d.len, PFX, &r), 0);
        assert_int_equal(r.issue.code, HEXDUMP_OK);
        assert_int_equal(r.len, 40);
        assert_int_equal(r.rows, 3);
        assert_memory_equal(r.bytes, d.data, 40);
        assert_int_equal(r.tail_len, 0);
        hexdump_result_free(&r);
}

static void test_other_prefix_and_none(void **state)
{
        static const char mig[] = "Mig Data:00000000: de de ca de ed fe cc aa\n"
                                  "migrate data length: 40\n";
        static const char bare[] = "00000000: 01 02 03\nx: y\n";
        static const uint8_t want[] = {0xde, 0xde, 0xca, 0xde, 0xed, 0xfe, 0xcc, 0xaa};
        struct hexdump_result r;

        (void)state;
        assert_int_equal(hexdump_parse(mig, strlen(mig), "Mig Data:", &r), 0);
        assert_int_equal(r.len, 8);
        assert_memory_equal(r.bytes, want, 8);
        assert_int_equal(r.tail_line, 2);
        hexdump_result_free(&r);
        /* the dev_data prefix does not match a migf_data dump */
        assert_int_equal(hexdump_parse(mig, strlen(mig), PFX, &r), -EBADMSG);
        assert_int_equal(r.issue.code, HEXDUMP_PREFIX);
        assert_int_equal(r.issue.col, 1);
        hexdump_result_free(&r);
        assert_int_equal(hexdump_parse(bare, strlen(bare), NULL, &r), 0);
        assert_int_equal(r.len, 3);
        assert_int_equal(r.bytes[2], 3);
        assert_int_equal(r.tail_line, 2);
        hexdump_result_free(&r);
}

/* Cut the 144-byte dump after every character: only complete bytes survive, never more. */
static void test_truncation_at_every_position(void **state)
{
        struct dump d;

        (void)state;
        dump_make(&d, NB);
        for (size_t cut = 0; cut <= d.len; cut++) {
                struct hexdump_result r;
                size_t want = 0;
                int ret;

                while (want < NB && d.end[want] <= cut)
                        want++;
                ret = hexdump_parse(d.text, cut, PFX, &r);
                if (cut == 0) {
                        assert_int_equal(ret, -EBADMSG);
                        assert_int_equal(r.issue.code, HEXDUMP_EMPTY);
                } else {
                        assert_int_equal(ret, 0);
                        if (cut == d.len || d.text[cut - 1] == '\n')
                                assert_int_equal(r.issue.code, HEXDUMP_OK);
                        else if (d.text[cut] == '\n')
                                assert_int_equal(r.issue.code, HEXDUMP_NO_NEWLINE);
                        else
                                assert_int_equal(r.issue.code, HEXDUMP_TRUNCATED);
                        assert_false(hexdump_is_error(r.issue.code));
                }
                assert_int_equal(r.len, want);
                if (want)
                        assert_memory_equal(r.bytes, d.data, want);
                else
                        assert_null(r.bytes);
                hexdump_result_free(&r);
        }
}

static void test_truncated_reports_position(void **state)
{
        struct dump d;
        size_t cut;

        (void)state;
        dump_make(&d, NB);
        /* row 4 (line 4) cut after "a" of its third byte's digits: 2 bytes of it kept */
        cut = d.end[3 * 16 + 2] - 1;
        expect_issue(d.text, cut, HEXDUMP_TRUNCATED, 4, (unsigned)(cut - row_start(&d, 3) + 1),
                     3 * 16 + 2, d.data);
        /* cut inside the prefix of line 2 */
        cut = row_start(&d, 1) + 4;
        expect_issue(d.text, cut, HEXDUMP_TRUNCATED, 2, 5, 16, d.data);
        /* a full row without its newline */
        expect_issue(d.text, d.len - 1, HEXDUMP_NO_NEWLINE, 9, 67, NB, d.data);
}

static void test_every_error_code(void **state)
{
        struct dump d;
        char t[2048];
        size_t r3, off;

        (void)state;
        dump_make(&d, NB);
        r3 = row_start(&d, 2); /* line 3 */

        expect_issue("", 0, HEXDUMP_EMPTY, 1, 1, 0, NULL);

        memcpy(t, d.text, d.len + 1);
        t[0] = 'd';
        expect_issue(t, d.len, HEXDUMP_PREFIX, 1, 1, 0, NULL);
        /* a damaged prefix on a later row is a fault, not the start of the tail */
        memcpy(t, d.text, d.len + 1);
        t[r3 + 5] = 'x';
        expect_issue(t, d.len, HEXDUMP_PREFIX, 3, 6, 32, d.data);

        memcpy(t, d.text, d.len + 1);
        t[r3 + strlen(PFX) + 6] = 'g';
        expect_issue(t, d.len, HEXDUMP_OFFSET, 3, 16, 32, d.data);
        memcpy(t, d.text, d.len + 1);
        t[r3 + strlen(PFX) + 6] = '2'; /* 00000020 -> 00000020 unchanged; use row 3's '2' */
        t[r3 + strlen(PFX) + 7] = 'A';
        expect_issue(t, d.len, HEXDUMP_OFFSET, 3, 17, 32, d.data);

        memcpy(t, d.text, d.len + 1);
        t[r3 + strlen(PFX) + 6] = '3'; /* 00000030 where 00000020 is due */
        expect_issue(t, d.len, HEXDUMP_OFFSET_GAP, 3, 10, 32, d.data);

        memcpy(t, d.text, d.len + 1);
        t[r3 + strlen(PFX) + 8] = ';';
        expect_issue(t, d.len, HEXDUMP_SEPARATOR, 3, 18, 32, d.data);

        /* third byte of line 3: its first digit */
        off = d.end[32 + 2] - 2;
        memcpy(t, d.text, d.len + 1);
        t[off] = 'z';
        expect_issue(t, d.len, HEXDUMP_HEX_DIGIT, 3, (unsigned)(off - r3 + 1), 32, d.data);
        memcpy(t, d.text, d.len + 1);
        t[off + 1] = 'F';
        expect_issue(t, d.len, HEXDUMP_UPPERCASE, 3, (unsigned)(off + 1 - r3 + 1), 32, d.data);
        memcpy(t, d.text, d.len + 1);
        t[off] = '\0';
        expect_issue(t, d.len, HEXDUMP_NUL, 3, (unsigned)(off - r3 + 1), 32, d.data);

        /* double space before the third byte: "xx  yy" */
        memcpy(t, d.text, off);
        t[off] = ' ';
        memcpy(t + off + 1, d.text + off, d.len - off + 1);
        expect_issue(t, d.len + 1, HEXDUMP_SPACING, 3, (unsigned)(off - 1 - r3 + 1), 32, d.data);
        /* missing space: "xxyy" */
        memcpy(t, d.text, off - 1);
        memcpy(t + off - 1, d.text + off, d.len - off + 1);
        expect_issue(t, d.len - 1, HEXDUMP_SPACING, 3, (unsigned)(off - 1 - r3 + 1), 32, d.data);
        /* trailing space at the end of line 3 */
        off = d.end[47];
        memcpy(t, d.text, off);
        t[off] = ' ';
        memcpy(t + off + 1, d.text + off, d.len - off + 1);
        expect_issue(t, d.len + 1, HEXDUMP_SPACING, 3, (unsigned)(off - r3 + 1), 32, d.data);
        /* a 17th byte on line 3 */
        memcpy(t, d.text, off);
        memcpy(t + off, " 00", 3);
        memcpy(t + off + 3, d.text + off, d.len - off + 1);
        expect_issue(t, d.len + 3, HEXDUMP_TOO_MANY, 3, (unsigned)(off + 1 - r3 + 1), 32, d.data);
}

static void test_short_row_not_last(void **state)
{
        static const char t[] =
            PFX "00000000: 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10\n" PFX
                "00000010: 11 12\n" PFX "00000020: 21 22\n";
        static const uint8_t want[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

        (void)state;
        /* the short row (line 2) is the fault: its bytes are dropped */
        expect_issue(t, strlen(t), HEXDUMP_SHORT_ROW, 2, 25, 16, want);
}

static void test_row_without_bytes(void **state)
{
        static const char t[] = PFX "00000000: \n";

        (void)state;
        expect_issue(t, strlen(t), HEXDUMP_HEX_DIGIT, 1, 20, 0, NULL);
}

static void test_code_names(void **state)
{
        (void)state;
        assert_string_equal(hexdump_code_name(HEXDUMP_OK), "ok");
        assert_string_equal(hexdump_code_name(HEXDUMP_UPPERCASE), "uppercase");
        assert_string_equal(hexdump_code_name(HEXDUMP_NUL), "nul");
        assert_false(hexdump_is_error(HEXDUMP_TRUNCATED));
        assert_false(hexdump_is_error(HEXDUMP_NO_NEWLINE));
        assert_true(hexdump_is_error(HEXDUMP_SHORT_ROW));
        assert_true(hexdump_is_error(HEXDUMP_EMPTY));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kernel_dump_parses_exactly),
            cmocka_unit_test(test_short_last_row),
            cmocka_unit_test(test_other_prefix_and_none),
            cmocka_unit_test(test_truncation_at_every_position),
            cmocka_unit_test(test_truncated_reports_position),
            cmocka_unit_test(test_every_error_code),
            cmocka_unit_test(test_short_row_not_last),
            cmocka_unit_test(test_row_without_bytes),
            cmocka_unit_test(test_code_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
