/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_match: mismatch lines and the field and byte diffs of two decoded copies (the
 * rules are checks: test_acccheck.c).  Buffers are built field by field at the offsets of
 * struct acc_vf_data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../kacc.h"
#include "core/match.h"

#define PUT(buf, F, v)                                                                             \
        put_le(buf, offsetof(struct k_acc_v2, F), sizeof(((struct k_acc_v2 *)0)->F), v)

static void put_le(uint8_t *buf, size_t off, size_t size, uint64_t v)
{
        for (size_t i = 0; i < size; i++)
                buf[off + i] = (uint8_t)(v >> (8 * i));
}

struct dev {
        uint64_t magic;
        unsigned major, minor;
        uint32_t qp_num, dev_id, iso;
};

/* A device as the kernel's vf_qm_get_match_data() + vf_qm_state_save() fill it. */
static const struct dev q16 = {ACC_MAGIC_V2, 1, 0, 16, 0xa256, 0};

static void build(uint8_t *buf, const struct dev *d)
{
        memset(buf, 0, ACC_STRUCT_SIZE + 32);
        PUT(buf, acc_magic, d->magic);
        PUT(buf, qp_num, d->qp_num);
        PUT(buf, dev_id, d->dev_id);
        PUT(buf, que_iso_cfg, d->iso);
        PUT(buf, qp_base, 0);
        PUT(buf, vf_qm_state, 1);
        if (d->magic == ACC_MAGIC_V2) {
                PUT(buf, major_ver, d->major);
                PUT(buf, minor_ver, d->minor);
        }
        PUT(buf, page_size, 4096);
        for (unsigned i = 0; i < 7; i++) {
                PUT(buf, qm_eqc_dw[i], 0x100 + i);
                PUT(buf, qm_aeqc_dw[i], 0x200 + i);
        }
        PUT(buf, eqe_dma, 0x10000000ull);
        PUT(buf, aeqe_dma, 0x20000000ull);
        PUT(buf, sqc_dma, 0x30000000ull);
        PUT(buf, cqc_dma, 0x40000000ull);
}

static void decode(const struct dev *d, size_t len, struct acc_decoded *out)
{
        uint8_t buf[ACC_STRUCT_SIZE + 32];

        build(buf, d);
        acc_decode(buf, len, out);
}

static void mismatch_line_has_both_values(void **state)
{
        struct match_mismatch m = {"qp_num", 16, 0, true, false, "failed to match VF qp num"};
        char line[200];

        match_mismatch_format(&m, line, sizeof(line));
        assert_string_equal(line, "failed to match VF qp num: qp_num source 16, destination ?");
        m.field = "dev_id";
        m.src = 0xa256;
        m.dst = 0xa259;
        m.dst_valid = true;
        m.reason = "failed to match VF devices";
        match_mismatch_format(&m, line, sizeof(line));
        assert_string_equal(line,
                            "failed to match VF devices: dev_id source 0xa256, destination 0xa259");
        m.field = "qm_eqc_dw[3]";
        m.src = 0x10;
        m.dst = 0x11;
        m.reason = "not restored";
        match_mismatch_format(&m, line, sizeof(line));
        assert_string_equal(line, "not restored: qm_eqc_dw[3] source 0x10, destination 0x11");
        assert_string_equal(match_verdict_name(MATCH_ACCEPT), "accept");
        assert_string_equal(match_verdict_name(MATCH_REJECT), "reject");
        assert_string_equal(match_verdict_name(MATCH_INCOMPLETE), "incomplete");
}

static bool has(const struct match_field_diff *fd, const char *name)
{
        for (unsigned i = 0; i < fd->n; i++)
                if (strcmp(fd->field[i], name) == 0)
                        return true;
        return false;
}

static void field_diff(void **state)
{
        struct acc_decoded a, b;
        struct match_field_diff fd;
        struct dev d = q16, v1 = q16;

        decode(&q16, ACC_STRUCT_SIZE, &a);
        decode(&q16, ACC_STRUCT_SIZE, &b);
        match_diff_fields(&a, &b, &fd);
        assert_int_equal(fd.n, 0);
        d.qp_num = 8;
        decode(&d, ACC_STRUCT_SIZE, &b);
        match_diff_fields(&a, &b, &fd);
        assert_int_equal(fd.n, 1);
        assert_string_equal(fd.field[0], "qp_num");
        /* the 144-byte dump lacks the four DMA fields */
        decode(&q16, ACC_DUMP_SIZE, &b);
        match_diff_fields(&a, &b, &fd);
        assert_int_equal(fd.n, 4);
        assert_true(has(&fd, "eqe_dma") && has(&fd, "cqc_dma"));
        /* V1 against V2: the layouts differ at offset 28 */
        v1.magic = ACC_MAGIC_V1;
        decode(&v1, ACC_STRUCT_SIZE, &b);
        match_diff_fields(&a, &b, &fd);
        assert_true(has(&fd, "acc_magic"));
        assert_true(has(&fd, "major_ver") && has(&fd, "minor_ver"));
        assert_true(has(&fd, "qm_rsv_state"));
        assert_false(has(&fd, "qp_num"));
        match_diff_fields(&b, &a, &fd);
        assert_true(has(&fd, "major_ver") && has(&fd, "qm_rsv_state"));
        match_diff_fields(&a, NULL, &fd);
        assert_int_equal(fd.n, a.nfields);
}

static void byte_diff(void **state)
{
        uint8_t a[ACC_STRUCT_SIZE + 32], b[ACC_STRUCT_SIZE + 32];
        uint8_t map[ACC_STRUCT_SIZE / 8], small[2];
        struct dev d = q16;

        build(a, &q16);
        build(b, &q16);
        memset(map, 0xff, sizeof(map));
        assert_int_equal(match_diff_bytes(a, ACC_STRUCT_SIZE, b, ACC_STRUCT_SIZE, map, sizeof(map)),
                         0);
        for (size_t i = 0; i < sizeof(map); i++)
                assert_int_equal(map[i], 0);
        /* qp_num 16 -> 8: one byte, at offset 8 */
        d.qp_num = 8;
        build(b, &d);
        assert_int_equal(match_diff_bytes(a, ACC_STRUCT_SIZE, b, ACC_STRUCT_SIZE, map, sizeof(map)),
                         1);
        assert_int_equal(map[1], 0x01);
        assert_int_equal(map[0], 0);
        /* bytes on one side only count as different */
        build(b, &q16);
        assert_int_equal(match_diff_bytes(a, ACC_STRUCT_SIZE, b, ACC_DUMP_SIZE, map, sizeof(map)),
                         ACC_STRUCT_SIZE - ACC_DUMP_SIZE);
        for (size_t i = 0; i < sizeof(map); i++)
                assert_int_equal(map[i], i >= ACC_DUMP_SIZE / 8 ? 0xff : 0);
        /* a short map: counted, not written past */
        assert_int_equal(match_diff_bytes(a, ACC_STRUCT_SIZE, b, 0, small, sizeof(small)),
                         ACC_STRUCT_SIZE);
        assert_int_equal(small[0], 0xff);
        assert_int_equal(match_diff_bytes(a, 10, NULL, 0, NULL, 0), 10);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(mismatch_line_has_both_values),
            cmocka_unit_test(field_diff),
            cmocka_unit_test(byte_diff),
        };
        return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
