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
#include <ftw.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "ui/theme.h"

static const char *const shipped[] = {"default", "light", "high-contrast", "mono"};

/* The source tree: tests run from the top directory unless MIGTOP_SRCDIR says otherwise. */
static const char *srcdir(void)
{
        const char *s = getenv("MIGTOP_SRCDIR");

        return s && *s ? s : ".";
}

/* Paths that find only the source tree's themes/. */
static struct theme_paths tree_paths(char *buf, size_t n)
{
        struct theme_paths p = {0};

        snprintf(buf, n, "%s/tui", srcdir());
        p.exe_dir = buf;
        return p;
}

static int parse(struct theme *t, const char *text, char *err, size_t errlen)
{
        theme_builtin(t);
        return theme_parse(t, text, strlen(text), "t.theme", NULL, err, errlen);
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* ---- the shipped themes ------------------------------------------------------------- */

static void builtin_matches_default_theme_file(void **state)
{
        char dir[4096], err[512] = "";
        struct theme_paths p = tree_paths(dir, sizeof(dir));
        struct theme file, builtin;

        assert_int_equal(theme_load("default", &p, &file, err, sizeof(err)), 0);
        theme_builtin(&builtin);
        for (int e = 0; e < THEME_NELEMS; e++) {
                if (memcmp(&file.st[e], &builtin.st[e], sizeof(file.st[e])) != 0)
                        fail_msg("themes/default.theme and the built-in theme differ at %s",
                                 theme_elem_name(e));
        }
}

static void shipped_themes_stay_readable_at_every_depth(void **state)
{
        char dir[4096], err[512] = "";
        struct theme_paths p = tree_paths(dir, sizeof(dir));

        for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
                struct theme t;

                if (theme_load(shipped[i], &p, &t, err, sizeof(err)) != 0)
                        fail_msg("%s: %s", shipped[i], err);
                assert_string_equal(t.name, shipped[i]);
                for (int e = 0; e < THEME_NELEMS; e++)
                        if (!t.set[e])
                                fail_msg("%s.theme does not set %s", shipped[i],
                                         theme_elem_name(e));
                for (int d = THEME_DEPTH_MONO; d <= THEME_DEPTH_TRUE; d++) {
                        struct theme_style r[THEME_NELEMS];

                        theme_resolve(&t, d, r);
                        for (int e = 0; e < THEME_NELEMS; e++) {
                                if (theme_elem_must_stand_out(e) &&
                                    (!theme_style_distinct(&r[e], &r[THEME_NORMAL]) ||
                                     !theme_style_distinct(&r[e], &r[THEME_LIST_ROW])))
                                        fail_msg("%s depth %d: %s looks like plain text",
                                                 shipped[i], d, theme_elem_name(e));
                                if (r[e].fg == r[e].bg && r[e].fg != THEME_COLOR_DEFAULT)
                                        fail_msg("%s depth %d: %s is invisible (fg == bg)",
                                                 shipped[i], d, theme_elem_name(e));
                                if (d == THEME_DEPTH_MONO && (r[e].fg != THEME_COLOR_DEFAULT ||
                                                              r[e].bg != THEME_COLOR_DEFAULT))
                                        fail_msg("%s: colour left in monochrome", shipped[i]);
                                if (d == THEME_DEPTH_8 && (r[e].fg > 7 || r[e].bg > 7))
                                        fail_msg("%s: colour above 7 at depth 8", shipped[i]);
                                if (d == THEME_DEPTH_16 && (r[e].fg > 15 || r[e].bg > 15))
                                        fail_msg("%s: colour above 15 at depth 16", shipped[i]);
                                if (d == THEME_DEPTH_256 && THEME_IS_RGB(r[e].fg))
                                        fail_msg("%s: RGB left at depth 256", shipped[i]);
                        }
                        /* a differing byte is never drawn like an equal one */
                        assert_true(theme_style_distinct(&r[THEME_DIFF_BYTE], &r[THEME_NORMAL]));
                        assert_true(
                            theme_style_distinct(&r[THEME_LIST_SELECTED], &r[THEME_LIST_ROW]));
                }
        }
}

/* ---- file format -------------------------------------------------------------------- */

static void colours_and_attributes_are_parsed(void **state)
{
        struct theme t;
        char err[256] = "";

        assert_int_equal(parse(&t,
                               "# comment\n"
                               "  ; another\n"
                               "\n"
                               "header = Bright-White blue bold underline ; trailing\n"
                               "footer = 208 #1A2b3C\n"
                               "title = reverse dim\n"
                               "border = colour17, grey, standout\r\n"
                               "list.row = - default italic\n"
                               "diff.byte = brightred\n",
                               err, sizeof(err)),
                         0);
        assert_int_equal(t.st[THEME_HEADER].fg, 15);
        assert_int_equal(t.st[THEME_HEADER].bg, 4);
        assert_int_equal(t.st[THEME_HEADER].attrs, THEME_A_BOLD | THEME_A_UNDERLINE);
        assert_int_equal(t.st[THEME_FOOTER].fg, 208);
        assert_int_equal(t.st[THEME_FOOTER].bg, THEME_RGB(0x1a, 0x2b, 0x3c));
        assert_int_equal(t.st[THEME_TITLE].fg, THEME_COLOR_INHERIT);
        assert_int_equal(t.st[THEME_TITLE].bg, THEME_COLOR_INHERIT);
        assert_int_equal(t.st[THEME_TITLE].attrs, THEME_A_REVERSE | THEME_A_DIM);
        assert_int_equal(t.st[THEME_BORDER].fg, 17);
        assert_int_equal(t.st[THEME_BORDER].bg, 8);
        assert_int_equal(t.st[THEME_BORDER].attrs, THEME_A_STANDOUT);
        assert_int_equal(t.st[THEME_LIST_ROW].fg, THEME_COLOR_DEFAULT);
        assert_int_equal(t.st[THEME_LIST_ROW].attrs, THEME_A_ITALIC);
        assert_int_equal(t.st[THEME_DIFF_BYTE].fg, 9);
        assert_int_equal(t.st[THEME_DIFF_BYTE].bg, THEME_COLOR_INHERIT);
        assert_true(t.set[THEME_HEADER]);
        assert_false(t.set[THEME_HELP]);
}

static void parse_errors_name_file_line_and_problem(void **state)
{
        static const struct {
                const char *text, *want;
        } cases[] = {
            {"header = red\nheadr = blue\n", "t.theme:2: unknown element 'headr'"},
            {"\n\nfooter = #12345\n", "t.theme:3: footer: bad colour '#12345'"},
            {"footer = 256\n", "t.theme:1: footer: colour index '256' out of range"},
            {"footer = red blue green\n", "t.theme:1: footer: third colour 'green'"},
            {"footer = red blinking\n", "t.theme:1: footer: 'blinking' is neither"},
            {"footer red\n", "t.theme:1: expected 'element = colours attributes'"},
            {"footer =\n", "t.theme:1: footer: no colour or attribute given"},
            {"= red\n", "t.theme:1: missing element name"},
            {"help = red\n# x\nhelp = blue\n", "t.theme:3: 'help' given twice (first at line 1)"},
            {"inherits = a\ninherits = b\n", "t.theme:2: second 'inherits' (first at line 1)"},
            {"inherits = ../etc/passwd\n", "t.theme:1: bad theme name '../etc/passwd'"},
        };
        struct theme t;
        char err[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                err[0] = '\0';
                assert_int_equal(parse(&t, cases[i].text, err, sizeof(err)), -EINVAL);
                if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
                        fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err, cases[i].want);
        }
}

static void binary_and_overlong_input_is_rejected(void **state)
{
        struct theme t;
        char err[256] = "", big[2048];

        theme_builtin(&t);
        assert_int_equal(theme_parse(&t, "help = red\0x", 12, "b.theme", NULL, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "NUL"));
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(parse(&t, big, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "t.theme:1: line longer than"));
        /* no error buffer at all is fine */
        assert_int_equal(parse(&t, "nonsense\n", NULL, 0), -EINVAL);
}

/* ---- search path and inheritance ---------------------------------------------------- */

struct tmp {
        char root[64], xdg[128], xdgthemes[256], data[128], datathemes[256];
};

static void tmp_make(struct tmp *d)
{
        char mid[160];

        snprintf(d->root, sizeof(d->root), "/tmp/migtop-theme-XXXXXX");
        assert_non_null(mkdtemp(d->root));
        snprintf(d->xdg, sizeof(d->xdg), "%s/config", d->root);
        snprintf(mid, sizeof(mid), "%s/migtop", d->xdg);
        snprintf(d->xdgthemes, sizeof(d->xdgthemes), "%s/themes", mid);
        snprintf(d->data, sizeof(d->data), "%s/share", d->root);
        snprintf(d->datathemes, sizeof(d->datathemes), "%s/themes", d->data);
        assert_int_equal(mkdir(d->xdg, 0700), 0);
        assert_int_equal(mkdir(mid, 0700), 0);
        assert_int_equal(mkdir(d->xdgthemes, 0700), 0);
        assert_int_equal(mkdir(d->data, 0700), 0);
        assert_int_equal(mkdir(d->datathemes, 0700), 0);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void tmp_rm(struct tmp *d)
{
        assert_int_equal(nftw(d->root, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void search_order_is_user_then_datadir_then_tree(void **state)
{
        struct theme_paths p = {.xdg_config_home = "/x",
                                .home = "/h",
                                .datadir = "/usr/share/migtop",
                                .exe_dir = "/src/tui"};
        struct theme_dirs d;

        theme_search_dirs(&p, &d);
        assert_int_equal(d.n, 3);
        assert_string_equal(d.dir[0], "/x/migtop/themes");
        assert_string_equal(d.dir[1], "/usr/share/migtop/themes");
        assert_string_equal(d.dir[2], "/src/tui/../themes");
        /* a relative XDG_CONFIG_HOME is ignored (XDG spec): ~/.config instead */
        p.xdg_config_home = "rel";
        theme_search_dirs(&p, &d);
        assert_string_equal(d.dir[0], "/h/.config/migtop/themes");
        p.xdg_config_home = NULL;
        p.home = NULL;
        p.exe_dir = "";
        theme_search_dirs(&p, &d);
        assert_int_equal(d.n, 1);
        /* from the environment: the installed share dir comes from the build */
        assert_int_equal(setenv("XDG_CONFIG_HOME", "/xdg", 1), 0);
        theme_paths_from_env(&p, "/bin");
        theme_search_dirs(&p, &d);
        assert_int_equal(d.n, 3);
        assert_string_equal(d.dir[0], "/xdg/migtop/themes");
        assert_true(d.dir[1][0] == '/');
        assert_non_null(strstr(d.dir[1], "/themes"));
        assert_string_equal(d.dir[2], "/bin/../themes");
}

static void user_theme_shadows_installed_one(void **state)
{
        struct tmp d;
        struct theme_paths p;
        char path[4096], err[512] = "", f[512];
        struct theme t;

        tmp_make(&d);
        p = (struct theme_paths){.xdg_config_home = d.xdg, .datadir = d.data};
        snprintf(f, sizeof(f), "%s/x.theme", d.datathemes);
        write_file(f, "help = red\n");
        assert_int_equal(theme_find("x", &p, path, sizeof(path), err, sizeof(err)), 0);
        assert_string_equal(path, f);
        snprintf(f, sizeof(f), "%s/x.theme", d.xdgthemes);
        write_file(f, "help = blue\n");
        assert_int_equal(theme_load("x", &p, &t, err, sizeof(err)), 0);
        assert_int_equal(t.st[THEME_HELP].fg, 4);
        /* a path is used as it is */
        assert_int_equal(theme_load(f, &p, &t, err, sizeof(err)), 0);
        assert_string_equal(t.name, "x");
        /* not found: the message says where it looked */
        assert_int_equal(theme_find("nope", &p, path, sizeof(path), err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "'nope' not found"));
        assert_non_null(strstr(err, d.xdgthemes));
        assert_non_null(strstr(err, d.datathemes));
        assert_int_equal(theme_find("../x", &p, path, sizeof(path), err, sizeof(err)), -ENOENT);
        assert_int_equal(theme_find("a b", &p, path, sizeof(path), err, sizeof(err)), -EINVAL);
        assert_int_equal(theme_find(".hidden", &p, path, sizeof(path), err, sizeof(err)), -EINVAL);
        tmp_rm(&d);
}

static void inherits_applies_parent_then_child(void **state)
{
        struct tmp d;
        struct theme_paths p;
        char err[512] = "", f[512];
        struct theme t, builtin;

        tmp_make(&d);
        p = (struct theme_paths){.xdg_config_home = d.xdg, .datadir = d.data};
        snprintf(f, sizeof(f), "%s/base.theme", d.datathemes);
        write_file(f, "help = red\nfooter = green\n");
        snprintf(f, sizeof(f), "%s/child.theme", d.xdgthemes);
        write_file(f, "footer = blue bold\ninherits = base\n");
        assert_int_equal(theme_load("child", &p, &t, err, sizeof(err)), 0);
        assert_int_equal(t.st[THEME_HELP].fg, 1);
        assert_int_equal(t.st[THEME_FOOTER].fg, 4);
        assert_int_equal(t.st[THEME_FOOTER].attrs, THEME_A_BOLD);
        /* what neither sets is the built-in style */
        theme_builtin(&builtin);
        assert_memory_equal(&t.st[THEME_HEADER], &builtin.st[THEME_HEADER], sizeof(t.st[0]));
        assert_false(t.set[THEME_HEADER]);
        assert_true(t.set[THEME_HELP]);

        /* inheriting "default" with no default.theme anywhere is the built-in theme */
        write_file(f, "inherits = default\nhelp = cyan\n");
        assert_int_equal(theme_load("child", &p, &t, err, sizeof(err)), 0);
        assert_int_equal(t.st[THEME_HELP].fg, 6);

        /* loops and missing parents are errors that say so */
        write_file(f, "inherits = base\n");
        snprintf(f, sizeof(f), "%s/base.theme", d.datathemes);
        write_file(f, "inherits = child\n");
        assert_int_equal(theme_load("child", &p, &t, err, sizeof(err)), -ELOOP);
        assert_non_null(strstr(err, "loops back"));
        write_file(f, "inherits = ghost\n");
        assert_int_equal(theme_load("child", &p, &t, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "'ghost' not found"));
        /* an error in a parent names the parent's file and line */
        write_file(f, "\nhelp = purple\n");
        assert_int_equal(theme_load("child", &p, &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "base.theme:2: help: 'purple'"));
        tmp_rm(&d);
}

/* ---- depth and degradation ---------------------------------------------------------- */

static void no_color_and_capabilities_pick_the_depth(void **state)
{
        assert_int_equal(theme_depth_pick(256, "truecolor", NULL, false), THEME_DEPTH_TRUE);
        assert_int_equal(theme_depth_pick(256, "24bit", NULL, false), THEME_DEPTH_TRUE);
        assert_int_equal(theme_depth_pick(256, NULL, NULL, false), THEME_DEPTH_256);
        assert_int_equal(theme_depth_pick(16, "truecolor", NULL, false), THEME_DEPTH_16);
        assert_int_equal(theme_depth_pick(8, NULL, NULL, false), THEME_DEPTH_8);
        assert_int_equal(theme_depth_pick(2, NULL, NULL, false), THEME_DEPTH_MONO);
        assert_int_equal(theme_depth_pick(-1, NULL, NULL, false), THEME_DEPTH_MONO);
        /* NO_COLOR: any non-empty value disables colour; empty means unset */
        assert_int_equal(theme_depth_pick(256, "truecolor", "1", false), THEME_DEPTH_MONO);
        assert_int_equal(theme_depth_pick(256, NULL, "", false), THEME_DEPTH_256);
        assert_int_equal(theme_depth_pick(256, NULL, NULL, true), THEME_DEPTH_MONO);
}

static void palette_conversions_round_trip(void **state)
{
        for (int i = 16; i < 256; i++) {
                uint8_t r, g, b;

                theme_256_to_rgb(i, &r, &g, &b);
                assert_int_equal(theme_rgb_to_256(r, g, b), i);
        }
        for (int i = 0; i < 16; i++) {
                uint8_t r, g, b;

                theme_256_to_rgb(i, &r, &g, &b);
                assert_int_equal(theme_rgb_to_16(r, g, b), i);
                assert_int_equal(theme_256_to_16(i), i);
        }
        /* near colours land on their obvious neighbours */
        assert_int_equal(theme_rgb_to_256(0x80, 0x80, 0x80), 244);
        assert_int_equal(theme_rgb_to_256(0xff, 0x00, 0x01), 196);
        assert_int_equal(theme_rgb_to_16(0xd7, 0x00, 0x00), 1);
        assert_int_equal(theme_rgb_to_16(0xfa, 0xfa, 0xfa), 15);
        assert_int_equal(theme_rgb_to_16(0xf0, 0xf0, 0xf0), 7);
        assert_int_equal(theme_256_to_16(196), 9);
        assert_int_equal(theme_256_to_16(22), 0); /* dark green #005f00 */
        assert_int_equal(theme_256_to_16(28), 2); /* #008700 */
}

static void degrade_steps_down_one_depth_at_a_time(void **state)
{
        theme_color c = THEME_RGB(0xff, 0x5f, 0x00);
        bool bright;

        assert_int_equal(theme_color_degrade(c, THEME_DEPTH_TRUE, NULL), c);
        assert_int_equal(theme_color_degrade(c, THEME_DEPTH_256, NULL), 202);
        assert_int_equal(theme_color_degrade(202, THEME_DEPTH_256, NULL), 202);
        assert_int_equal(theme_color_degrade(c, THEME_DEPTH_16, NULL), 9);
        assert_int_equal(theme_color_degrade(c, THEME_DEPTH_8, &bright), 1);
        assert_true(bright);
        assert_int_equal(theme_color_degrade(2, THEME_DEPTH_8, &bright), 2);
        assert_false(bright);
        assert_int_equal(theme_color_degrade(c, THEME_DEPTH_MONO, NULL), THEME_COLOR_DEFAULT);
        assert_int_equal(theme_color_degrade(THEME_COLOR_DEFAULT, THEME_DEPTH_16, NULL),
                         THEME_COLOR_DEFAULT);
}

static void bright_foreground_becomes_bold_at_8_colours(void **state)
{
        struct theme t;
        struct theme_style r[THEME_NELEMS];

        assert_int_equal(parse(&t, "state.running = bright-green\n", NULL, 0), 0);
        theme_resolve(&t, THEME_DEPTH_16, r);
        assert_int_equal(r[THEME_STATE_RUNNING].fg, 10);
        assert_int_equal(r[THEME_STATE_RUNNING].attrs & THEME_A_BOLD, 0);
        theme_resolve(&t, THEME_DEPTH_8, r);
        assert_int_equal(r[THEME_STATE_RUNNING].fg, 2);
        assert_true(r[THEME_STATE_RUNNING].attrs & THEME_A_BOLD);
}

static void colours_that_merge_do_not_hide_text(void **state)
{
        struct theme t;
        struct theme_style r[THEME_NELEMS];

        assert_int_equal(parse(&t, "message = #ff0000 #ee0000\nhelp = red red\n", NULL, 0), 0);
        theme_resolve(&t, THEME_DEPTH_TRUE, r);
        assert_int_not_equal(r[THEME_MESSAGE].fg, r[THEME_MESSAGE].bg);
        theme_resolve(&t, THEME_DEPTH_16, r);
        assert_int_equal(r[THEME_MESSAGE].bg, 9);
        assert_int_equal(r[THEME_MESSAGE].fg, 15);
        /* asked for on purpose: kept */
        assert_int_equal(r[THEME_HELP].fg, r[THEME_HELP].bg);
}

static void colour_only_differences_get_attributes_without_colour(void **state)
{
        struct theme t;
        struct theme_style r[THEME_NELEMS];

        assert_int_equal(parse(&t,
                               "normal = white black\nlist.row = none\n"
                               "diff.byte = red\ndiff.field = yellow\n"
                               "list.selected = black white\n",
                               NULL, 0),
                         0);
        theme_resolve(&t, THEME_DEPTH_16, r);
        assert_int_equal(r[THEME_DIFF_BYTE].attrs, 0); /* colour is enough */
        assert_int_equal(r[THEME_LIST_ROW].bg, 0);     /* omitted: as normal */
        theme_resolve(&t, THEME_DEPTH_MONO, r);
        assert_true(r[THEME_DIFF_BYTE].attrs & THEME_A_REVERSE);
        assert_int_equal(r[THEME_DIFF_FIELD].attrs & THEME_A_VISIBLE,
                         THEME_A_UNDERLINE | THEME_A_BOLD);
        assert_true(r[THEME_LIST_SELECTED].attrs & THEME_A_REVERSE);
        assert_int_equal(r[THEME_NORMAL].attrs, 0);
        assert_int_equal(r[THEME_HELP].attrs, 0);
        /* the author's own monochrome choice is kept when it already stands out */
        assert_int_equal(parse(&t, "diff.byte = red underline\n", NULL, 0), 0);
        theme_resolve(&t, THEME_DEPTH_MONO, r);
        assert_int_equal(r[THEME_DIFF_BYTE].attrs, THEME_A_UNDERLINE);
}

static void names_round_trip_and_states_map(void **state)
{
        for (int e = 0; e < THEME_NELEMS; e++) {
                const char *n = theme_elem_name(e);

                assert_non_null(n);
                assert_int_equal(theme_elem_from_name(n, strlen(n)), e);
        }
        assert_null(theme_elem_name(THEME_NELEMS));
        assert_int_equal(theme_elem_for_state(FSM_RUNNING), THEME_STATE_RUNNING);
        assert_int_equal(theme_elem_for_state(FSM_STOP_COPY), THEME_STATE_STOP_COPY);
        assert_int_equal(theme_elem_for_state(FSM_RUNNING_P2P), THEME_STATE_P2P);
        assert_int_equal(theme_elem_for_state(FSM_PRE_COPY_P2P), THEME_STATE_P2P);
        assert_int_equal(theme_elem_for_state(FSM_PRE_COPY), THEME_STATE_PRE_COPY);
        assert_int_equal(theme_elem_for_state(FSM_ERROR), THEME_STATE_ERROR);
        assert_int_equal(theme_elem_for_state(FSM_INVALID), THEME_STATE_INVALID);
        assert_int_equal(theme_elem_for_state((enum fsm_state)42), THEME_STATE_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(builtin_matches_default_theme_file),
            cmocka_unit_test(shipped_themes_stay_readable_at_every_depth),
            cmocka_unit_test(colours_and_attributes_are_parsed),
            cmocka_unit_test(parse_errors_name_file_line_and_problem),
            cmocka_unit_test(binary_and_overlong_input_is_rejected),
            cmocka_unit_test(search_order_is_user_then_datadir_then_tree),
            cmocka_unit_test(user_theme_shadows_installed_one),
            cmocka_unit_test(inherits_applies_parent_then_child),
            cmocka_unit_test(no_color_and_capabilities_pick_the_depth),
            cmocka_unit_test(palette_conversions_round_trip),
            cmocka_unit_test(degrade_steps_down_one_depth_at_a_time),
            cmocka_unit_test(bright_foreground_becomes_bold_at_8_colours),
            cmocka_unit_test(colours_that_merge_do_not_hide_text),
            cmocka_unit_test(colour_only_differences_get_attributes_without_colour),
            cmocka_unit_test(names_round_trip_and_states_map),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
