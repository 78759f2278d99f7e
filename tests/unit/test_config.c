/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "ui/config.h"

static int parse(struct config *c, const char *text, char *err, size_t errlen)
{
        config_defaults(c);
        return config_parse(c, text, strlen(text), "cfg", err, errlen);
}

static void defaults_are_usable(void **state)
{
        struct config c;
        enum layout_col def[LAYOUT_NCOLS];

        config_defaults(&c);
        assert_int_equal(c.interval_ms, CONFIG_INTERVAL_DEFAULT);
        assert_string_equal(c.theme, "default");
        assert_true(c.mouse);
        assert_int_equal(c.ncols, layout_default_cols(def));
        assert_memory_equal(c.cols, def, c.ncols * sizeof(def[0]));
        /* an empty or comment-only file changes nothing */
        assert_int_equal(parse(&c, "# nothing\n\n   ; here\n", NULL, 0), 0);
        assert_int_equal(c.interval_ms, CONFIG_INTERVAL_DEFAULT);
}

static void every_setting_is_read(void **state)
{
        struct config c;
        char err[512] = "";

        assert_int_equal(parse(&c,
                               "interval = 250\n"
                               "  Theme=  high-contrast  \r\n"
                               "mouse = off\n"
                               "columns = state, device age,MIGF_DATA\n",
                               err, sizeof(err)),
                         0);
        assert_int_equal(c.interval_ms, 250);
        assert_string_equal(c.theme, "high-contrast");
        assert_false(c.mouse);
        assert_int_equal(c.ncols, 4);
        assert_int_equal(c.cols[0], LAYOUT_COL_STATE);
        assert_int_equal(c.cols[1], LAYOUT_COL_DEVICE);
        assert_int_equal(c.cols[2], LAYOUT_COL_AGE);
        assert_int_equal(c.cols[3], LAYOUT_COL_MIGF_DATA);

        assert_int_equal(parse(&c, "interval = 2s\nmouse = Yes\ntheme = ~/my themes/x.theme\n", err,
                               sizeof(err)),
                         0);
        assert_int_equal(c.interval_ms, 2000);
        assert_true(c.mouse);
        assert_string_equal(c.theme, "~/my themes/x.theme");
        assert_int_equal(parse(&c, "interval = 50ms", err, sizeof(err)), 0);
        assert_int_equal(c.interval_ms, 50);
}

static void bad_values_name_file_line_and_what(void **state)
{
        static const struct {
                const char *text, *want;
        } cases[] = {
            {"interval = 10\n", "cfg:1: interval: 10 is outside 50 ms to 3600000 ms"},
            {"\ninterval = 2h\n", "cfg:2: interval: unknown unit in '2h'"},
            {"interval = fast\n", "cfg:1: interval: 'fast' is not a number"},
            {"interval = -5\n", "cfg:1: interval: '-5' is not a number"},
            {"interval = 99999999999999\n", "cfg:1: interval: '99999999999999' is too large"},
            {"interval = 2h\n", "cfg:1: interval: unknown unit"},
            {"mouse = maybe\n", "cfg:1: mouse: 'maybe' is not on or off"},
            {"columns = device, stat\n", "cfg:1: columns: unknown column 'stat' (known: device"},
            {"columns = state state\n", "cfg:1: columns: column 'state' listed twice"},
            {"columns = , ,\n", "cfg:1: columns: no column given"},
            {"theme =\n", "cfg:1: theme: no value"},
            {"colour = red\n", "cfg:1: unknown setting 'colour'"},
            {"mouse = on\n#\nmouse = off\n", "cfg:3: 'mouse' given twice (first at line 1)"},
            {"interval 100\n", "cfg:1: expected 'key = value'"},
        };
        struct config c;
        char err[512];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                err[0] = '\0';
                assert_int_equal(parse(&c, cases[i].text, err, sizeof(err)), -EINVAL);
                if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
                        fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err, cases[i].want);
        }
}

static void a_bad_file_changes_nothing(void **state)
{
        static const char bad[] = "interval = 300\nmouse = sometimes\n";
        struct config c;

        config_defaults(&c);
        assert_int_equal(config_parse(&c, bad, strlen(bad), "cfg", NULL, 0), -EINVAL);
        assert_int_equal(c.interval_ms, CONFIG_INTERVAL_DEFAULT);
        assert_true(c.mouse);
        assert_int_equal(config_parse(&c, "mouse = off\0", 12, "cfg", NULL, 0), -EINVAL);
        assert_true(c.mouse);
}

static void path_follows_xdg(void **state)
{
        char p[64];

        assert_int_equal(config_path("/x", "/home/u", p, sizeof(p)), 0);
        assert_string_equal(p, "/x/migtop/config");
        assert_int_equal(config_path("relative", "/home/u", p, sizeof(p)), 0);
        assert_string_equal(p, "/home/u/.config/migtop/config");
        assert_int_equal(config_path(NULL, "/home/u", p, sizeof(p)), 0);
        assert_string_equal(p, "/home/u/.config/migtop/config");
        assert_int_equal(config_path("", "", p, sizeof(p)), -ENOENT);
        assert_int_equal(config_path("/a-rather-long-directory-name", NULL, p, 16), -ENAMETOOLONG);
}

static void load_reads_files_and_tolerates_absence(void **state)
{
        char dir[] = "/tmp/migtop-config-XXXXXX", path[64], err[256] = "";
        struct config c;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/config", dir);
        config_defaults(&c);
        assert_int_equal(config_load(path, false, &c, err, sizeof(err)), 0);
        assert_int_equal(c.interval_ms, CONFIG_INTERVAL_DEFAULT);
        assert_int_equal(config_load(path, true, &c, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, path));

        f = fopen(path, "w");
        assert_non_null(f);
        fputs("interval = 500\n\ncolumns = device, bogus\n", f);
        fclose(f);
        assert_int_equal(config_load(path, false, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, ":3: columns: unknown column 'bogus'"));
        assert_int_equal(strncmp(err, path, strlen(path)), 0);

        f = fopen(path, "w");
        assert_non_null(f);
        fputs("interval = 500\n", f);
        fclose(f);
        assert_int_equal(config_load(path, false, &c, err, sizeof(err)), 0);
        assert_int_equal(c.interval_ms, 500);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void hosts_repeat_in_order(void **state)
{
        struct config *c = malloc(sizeof(*c));
        char err[256];
        char text[20 * 16 + 1] = "";

        (void)state;
        assert_non_null(c);
        config_defaults(c);
        assert_int_equal(c->nhosts, 0);
        assert_int_equal(parse(c, "interval = 500\nhost = root@hv1,name=hvA\n# x\nhost = hv2\n",
                               err, sizeof(err)),
                         0);
        assert_int_equal(c->nhosts, 2);
        assert_string_equal(c->hosts[0], "root@hv1,name=hvA");
        assert_int_equal(c->host_line[0], 2);
        assert_string_equal(c->hosts[1], "hv2");
        assert_int_equal(c->host_line[1], 4);
        /* other keys still may not repeat */
        assert_int_equal(parse(c, "interval = 500\ninterval = 600\n", err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "cfg:2: 'interval' given twice (first at line 1)");
        assert_int_equal(parse(c, "host =\n", err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "cfg:1: host: no value");
        config_defaults(c);
        for (int i = 0; i < 17; i++)
                strcat(text, "host = hv\n");
        assert_int_equal(parse(c, text, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "cfg:17: host: more than 16 hosts");
        assert_int_equal(c->nhosts, 0); /* unchanged */
        free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(defaults_are_usable),
            cmocka_unit_test(every_setting_is_read),
            cmocka_unit_test(bad_values_name_file_line_and_what),
            cmocka_unit_test(a_bad_file_changes_nothing),
            cmocka_unit_test(path_follows_xdg),
            cmocka_unit_test(load_reads_files_and_tolerates_absence),
            cmocka_unit_test(hosts_repeat_in_order),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
