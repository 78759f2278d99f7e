// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "engine/evlog.h"

/* 2026-11-23T09:12:01.123Z */
#define T0 (1795425121LL * 1000000000LL + 123000000LL)

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "r");
        static char buf[8192];
        size_t n;

        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        fclose(f);
        return buf;
}

static void tmpname(char *buf, size_t n, const char *tag)
{
        snprintf(buf, n, "/tmp/migtop-evlog-%d-%s", (int)getpid(), tag);
        unlink(buf);
}

static void text_lines_name_the_change(void **state)
{
        char path[128];
        struct evlog *l;
        struct fsm_change c;

        tmpname(path, sizeof(path), "text");
        assert_int_equal(evlog_open(path, false, &l), 0);
        fsm_classify(FSM_RUNNING, FSM_STOP_COPY, FSM_F_ALL, &c);
        assert_int_equal(evlog_state(l, T0, "0000:3b:00.1", &c), 0);
        assert_int_equal(
            evlog_file(l, T0, "0000:3b:00.1", "hisi_acc/migf_data", "not_migrated", EAGAIN, 0), 0);
        assert_int_equal(evlog_device(l, T0, "0000:3b:00.1", "removed", "ENODEV"), 0);
        evlog_close(l);
        assert_string_equal(
            slurp(path),
            "2026-11-23T09:12:01.123Z 0000:3b:00.1 state RUNNING -> STOP_COPY (combination via "
            "RUNNING_P2P, STOP)\n"
            "2026-11-23T09:12:01.123Z 0000:3b:00.1 file hisi_acc/migf_data not_migrated "
            "(EAGAIN)\n"
            "2026-11-23T09:12:01.123Z 0000:3b:00.1 device removed: ENODEV\n");
        unlink(path);
}

/* Names from outside are escaped (core/esc.h): one event, one line, nothing raw. */
static void text_lines_escape_names(void **state)
{
        char path[128];
        struct evlog *l;
        struct kmsg_rec r = {.seq = 7, .ts_us = 1000000, .level = 3};

        tmpname(path, sizeof(path), "esc");
        assert_int_equal(evlog_open(path, false, &l), 0);
        assert_int_equal(evlog_device(l, T0, "evil\x1b]0;x\a\ndevice forged\xff", "added", NULL),
                         0);
        r.text_len = (size_t)snprintf(r.text, sizeof(r.text), "a\\b\x1b[2J");
        assert_int_equal(evlog_kmsg(l, T0, "0000:3b:00.1", &r), 0);
        evlog_close(l);
        assert_string_equal(slurp(path), "2026-11-23T09:12:01.123Z evil\\x1b]0;x\\x07\\x0adevice "
                                         "forged\\xff device added\n"
                                         "2026-11-23T09:12:01.123Z 0000:3b:00.1 kernel err: "
                                         "a\\x5cb\\x1b[2J (seq 7, 1.000000 s)\n");
        unlink(path);
}

/* JSON lines stay valid UTF-8: a byte that is not UTF-8 is U+FFFD. */
static void json_lines_are_utf8(void **state)
{
        char path[128];
        struct evlog *l;

        tmpname(path, sizeof(path), "jesc");
        assert_int_equal(evlog_open(path, true, &l), 0);
        assert_int_equal(evlog_device(l, T0, "ff\xff\x1b", "added", NULL), 0);
        evlog_close(l);
        assert_non_null(strstr(slurp(path), "\"device\":\"ff\xef\xbf\xbd\\u001b\""));
        unlink(path);
}

/* A FIFO nobody reads: an error at once (ENXIO, said plainly), not a hang in open(). */
static void fifo_without_reader_fails_at_once(void **state)
{
        char path[128];
        struct evlog *l = NULL;

        tmpname(path, sizeof(path), "fifo");
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(evlog_open(path, false, &l), -ENXIO);
        assert_null(l);
        assert_non_null(strstr(evlog_strerror(ENXIO), "FIFO with no reader"));
        unlink(path);
}

static void json_lines_parse_back(void **state)
{
        char path[128], *text, *line;
        struct evlog *l;
        struct fsm_change c;
        struct json_object *o, *v;

        tmpname(path, sizeof(path), "json");
        assert_int_equal(evlog_open(path, true, &l), 0);
        fsm_classify(FSM_STOP_COPY, FSM_PRE_COPY, FSM_F_ALL, &c);
        assert_int_equal(evlog_state(l, T0, "dev", &c), 0);
        assert_int_equal(evlog_file(l, T0, "dev", "hisi_acc/dev_data", "ok", 0, 1000), 0);
        evlog_close(l);
        text = slurp(path);
        line = strtok(text, "\n");
        o = json_tokener_parse(line);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "class", &v));
        assert_string_equal(json_object_get_string(v), "impossible");
        assert_true(json_object_object_get_ex(o, "time", &v));
        assert_string_equal(json_object_get_string(v), "2026-11-23T09:12:01.123Z");
        json_object_put(o);
        line = strtok(NULL, "\n");
        o = json_tokener_parse(line);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "length", &v));
        assert_int_equal(json_object_get_int64(v), 1000);
        assert_true(json_object_object_get_ex(o, "errno", &v));
        assert_null(v);
        json_object_put(o);
        assert_null(strtok(NULL, "\n"));
        unlink(path);
}

static void reopen_follows_logrotate(void **state)
{
        char path[128], rotated[160];
        struct evlog *l;

        tmpname(path, sizeof(path), "rot");
        snprintf(rotated, sizeof(rotated), "%s.1", path);
        unlink(rotated);
        assert_int_equal(evlog_open(path, false, &l), 0);
        assert_int_equal(evlog_device(l, T0, "a", "added", NULL), 0);
        assert_int_equal(rename(path, rotated), 0);
        assert_int_equal(evlog_device(l, T0, "b", "added", NULL), 0); /* still the old file */
        assert_int_equal(evlog_reopen(l), 0);
        assert_int_equal(evlog_device(l, T0, "c", "added", NULL), 0);
        evlog_close(l);
        assert_string_equal(slurp(rotated), "2026-11-23T09:12:01.123Z a device added\n"
                                            "2026-11-23T09:12:01.123Z b device added\n");
        assert_string_equal(slurp(path), "2026-11-23T09:12:01.123Z c device added\n");
        unlink(path);
        unlink(rotated);
}

static void unwritable_path_is_an_error(void **state)
{
        struct evlog *l = (struct evlog *)1;

        assert_int_equal(evlog_open("/nonexistent-dir/x.log", false, &l), -ENOENT);
        assert_null(l);
}

/* The line that ends a blocked read says so, and how long it waited. */
static void recovery_line_names_the_wait(void **state)
{
        char path[128], *text, *line;
        struct evlog *l;
        struct json_object *o, *v;

        tmpname(path, sizeof(path), "rec");
        assert_int_equal(evlog_open(path, false, &l), 0);
        assert_int_equal(evlog_file(l, T0, "dev", "hisi_acc/dev_data", "blocked", 0, 0), 0);
        assert_int_equal(evlog_file_after(l, T0, "dev", "hisi_acc/dev_data", "ok", 0, 1000, 2301),
                         0);
        evlog_close(l);
        assert_string_equal(slurp(path),
                            "2026-11-23T09:12:01.123Z dev file hisi_acc/dev_data blocked, 0 bytes\n"
                            "2026-11-23T09:12:01.123Z dev file hisi_acc/dev_data ok, 1000 bytes, "
                            "answered after 2301 ms\n");
        unlink(path);

        assert_int_equal(evlog_open(path, true, &l), 0);
        assert_int_equal(
            evlog_file_after(l, T0, "dev", "hisi_acc/dev_data", "not_opened", EINVAL, 0, 300), 0);
        assert_int_equal(evlog_file(l, T0, "dev", "hisi_acc/dev_data", "blocked", 0, 0), 0);
        evlog_close(l);
        text = slurp(path);
        line = strtok(text, "\n");
        o = json_tokener_parse(line);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "blocked_ms", &v));
        assert_int_equal(json_object_get_int64(v), 300);
        json_object_put(o);
        o = json_tokener_parse(strtok(NULL, "\n"));
        assert_non_null(o);
        assert_false(json_object_object_get_ex(o, "blocked_ms", &v));
        json_object_put(o);
        unlink(path);
}

/* A line that cannot be written is an error, returned and kept for the owner to see. */
static void write_errors_are_returned_and_kept(void **state)
{
        struct evlog *l;

        assert_int_equal(evlog_open("/dev/full", false, &l), 0);
        assert_int_equal(evlog_error(l), 0);
        assert_int_equal(evlog_device(l, T0, "a", "added", NULL), -ENOSPC);
        assert_int_equal(evlog_error(l), -ENOSPC);
        assert_int_equal(evlog_file(l, T0, "a", "state", "ok", 0, 8), -ENOSPC);
        assert_int_equal(evlog_error(l), -ENOSPC);
        evlog_close(l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(text_lines_name_the_change),
            cmocka_unit_test(json_lines_parse_back),
            cmocka_unit_test(text_lines_escape_names),
            cmocka_unit_test(json_lines_are_utf8),
            cmocka_unit_test(fifo_without_reader_fails_at_once),
            cmocka_unit_test(reopen_follows_logrotate),
            cmocka_unit_test(unwritable_path_is_an_error),
            cmocka_unit_test(recovery_line_names_the_wait),
            cmocka_unit_test(write_errors_are_returned_and_kept),
        };
        return cmocka_run_group_tests_name("evlog", tests, NULL, NULL);
}
