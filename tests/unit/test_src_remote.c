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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* klog records wait in order for the client's kernel log; past RSRC_KLOG_MAX, counted */
static void test_klog_queue(void **state)
{
        struct rsrc *r;
        char *raw, line[200];
        size_t len;
        uint64_t dropped;

        (void)state;
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(feed(r, HELLO), 0);
        assert_int_equal(rsrc_klog_next(r, &raw, &len, &dropped, NULL), 0);
        assert_int_equal(feed(r, "{\"t\":\"klog\",\"r\":[\"3,1,2,-;a\\n\",\"6,2,3,-;b\\n\"]}"), 0);
        assert_int_equal(rsrc_klog_next(r, &raw, &len, &dropped, NULL), 1);
        assert_string_equal(raw, "3,1,2,-;a\n");
        assert_int_equal(len, 10);
        assert_int_equal(dropped, 0);
        free(raw);
        assert_int_equal(rsrc_klog_next(r, &raw, &len, &dropped, NULL), 1);
        assert_string_equal(raw, "6,2,3,-;b\n");
        free(raw);
        assert_int_equal(rsrc_klog_next(r, &raw, &len, &dropped, NULL), 0);
        for (int i = 0; i < RSRC_KLOG_MAX + 3; i++) {
                snprintf(line, sizeof(line), "{\"t\":\"klog\",\"r\":[\"6,%d,3,-;x\"]}", i);
                assert_int_equal(feed(r, line), 0);
        }
        assert_int_equal(rsrc_klog_next(r, &raw, &len, &dropped, NULL), 1);
        assert_string_equal(raw, "6,0,3,-;x");
        assert_int_equal(dropped, 3);
        free(raw);
        rsrc_free(r); /* frees the records still waiting */
}

static void *feed_later(void *arg)
{
        usleep(300000);
        feed(arg, "{\"t\":\"delta\",\"seq\":3,\"ts\":3,\"lists\":[{\"p\":\"0000:7d:00.3\","
                  "\"add\":[\"migration\"],\"del\":[]}],\"files\":[{\"p\":\"0000:7d:00.3/"
                  "migration/state\",\"d\":\"STOP\\n\"}]}");
        return NULL;
}

/*
 * A device just added (the root listing's add) whose files the agent has not sent yet:
 * a read of one waits for it as a read in flight, not ENOENT; a name no listing has is
 * ENOENT at once.
 */
static void test_coming(void **state)
{
        struct rsrc *r;
        struct src *s;
        pthread_t t;
        int64_t t0;

        (void)state;
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(rsrc_src(r, "hvB:", &s), 0);
        assert_int_equal(feed(r, HELLO), 0);
        assert_int_equal(feed(r, SNAP), 0);
        assert_int_equal(feed(r, "{\"t\":\"delta\",\"seq\":2,\"ts\":2,\"lists\":[{\"p\":\"\","
                                 "\"add\":[\"0000:7d:00.3\"],\"del\":[]}],\"files\":[]}"),
                         0);
        t0 = src_now_ns();
        want_file(s, "0000:7d:00.9/migration/state", ENOENT, NULL);
        assert_true(src_now_ns() - t0 < 100000000LL);
        assert_int_equal(pthread_create(&t, NULL, feed_later, r), 0);
        t0 = src_now_ns();
        want_file(s, "0000:7d:00.3/migration/state", 0, "STOP\n");
        assert_true(src_now_ns() - t0 >= 250000000LL);
        pthread_join(t, NULL);
        /* the listing says what the device has: another name is ENOENT at once */
        t0 = src_now_ns();
        want_file(s, "0000:7d:00.3/other", ENOENT, NULL);
        assert_true(src_now_ns() - t0 < 100000000LL);
        src_close(s);
        rsrc_free(r);
}

static void test_backoff(void **state)
{
        int d = 0, seq[8];

        (void)state;
        for (int i = 0; i < 8; i++)
                seq[i] = d = rsrc_backoff_ms(d, false);
        assert_int_equal(seq[0], 1000);
        assert_int_equal(seq[1], 2000);
        assert_int_equal(seq[2], 4000);
        assert_int_equal(seq[3], 8000);
        assert_int_equal(seq[4], 16000);
        assert_int_equal(seq[5], 30000);
        assert_int_equal(seq[7], 30000);
        /* a link that had connected: the next attempt after 1 s again */
        assert_int_equal(rsrc_backoff_ms(30000, true), 1000);
        assert_string_equal(rsrc_state_name(RSRC_RECONNECTING), "reconnecting");
        assert_string_equal(rsrc_state_name(RSRC_DOWN), "down");
}

/* Wait (at most 5 s) until r is in state want. */
static bool wait_state(struct rsrc *r, enum rsrc_state want, struct rsrc_status *st)
{
        for (int i = 0; i < 500; i++) {
                rsrc_status(r, st);
                if (st->state == want)
                        return true;
                usleep(10000);
        }
        return false;
}

/*
 * A link that ends after its snapshot: down (with the exit status), the data kept, then
 * a second link 1 s later whose snapshot replaces the first whole.
 */
static void test_reconnect(void **state)
{
        char dir[] = "/tmp/test_src_remote.XXXXXX", script[600];
        char *argv[] = {"sh", "-c", script, NULL};
        struct rsrc *r;
        struct rsrc_status st;
        struct src *s;
        int64_t t0;

        (void)state;
        assert_non_null(mkdtemp(dir));
        /* the first run sends the snapshot and exits 3; later runs send another and stay */
        snprintf(
            script, sizeof(script),
            "printf '%%s\\n' '" HELLO "'; if [ -e %s/once ]; then printf '%%s\\n' '%s'; "
            "cat >/dev/null; else touch %s/once; printf '%%s\\n' '" SNAP "'; exit 3; fi",
            dir,
            "{\"t\":\"snap\",\"seq\":1,\"ts\":1,\"lists\":[{\"p\":\"\",\"n\":[\"0000:7d:00.2\"]}],"
            "\"files\":[{\"p\":\"0000:7d:00.2/migration/state\",\"d\":\"STOP\\n\"}]}",
            dir);
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(rsrc_src(r, "hvB:", &s), 0);
        t0 = src_now_ns();
        assert_int_equal(rsrc_spawn(r, argv), 0);
        assert_true(wait_state(r, RSRC_DOWN, &st));
        assert_string_equal(st.error, "hvB: the connection ended (exit status 3)");
        assert_true(st.retry_ns > 0);
        assert_int_equal(st.attempts, 1);
        /* down: what it sent last is still answered */
        want_file(s, "0000:7d:00.1/migration/state", 0, "RUNNING\n");
        assert_true(wait_state(r, RSRC_CONNECTED, &st));
        assert_int_equal(st.attempts, 2);
        assert_true(src_now_ns() - t0 >= 900000000LL); /* the 1 s backoff */
        /* the new snapshot replaced the old one whole */
        want_file(s, "0000:7d:00.1/migration/state", ENOENT, NULL);
        want_file(s, "0000:7d:00.2/migration/state", 0, "STOP\n");
        assert_true(st.changes >= 3); /* connected, down, reconnecting, connected */
        src_close(s);
        rsrc_free(r);
        snprintf(script, sizeof(script), "%s/once", dir);
        unlink(script);
        rmdir(dir);
}

/* the lines of file path that contain what (0: none or no file) */
static int count_lines(const char *path, const char *what)
{
        char line[512];
        int n = 0;
        FILE *f = fopen(path, "r");

        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                n += strstr(line, what) != NULL;
        fclose(f);
        return n;
}

/* wait up to 5 s until path has n lines with what */
static bool wait_lines(const char *path, const char *what, int n)
{
        for (int i = 0; i < 500; i++) {
                if (count_lines(path, what) >= n)
                        return true;
                usleep(10000);
        }
        return false;
}

/*
 * focus: asked before the link, sent once the hello says the agent takes it; the same
 * set again is not sent, another is; an agent whose hello does not say so is sent none
 */
static void test_focus(void **state)
{
        char dir[] = "/tmp/test_src_remote.XXXXXX", script[700], in[64];
        char *argv[] = {"sh", "-c", script, NULL};
        struct ap_ctl *c = calloc(1, sizeof(*c));
        struct rsrc *r;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(in, sizeof(in), "%s/in", dir);
        c->kind = AP_CTL_FOCUS;
        c->nfocus = 1;
        strcpy(c->focus[0], "0000:7d:00.1");
        snprintf(script, sizeof(script), "printf '%%s\\n' '%s' '" SNAP "'; cat >%s",
                 "{\"t\":\"hello\",\"proto\":1,\"migtop\":\"0.1.0\",\"host\":\"hvB\","
                 "\"kernel\":\"6.12.0\",\"root\":\"/r\",\"interval_ms\":1000,\"focus\":true}",
                 in);
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(rsrc_control(r, c), 0); /* no link yet: kept */
        assert_int_equal(rsrc_spawn(r, argv), 0);
        assert_int_equal(rsrc_wait(r, 5000), RSRC_CONNECTED);
        assert_true(wait_lines(in, "{\"t\":\"focus\",\"dev\":[\"0000:7d:00.1\"]}", 1));
        assert_int_equal(rsrc_control(r, c), 0); /* the same: not sent again */
        strcpy(c->focus[0], "0000:7d:00.2");
        assert_int_equal(rsrc_control(r, c), 0);
        assert_true(wait_lines(in, "{\"t\":\"focus\",\"dev\":[\"0000:7d:00.2\"]}", 1));
        assert_int_equal(count_lines(in, "\"focus\""), 2);
        rsrc_free(r);
        unlink(in);

        /* an agent that does not say "focus":true */
        snprintf(script, sizeof(script), "printf '%%s\\n' '" HELLO "' '" SNAP "'; cat >%s", in);
        assert_int_equal(rsrc_new("hvB", &r), 0);
        assert_int_equal(rsrc_spawn(r, argv), 0);
        assert_int_equal(rsrc_wait(r, 5000), RSRC_CONNECTED);
        assert_int_equal(rsrc_control(r, c), 0);
        assert_int_equal(rsrc_control(r, &(struct ap_ctl){.kind = AP_CTL_SNAPSHOT}), 0);
        assert_true(wait_lines(in, "\"snapshot\"", 1)); /* (what came after the focus) */
        assert_int_equal(count_lines(in, "\"focus\""), 0);
        rsrc_free(r);
        unlink(in);
        rmdir(dir);
        free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stream),    cmocka_unit_test(test_refused),
            cmocka_unit_test(test_spawn),     cmocka_unit_test(test_backoff),
            cmocka_unit_test(test_reconnect), cmocka_unit_test(test_klog_queue),
            cmocka_unit_test(test_coming),    cmocka_unit_test(test_focus),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
