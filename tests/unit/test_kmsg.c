/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmsg: /dev/kmsg records as kernel/printk/printk.c (6.12) writes them, the device names
 * drivers/base/core.c set_dev_info() gives, and --kmsg files of records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/kmsg.h"

static void test_pci_record(void **state)
{
        /* a hisi_acc dev_err() on the destination VF: "%s %s: %pV" driver, dev_name */
        static const char r[] = "3,1742,8123456789,-;hisi_acc_vfio_pci 0000:7d:00.1: failed to "
                                "match VF qp num\n"
                                " SUBSYSTEM=pci\n"
                                " DEVICE=+pci:0000:7d:00.1\n";
        struct kmsg_rec k;
        char err[128];

        (void)state;
        assert_int_equal(kmsg_parse(r, strlen(r), &k, err, sizeof(err)), 0);
        assert_int_equal(k.level, 3);
        assert_int_equal(k.facility, 0);
        assert_true(k.seq == 1742);
        assert_true(k.ts_us == 8123456789LL);
        assert_false(k.cont);
        assert_string_equal(k.subsystem, "pci");
        assert_string_equal(k.dev_key, "+pci:0000:7d:00.1");
        assert_string_equal(k.device, "0000:7d:00.1");
        assert_string_equal(k.text, "hisi_acc_vfio_pci 0000:7d:00.1: failed to match VF qp num");
        assert_int_equal(k.text_len, strlen(k.text));
        assert_false(k.text_cut);
        assert_string_equal(kmsg_level_name(k.level), "err");
}

static void test_mdev_record(void **state)
{
        static const char r[] = "6,90,512,-;mtty 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001: "
                                "migration state RUNNING -> STOP\n"
                                " SUBSYSTEM=mdev\n"
                                " DEVICE=+mdev:83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\n";
        struct kmsg_rec k;

        (void)state;
        assert_int_equal(kmsg_parse(r, strlen(r), &k, NULL, 0), 0);
        assert_string_equal(k.subsystem, "mdev");
        assert_string_equal(k.device, "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
        assert_int_equal(k.level, 6);
}

/* set_dev_info(): dev_t and ifindex forms name no vfio device. */
static void test_device_forms(void **state)
{
        char n[KMSG_DEV_MAX];

        (void)state;
        assert_true(kmsg_device_name("+pci:0000:00:01.0", n, sizeof(n)));
        assert_string_equal(n, "0000:00:01.0");
        assert_true(kmsg_device_name("+acpi:PNP0A08:00", n, sizeof(n)));
        assert_string_equal(n, "PNP0A08:00");
        assert_false(kmsg_device_name("c240:0", n, sizeof(n)));
        assert_string_equal(n, "");
        assert_false(kmsg_device_name("b8:0", n, sizeof(n)));
        assert_false(kmsg_device_name("n2", n, sizeof(n)));
        assert_false(kmsg_device_name("+pci:", n, sizeof(n)));
        assert_false(kmsg_device_name("+:x", n, sizeof(n)));
        assert_false(kmsg_device_name("", n, sizeof(n)));
        assert_false(kmsg_device_name("+pci:0000:00:01.0", n, 5)); /* too long: never cut */
}

static void test_char_device_record(void **state)
{
        /* a message on the vfio-dev char device: class "vfio-dev", dev_t c<maj>:<min> */
        static const char r[] = "4,7,1,-;vfio-dev vfio0: something\n SUBSYSTEM=vfio-dev\n"
                                " DEVICE=c240:0\n";
        struct kmsg_rec k;

        (void)state;
        assert_int_equal(kmsg_parse(r, strlen(r), &k, NULL, 0), 0);
        assert_string_equal(k.subsystem, "vfio-dev");
        assert_string_equal(k.dev_key, "c240:0");
        assert_string_equal(k.device, "");
}

/* msg_add_ext_text(): bytes < 0x20, >= 0x7f and '\' as \xNN, also in dictionary values. */
static void test_escapes(void **state)
{
        static const char r[] = "6,102,172799,-;rcu: \\x09RCU a\\x5cb \\xc3\\xa9 end\\x0amore\n"
                                " SUBSYSTEM=p\\x5cq\n";
        static const char r0[] = "6,1,1,-;a\\x00b\n";
        struct kmsg_rec k;

        (void)state;
        assert_int_equal(kmsg_parse(r, strlen(r), &k, NULL, 0), 0);
        assert_string_equal(k.text, "rcu: \tRCU a\\b \xc3\xa9 end\nmore");
        assert_string_equal(k.subsystem, "p\\q");
        assert_int_equal(kmsg_parse(r0, strlen(r0), &k, NULL, 0), 0);
        assert_int_equal(k.text_len, 3);
        assert_memory_equal(k.text, "a\0b", 4);
}

/* The kernel cuts a record at 2048 bytes: maybe inside an escape, without a newline. */
static void test_cut_record(void **state)
{
        static const char r[] = "6,5,10,-;abc\\x0";
        char big[KMSG_RECORD_MAX];
        struct kmsg_rec k;
        size_t n;

        (void)state;
        assert_int_equal(kmsg_parse(r, strlen(r), &k, NULL, 0), 0);
        assert_string_equal(k.text, "abc\\x0");
        n = (size_t)snprintf(big, sizeof(big), "3,6,11,-;");
        memset(big + n, 'y', sizeof(big) - n);
        assert_int_equal(kmsg_parse(big, sizeof(big), &k, NULL, 0), 0);
        assert_true(k.text_cut);
        assert_int_equal(k.text_len, KMSG_TEXT_MAX - 1);
        assert_int_equal(strlen(k.text), KMSG_TEXT_MAX - 1);
}

/* Future fields before ';' (CONFIG_PRINTK_CALLER's caller=) and unknown keys: ignored. */
static void test_extensions(void **state)
{
        static const char r[] = "30,340,5690716,c,caller=T80,x=y;udevd[80]: starting version 181\n"
                                " FOO=bar\n"
                                " DEVICE=+pci:0000:3b:00.2\n";
        struct kmsg_rec k;

        (void)state;
        assert_int_equal(kmsg_parse(r, strlen(r), &k, NULL, 0), 0);
        assert_int_equal(k.facility, 3);
        assert_int_equal(k.level, 6);
        assert_true(k.cont);
        assert_string_equal(k.device, "0000:3b:00.2");
        assert_string_equal(k.text, "udevd[80]: starting version 181");
}

static void expect_bad(const char *r, const char *needle)
{
        struct kmsg_rec k;
        char err[160] = "";

        assert_int_equal(kmsg_parse(r, strlen(r), &k, err, sizeof(err)), -EINVAL);
        if (!strstr(err, needle))
                fail_msg("'%s': error '%s' lacks '%s'", r, err, needle);
}

static void test_malformed(void **state)
{
        (void)state;
        expect_bad("", "empty");
        expect_bad("6,1,2,-\n", "no ';'");
        expect_bad("6,1,2;x\n", "3 fields");
        expect_bad("x,1,2,-;m\n", "PRIO 'x'");
        expect_bad("6,-1,2,-;m\n", "SEQ");
        expect_bad("6,1,99999999999999999999999,-;m\n", "TS_USEC");
        expect_bad("6,1,2,;m\n", "FLAGS is empty");
        expect_bad("6,1,2,-;m\nSUBSYSTEM=pci\n", "start with a space");
        expect_bad("6,1,2,-;m\n SUBSYSTEM\n", "not KEY=VALUE");
        expect_bad("6,1,2,-;m\n =x\n", "not KEY=VALUE");
        expect_bad("9999,1,2,-;m\n", "PRIO");
}

static void test_file(void **state)
{
        static const char f[] = "6,205,250116,-;pci 0000:00:00.0: [8086:0d57] type 00\n"
                                " SUBSYSTEM=pci\n"
                                " DEVICE=+pci:0000:00:00.0\n"
                                "\n"
                                "6,206,250200,-;NET: Registered protocol family 10\n"
                                "3,207,250300,-;hisi_acc_vfio_pci 0000:7d:00.1: failed to match "
                                "VF qp num\n"
                                " SUBSYSTEM=pci\n"
                                " DEVICE=+pci:0000:7d:00.1";
        struct kmsg_rec k;
        size_t pos = 0;
        unsigned line = 1;
        char err[160];

        (void)state;
        assert_int_equal(kmsg_file_next(f, strlen(f), &pos, &line, &k, err, sizeof(err)), 1);
        assert_true(k.seq == 205);
        assert_string_equal(k.device, "0000:00:00.0");
        assert_int_equal(line, 4);
        assert_int_equal(kmsg_file_next(f, strlen(f), &pos, &line, &k, err, sizeof(err)), 1);
        assert_true(k.seq == 206);
        assert_string_equal(k.device, "");
        assert_int_equal(kmsg_file_next(f, strlen(f), &pos, &line, &k, err, sizeof(err)), 1);
        assert_true(k.seq == 207);
        assert_string_equal(k.device, "0000:7d:00.1");
        assert_int_equal(kmsg_file_next(f, strlen(f), &pos, &line, &k, err, sizeof(err)), 0);
        assert_int_equal(pos, strlen(f));
}

static void test_file_errors(void **state)
{
        static const char f1[] = "6,1,1,-;ok\n SUBSYSTEM=pci\n\n SUBSYSTEM=pci\n";
        static const char f2[] = "6,1,1,-;ok\n6,2,1,-;ok\n SUBSYSTEM=pci\n BROKEN\n6,3,1,-;x\n";
        static const char f3[] = "[    0.000000] Linux version 6.12\n";
        struct kmsg_rec k;
        size_t pos = 0;
        unsigned line = 1;
        char err[160];

        (void)state;
        assert_int_equal(kmsg_file_next(f1, strlen(f1), &pos, &line, &k, err, sizeof(err)), 1);
        assert_int_equal(kmsg_file_next(f1, strlen(f1), &pos, &line, &k, err, sizeof(err)),
                         -EINVAL);
        assert_string_equal(err, "line 4: a continuation line (starting with a space) without a "
                                 "record before it");
        pos = 0;
        line = 1;
        assert_int_equal(kmsg_file_next(f2, strlen(f2), &pos, &line, &k, err, sizeof(err)), 1);
        assert_int_equal(kmsg_file_next(f2, strlen(f2), &pos, &line, &k, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "line 4: continuation line ' BROKEN'"));
        /* the caller may go on after the bad record */
        assert_int_equal(kmsg_file_next(f2, strlen(f2), &pos, &line, &k, err, sizeof(err)), 1);
        assert_true(k.seq == 3);
        assert_int_equal(line, 6);
        /* dmesg's human format is not the /dev/kmsg format */
        pos = 0;
        line = 1;
        assert_int_equal(kmsg_file_next(f3, strlen(f3), &pos, &line, &k, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "line 1: "));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pci_record),   cmocka_unit_test(test_mdev_record),
            cmocka_unit_test(test_device_forms), cmocka_unit_test(test_char_device_record),
            cmocka_unit_test(test_escapes),      cmocka_unit_test(test_cut_record),
            cmocka_unit_test(test_extensions),   cmocka_unit_test(test_malformed),
            cmocka_unit_test(test_file),         cmocka_unit_test(test_file_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
