/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kv_parse(): the "key: value" lines under a dump ("guest driver load: 1",
 * "data size: 176") as the detail view and JSON "info" show them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/kv.h"

static void test_kernel_lines(void **state)
{
        static const char t[] = "guest driver load: 1\ndata size: 176\n";
        struct kv_list l;
        uint64_t v = 0;

        (void)state;
        assert_int_equal(kv_parse(t, strlen(t), 10, &l), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[0].key, "guest driver load");
        assert_string_equal(l.items[0].value, "1");
        assert_int_equal(l.items[0].line, 10);
        assert_int_equal(l.items[1].line, 11);
        assert_int_equal(l.bad_line, 0);
        assert_string_equal(kv_get(&l, "data size"), "176");
        assert_null(kv_get(&l, "data"));
        assert_int_equal(kv_get_u64(&l, "data size", &v), 0);
        assert_int_equal(v, 176);
        assert_int_equal(kv_get_u64(&l, "migrate data length", &v), -ENOENT);
        kv_list_free(&l);
}

static void test_value_with_colons_and_heading(void **state)
{
        /* the early patches printed "acc device:" as a heading line */
        static const char t[] = "acc device:\nstate: OK:0x1\nempty: \nlen: 0x2c";
        struct kv_list l;
        uint64_t v = 0;

        (void)state;
        assert_int_equal(kv_parse(t, strlen(t), 1, &l), 0);
        assert_int_equal(l.n, 4);
        assert_string_equal(l.items[0].key, "acc device");
        assert_string_equal(l.items[0].value, "");
        assert_string_equal(kv_get(&l, "state"), "OK:0x1");
        assert_string_equal(kv_get(&l, "empty"), "");
        assert_int_equal(kv_get_u64(&l, "len", &v), 0); /* no final newline: accepted */
        assert_int_equal(v, 0x2c);
        assert_int_equal(l.bad_line, 0);
        kv_list_free(&l);
}

static void test_bad_lines_recorded_and_skipped(void **state)
{
        static const char t[] = "a: 1\nno colon here\n: empty key\n\nb: 2\n";
        struct kv_list l;

        (void)state;
        assert_int_equal(kv_parse(t, strlen(t), 5, &l), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(kv_get(&l, "b"), "2");
        assert_int_equal(l.items[1].line, 9);
        assert_int_equal(l.bad_line, 6); /* the first bad one */
        assert_string_equal(l.why, "not a \"key: value\" line");
        kv_list_free(&l);
}

static void test_nul_byte_is_bad(void **state)
{
        static const char t[] = "a: 1\0x\nb: 2\n";
        struct kv_list l;

        (void)state;
        assert_int_equal(kv_parse(t, sizeof(t) - 1, 1, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0].key, "b");
        assert_int_equal(l.bad_line, 1);
        kv_list_free(&l);
}

static void test_numbers(void **state)
{
        static const char t[] = "a: 18446744073709551615\nb: 18446744073709551616\nc: -1\n"
                                "d: 12x\ne: 0x\nf: \ng: 0XfF\nh:  7\n";
        struct kv_list l;
        uint64_t v = 0;

        (void)state;
        assert_int_equal(kv_parse(t, strlen(t), 1, &l), 0);
        assert_int_equal(kv_get_u64(&l, "a", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(kv_get_u64(&l, "b", &v), -EINVAL); /* overflow */
        assert_int_equal(kv_get_u64(&l, "c", &v), -EINVAL);
        assert_int_equal(kv_get_u64(&l, "d", &v), -EINVAL);
        assert_int_equal(kv_get_u64(&l, "e", &v), -EINVAL);
        assert_int_equal(kv_get_u64(&l, "f", &v), -EINVAL);
        assert_int_equal(kv_get_u64(&l, "g", &v), 0);
        assert_int_equal(v, 255);
        assert_int_equal(kv_get_u64(&l, "h", &v), -EINVAL); /* " 7": not the kernel's format */
        kv_list_free(&l);
}

static void test_empty_input(void **state)
{
        struct kv_list l;

        (void)state;
        assert_int_equal(kv_parse("", 0, 1, &l), 0);
        assert_int_equal(l.n, 0);
        assert_int_equal(l.bad_line, 0);
        assert_null(kv_get(&l, "x"));
        kv_list_free(&l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kernel_lines),
            cmocka_unit_test(test_value_with_colons_and_heading),
            cmocka_unit_test(test_bad_lines_recorded_and_skipped),
            cmocka_unit_test(test_nul_byte_is_bad),
            cmocka_unit_test(test_numbers),
            cmocka_unit_test(test_empty_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
