/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local source on a temporary directory: the bytes and errno a read gives, directory
 * listings, the "NAME.errno" sidecar files of fixture trees, and the SRC_READ_MAX cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/src.h"

struct tmp {
        char dir[64];
};

static void put(const struct tmp *t, const char *name, const void *data, size_t len)
{
        char path[256];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", t->dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        close(fd);
}

static void mkd(const struct tmp *t, const char *name)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/%s", t->dir, name);
        assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
        struct tmp *t = calloc(1, sizeof(*t));

        if (!t)
                return -1;
        strcpy(t->dir, "/tmp/migtop-test-src-XXXXXX");
        if (!mkdtemp(t->dir)) {
                free(t);
                return -1;
        }
        *state = t;
        return 0;
}

static int teardown(void **state)
{
        struct tmp *t = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        if (system(cmd) != 0)
                return -1;
        free(t);
        return 0;
}

static struct src *open_src(const struct tmp *t, unsigned flags)
{
        struct src *s = NULL;

        assert_int_equal(src_local_open(t->dir, flags, &s), 0);
        assert_non_null(s);
        assert_string_equal(s->ops->kind, "local");
        assert_string_equal(s->root, t->dir);
        return s;
}

static void test_read_bytes(void **state)
{
        static const char data[] = "RUNNING\n\0tail";
        struct tmp *t = *state;
        struct src *s;
        struct src_read r;

        mkd(t, "dev");
        put(t, "dev/state", data, sizeof(data) - 1);
        s = open_src(t, 0);
        assert_int_equal(src_read(s, "dev/state", &r), 0);
        assert_int_equal(r.err, 0);
        assert_int_equal(r.len, sizeof(data) - 1);
        assert_memory_equal(r.data, data, sizeof(data) - 1);
        assert_int_equal(r.data[r.len], '\0');
        assert_false(r.truncated);
        assert_true(r.t_start > 0 && r.t_start <= r.t_end);
        src_read_free(&r);
        assert_null(r.data);

        put(t, "empty", "", 0);
        assert_int_equal(src_read(s, "empty", &r), 0);
        assert_int_equal(r.err, 0);
        assert_int_equal(r.len, 0);
        assert_non_null(r.data);
        src_read_free(&r);
        src_close(s);
}

static void test_read_errors(void **state)
{
        struct tmp *t = *state;
        struct src *s;
        struct src_read r;

        mkd(t, "dev");
        s = open_src(t, 0);
        assert_int_equal(src_read(s, "dev/missing", &r), 0);
        assert_int_equal(r.err, ENOENT);
        assert_null(r.data);
        assert_int_equal(r.len, 0);
        src_read_free(&r);
        assert_int_equal(src_read(s, "dev", &r), 0);
        assert_int_equal(r.err, EISDIR);
        assert_null(r.data);
        src_read_free(&r);
        assert_int_equal(src_read(s, "nodir/state", &r), 0);
        assert_int_equal(r.err, ENOENT);
        src_read_free(&r);
        src_close(s);
}

static void test_open_errors(void **state)
{
        struct tmp *t = *state;
        struct src *s = NULL;
        char path[256];

        snprintf(path, sizeof(path), "%s/none", t->dir);
        assert_int_equal(src_local_open(path, 0, &s), -ENOENT);
        put(t, "file", "x", 1);
        snprintf(path, sizeof(path), "%s/file", t->dir);
        assert_int_equal(src_local_open(path, 0, &s), -ENOTDIR);
}

static void test_list(void **state)
{
        struct tmp *t = *state;
        struct src *s;
        struct src_list l;

        mkd(t, "0000:86:00.1");
        mkd(t, "0000:3b:00.1");
        mkd(t, "0000:3b:00.1/migration");
        put(t, "0000:3b:00.1/migration/state", "STOP\n", 5);
        put(t, "0000:3b:00.1/migration/features", "p2p\n", 4);
        s = open_src(t, 0);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.err, 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.names[0], "0000:3b:00.1");
        assert_string_equal(l.names[1], "0000:86:00.1");
        src_list_free(&l);
        assert_int_equal(src_list(s, "0000:3b:00.1/migration", &l), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.names[0], "features");
        assert_string_equal(l.names[1], "state");
        src_list_free(&l);
        assert_int_equal(src_list(s, "0000:86:00.1", &l), 0);
        assert_int_equal(l.err, 0);
        assert_int_equal(l.n, 0);
        src_list_free(&l);
        assert_int_equal(src_list(s, "0000:86:00.1/migration", &l), 0);
        assert_int_equal(l.err, ENOENT);
        assert_int_equal(l.n, 0);
        assert_null(l.names);
        src_list_free(&l);
        assert_int_equal(src_list(s, "0000:3b:00.1/migration/state", &l), 0);
        assert_int_equal(l.err, ENOTDIR);
        src_list_free(&l);
        src_close(s);
}

static void test_errno_sidecars(void **state)
{
        struct tmp *t = *state;
        struct src *s;
        struct src_read r;
        struct src_list l;

        mkd(t, "hisi_acc");
        put(t, "hisi_acc/migf_data.errno", "EAGAIN\n", 7);
        put(t, "hisi_acc/dev_data.errno", " EINVAL ", 8);
        put(t, "hisi_acc/cmd_state", "mailbox cmd channel ready!\n", 27);
        put(t, "hisi_acc/cmd_state.errno", "ETIMEDOUT", 9); /* the sidecar wins */
        put(t, "hisi_acc/odd.errno", "NOT_AN_ERRNO\n", 13);
        mkd(t, "locked");
        put(t, "locked.errno", "EACCES\n", 7);

        s = open_src(t, SRC_LOCAL_ERRNO_FILES);
        assert_int_equal(src_read(s, "hisi_acc/migf_data", &r), 0);
        assert_int_equal(r.err, EAGAIN);
        assert_null(r.data);
        src_read_free(&r);
        assert_int_equal(src_read(s, "hisi_acc/dev_data", &r), 0);
        assert_int_equal(r.err, EINVAL);
        src_read_free(&r);
        assert_int_equal(src_read(s, "hisi_acc/cmd_state", &r), 0);
        assert_int_equal(r.err, ETIMEDOUT);
        src_read_free(&r);
        assert_int_equal(src_read(s, "hisi_acc/odd", &r), 0);
        assert_int_equal(r.err, EIO); /* unreadable sidecar: still a failed read */
        src_read_free(&r);
        /* listed under their own names, once, without the sidecars */
        assert_int_equal(src_list(s, "hisi_acc", &l), 0);
        assert_int_equal(l.n, 4);
        assert_string_equal(l.names[0], "cmd_state");
        assert_string_equal(l.names[1], "dev_data");
        assert_string_equal(l.names[2], "migf_data");
        assert_string_equal(l.names[3], "odd");
        src_list_free(&l);
        assert_int_equal(src_list(s, "locked", &l), 0);
        assert_int_equal(l.err, EACCES);
        src_list_free(&l);
        src_close(s);

        /* without the flag (the live debugfs) the files are just files */
        s = open_src(t, 0);
        assert_int_equal(src_read(s, "hisi_acc/migf_data", &r), 0);
        assert_int_equal(r.err, ENOENT);
        src_read_free(&r);
        assert_int_equal(src_read(s, "hisi_acc/migf_data.errno", &r), 0);
        assert_string_equal(r.data, "EAGAIN\n");
        src_read_free(&r);
        assert_int_equal(src_read(s, "hisi_acc/cmd_state", &r), 0);
        assert_int_equal(r.err, 0);
        src_read_free(&r);
        src_close(s);
}

static void test_truncation_at_read_max(void **state)
{
        struct tmp *t = *state;
        size_t big = SRC_READ_MAX + 100;
        char *data = malloc(big);
        struct src *s;
        struct src_read r;

        assert_non_null(data);
        for (size_t i = 0; i < big; i++)
                data[i] = (char)('a' + i % 26);
        put(t, "exact", data, SRC_READ_MAX);
        put(t, "big", data, big);
        s = open_src(t, 0);
        assert_int_equal(src_read(s, "exact", &r), 0);
        assert_int_equal(r.len, SRC_READ_MAX);
        assert_false(r.truncated);
        assert_memory_equal(r.data, data, SRC_READ_MAX);
        src_read_free(&r);
        assert_int_equal(src_read(s, "big", &r), 0);
        assert_int_equal(r.err, 0);
        assert_int_equal(r.len, SRC_READ_MAX);
        assert_true(r.truncated);
        assert_memory_equal(r.data, data, SRC_READ_MAX);
        assert_int_equal(r.data[r.len], '\0');
        src_read_free(&r);
        src_close(s);
        free(data);
}

static void test_errno_names(void **state)
{
        (void)state;
        assert_string_equal(src_errno_name(EAGAIN), "EAGAIN");
        assert_string_equal(src_errno_name(ENOENT), "ENOENT");
        assert_null(src_errno_name(0));
        assert_null(src_errno_name(-1));
        assert_int_equal(src_errno_parse("EAGAIN"), EAGAIN);
        assert_int_equal(src_errno_parse("\tETIMEDOUT \n"), ETIMEDOUT);
        assert_int_equal(src_errno_parse("EAGAIN junk"), 0);
        assert_int_equal(src_errno_parse(""), 0);
        assert_int_equal(src_errno_parse("eagain"), 0);
        assert_int_equal(src_errno_parse("EVERYTHING_IS_FINE_AND_VERY_LONG_INDEED"), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_read_bytes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_list, setup, teardown),
            cmocka_unit_test_setup_teardown(test_errno_sidecars, setup, teardown),
            cmocka_unit_test_setup_teardown(test_truncation_at_read_max, setup, teardown),
            cmocka_unit_test(test_errno_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
