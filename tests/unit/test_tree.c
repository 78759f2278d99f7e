/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tree_read(): the device list and per-file statuses a user sees, over a fake vfio
 * debugfs tree: two hisi_acc devices, a device without migration/, an unknown driver
 * directory, root errors, and devices that vanish while they are being read.
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

#include "core/tree.h"
#include "fakesrc.h"

#define DEV_A "0000:3b:00.1"
#define DEV_B "0000:86:00.1"
#define DEV_C "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001" /* an mdev without migration */

/* dev_data is a register snapshot (no header): the value goes into page_size (offset 60). */
static void dev_data(struct src *s, const char *dev, uint32_t page_size)
{
        uint8_t b[ACC_DUMP_SIZE] = {0};
        char t[2048], path[128];
        size_t n;

        b[24] = 1; /* vf_qm_state: the driver's cache */
        b[60] = (uint8_t)page_size;
        n = fakesrc_format_dump(t, sizeof(t), "Dev Data:", b, sizeof(b), NULL);
        assert_true(n > 0);
        strcpy(t + n, "guest driver load: 1\ndata size: 176\n");
        snprintf(path, sizeof(path), "%s/migration/hisi_acc/dev_data", dev);
        assert_int_equal(fakesrc_text(s, path, t), 0);
}

static void put(struct src *s, const char *dev, const char *rel, const char *text)
{
        char path[160];

        snprintf(path, sizeof(path), "%s/migration/%s", dev, rel);
        assert_int_equal(fakesrc_text(s, path, text), 0);
}

static void put_errno(struct src *s, const char *dev, const char *rel, int err)
{
        char path[160];

        snprintf(path, sizeof(path), "%s/migration/%s", dev, rel);
        assert_int_equal(fakesrc_errno(s, path, err), 0);
}

static struct src *two_devices(void)
{
        struct src *s = fakesrc_new();

        assert_non_null(s);
        /* A: a source during stop-copy on a 6.18 kernel */
        put(s, DEV_A, "state", "STOP_COPY\n");
        put(s, DEV_A, "features", "stop-copy\np2p\n");
        dev_data(s, DEV_A, 16);
        put_errno(s, DEV_A, "hisi_acc/migf_data", EAGAIN);
        put(s, DEV_A, "hisi_acc/cmd_state", "mailbox cmd channel ready!\n");
        put(s, DEV_A, "mlx5_vfio/regs", "x\n"); /* a driver directory migtop does not know */
        put(s, DEV_A, "extra", "x\n");          /* an unknown file */
        /* B: a 6.13 kernel (no features file), not opened yet */
        put(s, DEV_B, "state", "RUNNING\n");
        put_errno(s, DEV_B, "hisi_acc/dev_data", EINVAL);
        put_errno(s, DEV_B, "hisi_acc/migf_data", EAGAIN);
        put_errno(s, DEV_B, "hisi_acc/cmd_state", EINVAL);
        /* C: no migration support */
        assert_int_equal(fakesrc_dir(s, DEV_C), 0);
        return s;
}

static void test_two_devices(void **state)
{
        struct src *s = two_devices();
        const struct tree_dev *a, *b, *c;
        const struct drv_file *f;
        struct tree t;

        (void)state;
        assert_int_equal(tree_read(s, &t), 0);
        assert_int_equal(t.err, 0);
        assert_string_equal(t.msg, "");
        assert_int_equal(t.ndevs, 3);
        assert_string_equal(t.devs[0].name, DEV_A); /* sorted */
        assert_string_equal(t.devs[1].name, DEV_B);
        assert_string_equal(t.devs[2].name, DEV_C);

        a = tree_find(&t, DEV_A);
        assert_ptr_equal(a, &t.devs[0]);
        assert_true(a->has_migration);
        assert_int_equal(a->err, 0);
        assert_int_equal(a->state_file.status, DRV_ST_OK);
        assert_int_equal(a->state, FSM_STOP_COPY);
        assert_int_equal(a->features_file.status, DRV_ST_OK);
        assert_int_equal(a->features, FSM_F_STOP_COPY | FSM_F_P2P);
        assert_int_equal(a->ndirs, 2);
        assert_string_equal(a->dirs[0].name, "hisi_acc");
        assert_ptr_equal(a->dirs[0].ops, &drv_hisi_acc_ops);
        assert_int_equal(a->dirs[0].nfiles, 3);
        assert_string_equal(a->dirs[1].name, "mlx5_vfio");
        assert_null(a->dirs[1].ops);
        assert_int_equal(a->dirs[1].nfiles, 0);
        assert_int_equal(fakesrc_reads(s, DEV_A "/migration/mlx5_vfio/regs"), 0);
        f = tree_dev_file(a, "hisi_acc", "dev_data");
        assert_non_null(f);
        assert_int_equal(f->status, DRV_ST_OK);
        assert_int_equal(f->len, ACC_DUMP_SIZE);
        assert_true(f->has_fields);
        assert_int_equal(acc_field_find(drv_fields(f), "page_size")->value[0], 16);
        assert_int_equal(tree_dev_file(a, "hisi_acc", "migf_data")->status, DRV_ST_NOT_MIGRATED);
        assert_int_equal(tree_dev_file(a, "hisi_acc", "cmd_state")->status, DRV_ST_OK);
        assert_ptr_equal(tree_dev_file(a, NULL, "state"), &a->state_file);
        assert_null(tree_dev_file(a, "hisi_acc", "nope"));
        assert_null(tree_dev_file(a, "mlx5_vfio", "regs"));

        b = tree_find(&t, DEV_B);
        assert_non_null(b);
        assert_int_equal(b->state, FSM_RUNNING);
        assert_int_equal(b->features_file.status, DRV_ST_ABSENT);
        assert_int_equal(b->features, FSM_F_ALL);
        /* not listed: not read at all */
        assert_int_equal(fakesrc_reads(s, DEV_B "/migration/features"), 0);
        assert_int_equal(tree_dev_file(b, "hisi_acc", "dev_data")->status, DRV_ST_NOT_OPENED);
        assert_int_equal(tree_dev_file(b, "hisi_acc", "dev_data")->err, EINVAL);
        assert_int_equal(tree_dev_file(b, "hisi_acc", "cmd_state")->status, DRV_ST_NOT_OPENED);

        c = tree_find(&t, DEV_C);
        assert_non_null(c);
        assert_false(c->has_migration);
        assert_int_equal(c->err, 0);
        assert_int_equal(c->state_file.status, DRV_ST_ABSENT);
        assert_int_equal(c->state, FSM_INVALID);
        assert_non_null(strstr(drv_file_msg(&c->state_file), "no migration"));
        assert_int_equal(c->ndirs, 0);

        assert_null(tree_find(&t, "0000:00:00.0"));
        tree_free(&t);
        assert_int_equal(t.ndevs, 0);
        src_close(s);
}

static void test_paths(void **state)
{
        char buf[64];

        (void)state;
        assert_int_equal(tree_path(buf, sizeof(buf), DEV_A, NULL, "state"), 0);
        assert_string_equal(buf, DEV_A "/migration/state");
        assert_int_equal(tree_path(buf, sizeof(buf), DEV_A, "hisi_acc", "dev_data"), 0);
        assert_string_equal(buf, DEV_A "/migration/hisi_acc/dev_data");
        assert_int_equal(tree_path(buf, sizeof(buf), DEV_A, NULL, NULL), 0);
        assert_string_equal(buf, DEV_A "/migration");
        assert_int_equal(tree_path(buf, 20, DEV_A, "hisi_acc", "dev_data"), -ENAMETOOLONG);
}

static void test_root_errors(void **state)
{
        struct src *s;
        struct tree t;
        char msg[256];

        (void)state;
        s = fakesrc_new();
        assert_non_null(s);
        assert_int_equal(fakesrc_errno(s, "", EACCES), 0);
        assert_int_equal(tree_read(s, &t), 0);
        assert_int_equal(t.err, EACCES);
        assert_non_null(strstr(t.msg, "run as root"));
        assert_int_equal(t.ndevs, 0);
        tree_free(&t);
        assert_int_equal(fakesrc_errno(s, "", ENOENT), 0);
        assert_int_equal(tree_read(s, &t), 0);
        assert_int_equal(t.err, ENOENT);
        assert_non_null(strstr(t.msg, "does not exist"));
        tree_free(&t);
        src_close(s);

        /* an empty root: no devices, no error */
        s = fakesrc_new();
        assert_non_null(s);
        assert_int_equal(tree_read(s, &t), 0);
        assert_int_equal(t.err, 0);
        assert_int_equal(t.ndevs, 0);
        tree_free(&t);
        src_close(s);

        /* the live default root: either debugfs is not mounted or vfio has no debugfs */
        tree_root_message(ENOENT, TREE_DEFAULT_ROOT, true, msg, sizeof(msg));
        assert_true(strstr(msg, "mount -t debugfs none /sys/kernel/debug") ||
                    strstr(msg, "CONFIG_VFIO_DEBUGFS"));
        tree_root_message(ENOENT, "/nonexistent/x/vfio", true, msg, sizeof(msg));
        assert_string_equal(msg, "/nonexistent/x/vfio does not exist");
        tree_root_message(EACCES, TREE_DEFAULT_ROOT, true, msg, sizeof(msg));
        assert_non_null(strstr(msg, "run as root"));
        tree_root_message(ENOTDIR, "/etc/passwd", true, msg, sizeof(msg));
        assert_non_null(strstr(msg, "not a directory"));
}

/* A hook that removes a device when a given path is about to be read. */
struct vanish {
        const char *when;
        const char *dev;
        bool done;
};

static void vanish_hook(struct src *s, const char *path, void *arg)
{
        struct vanish *v = arg;

        if (!v->done && strcmp(path, v->when) == 0) {
                v->done = true;
                fakesrc_remove(s, v->dev);
        }
}

static void test_device_vanishes_mid_read(void **state)
{
        struct vanish v = {.when = DEV_B "/migration/state", .dev = DEV_B};
        struct src *s = two_devices();
        const struct tree_dev *b;
        struct tree t;

        (void)state;
        /* after its migration/ was listed: every file of it reads ENOENT */
        fakesrc_on_access(s, vanish_hook, &v);
        assert_int_equal(tree_read(s, &t), 0);
        assert_true(v.done);
        assert_int_equal(t.ndevs, 3);
        b = tree_find(&t, DEV_B);
        assert_true(b->has_migration);
        assert_int_equal(b->state_file.status, DRV_ST_ABSENT);
        assert_int_equal(b->state, FSM_INVALID);
        assert_int_equal(b->ndirs, 1);
        for (unsigned i = 0; i < b->dirs[0].nfiles; i++)
                assert_int_equal(b->dirs[0].files[i].status, DRV_ST_ABSENT);
        /* the other devices are untouched */
        assert_int_equal(tree_find(&t, DEV_A)->state, FSM_STOP_COPY);
        tree_free(&t);
        src_close(s);

        /* after the root was listed, before the device was: the device is reported gone */
        s = two_devices();
        v = (struct vanish){.when = DEV_A "/migration", .dev = DEV_A};
        fakesrc_on_access(s, vanish_hook, &v);
        assert_int_equal(tree_read(s, &t), 0);
        assert_int_equal(t.ndevs, 3);
        assert_int_equal(t.devs[0].err, ENOENT);
        assert_false(t.devs[0].has_migration);
        assert_int_equal(t.devs[0].state_file.status, DRV_ST_ABSENT);
        assert_non_null(strstr(drv_file_msg(&t.devs[0].state_file), "vanished"));
        assert_int_equal(t.devs[1].state, FSM_RUNNING);
        tree_free(&t);
        src_close(s);
}

static void test_migration_dir_unreadable(void **state)
{
        struct src *s = two_devices();
        struct tree_dev d;

        (void)state;
        assert_int_equal(fakesrc_errno(s, DEV_A "/migration", EACCES), 0);
        assert_int_equal(tree_read_dev(s, DEV_A, &d), 0);
        assert_int_equal(d.err, EACCES);
        assert_int_equal(d.state_file.status, DRV_ST_ERROR);
        assert_non_null(strstr(drv_file_msg(&d.state_file), "root"));
        assert_int_equal(d.ndirs, 0);
        tree_dev_free(&d);
        src_close(s);
}

static void test_bad_state_does_not_hide_files(void **state)
{
        struct src *s = two_devices();
        struct tree_dev d;

        (void)state;
        put(s, DEV_A, "state", "STOP_CO");
        put_errno(s, DEV_A, "features", EIO);
        assert_int_equal(tree_read_dev(s, DEV_A, &d), 0);
        assert_int_equal(d.state_file.status, DRV_ST_ERROR);
        assert_int_equal(d.state, FSM_INVALID);
        assert_int_equal(d.features_file.status, DRV_ST_ERROR);
        assert_int_equal(d.features, FSM_F_ALL);
        assert_int_equal(tree_dev_file(&d, "hisi_acc", "dev_data")->status, DRV_ST_OK);
        tree_dev_free(&d);
        src_close(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_two_devices),
            cmocka_unit_test(test_paths),
            cmocka_unit_test(test_root_errors),
            cmocka_unit_test(test_device_vanishes_mid_read),
            cmocka_unit_test(test_migration_dir_unreadable),
            cmocka_unit_test(test_bad_state_does_not_hide_files),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
