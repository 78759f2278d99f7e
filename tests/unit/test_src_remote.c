/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_remote: what an agent sent is what the source answers (files, errnos, listings,
 * devices added and gone); another protocol version, a non-agent and an agent's error put
 * it down with the reason; a spawned command's stream and its failure (exit status and
 * last stderr line, as ssh and a shell print them) reach the status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/src_remote.h"

#define HELLO                                                                                      \
        "{\"t\":\"hello\",\"proto\":1,\"migtop\":\"0.1.0\",\"host\":\"hvB\",\"kernel\":\"6.12."    \
        "0\","                                                                                     \
        "\"root\":\"/sys/kernel/debug/vfio\",\"interval_ms\":1000}"
#define SNAP                                                                                       \
        "{\"t\":\"snap\",\"seq\":1,\"ts\":1,\"lists\":[{\"p\":\"\",\"n\":[\"0000:7d:00.1\"]},"     \
        "{\"p\":\"0000:7d:00.1/migration\",\"n\":[\"state\"]}],\"files\":[{\"p\":"                 \
        "\"0000:7d:00.1/migration/state\",\"d\":\"RUNNING\\n\"}]}"
#define DELTA                                                                                      \
        "{\"t\":\"delta\",\"seq\":2,\"ts\":2,\"lists\":[{\"p\":\"\",\"add\":[\"0000:7d:00.2\"],"   \
        "\"del\":[\"0000:7d:00.1\"]}],\"files\":[{\"p\":\"0000:7d:00.2/migration/state\","         \
        "\"e\":\"EAGAIN\"}]}"

static int feed(struct rsrc *r, const char *s)
{
        return rsrc_feed(r, s, strlen(s));
}

static void want_file(struct src *s, const char *path, int err, const char *data)
{
        struct src_read rd;

        assert_int_equal(src_read(s, path, &rd), 0);
        assert_int_equal(rd.err, err);
        if (data)
                assert_string_equal(rd.data, data);
        src_read_free(&rd);
}

static void test_stream(void **state)
{
        struct rsrc *r;
        struct rsrc_status st;
        struct src *s;
        struct src_list l;

        (void)state;
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(rsrc_src(r, "hvB:/sys/kernel/debug/vfio", &s), 0);
        rsrc_status(r, &st);
        assert_int_equal(st.state, RSRC_CONNECTING);
        assert_int_equal(feed(r, HELLO), 0);
        assert_int_equal(feed(r, SNAP), 0);
        rsrc_status(r, &st);
        assert_int_equal(st.state, RSRC_CONNECTED);
        assert_string_equal(st.hello.host, "hvB");
        assert_string_equal(st.hello.kernel, "6.12.0");
        assert_int_equal(rsrc_wait(r, 10), RSRC_CONNECTED);
        want_file(s, "0000:7d:00.1/migration/state", 0, "RUNNING\n");
        want_file(s, "0000:7d:00.1/migration/features", ENOENT, NULL);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.names[0], "0000:7d:00.1");
        src_list_free(&l);
        /* a garbled line is counted, not fatal */
        assert_int_equal(feed(r, "{\"t\":\"delta\""), 0);
        rsrc_status(r, &st);
        assert_int_equal(st.bad, 1);
        assert_int_equal(st.state, RSRC_CONNECTED);
        /* one device goes (its files with it), one comes with a failing read */
        assert_int_equal(feed(r, DELTA), 0);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.names[0], "0000:7d:00.2");
        src_list_free(&l);
        want_file(s, "0000:7d:00.1/migration/state", ENOENT, NULL);
        assert_int_equal(src_list(s, "0000:7d:00.1/migration", &l), 0);
        assert_int_equal(l.err, ENOENT);
        src_list_free(&l);
        want_file(s, "0000:7d:00.2/migration/state", EAGAIN, NULL);
        /* the stream ends: what was sent stays readable, the status says why */
        rsrc_end(r, "hvB: the connection ended");
        rsrc_status(r, &st);
        assert_int_equal(st.state, RSRC_DOWN);
        assert_string_equal(st.error, "hvB: the connection ended");
        want_file(s, "0000:7d:00.2/migration/state", EAGAIN, NULL);
        src_close(s);
        rsrc_free(r);
}

static void test_refused(void **state)
{
        struct rsrc *r;
        struct rsrc_status st;

        (void)state;
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(feed(r, "{\"t\":\"hello\",\"proto\":2}"), -EPROTO);
        rsrc_status(r, &st);
        assert_int_equal(st.state, RSRC_DOWN);
        assert_string_equal(st.error, "hvB: agent protocol version 2, this migtop speaks 1; "
                                      "install the same migtop version on both hosts");
        rsrc_free(r);

        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(feed(r, "Welcome to hvB"), -EPROTO);
        rsrc_status(r, &st);
        assert_string_equal(st.error, "hvB: not a migtop agent: it said \"Welcome to hvB\"");
        rsrc_free(r);

        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(feed(r, HELLO), 0);
        assert_int_equal(feed(r, "{\"t\":\"error\",\"msg\":\"cannot open /x: EACCES\"}"), -EPROTO);
        rsrc_status(r, &st);
        assert_int_equal(st.state, RSRC_DOWN);
        assert_string_equal(st.error, "hvB: the agent failed: cannot open /x: EACCES");
        assert_int_equal(rsrc_wait(r, 10), RSRC_DOWN);
        rsrc_free(r);
}

static void test_spawn(void **state)
{
        char *ok[] = {"sh", "-c", "printf '%s\\n%s\\n' '" HELLO "' '" SNAP "'; cat >/dev/null",
                      NULL};
        char *missing[] = {"sh", "-c",
                           "echo 'bash: line 1: migtop: command not found' >&2; exit 127", NULL};
        struct rsrc *r;
        struct rsrc_status st;
        struct src *s;

        (void)state;
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(rsrc_spawn(r, ok), 0);
        assert_int_equal(rsrc_wait(r, 5000), RSRC_CONNECTED);
        assert_int_equal(rsrc_src(r, "hvB:", &s), 0);
        want_file(s, "0000:7d:00.1/migration/state", 0, "RUNNING\n");
        src_close(s);
        rsrc_free(r); /* closes its stdin: cat ends, the child is reaped */

        assert_int_equal(rsrc_new("hvC", &r), 0);
        assert_int_equal(rsrc_spawn(r, missing), 0);
        assert_int_equal(rsrc_wait(r, 5000), RSRC_DOWN);
        rsrc_status(r, &st);
        assert_string_equal(st.error, "hvC: the connection ended (exit status 127): bash: line 1: "
                                      "migtop: command not found");
        rsrc_free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stream),
            cmocka_unit_test(test_refused),
            cmocka_unit_test(test_spawn),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
