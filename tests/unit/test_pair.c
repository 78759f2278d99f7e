// SPDX-License-Identifier: GPL-2.0-only
/*
 * pair_compare(): which files each side uses, the verdict and the mismatches a user sees
 * in `migtop --pair SRC=DST`, over trees read through a fake source in kernel format.
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

#include "core/pair.h"
#include "core/tree.h"
#include "fakesrc.h"

#define SRC "0000:3b:00.1"
#define DST "0000:86:00.1"

/* struct acc_vf_data offsets (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.h) */
#define OFF_MAGIC   0
#define OFF_QP_NUM  8
#define OFF_DEV_ID  12
#define OFF_ISO     16
#define OFF_QP_BASE 20
#define OFF_QM_ST   24
#define OFF_MAJOR   28

static void put_le(uint8_t *b, size_t off, uint64_t v, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                b[off + i] = (uint8_t)(v >> (8 * i));
}

struct vf {
        uint64_t magic;
        uint32_t qp_num, dev_id, iso, qp_base;
};

static const struct vf vf_default = {ACC_MAGIC_V2, 16, 0xa256, 0, 0};

static void vf_bytes(const struct vf *v, uint8_t b[ACC_STRUCT_SIZE])
{
        memset(b, 0, ACC_STRUCT_SIZE);
        put_le(b, OFF_MAGIC, v->magic, 8);
        put_le(b, OFF_QP_NUM, v->qp_num, 4);
        put_le(b, OFF_DEV_ID, v->dev_id, 4);
        put_le(b, OFF_ISO, v->iso, 4);
        put_le(b, OFF_QP_BASE, v->qp_base, 4);
        put_le(b, OFF_QM_ST, 1, 4);
        put_le(b, OFF_MAJOR, ACC_DRV_MAJOR, 2);
        for (unsigned i = 64; i < 120; i += 4)
                put_le(b, i, 0x11110000u + i, 4);
}

/* seq_hex_dump(DUMP_PREFIX_OFFSET, 16, 1) of the first 144 bytes, then the kv lines. */
static char *dump_text(const char *prefix, const struct vf *v, const char *tail)
{
        uint8_t b[ACC_STRUCT_SIZE];
        size_t cap = 4096, len = 0;
        char *s = malloc(cap);

        assert_non_null(s);
        vf_bytes(v, b);
        for (unsigned off = 0; off < ACC_DUMP_SIZE; off += 16) {
                len += (size_t)snprintf(s + len, cap - len, "%s%.8x: ", prefix, off);
                for (unsigned i = 0; i < 16; i++)
                        len +=
                            (size_t)snprintf(s + len, cap - len, i ? " %02x" : "%02x", b[off + i]);
                len += (size_t)snprintf(s + len, cap - len, "\n");
        }
        snprintf(s + len, cap - len, "%s", tail);
        return s;
}

static void add_dev_data(struct src *s, const char *dev, const struct vf *v)
{
        char path[256];
        char *t = dump_text("Dev Data:", v, "guest driver load: 1\ndata size: 176\n");

        snprintf(path, sizeof(path), "%s/migration/hisi_acc/dev_data", dev);
        assert_int_equal(fakesrc_text(s, path, t), 0);
        free(t);
}

static void add_migf_data(struct src *s, const char *dev, const struct vf *v)
{
        char path[256];
        char *t = dump_text("Mig Data:", v, "migrate data length: 176\n");

        snprintf(path, sizeof(path), "%s/migration/hisi_acc/migf_data", dev);
        assert_int_equal(fakesrc_text(s, path, t), 0);
        free(t);
}

static void add_errno(struct src *s, const char *dev, const char *file, int err)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/migration/hisi_acc/%s", dev, file);
        assert_int_equal(fakesrc_errno(s, path, err), 0);
}

static void add_core(struct src *s, const char *dev, const char *state, bool acc)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/migration/state", dev);
        assert_int_equal(fakesrc_text(s, path, state), 0);
        snprintf(path, sizeof(path), "%s/migration/features", dev);
        assert_int_equal(fakesrc_text(s, path, "stop-copy\np2p\npre-copy\n"), 0);
        if (acc) {
                snprintf(path, sizeof(path), "%s/migration/hisi_acc/cmd_state", dev);
                assert_int_equal(fakesrc_text(s, path, "mailbox cmd channel ready!\n"), 0);
        }
}

/* Source stopped after STOP_COPY (migf_data = dev_data); destination v. */
static struct src *pair_src(const struct vf *sv, const struct vf *dv)
{
        struct src *s = fakesrc_new();

        assert_non_null(s);
        add_core(s, SRC, "STOP\n", true);
        add_dev_data(s, SRC, sv);
        add_migf_data(s, SRC, sv);
        add_core(s, DST, "RESUMING\n", true);
        add_dev_data(s, DST, dv);
        add_errno(s, DST, "migf_data", EAGAIN);
        return s;
}

struct both {
        struct tree t;
        const struct tree_dev *a, *b;
        struct pair_result p;
};

static void compare(struct src *s, struct both *x)
{
        memset(x, 0, sizeof(*x));
        assert_int_equal(tree_read(s, &x->t), 0);
        assert_int_equal(x->t.err, 0);
        x->a = tree_find(&x->t, SRC);
        x->b = tree_find(&x->t, DST);
        assert_non_null(x->a);
        assert_non_null(x->b);
        assert_int_equal(pair_compare(x->a, x->b, &x->p), 0);
        src_close(s);
}

static const struct match_mismatch *find_mismatch(const struct pair_result *p, const char *f)
{
        for (unsigned i = 0; i < p->match.n; i++)
                if (p->match.m[i].field && strcmp(p->match.m[i].field, f) == 0)
                        return &p->match.m[i];
        return NULL;
}

static bool has_field(const struct pair_result *p, const char *f)
{
        for (unsigned i = 0; i < p->fields.n; i++)
                if (strcmp(p->fields.field[i], f) == 0)
                        return true;
        return false;
}

static void test_same_vf_accepted(void **state)
{
        struct both x;

        compare(pair_src(&vf_default, &vf_default), &x);
        assert_non_null(x.p.dir);
        assert_string_equal(x.p.dir, "hisi_acc");
        assert_string_equal(x.p.src_file, "migf_data");
        assert_string_equal(x.p.dst_file, "dev_data");
        assert_int_equal(x.p.match.verdict, MATCH_ACCEPT);
        assert_int_equal(x.p.match.n, 0);
        assert_int_equal(x.p.fields.n, 0);
        assert_int_equal(x.p.diff_bytes, 0);
        tree_free(&x.t);
}

/* A differing qp_base is not a match rule: accepted, but listed as a differing field. */
static void test_qp_base_differs_but_accepted(void **state)
{
        struct vf d = vf_default;
        struct both x;

        d.qp_base = 32;
        compare(pair_src(&vf_default, &d), &x);
        assert_int_equal(x.p.match.verdict, MATCH_ACCEPT);
        assert_true(has_field(&x.p, "qp_base"));
        assert_false(has_field(&x.p, "qp_num"));
        assert_int_equal(x.p.diff_bytes, 1);
        tree_free(&x.t);
}

static void test_qp_num_rejected(void **state)
{
        struct vf d = vf_default;
        const struct match_mismatch *m;
        struct both x;

        d.qp_num = 8;
        compare(pair_src(&vf_default, &d), &x);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        m = find_mismatch(&x.p, "qp_num");
        assert_non_null(m);
        assert_true(m->src_valid && m->dst_valid);
        assert_int_equal(m->src, 16);
        assert_int_equal(m->dst, 8);
        assert_non_null(m->reason);
        assert_true(has_field(&x.p, "qp_num"));
        assert_null(find_mismatch(&x.p, "dev_id"));
        tree_free(&x.t);
}

static void test_dev_id_and_iso_rejected(void **state)
{
        struct vf d = vf_default;
        const struct match_mismatch *m;
        struct both x;

        d.dev_id = 0xa259;
        compare(pair_src(&vf_default, &d), &x);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        m = find_mismatch(&x.p, "dev_id");
        assert_non_null(m);
        assert_int_equal(m->src, 0xa256);
        assert_int_equal(m->dst, 0xa259);
        tree_free(&x.t);

        d = vf_default;
        d.iso = 1;
        compare(pair_src(&vf_default, &d), &x);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        m = find_mismatch(&x.p, "que_iso_cfg");
        assert_non_null(m);
        assert_int_equal(m->src, 0);
        assert_int_equal(m->dst, 1);
        tree_free(&x.t);
}

static void test_bad_magic_rejected(void **state)
{
        struct vf sv = vf_default;
        struct both x;

        sv.magic = 0x0123456789abcdefull;
        compare(pair_src(&sv, &vf_default), &x);
        assert_int_equal(x.p.match.verdict, MATCH_REJECT);
        assert_non_null(find_mismatch(&x.p, "acc_magic"));
        tree_free(&x.t);
}

/* Before any migration the source side is its live dev_data. */
static void test_source_falls_back_to_dev_data(void **state)
{
        struct src *s = fakesrc_new();
        struct both x;

        assert_non_null(s);
        add_core(s, SRC, "RUNNING\n", true);
        add_dev_data(s, SRC, &vf_default);
        add_errno(s, SRC, "migf_data", EAGAIN);
        add_core(s, DST, "RUNNING\n", true);
        add_dev_data(s, DST, &vf_default);
        add_errno(s, DST, "migf_data", EAGAIN);
        compare(s, &x);
        assert_string_equal(x.p.src_file, "dev_data");
        assert_string_equal(x.p.dst_file, "dev_data");
        assert_int_equal(x.p.match.verdict, MATCH_ACCEPT);
        tree_free(&x.t);
}

/* A destination not opened by a VMM (after a resume, its migf_data is what it received). */
static void test_destination_not_opened(void **state)
{
        struct src *s = fakesrc_new();
        struct both x;

        assert_non_null(s);
        add_core(s, SRC, "STOP\n", true);
        add_dev_data(s, SRC, &vf_default);
        add_migf_data(s, SRC, &vf_default);
        add_core(s, DST, "RUNNING\n", false);
        add_errno(s, DST, "dev_data", EINVAL);
        add_errno(s, DST, "migf_data", EAGAIN);
        add_errno(s, DST, "cmd_state", EINVAL);
        compare(s, &x);
        assert_string_equal(x.p.dir, "hisi_acc");
        assert_string_equal(x.p.src_file, "migf_data");
        assert_null(x.p.dst_file);
        assert_int_equal(x.p.match.verdict, MATCH_INCOMPLETE);
        assert_non_null(strstr(x.p.msg, DST));
        assert_non_null(strstr(x.p.msg, "not_opened"));
        assert_non_null(strstr(x.p.msg, "EINVAL"));
        tree_free(&x.t);

        s = fakesrc_new();
        assert_non_null(s);
        add_core(s, SRC, "STOP\n", true);
        add_dev_data(s, SRC, &vf_default);
        add_migf_data(s, SRC, &vf_default);
        add_core(s, DST, "STOP\n", false);
        add_errno(s, DST, "dev_data", EINVAL);
        add_migf_data(s, DST, &vf_default);
        add_errno(s, DST, "cmd_state", EINVAL);
        compare(s, &x);
        assert_string_equal(x.p.dst_file, "migf_data");
        assert_int_equal(x.p.match.verdict, MATCH_ACCEPT);
        tree_free(&x.t);
}

/* Devices without a driver directory (mlx5, virtio...): nothing to compare, said so. */
static void test_no_driver_dir(void **state)
{
        struct src *s = fakesrc_new();
        struct both x;

        assert_non_null(s);
        add_core(s, SRC, "STOP\n", true);
        add_dev_data(s, SRC, &vf_default);
        add_core(s, DST, "RUNNING\n", false);
        compare(s, &x);
        assert_null(x.p.dir);
        assert_null(x.p.src_file);
        assert_null(x.p.dst_file);
        assert_int_equal(x.p.match.verdict, MATCH_INCOMPLETE);
        assert_true(strlen(x.p.msg) > 0);
        assert_non_null(strstr(x.p.msg, DST));
        tree_free(&x.t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_same_vf_accepted),
            cmocka_unit_test(test_qp_base_differs_but_accepted),
            cmocka_unit_test(test_qp_num_rejected),
            cmocka_unit_test(test_dev_id_and_iso_rejected),
            cmocka_unit_test(test_bad_magic_rejected),
            cmocka_unit_test(test_source_falls_back_to_dev_data),
            cmocka_unit_test(test_destination_not_opened),
            cmocka_unit_test(test_no_driver_dir),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
