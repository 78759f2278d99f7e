/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * prom: the exposition formats as Prometheus and OpenMetrics parsers read them: names,
 * label-value and help escaping, families, values, the OpenMetrics family names and EOF,
 * sticky errors, and the atomic file replacement a textfile collector needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/prom.h"

static void test_names(void **state)
{
        (void)state;
        assert_true(prom_name_valid("migtop_up"));
        assert_true(prom_name_valid(":a:b_9"));
        assert_false(prom_name_valid("9up"));
        assert_false(prom_name_valid("a-b"));
        assert_false(prom_name_valid(""));
        assert_false(prom_name_valid("a.b"));
        assert_true(prom_label_name_valid("device"));
        assert_true(prom_label_name_valid("_x1"));
        assert_false(prom_label_name_valid("__name__"));
        assert_false(prom_label_name_valid("a:b"));
        assert_false(prom_label_name_valid("1a"));
        assert_false(prom_label_name_valid(""));
}

static void test_escape_label(void **state)
{
        char buf[64];

        (void)state;
        /* backslash, double quote and newline; nothing else (UTF-8 passes through) */
        assert_int_equal(prom_escape_label("a\\b\"c\nd é", buf, sizeof(buf)), 13);
        assert_string_equal(buf, "a\\\\b\\\"c\\nd é");
        /* like snprintf: the needed length, a cut but terminated output */
        assert_int_equal(prom_escape_label("\"\"\"", buf, 4), 6);
        assert_int_equal(strlen(buf), 3);
        assert_int_equal(prom_escape_label(NULL, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "");
}

static void test_text_family(void **state)
{
        struct prom_w w;
        const struct prom_label l[] = {{"device", "0000:3b:00.1"}, {"state", "STOP_COPY"}};
        const struct prom_label q[] = {{"file", "a\"b\\c\nd"}};

        (void)state;
        prom_init(&w, PROM_FMT_TEXT);
        assert_int_equal(prom_family(&w, "migtop_device_state", PROM_GAUGE, "line1\nback\\slash"),
                         0);
        assert_int_equal(prom_sample(&w, "migtop_device_state", l, 2, 1), 0);
        assert_int_equal(prom_family(&w, "migtop_x_total", PROM_COUNTER, "c"), 0);
        assert_int_equal(prom_sample_u64(&w, "migtop_x_total", q, 1, UINT64_MAX), 0);
        assert_int_equal(prom_family(&w, "migtop_build_info", PROM_INFO, "i"), 0);
        assert_int_equal(prom_sample(&w, "migtop_build_info", NULL, 0, 1), 0);
        assert_int_equal(prom_end(&w), 0);
        assert_string_equal(w.buf,
                            "# HELP migtop_device_state line1\\nback\\\\slash\n"
                            "# TYPE migtop_device_state gauge\n"
                            "migtop_device_state{device=\"0000:3b:00.1\",state=\"STOP_COPY\"} 1\n"
                            "# HELP migtop_x_total c\n"
                            "# TYPE migtop_x_total counter\n"
                            "migtop_x_total{file=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n"
                            "# HELP migtop_build_info i\n"
                            "# TYPE migtop_build_info gauge\n"
                            "migtop_build_info 1\n");
        prom_free(&w);
}

static void test_label_invalid_utf8(void **state)
{
        struct prom_w w;
        /* a device directory named with a stray 0xff and a cut 3-byte sequence */
        const struct prom_label l[] = {{"device", "a\xff"
                                                  "b\xe2\x82"}};

        (void)state;
        prom_init(&w, PROM_FMT_TEXT);
        assert_int_equal(prom_family(&w, "migtop_g", PROM_GAUGE, "g"), 0);
        assert_int_equal(prom_sample(&w, "migtop_g", l, 1, 1), 0);
        assert_int_equal(prom_end(&w), 0);
        assert_string_equal(w.buf, "# HELP migtop_g g\n"
                                   "# TYPE migtop_g gauge\n"
                                   "migtop_g{device=\"a\xef\xbf\xbd"
                                   "b\xef\xbf\xbd\xef\xbf\xbd\"} 1\n");
        prom_free(&w);
}

static void test_openmetrics_family(void **state)
{
        struct prom_w w;

        (void)state;
        prom_init(&w, PROM_FMT_OPENMETRICS);
        assert_int_equal(prom_family(&w, "migtop_x_total", PROM_COUNTER, "say \"hi\""), 0);
        assert_int_equal(prom_sample_u64(&w, "migtop_x_total", NULL, 0, 3), 0);
        assert_int_equal(prom_family(&w, "migtop_build_info", PROM_INFO, "b"), 0);
        assert_int_equal(prom_sample(&w, "migtop_build_info", NULL, 0, 1), 0);
        assert_int_equal(prom_end(&w), 0);
        assert_int_equal(prom_end(&w), 0); /* once */
        assert_string_equal(w.buf, "# HELP migtop_x say \\\"hi\\\"\n"
                                   "# TYPE migtop_x counter\n"
                                   "migtop_x_total 3\n"
                                   "# HELP migtop_build b\n"
                                   "# TYPE migtop_build info\n"
                                   "migtop_build_info 1\n"
                                   "# EOF\n");
        /* nothing after the end */
        assert_int_equal(prom_family(&w, "migtop_y", PROM_GAUGE, "y"), -EINVAL);
        prom_free(&w);
}

static void test_values(void **state)
{
        struct prom_w w;

        (void)state;
        prom_init(&w, PROM_FMT_TEXT);
        prom_family(&w, "v", PROM_GAUGE, "");
        prom_sample(&w, "v", NULL, 0, 0.25);
        prom_sample(&w, "v", NULL, 0, -3);
        prom_sample(&w, "v", NULL, 0, 1e300);
        prom_sample(&w, "v", NULL, 0, NAN);
        prom_sample(&w, "v", NULL, 0, INFINITY);
        prom_sample(&w, "v", NULL, 0, -INFINITY);
        assert_int_equal(prom_sample(&w, "v", NULL, 0, 12.5), 0);
        assert_string_equal(w.buf, "# HELP v \n# TYPE v gauge\nv 0.25\nv -3\nv 1e+300\nv NaN\n"
                                   "v +Inf\nv -Inf\nv 12.5\n");
        prom_free(&w);
}

static void test_errors_are_sticky(void **state)
{
        struct prom_w w;
        const struct prom_label bad[] = {{"__name__", "x"}};
        size_t len;

        (void)state;
        prom_init(&w, PROM_FMT_TEXT);
        /* a sample before any family, a counter without _total, a bad name */
        assert_int_equal(prom_sample(&w, "x", NULL, 0, 1), -EINVAL);
        prom_free(&w);
        prom_init(&w, PROM_FMT_TEXT);
        assert_int_equal(prom_family(&w, "x", PROM_COUNTER, ""), -EINVAL);
        prom_free(&w);
        prom_init(&w, PROM_FMT_TEXT);
        assert_int_equal(prom_family(&w, "x-y", PROM_GAUGE, ""), -EINVAL);
        prom_free(&w);
        prom_init(&w, PROM_FMT_TEXT);
        assert_int_equal(prom_family(&w, "a", PROM_GAUGE, ""), 0);
        len = w.len;
        /* a sample of another family (interleaving), a reserved label name */
        assert_int_equal(prom_sample(&w, "b", NULL, 0, 1), -EINVAL);
        assert_int_equal(prom_sample(&w, "a", NULL, 0, 1), -EINVAL); /* sticky */
        assert_int_equal(w.len, len);
        prom_free(&w);
        prom_init(&w, PROM_FMT_TEXT);
        prom_family(&w, "a", PROM_GAUGE, "");
        assert_int_equal(prom_sample(&w, "a", bad, 1, 1), -EINVAL);
        assert_int_equal(prom_end(&w), -EINVAL);
        prom_free(&w);
}

static void test_large(void **state)
{
        struct prom_w w;
        char dev[32];

        (void)state;
        prom_init(&w, PROM_FMT_TEXT);
        prom_family(&w, "migtop_device_state_seconds", PROM_GAUGE, "s");
        for (int i = 0; i < 5000; i++) {
                const struct prom_label l[] = {{"device", dev}};

                snprintf(dev, sizeof(dev), "0000:%02x:%02x.%d", i / 256, i % 256 / 8, i % 8);
                assert_int_equal(prom_sample(&w, "migtop_device_state_seconds", l, 1, i), 0);
        }
        assert_non_null(
            strstr(w.buf, "migtop_device_state_seconds{device=\"0000:13:10.7\"} 4999\n"));
        assert_int_equal(strlen(w.buf), w.len);
        prom_free(&w);
}

static void test_write_file(void **state)
{
        char dir[] = "/tmp/test_prom.XXXXXX", path[64], buf[64];
        struct stat st;
        struct dirent *de;
        DIR *d;
        FILE *f;
        size_t n;
        int entries = 0;

        (void)state;
        assert_non_null(mkdtemp(dir));
        assert_int_equal(prom_write_file(dir, "m.prom", "a 1\n", 4), 0);
        assert_int_equal(prom_write_file(dir, "m.prom", "a 2\n", 4), 0); /* replaced */
        snprintf(path, sizeof(path), "%s/m.prom", dir);
        f = fopen(path, "r");
        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        assert_int_equal(n, 4);
        assert_memory_equal(buf, "a 2\n", 4);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644); /* readable by node_exporter's user */
        /* no temporary file left behind */
        d = opendir(dir);
        assert_non_null(d);
        while ((de = readdir(d)))
                entries += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(d);
        assert_int_equal(entries, 1);
        /* a directory that does not exist */
        snprintf(path, sizeof(path), "%s/nope", dir);
        assert_int_equal(prom_write_file(path, "m.prom", "x", 1), -ENOENT);
        snprintf(path, sizeof(path), "%s/m.prom", dir);
        unlink(path);
        assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_escape_label),
            cmocka_unit_test(test_text_family),
            cmocka_unit_test(test_label_invalid_utf8),
            cmocka_unit_test(test_openmetrics_family),
            cmocka_unit_test(test_values),
            cmocka_unit_test(test_errors_are_sticky),
            cmocka_unit_test(test_large),
            cmocka_unit_test(test_write_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
