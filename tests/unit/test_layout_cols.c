/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The list's column solver at the widths people use (20 to 250 columns) with the cell
 * widths of a real pair (a source in STOP, a destination in RESUMING whose dev_data and
 * cmd_state say not_opened, a marked pair whose verdict is "incomplete").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ui/layout.h"

#define NDEF 9 /* default columns */

/* Widest cell or heading, in full and in short form (what view_list_measure() finds). */
static void pair_widths(struct layout_in *in)
{
        static const int full[LAYOUT_NCOLS] = {
            [LAYOUT_COL_DEVICE] = 14,    /* "S!0000:86:00.1" */
            [LAYOUT_COL_STATE] = 8,      /* RESUMING */
            [LAYOUT_COL_AGE] = 6,        /* 12m05s */
            [LAYOUT_COL_DRIVER] = 8,     /* hisi_acc */
            [LAYOUT_COL_DEV_DATA] = 10,  /* not_opened */
            [LAYOUT_COL_MIGF_DATA] = 9,  /* MIGF_DATA (cells "ok 144B") */
            [LAYOUT_COL_MATCH] = 10,     /* incomplete */
            [LAYOUT_COL_CMD_STATE] = 10, /* not_opened */
            [LAYOUT_COL_CHANGES] = 3,    /* CHG */
            [LAYOUT_COL_FEATURES] = 22,  /* stop-copy,p2p,pre-copy */
            [LAYOUT_COL_HOST] = 5,       /* local */
        };
        static const int shrt[LAYOUT_NCOLS] = {
            [LAYOUT_COL_DEVICE] = 14,   [LAYOUT_COL_STATE] = 8,     [LAYOUT_COL_AGE] = 6,
            [LAYOUT_COL_DRIVER] = 8,    [LAYOUT_COL_DEV_DATA] = 6,  [LAYOUT_COL_MIGF_DATA] = 4,
            [LAYOUT_COL_MATCH] = 7,     [LAYOUT_COL_CMD_STATE] = 6, [LAYOUT_COL_CHANGES] = 3,
            [LAYOUT_COL_FEATURES] = 22, [LAYOUT_COL_HOST] = 5,
        };

        memcpy(in->full_w, full, sizeof(full));
        memcpy(in->short_w, shrt, sizeof(shrt));
        in->name_w = full[LAYOUT_COL_DEVICE];
}

static const struct layout_col_out *col(const struct layout *l, enum layout_col id)
{
        for (size_t i = 0; i < l->ncols; i++)
                if (l->col[i].id == id)
                        return &l->col[i];
        return NULL;
}

static int prio(enum layout_col id)
{
        return layout_col_get(id)->priority;
}

/* What every width must keep; returns NULL or the broken promise. */
static const char *promises(const struct layout_in *in, const struct layout *l, int width,
                            size_t nwanted)
{
        int end = 0;

        if (l->ncols < 1 || l->col[0].id != LAYOUT_COL_DEVICE)
                return "no device column first";
        if (l->ncols + l->ndropped != nwanted)
                return "columns lost (neither shown nor counted as dropped)";
        for (size_t i = 0; i < l->ncols; i++) {
                const struct layout_col_out *c = &l->col[i];

                if (c->x < end)
                        return "columns overlap";
                end = c->x + c->w + 1;
                if (c->id == LAYOUT_COL_DEVICE) {
                        int keep = width < LAYOUT_DEVICE_KEEP_W ? width : LAYOUT_DEVICE_KEEP_W;

                        if (c->w < keep)
                                return "device column narrower than a BDF";
                        continue;
                }
                /* short forms always fit: a column is dropped before a cell is cut */
                if (c->w < in->short_w[c->id])
                        return "a column narrower than its short forms";
                if (c->truncated != (c->w < in->full_w[c->id]))
                        return "truncated flag wrong";
                /* width goes to the most important columns first */
                for (size_t j = 0; c->truncated && j < l->ncols; j++)
                        if (prio(l->col[j].id) > prio(c->id) &&
                            l->col[j].w > in->short_w[l->col[j].id])
                                return "a less important column got width first";
        }
        if (end - 1 > width)
                return "wider than the list";
        /* a dropped (wanted) column is less important than every shown one */
        for (int id = 0; id < LAYOUT_NCOLS; id++) {
                if (col(l, id) || (!in->want && id == LAYOUT_COL_FEATURES))
                        continue;
                for (size_t i = 0; i < l->ncols; i++)
                        if (prio(l->col[i].id) > prio(id))
                                return "a more important column dropped before a less important";
        }
        return NULL;
}

static void fit(struct layout_in *in, int width, struct layout *l)
{
        memset(l, 0, sizeof(*l));
        layout_fit_cols(in, width, l);
}

static void at_20_only_the_device(void **state)
{
        struct layout_in in = {0};
        struct layout l;

        pair_widths(&in);
        fit(&in, 20, &l);
        assert_null(promises(&in, &l, 20, NDEF));
        assert_int_equal(l.ncols, 1);
        assert_int_equal(l.col[0].w, 14);
        assert_false(l.col[0].truncated);
        /* and the console at 20 columns shows its "too small" message, no list */
        in.rows = 24;
        in.cols = 20;
        layout_compute(&in, &l);
        assert_true(l.too_small);
        assert_true(l.message.h >= 1);
}

static void at_40_state_age_and_data_in_short_form(void **state)
{
        struct layout_in in = {0};
        struct layout l;

        pair_widths(&in);
        fit(&in, 40, &l);
        assert_null(promises(&in, &l, 40, NDEF));
        assert_int_equal(l.ncols, 4);
        assert_non_null(col(&l, LAYOUT_COL_STATE));
        assert_int_equal(col(&l, LAYOUT_COL_STATE)->w, 8);
        assert_non_null(col(&l, LAYOUT_COL_AGE));
        assert_non_null(col(&l, LAYOUT_COL_DEV_DATA));
        assert_true(col(&l, LAYOUT_COL_DEV_DATA)->truncated); /* "n/open" */
}

static void at_80_every_column_nothing_cut(void **state)
{
        struct layout_in in = {0};
        struct layout l;

        pair_widths(&in);
        fit(&in, 80, &l);
        assert_null(promises(&in, &l, 80, NDEF));
        assert_int_equal(l.ncols, NDEF);
        assert_int_equal(l.ndropped, 0);
        /* the important ones in full: not_opened in dev_data, RESUMING, the age */
        assert_int_equal(col(&l, LAYOUT_COL_DEV_DATA)->w, 10);
        assert_int_equal(col(&l, LAYOUT_COL_STATE)->w, 8);
        assert_int_equal(col(&l, LAYOUT_COL_MIGF_DATA)->w, 9);
        /* the mailbox in its short form ("n/open"), never "not_ope~" */
        assert_int_equal(col(&l, LAYOUT_COL_CMD_STATE)->w, 6);
        assert_true(col(&l, LAYOUT_COL_CMD_STATE)->truncated);
}

static void at_120_and_160_every_column_in_full(void **state)
{
        static const int widths[] = {120, 160};

        for (size_t k = 0; k < 2; k++) {
                struct layout_in in = {0};
                struct layout l;

                pair_widths(&in);
                fit(&in, widths[k], &l);
                assert_null(promises(&in, &l, widths[k], NDEF));
                assert_int_equal(l.ncols, NDEF);
                for (size_t i = 0; i < l.ncols; i++) {
                        assert_false(l.col[i].truncated);
                        assert_int_equal(l.col[i].w, in.full_w[l.col[i].id]);
                }
                /* CMD is as wide as "not_opened", not 6 */
                assert_int_equal(col(&l, LAYOUT_COL_CMD_STATE)->w, 10);
        }
}

static void at_250_all_columns(void **state)
{
        static const enum layout_col all[LAYOUT_NCOLS] = {
            LAYOUT_COL_DEVICE,   LAYOUT_COL_STATE,     LAYOUT_COL_AGE,   LAYOUT_COL_DRIVER,
            LAYOUT_COL_DEV_DATA, LAYOUT_COL_MIGF_DATA, LAYOUT_COL_MATCH, LAYOUT_COL_CMD_STATE,
            LAYOUT_COL_CHANGES,  LAYOUT_COL_FEATURES,  LAYOUT_COL_HOST,
        };
        struct layout_in in = {.want = all, .nwant = LAYOUT_NCOLS};
        struct layout l;

        pair_widths(&in);
        fit(&in, 250, &l);
        assert_null(promises(&in, &l, 250, LAYOUT_NCOLS));
        assert_int_equal(l.ncols, LAYOUT_NCOLS);
        for (size_t i = 0; i < l.ncols; i++)
                assert_false(l.col[i].truncated);
        /* and at 80 the least important (features, then changes, driver) go first */
        fit(&in, 80, &l);
        assert_null(promises(&in, &l, 80, LAYOUT_NCOLS));
        assert_null(col(&l, LAYOUT_COL_FEATURES));
        assert_non_null(col(&l, LAYOUT_COL_CMD_STATE));
        /* --host's column goes before all of them */
        assert_null(col(&l, LAYOUT_COL_HOST));
}

/* Every width from 1 to 300 keeps the promises. */
static void every_width(void **state)
{
        for (int w = 1; w <= 300; w++) {
                struct layout_in in = {0};
                struct layout l;
                const char *why;

                pair_widths(&in);
                fit(&in, w, &l);
                why = promises(&in, &l, w, NDEF);
                if (why)
                        fail_msg("width %d: %s", w, why);
        }
}

/* Long mdev UUIDs: the device column is middle-ellipsised, never below a BDF's width. */
static void uuid_names_shrink_to_a_bdf(void **state)
{
        struct layout_in in = {0};
        struct layout l;

        pair_widths(&in);
        in.name_w = 38;
        fit(&in, 80, &l);
        /* the short forms take 70 of 80 columns: the 10 left go to the device first */
        assert_int_equal(l.col[0].w, LAYOUT_DEVICE_KEEP_W + 10);
        assert_int_equal(l.ncols, NDEF);
        assert_true(l.col[0].truncated);
        fit(&in, 160, &l);
        assert_int_equal(l.col[0].w, 38);
        assert_false(l.col[0].truncated);
}

static void short_words_stay_readable(void **state)
{
        static const char *const map[][2] = {
            {"not_opened", "n/open"},    {"not_migrated", "n/migr"},
            {"not_ready", "n/rdy"},      {"mailbox_error", "mb/err"},
            {"unread", "unread"},        {"incomplete", "incompl"},
            {"PRE_COPY_P2P", "PRE_P2P"}, {"RUNNING_P2P", "RUN_P2P"},
            {"ok 144B", "144B"},         {"ok", "ok"},
            {"blocked", "blocked"},      {"STOP_COPY", "STOP_COPY"},
        };
        char out[32];

        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
                layout_short_word(map[i][0], out, sizeof(out));
                assert_string_equal(out, map[i][1]);
                assert_true(strlen(out) <= strlen(map[i][0]));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(at_20_only_the_device),
            cmocka_unit_test(at_40_state_age_and_data_in_short_form),
            cmocka_unit_test(at_80_every_column_nothing_cut),
            cmocka_unit_test(at_120_and_160_every_column_in_full),
            cmocka_unit_test(at_250_all_columns),
            cmocka_unit_test(every_width),
            cmocka_unit_test(uuid_names_shrink_to_a_bdf),
            cmocka_unit_test(short_words_stay_readable),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
