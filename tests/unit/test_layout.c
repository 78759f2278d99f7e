/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "ui/layout.h"

static const size_t ndevs[] = {0, 1, 7, 1000};

static const enum layout_col all_cols[] = {
    LAYOUT_COL_FEATURES, LAYOUT_COL_CHANGES,   LAYOUT_COL_CMD_STATE, LAYOUT_COL_DRIVER,
    LAYOUT_COL_MATCH,    LAYOUT_COL_MIGF_DATA, LAYOUT_COL_DEV_DATA,  LAYOUT_COL_AGE,
    LAYOUT_COL_STATE,    LAYOUT_COL_DEVICE,
};
static const enum layout_col state_only[] = {LAYOUT_COL_STATE};

/* Every rectangle of a layout, for the overlap checks. */
static size_t collect(const struct layout *l, struct layout_rect *r)
{
        size_t n = 0;

        r[n++] = l->message;
        r[n++] = l->header;
        r[n++] = l->footer;
        r[n++] = l->status;
        r[n++] = l->list_title;
        r[n++] = l->list;
        for (size_t i = 0; i < l->npanes; i++)
                r[n++] = l->pane[i].r;
        return n;
}

/* Returns NULL when the layout keeps every promise, else what it broke. */
static const char *check(const struct layout_in *in, const struct layout *l)
{
        struct layout_rect r[6 + LAYOUT_NPANES];
        size_t n = collect(l, r);
        int used = 0;

        for (size_t i = 0; i < n; i++) {
                if (!layout_rect_inside(&r[i], in->rows > 0 ? in->rows : 0,
                                        in->cols > 0 ? in->cols : 0))
                        return "rectangle outside the screen";
                for (size_t j = i + 1; j < n; j++)
                        if (layout_rect_overlap(&r[i], &r[j]))
                                return "rectangles overlap";
        }
        if (l->too_small) {
                if (in->rows > 0 && in->cols > 0 && l->message.h < 1)
                        return "too small but no message row";
                return NULL;
        }
        /* the body is used: nothing may be empty that the view needs */
        if (l->header.h != 1 || l->footer.h != 1 || l->body.h < 1)
                return "header/footer/body missing";
        if (l->body.y + l->body.h > (l->status.h ? l->status.y : l->footer.y))
                return "body runs into the status or footer line";
        if (in->view == LAYOUT_VIEW_LIST) {
                if (l->list.h < 1 || l->ncols < 1)
                        return "list without rows or columns";
                if (in->ndev > 0) {
                        if (l->selected >= in->ndev)
                                return "selection out of range";
                        if (l->selected < l->scroll || l->selected >= l->scroll + (size_t)l->list.h)
                                return "selected device not visible";
                        if (in->ndev >= (size_t)l->list.h &&
                            l->scroll + (size_t)l->list.h > in->ndev)
                                return "blank rows below the last device";
                }
                for (size_t i = 0; i < l->ncols; i++) {
                        if (l->col[i].w < 1 || l->col[i].x < used)
                                return "columns overlap or are empty";
                        used = l->col[i].x + l->col[i].w + 1;
                }
                if (used - 1 > l->list.w)
                        return "columns wider than the list";
                for (size_t i = 0; i < l->ncols && l->col[i].id != LAYOUT_COL_DEVICE; i++)
                        if (i + 1 == l->ncols)
                                return "device column missing";
        }
        if (in->view == LAYOUT_VIEW_COMPARE_HEX || in->view == LAYOUT_VIEW_COMPARE_DECODED) {
                if (l->npanes < 1 || l->page < 0 || l->page >= l->npages)
                        return "compare without panes or with a bad page";
                for (size_t i = 0; i < l->npanes; i++) {
                        if (l->pane[i].r.h < 1 || l->pane[i].r.w < 1)
                                return "empty compare pane";
                        if (in->view == LAYOUT_VIEW_COMPARE_HEX &&
                            LAYOUT_HEX_W(l->pane[i].bpl) > l->pane[i].r.w)
                                return "hex lines wider than their pane";
                }
                if (l->mode == LAYOUT_COMPARE_QUAD && in->view == LAYOUT_VIEW_COMPARE_HEX &&
                    l->pane[0].bpl != 16)
                        return "quad mode without full hex lines";
        }
        if (in->view == LAYOUT_VIEW_DETAIL && (l->npanes < 1 || l->pane[0].r.h < 1))
                return "detail without a summary";
        return NULL;
}

static void every_size_keeps_every_promise(void **state)
{
        static const enum layout_view views[] = {LAYOUT_VIEW_LIST, LAYOUT_VIEW_DETAIL,
                                                 LAYOUT_VIEW_COMPARE_DECODED,
                                                 LAYOUT_VIEW_COMPARE_HEX, LAYOUT_VIEW_HELP};
        unsigned long checked = 0;

        for (int rows = 5; rows <= 120; rows++) {
                for (int cols = 20; cols <= 400; cols++) {
                        for (size_t d = 0; d < sizeof(ndevs) / sizeof(ndevs[0]); d++) {
                                for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
                                        size_t nd = ndevs[d];
                                        /* selection first, middle, last; stale scroll */
                                        size_t sel[3] = {0, nd / 2, nd ? nd - 1 : 0};
                                        size_t scr[3] = {nd, nd / 3, 0};

                                        for (int s = 0; s < 3; s++) {
                                                struct layout_in in = {
                                                    .rows = rows,
                                                    .cols = cols,
                                                    .view = views[v],
                                                    .ndev = nd,
                                                    .selected = sel[s],
                                                    .scroll = scr[s],
                                                    .want = s == 1 ? all_cols : NULL,
                                                    .nwant = s == 1 ? 10 : 0,
                                                    .name_w = s == 2 ? 36 : 0,
                                                    .page = s == 2 ? 99 : s,
                                                };
                                                struct layout l;
                                                const char *why;

                                                layout_compute(&in, &l);
                                                why = check(&in, &l);
                                                if (why)
                                                        fail_msg("%dx%d ndev %zu view %d sel %zu "
                                                                 "scroll %zu: %s",
                                                                 cols, rows, nd, (int)views[v],
                                                                 sel[s], scr[s], why);
                                                checked++;
                                        }
                                }
                        }
                }
        }
        assert_true(checked > 600000);
}

static void too_small_20x5_shows_a_message(void **state)
{
        struct layout_in in = {.rows = 5, .cols = 20, .ndev = 7};
        struct layout l;

        layout_compute(&in, &l);
        assert_true(l.too_small);
        assert_int_equal(l.message.w, 20);
        assert_int_equal(l.message.h, 2);
        assert_int_equal(l.list.h, 0);
        assert_int_equal(l.header.h, 0);
        assert_null(check(&in, &l));
        /* the smallest accepted size is a real layout */
        in.rows = LAYOUT_MIN_ROWS;
        in.cols = LAYOUT_MIN_COLS;
        layout_compute(&in, &l);
        assert_false(l.too_small);
        assert_true(l.list.h >= 1);
        assert_null(check(&in, &l));
}

static void degenerate_sizes_give_empty_layouts(void **state)
{
        static const int sz[][2] = {{0, 0}, {1, 1}, {-3, 80}, {24, -1}, {1, 400}, {120, 1}};
        struct layout l;

        for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
                struct layout_in in = {
                    .rows = sz[i][0], .cols = sz[i][1], .ndev = 3, .selected = 2};

                layout_compute(&in, &l);
                assert_true(l.too_small);
                assert_null(check(&in, &l));
                if (in.rows <= 0 || in.cols <= 0)
                        assert_int_equal(l.message.h, 0);
        }
}

static void selection_scrolls_into_view_and_stays_put(void **state)
{
        struct layout_in in = {.rows = 24, .cols = 80, .ndev = 1000, .selected = 999};
        struct layout l;
        size_t vis;

        layout_compute(&in, &l);
        vis = (size_t)l.list.h;
        assert_int_equal(l.scroll, 1000 - vis);
        /* moving up inside the window does not scroll */
        in.scroll = l.scroll;
        in.selected = l.scroll + 1;
        layout_compute(&in, &l);
        assert_int_equal(l.scroll, 1000 - vis);
        /* moving above the window scrolls by exactly what is needed */
        in.selected = 1000 - vis - 3;
        layout_compute(&in, &l);
        assert_int_equal(l.scroll, in.selected);
        /* selection past the end is clamped to the last device */
        in.selected = 5000;
        layout_compute(&in, &l);
        assert_int_equal(l.selected, 999);
        assert_int_equal(l.scroll, 1000 - vis);
}

static void regression_grow_after_scroll_leaves_no_blank_rows(void **state)
{
        struct layout_in in = {.rows = 8, .cols = 80, .ndev = 7, .selected = 6};
        struct layout l;

        layout_compute(&in, &l);
        assert_true(l.scroll > 0);
        in.scroll = l.scroll;
        in.rows = 40;
        layout_compute(&in, &l);
        assert_int_equal(l.scroll, 0);
}

static int col_index(const struct layout *l, enum layout_col id)
{
        for (size_t i = 0; i < l->ncols; i++)
                if (l->col[i].id == id)
                        return (int)i;
        return -1;
}

static void narrow_terminal_drops_lowest_priority_columns(void **state)
{
        struct layout_in in = {.rows = 24, .cols = 400, .ndev = 7, .want = all_cols, .nwant = 10};
        struct layout l;

        layout_compute(&in, &l);
        assert_int_equal(l.ncols, 10);
        assert_int_equal(l.ndropped, 0);
        /* wanted order is kept */
        assert_int_equal(l.col[0].id, LAYOUT_COL_FEATURES);
        assert_int_equal(l.col[9].id, LAYOUT_COL_DEVICE);

        in.cols = 70;
        layout_compute(&in, &l);
        assert_true(l.ndropped > 0);
        assert_int_equal(col_index(&l, LAYOUT_COL_FEATURES), -1);
        assert_true(col_index(&l, LAYOUT_COL_STATE) >= 0);
        assert_true(col_index(&l, LAYOUT_COL_DEVICE) >= 0);

        in.cols = LAYOUT_MIN_COLS;
        layout_compute(&in, &l);
        assert_true(col_index(&l, LAYOUT_COL_DEVICE) >= 0);
        assert_true(col_index(&l, LAYOUT_COL_STATE) >= 0);
        /* each kept column is more important than every dropped one */
        for (int c = 0; c < LAYOUT_NCOLS; c++) {
                if (col_index(&l, c) >= 0)
                        continue;
                for (size_t i = 0; i < l.ncols; i++)
                        assert_true(layout_col_get(l.col[i].id)->priority <=
                                    layout_col_get(c)->priority);
        }
}

static void long_device_names_are_marked_truncated(void **state)
{
        struct layout_in in = {.rows = 24, .cols = 60, .ndev = 2, .name_w = 36};
        struct layout l;
        int i;

        layout_compute(&in, &l);
        i = col_index(&l, LAYOUT_COL_DEVICE);
        assert_true(i >= 0);
        assert_true(l.col[i].w < 36);
        assert_true(l.col[i].truncated);
        in.cols = 400;
        layout_compute(&in, &l);
        i = col_index(&l, LAYOUT_COL_DEVICE);
        assert_int_equal(l.col[i].w, 36);
        assert_false(l.col[i].truncated);
}

static void device_column_is_always_shown(void **state)
{
        struct layout_in in = {.rows = 24, .cols = 80, .want = state_only, .nwant = 1};
        struct layout l;

        layout_compute(&in, &l);
        assert_int_equal(l.ncols, 2);
        assert_int_equal(l.col[0].id, LAYOUT_COL_DEVICE);
        assert_int_equal(l.col[1].id, LAYOUT_COL_STATE);
}

static void compare_hex_modes_follow_the_width(void **state)
{
        int quad = 4 * LAYOUT_HEX_W(16) + 3, grid = 2 * LAYOUT_HEX_W(16) + 1;
        struct layout_in in = {.rows = 40, .cols = quad, .view = LAYOUT_VIEW_COMPARE_HEX};
        struct layout l;

        assert_int_equal(LAYOUT_HEX_W(16), 58);
        layout_compute(&in, &l);
        assert_int_equal(l.mode, LAYOUT_COMPARE_QUAD);
        assert_int_equal(l.npanes, 4);
        for (int i = 0; i < 4; i++) {
                assert_int_equal(l.pane[i].id, i);
                assert_int_equal(l.pane[i].bpl, 16);
                assert_int_equal(l.pane[i].r.y, l.pane[0].r.y);
        }
        assert_true(l.pane[0].r.x < l.pane[1].r.x);

        in.cols = quad - 1;
        layout_compute(&in, &l);
        assert_int_equal(l.mode, LAYOUT_COMPARE_GRID);
        assert_int_equal(l.npanes, 4);
        /* source left of destination, dev_data above migf_data */
        assert_int_equal(l.pane[LAYOUT_PANE_SRC_DEV_DATA].r.y,
                         l.pane[LAYOUT_PANE_DST_DEV_DATA].r.y);
        assert_true(l.pane[LAYOUT_PANE_SRC_DEV_DATA].r.x < l.pane[LAYOUT_PANE_DST_DEV_DATA].r.x);
        assert_true(l.pane[LAYOUT_PANE_SRC_MIGF_DATA].r.y > l.pane[LAYOUT_PANE_SRC_DEV_DATA].r.y);
        assert_int_equal(l.pane[3].bpl, 16);

        in.cols = grid;
        in.rows = 9; /* too short for two rows of panes */
        in.page = 1;
        layout_compute(&in, &l);
        assert_int_equal(l.mode, LAYOUT_COMPARE_PAIR);
        assert_int_equal(l.npages, 2);
        assert_int_equal(l.page, 1);
        assert_int_equal(l.npanes, 2);
        assert_int_equal(l.pane[0].id, LAYOUT_PANE_SRC_MIGF_DATA);
        assert_int_equal(l.pane[1].id, LAYOUT_PANE_DST_MIGF_DATA);

        in.cols = grid - 1;
        in.rows = 24;
        in.page = 7;
        layout_compute(&in, &l);
        assert_int_equal(l.mode, LAYOUT_COMPARE_SINGLE);
        assert_int_equal(l.npages, 4);
        assert_int_equal(l.page, 3);
        assert_int_equal(l.npanes, 1);
        assert_int_equal(l.pane[0].id, LAYOUT_PANE_DST_MIGF_DATA);
        assert_int_equal(l.pane[0].bpl, 16);

        in.cols = LAYOUT_MIN_COLS;
        in.page = -1;
        layout_compute(&in, &l);
        assert_int_equal(l.page, 0);
        assert_int_equal(l.pane[0].bpl, 8);
}

static void compare_decoded_needs_less_width(void **state)
{
        struct layout_in in = {
            .rows = 24, .cols = 4 * LAYOUT_DECODED_MIN_W + 3, .view = LAYOUT_VIEW_COMPARE_DECODED};
        struct layout l;

        layout_compute(&in, &l);
        assert_int_equal(l.mode, LAYOUT_COMPARE_QUAD);
        in.view = LAYOUT_VIEW_COMPARE_HEX;
        layout_compute(&in, &l);
        assert_int_equal(l.mode, LAYOUT_COMPARE_GRID);
}

static void detail_puts_data_beside_history_when_wide(void **state)
{
        struct layout_in in = {.rows = 30, .cols = 120, .view = LAYOUT_VIEW_DETAIL};
        struct layout l;

        layout_compute(&in, &l);
        assert_int_equal(l.npanes, 3);
        assert_int_equal(l.pane[0].id, LAYOUT_DETAIL_SUMMARY);
        assert_int_equal(l.pane[1].id, LAYOUT_DETAIL_DATA);
        assert_int_equal(l.pane[1].bpl, 16);
        assert_int_equal(l.pane[1].r.y, l.pane[2].r.y);
        in.cols = 60;
        layout_compute(&in, &l);
        assert_int_equal(l.npanes, 3);
        assert_true(l.pane[2].r.y > l.pane[1].r.y);
        in.rows = LAYOUT_MIN_ROWS;
        layout_compute(&in, &l);
        assert_int_equal(l.npanes, 1);
}

static void hex_bpl_steps(void **state)
{
        assert_int_equal(layout_hex_bpl(58), 16);
        assert_int_equal(layout_hex_bpl(57), 8);
        assert_int_equal(layout_hex_bpl(34), 8);
        assert_int_equal(layout_hex_bpl(33), 4);
        assert_int_equal(layout_hex_bpl(22), 4);
        assert_int_equal(layout_hex_bpl(21), 0);
}

static void ellipsis_keeps_both_ends_of_a_bdf(void **state)
{
        char out[64];

        assert_int_equal(
            layout_ellipsize("0000:3b:00.1", 12, LAYOUT_ELLIPSIS_MIDDLE, true, out, sizeof(out)),
            12);
        assert_string_equal(out, "0000:3b:00.1");
        assert_int_equal(
            layout_ellipsize("0000:3b:00.1", 9, LAYOUT_ELLIPSIS_MIDDLE, true, out, sizeof(out)), 9);
        assert_string_equal(out, "0000\xe2\x80\xa6"
                                 "00.1");
        layout_ellipsize("0000:3b:00.1", 9, LAYOUT_ELLIPSIS_END, false, out, sizeof(out));
        assert_string_equal(out, "0000:3b:~");
        layout_ellipsize("abc", 1, LAYOUT_ELLIPSIS_END, false, out, sizeof(out));
        assert_string_equal(out, "~");
        assert_int_equal(layout_ellipsize("abc", 0, LAYOUT_ELLIPSIS_END, true, out, sizeof(out)),
                         0);
        assert_string_equal(out, "");
        assert_int_equal(layout_ellipsize("abcdef", 4, LAYOUT_ELLIPSIS_END, true, out, 4), -ENOSPC);
}

static void ellipsis_never_splits_utf8(void **state)
{
        char out[64];
        /* "état-état" : 9 code points, 11 bytes */
        const char *s = "\xc3\xa9tat-\xc3\xa9tat";

        assert_int_equal(layout_ellipsize(s, 9, LAYOUT_ELLIPSIS_END, true, out, sizeof(out)), 9);
        assert_string_equal(out, s);
        assert_int_equal(layout_ellipsize(s, 3, LAYOUT_ELLIPSIS_MIDDLE, true, out, sizeof(out)), 3);
        assert_string_equal(out, "\xc3\xa9\xe2\x80\xa6t");
}

/* --host: the host lines sit under the header and never leave the body fewer than 3 rows. */
static void host_lines_under_the_header(void **state)
{
        struct layout_in in = {.rows = 40, .cols = 120, .view = LAYOUT_VIEW_LIST, .ndev = 4};
        struct layout l;
        char out[32];

        (void)state;
        in.host_rows = 2;
        layout_compute(&in, &l);
        assert_int_equal(l.hosts.y, 1);
        assert_int_equal(l.hosts.h, 2);
        assert_int_equal(l.body.y, 3);
        assert_false(layout_rect_overlap(&l.hosts, &l.body));
        assert_false(layout_rect_overlap(&l.hosts, &l.header));
        for (int rows = LAYOUT_MIN_ROWS; rows <= 12; rows++) {
                in.rows = rows;
                in.host_rows = 16;
                layout_compute(&in, &l);
                assert_true(l.body.h >= LAYOUT_HOSTS_BODY_MIN);
                assert_true(l.hosts.h >= 0);
                assert_false(layout_rect_overlap(&l.hosts, &l.body));
                assert_true(layout_rect_inside(&l.hosts, rows, 120));
        }
        /* a stale state keeps its mark in its short form */
        layout_short_word("RUNNING_P2P?", out, sizeof(out));
        assert_string_equal(out, "RUN_P2P?");
        /* the HOST column is dropped first */
        for (int c = 0; c < LAYOUT_NCOLS; c++)
                assert_true(layout_col_get(LAYOUT_COL_HOST)->priority >=
                            layout_col_get((enum layout_col)c)->priority);
}

static void column_names_round_trip(void **state)
{
        for (int c = 0; c < LAYOUT_NCOLS; c++) {
                const char *n = layout_col_get(c)->name;

                assert_int_equal(layout_col_from_name(n, strlen(n)), c);
                /* at its minimum width a column still shows its short heading */
                assert_true(layout_col_get(c)->min_w >=
                            (int)strlen(layout_col_get(c)->short_title));
                assert_true(layout_col_get(c)->pref_w >= (int)strlen(layout_col_get(c)->title));
        }
        assert_int_equal(layout_col_from_name("STATE", 5), LAYOUT_COL_STATE);
        assert_int_equal(layout_col_from_name("stat", 4), -EINVAL);
        assert_int_equal(layout_col_from_name("states", 6), -EINVAL);
        assert_null(layout_col_get(LAYOUT_NCOLS));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(every_size_keeps_every_promise),
            cmocka_unit_test(too_small_20x5_shows_a_message),
            cmocka_unit_test(degenerate_sizes_give_empty_layouts),
            cmocka_unit_test(selection_scrolls_into_view_and_stays_put),
            cmocka_unit_test(regression_grow_after_scroll_leaves_no_blank_rows),
            cmocka_unit_test(narrow_terminal_drops_lowest_priority_columns),
            cmocka_unit_test(long_device_names_are_marked_truncated),
            cmocka_unit_test(device_column_is_always_shown),
            cmocka_unit_test(compare_hex_modes_follow_the_width),
            cmocka_unit_test(compare_decoded_needs_less_width),
            cmocka_unit_test(detail_puts_data_beside_history_when_wide),
            cmocka_unit_test(hex_bpl_steps),
            cmocka_unit_test(ellipsis_keeps_both_ends_of_a_bdf),
            cmocka_unit_test(ellipsis_never_splits_utf8),
            cmocka_unit_test(column_names_round_trip),
            cmocka_unit_test(host_lines_under_the_header),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
