/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_match: the destination's vf_qm_check_match() (hisi_acc_vfio_pci.c) as migtop
 * predicts it: each rule alone, several at once, accept, incomplete data, and the diffs.
 * Buffers are built field by field at the offsets of struct acc_vf_data.
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

/* src (len bytes) against a destination whose dev_data (144-byte dump) is dst. */
static void check(const struct dev *src, size_t len, const struct dev *dst, struct match_result *r)
{
        struct acc_decoded s, d;

        decode(src, len, &s);
        decode(dst, ACC_DUMP_SIZE, &d);
        match_check(&s, &d, r);
}

static void one_reject(const struct dev *src, const char *field, uint64_t sv, uint64_t dv,
                       const char *reason, const char *summary)
{
        struct match_result r;

        check(src, ACC_STRUCT_SIZE, &q16, &r);
        assert_int_equal(r.verdict, MATCH_REJECT);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.m[0].field, field);
        assert_int_equal(r.m[0].src, sv);
        assert_int_equal(r.m[0].dst, dv);
        assert_true(r.m[0].src_valid && r.m[0].dst_valid);
        assert_string_equal(r.m[0].reason, reason);
        assert_string_equal(r.summary, summary);
}

static void accept_same_device_type(void **state)
{
        struct match_result r;
        struct dev other_minor = q16;

        check(&q16, ACC_STRUCT_SIZE, &q16, &r);
        assert_int_equal(r.verdict, MATCH_ACCEPT);
        assert_int_equal(r.n, 0);
        assert_string_equal(r.summary, "destination accepts: V2 data");
        /* the source's debugfs dump (144 bytes) is judged the same way */
        check(&q16, ACC_DUMP_SIZE, &q16, &r);
        assert_int_equal(r.verdict, MATCH_ACCEPT);
        /* only the major version is checked */
        other_minor.minor = 7;
        check(&other_minor, ACC_STRUCT_SIZE, &q16, &r);
        assert_int_equal(r.verdict, MATCH_ACCEPT);
}

static void accept_match_data_only(void **state)
{
        struct match_result r;

        check(&q16, ACC_MATCH_SIZE, &q16, &r);
        assert_int_equal(r.verdict, MATCH_ACCEPT);
        assert_non_null(strstr(r.summary, "match data only"));
}

static void accept_v1_source_without_version(void **state)
{
        struct dev v1 = q16;
        uint8_t buf[ACC_STRUCT_SIZE + 32];
        struct acc_decoded s, d;
        struct match_result r;

        v1.magic = ACC_MAGIC_V1;
        build(buf, &v1);
        PUT(buf, major_ver, 9); /* V1: these bytes are qm_rsv_state[0], not a version */
        acc_decode(buf, ACC_STRUCT_SIZE, &s);
        decode(&q16, ACC_DUMP_SIZE, &d);
        match_check(&s, &d, &r);
        assert_int_equal(r.verdict, MATCH_ACCEPT);
        assert_string_equal(r.summary, "destination accepts: V1 data");
}

static void each_rule_alone(void **state)
{
        struct dev d;

        d = q16;
        d.magic = 0x1122334455667788ull;
        one_reject(&d, "acc_magic", 0x1122334455667788ull, ACC_MAGIC_V2,
                   "failed to match ACC_DEV_MAGIC",
                   "destination rejects: acc_magic 0x1122334455667788 unknown");
        d = q16;
        d.major = 2;
        one_reject(&d, "major_ver", 2, 1,
                   "failed to match ACC_DEV_MAGIC: migration driver version not match",
                   "destination rejects: major_ver 2 != 1");
        d = q16;
        d.dev_id = 0xa259;
        one_reject(&d, "dev_id", 0xa259, 0xa256, "failed to match VF devices",
                   "destination rejects: dev_id 0xa259 != 0xa256");
        d = q16;
        d.qp_num = 8;
        one_reject(&d, "qp_num", 8, 16, "failed to match VF qp num",
                   "destination rejects: qp_num 8 != 16");
        d = q16;
        d.iso = 1;
        one_reject(&d, "que_iso_cfg", 1, 0, "failed to match isolation state",
                   "destination rejects: que_iso_cfg 1 != 0");
}

static void destination_without_queues(void **state)
{
        struct dev noq = q16;
        struct acc_decoded s, d;
        struct match_result r;

        noq.qp_num = 0;
        decode(&q16, ACC_STRUCT_SIZE, &s);
        decode(&noq, ACC_DUMP_SIZE, &d);
        match_check(&s, &d, &r);
        assert_int_equal(r.verdict, MATCH_REJECT);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.m[0].reason, "failed to get vft qp nums");
}

static void too_long_fails_the_write(void **state)
{
        struct match_result r;

        check(&q16, ACC_STRUCT_SIZE + 1, &q16, &r);
        assert_int_equal(r.verdict, MATCH_REJECT);
        assert_string_equal(r.m[0].field, "length");
        assert_int_equal(r.m[0].src, ACC_STRUCT_SIZE + 1);
        assert_int_equal(r.m[0].dst, ACC_STRUCT_SIZE);
        assert_string_equal(r.summary, "destination rejects: length 177 > 176");
}

static void several_rules_in_kernel_order(void **state)
{
        struct dev d = q16;
        struct match_result r;

        d.iso = 3;
        d.qp_num = 8;
        d.dev_id = 0xa255;
        check(&d, ACC_STRUCT_SIZE, &q16, &r);
        assert_int_equal(r.verdict, MATCH_REJECT);
        assert_int_equal(r.n, 3);
        assert_string_equal(r.m[0].field, "dev_id");
        assert_string_equal(r.m[1].field, "qp_num");
        assert_string_equal(r.m[2].field, "que_iso_cfg");
        assert_int_equal(r.m[2].src, 3);
        assert_string_equal(r.summary, "destination rejects: dev_id 0xa255 != 0xa256 (+2 more)");
        d.magic = 0;
        check(&d, ACC_STRUCT_SIZE, &q16, &r);
        assert_int_equal(r.n, 4);
        assert_string_equal(r.m[0].field, "acc_magic"); /* the kernel logs this one */
}

static void short_source_is_incomplete(void **state)
{
        struct match_result r;
        struct dev bad = q16;

        for (size_t len = 1; len < ACC_MATCH_SIZE; len++) {
                check(&q16, len, &q16, &r);
                assert_int_equal(r.verdict, MATCH_INCOMPLETE);
                assert_string_equal(r.m[0].field, "length");
                assert_int_equal(r.m[0].src, len);
                assert_int_equal(r.m[0].dst, ACC_MATCH_SIZE);
        }
        check(&q16, 20, &q16, &r);
        assert_string_equal(r.summary, "incomplete: source has 20 of 40 bytes");
        /* from 40 bytes on, the check runs */
        for (size_t len = ACC_MATCH_SIZE; len <= ACC_STRUCT_SIZE; len++) {
                check(&q16, len, &q16, &r);
                assert_int_equal(r.verdict, MATCH_ACCEPT);
        }
        /* a difference already visible is listed, the verdict stays open */
        bad.qp_num = 8;
        check(&bad, 24, &q16, &r);
        assert_int_equal(r.verdict, MATCH_INCOMPLETE);
        assert_int_equal(r.n, 2);
        assert_string_equal(r.m[1].field, "qp_num");
}

static void missing_sides_are_incomplete(void **state)
{
        struct acc_decoded s, d;
        struct match_result r;

        decode(&q16, ACC_STRUCT_SIZE, &s);
        match_check(NULL, NULL, &r);
        assert_int_equal(r.verdict, MATCH_INCOMPLETE);
        assert_string_equal(r.summary, "incomplete: no source data");
        match_check(&s, NULL, &r);
        assert_int_equal(r.verdict, MATCH_INCOMPLETE);
        assert_int_equal(r.n, 3);
        for (unsigned i = 0; i < 3; i++) {
                assert_false(r.m[i].dst_valid);
                assert_true(r.m[i].src_valid);
        }
        /* a destination dump cut before que_iso_cfg */
        decode(&q16, 18, &d);
        match_check(&s, &d, &r);
        assert_int_equal(r.verdict, MATCH_INCOMPLETE);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.m[0].field, "que_iso_cfg");
        assert_string_equal(r.summary, "incomplete: destination que_iso_cfg unknown");
}

static void mismatch_line_has_both_values(void **state)
{
        struct dev d = q16;
        struct match_result r;
        char line[200];

        d.qp_num = 8;
        d.dev_id = 0xa259;
        check(&d, ACC_STRUCT_SIZE, &q16, &r);
        match_mismatch_format(&r.m[0], line, sizeof(line));
        assert_string_equal(line,
                            "failed to match VF devices: dev_id source 0xa259, destination 0xa256");
        match_mismatch_format(&r.m[1], line, sizeof(line));
        assert_string_equal(line, "failed to match VF qp num: qp_num source 8, destination 16");
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
            cmocka_unit_test(accept_same_device_type),
            cmocka_unit_test(accept_match_data_only),
            cmocka_unit_test(accept_v1_source_without_version),
            cmocka_unit_test(each_rule_alone),
            cmocka_unit_test(destination_without_queues),
            cmocka_unit_test(too_long_fails_the_write),
            cmocka_unit_test(several_rules_in_kernel_order),
            cmocka_unit_test(short_source_is_incomplete),
            cmocka_unit_test(missing_sides_are_incomplete),
            cmocka_unit_test(mismatch_line_has_both_values),
            cmocka_unit_test(field_diff),
            cmocka_unit_test(byte_diff),
        };
        return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
