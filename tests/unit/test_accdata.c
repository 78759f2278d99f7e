/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_accdata: struct acc_vf_data decoding.  The expected layouts are C structs written
 * from drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.h (V2) and its V1 predecessor
 * (qm_rsv_state[3] at 28); offsets come from offsetof(), and input buffers are built
 * field by field in little-endian order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../kacc.h"
#include "core/accdata.h"

_Static_assert(sizeof(struct k_acc_v2) == ACC_STRUCT_SIZE, "V2 size");
_Static_assert(sizeof(struct k_acc_v1) == ACC_STRUCT_SIZE, "V1 size");
_Static_assert(offsetof(struct k_acc_v2, aeq_int_mask) == ACC_MATCH_SIZE, "QM_MATCH_SIZE");
_Static_assert(offsetof(struct k_acc_v2, eqe_dma) == ACC_DUMP_SIZE, "dump size");

struct want {
        const char *name;
        size_t offset, size, count;
};

#define W(S, F)                                                                                    \
        {                                                                                          \
#F, offsetof(struct S, F), sizeof(((struct S *)0)->F[0]),                          \
                    sizeof(((struct S *)0)->F) / sizeof(((struct S *)0)->F[0])                     \
        }
/* scalars: F[0] is not valid C for them, so a second form */
#define WS(S, F)                                                                                   \
        {                                                                                          \
#F, offsetof(struct S, F), sizeof(((struct S *)0)->F), 1                           \
        }

static const struct want want_v2[] = {
    WS(k_acc_v2, acc_magic),    WS(k_acc_v2, qp_num),      WS(k_acc_v2, dev_id),
    WS(k_acc_v2, que_iso_cfg),  WS(k_acc_v2, qp_base),     WS(k_acc_v2, vf_qm_state),
    WS(k_acc_v2, major_ver),    WS(k_acc_v2, minor_ver),   W(k_acc_v2, qm_rsv_state),
    WS(k_acc_v2, aeq_int_mask), WS(k_acc_v2, eq_int_mask), WS(k_acc_v2, ifc_int_source),
    WS(k_acc_v2, ifc_int_mask), WS(k_acc_v2, ifc_int_set), WS(k_acc_v2, page_size),
    W(k_acc_v2, qm_eqc_dw),     W(k_acc_v2, qm_aeqc_dw),   W(k_acc_v2, qm_rsv_regs),
    WS(k_acc_v2, padding),      WS(k_acc_v2, eqe_dma),     WS(k_acc_v2, aeqe_dma),
    WS(k_acc_v2, sqc_dma),      WS(k_acc_v2, cqc_dma),
};

static const struct want want_v1[] = {
    WS(k_acc_v1, acc_magic),      WS(k_acc_v1, qp_num),       WS(k_acc_v1, dev_id),
    WS(k_acc_v1, que_iso_cfg),    WS(k_acc_v1, qp_base),      WS(k_acc_v1, vf_qm_state),
    W(k_acc_v1, qm_rsv_state),    WS(k_acc_v1, aeq_int_mask), WS(k_acc_v1, eq_int_mask),
    WS(k_acc_v1, ifc_int_source), WS(k_acc_v1, ifc_int_mask), WS(k_acc_v1, ifc_int_set),
    WS(k_acc_v1, page_size),      W(k_acc_v1, qm_eqc_dw),     W(k_acc_v1, qm_aeqc_dw),
    W(k_acc_v1, qm_rsv_regs),     WS(k_acc_v1, padding),      WS(k_acc_v1, eqe_dma),
    WS(k_acc_v1, aeqe_dma),       WS(k_acc_v1, sqc_dma),      WS(k_acc_v1, cqc_dma),
};

#define NW(a) (sizeof(a) / sizeof(a[0]))

static void put_le(uint8_t *buf, size_t off, size_t size, uint64_t v)
{
        for (size_t i = 0; i < size; i++)
                buf[off + i] = (uint8_t)(v >> (8 * i));
}

/* A value unique to (field, element) that fills its size, so a shifted read is caught. */
static uint64_t pattern(size_t field, size_t elem, size_t size)
{
        uint64_t v = 0x8000000000000000ull | ((uint64_t)(field + 1) << 40) |
                     ((uint64_t)(elem + 1) << 24) | 0x00a5c3ull | ((uint64_t)field << 8);

        if (size < 8)
                v = (v ^ (v >> 32)) & ((1ull << (8 * size)) - 1);
        return v | (1ull << (8 * size - 1)); /* top byte non-zero */
}

/* Fill a 176-byte buffer field by field; field 0 (the magic) is given. */
static void build(uint8_t *buf, const struct want *w, size_t nw, uint64_t magic)
{
        memset(buf, 0, ACC_STRUCT_SIZE);
        for (size_t i = 0; i < nw; i++)
                for (size_t k = 0; k < w[i].count; k++)
                        put_le(buf, w[i].offset + k * w[i].size, w[i].size,
                               i == 0 ? magic : pattern(i, k, w[i].size));
}

static void check_fields(const uint8_t *buf, size_t len, const struct want *w, size_t nw,
                         uint64_t magic, enum acc_layout layout)
{
        struct acc_decoded d;

        acc_decode(buf, len, &d);
        assert_int_equal(d.len, len);
        assert_int_equal(d.layout, len >= 8 ? layout : ACC_LAYOUT_UNKNOWN);
        assert_int_equal(d.nfields, nw);
        for (size_t i = 0; i < nw; i++) {
                const struct acc_field *f = acc_field_find(&d, w[i].name);
                bool all = true;

                assert_non_null(f);
                assert_ptr_equal(f, &d.fields[i]); /* the kernel's order */
                assert_int_equal(f->offset, w[i].offset);
                assert_int_equal(f->elem_size, w[i].size);
                assert_int_equal(f->count, w[i].count);
                for (size_t k = 0; k < w[i].count; k++) {
                        bool in = w[i].offset + (k + 1) * w[i].size <= len;
                        uint64_t v = i == 0 ? magic : pattern(i, k, w[i].size);

                        assert_int_equal(!!(f->valid_mask & (1u << k)), in);
                        assert_int_equal(f->value[k], in ? v : 0);
                        all = all && in;
                }
                assert_int_equal(f->valid_mask >> w[i].count, 0);
                assert_int_equal(acc_field_valid(f), all);
        }
}

static void v2_every_field_at_its_offset(void **state)
{
        uint8_t buf[ACC_STRUCT_SIZE];

        build(buf, want_v2, NW(want_v2), ACC_MAGIC_V2);
        check_fields(buf, sizeof(buf), want_v2, NW(want_v2), ACC_MAGIC_V2, ACC_LAYOUT_V2);
}

static void v1_every_field_at_its_offset(void **state)
{
        uint8_t buf[ACC_STRUCT_SIZE];
        struct acc_decoded d;

        build(buf, want_v1, NW(want_v1), ACC_MAGIC_V1);
        check_fields(buf, sizeof(buf), want_v1, NW(want_v1), ACC_MAGIC_V1, ACC_LAYOUT_V1);
        acc_decode(buf, sizeof(buf), &d);
        assert_null(acc_field_find(&d, "major_ver"));
        assert_null(acc_field_find(&d, "minor_ver"));
        assert_int_equal(acc_field_find(&d, "qm_rsv_state")->count, 3);
}

static void magic_bytes_are_little_endian(void **state)
{
        uint8_t buf[ACC_MATCH_SIZE] = {0};
        struct acc_decoded d;

        put_le(buf, 0, 8, ACC_MAGIC_V2);
        assert_int_equal(buf[0], 0xde); /* 0xAACCFEEDDECADEDE, lowest byte first */
        assert_int_equal(buf[7], 0xaa);
        acc_decode(buf, sizeof(buf), &d);
        assert_int_equal(d.layout, ACC_LAYOUT_V2);
        /* the same bytes big-endian are not a magic */
        for (int i = 0; i < 8; i++)
                buf[i] = (uint8_t)(ACC_MAGIC_V2 >> (56 - 8 * i));
        acc_decode(buf, sizeof(buf), &d);
        assert_int_equal(d.layout, ACC_LAYOUT_UNKNOWN);
}

static void unknown_magic_uses_v2_offsets(void **state)
{
        uint8_t buf[ACC_STRUCT_SIZE];

        build(buf, want_v2, NW(want_v2), 0x0123456789abcdefull);
        check_fields(buf, sizeof(buf), want_v2, NW(want_v2), 0x0123456789abcdefull,
                     ACC_LAYOUT_UNKNOWN);
        build(buf, want_v2, NW(want_v2), 0);
        check_fields(buf, sizeof(buf), want_v2, NW(want_v2), 0, ACC_LAYOUT_UNKNOWN);
}

static void every_length_gives_exact_validity(void **state)
{
        uint8_t v2[ACC_STRUCT_SIZE], v1[ACC_STRUCT_SIZE];

        build(v2, want_v2, NW(want_v2), ACC_MAGIC_V2);
        build(v1, want_v1, NW(want_v1), ACC_MAGIC_V1);
        for (size_t len = 0; len <= ACC_STRUCT_SIZE; len++) {
                /* a copy of exactly len bytes: ASan catches any read past it */
                uint8_t *p2 = test_malloc(len ? len : 1), *p1 = test_malloc(len ? len : 1);

                memcpy(p2, v2, len);
                memcpy(p1, v1, len);
                check_fields(p2, len, want_v2, NW(want_v2), ACC_MAGIC_V2, ACC_LAYOUT_V2);
                /* without the whole magic the layout is unknown: V2 offsets */
                if (len < 8)
                        check_fields(p1, len, want_v2, NW(want_v2), 0, ACC_LAYOUT_UNKNOWN);
                else
                        check_fields(p1, len, want_v1, NW(want_v1), ACC_MAGIC_V1, ACC_LAYOUT_V1);
                test_free(p2);
                test_free(p1);
        }
}

static void dump_length_leaves_dma_fields_invalid(void **state)
{
        uint8_t buf[ACC_STRUCT_SIZE];
        struct acc_decoded d;

        build(buf, want_v2, NW(want_v2), ACC_MAGIC_V2);
        acc_decode(buf, ACC_DUMP_SIZE, &d);
        assert_true(acc_field_valid(acc_field_find(&d, "padding")));
        assert_false(acc_field_valid(acc_field_find(&d, "eqe_dma")));
        assert_false(acc_field_valid(acc_field_find(&d, "cqc_dma")));
        /* a half array: qm_eqc_dw[0..1] present, [2..6] not */
        acc_decode(buf, 64 + 9, &d);
        assert_int_equal(acc_field_find(&d, "qm_eqc_dw")->valid_mask, 0x3);
        assert_false(acc_field_valid(acc_field_find(&d, "qm_eqc_dw")));
}

static void longer_input_is_decoded_and_kept(void **state)
{
        uint8_t buf[ACC_STRUCT_SIZE + 24];

        build(buf, want_v2, NW(want_v2), ACC_MAGIC_V2);
        memset(buf + ACC_STRUCT_SIZE, 0xee, 24);
        check_fields(buf, sizeof(buf), want_v2, NW(want_v2), ACC_MAGIC_V2, ACC_LAYOUT_V2);
}

static void null_and_names(void **state)
{
        struct acc_decoded d;

        acc_decode(NULL, 50, &d);
        assert_int_equal(d.len, 0);
        assert_int_equal(d.layout, ACC_LAYOUT_UNKNOWN);
        assert_false(acc_field_valid(acc_field_find(&d, "acc_magic")));
        assert_null(acc_field_find(&d, "no_such_field"));
        assert_null(acc_field_find(NULL, "qp_num"));
        assert_false(acc_field_valid(NULL));
        assert_string_equal(acc_layout_name(ACC_LAYOUT_V1), "V1");
        assert_string_equal(acc_layout_name(ACC_LAYOUT_V2), "V2");
        assert_string_equal(acc_layout_name(ACC_LAYOUT_UNKNOWN), "unknown");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(v2_every_field_at_its_offset),
            cmocka_unit_test(v1_every_field_at_its_offset),
            cmocka_unit_test(magic_bytes_are_little_endian),
            cmocka_unit_test(unknown_magic_uses_v2_offsets),
            cmocka_unit_test(every_length_gives_exact_validity),
            cmocka_unit_test(dump_length_leaves_dma_fields_invalid),
            cmocka_unit_test(longer_input_is_decoded_and_kept),
            cmocka_unit_test(null_and_names),
        };
        return cmocka_run_group_tests_name("accdata", tests, NULL, NULL);
}
