/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agentproto: the agent's messages survive encode/decode (text, binary, errnos, list
 * deltas, kernel log), a decoded path can never leave the root, control lines naming
 * anything but the controls are rejected (a focus names devices, never a path).
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

#include "core/agentproto.h"
#include "core/b64.h"

static int ctl(const char *line, struct ap_ctl *c, char *why)
{
        return ap_ctl_decode(line, strlen(line), c, why, 160);
}

static void test_ctl_ok(void **state)
{
        struct ap_ctl c;
        char why[160];

        (void)state;
        assert_int_equal(ctl("{\"t\":\"interval\",\"ms\":500}", &c, why), 0);
        assert_int_equal(c.kind, AP_CTL_INTERVAL);
        assert_int_equal(c.ms, 500);
        assert_int_equal(ctl(" {\"t\":\"pause\"} \r", &c, why), 0);
        assert_int_equal(c.kind, AP_CTL_PAUSE);
        assert_int_equal(ctl("{\"t\":\"resume\"}", &c, why), 0);
        assert_int_equal(c.kind, AP_CTL_RESUME);
        assert_int_equal(ctl("{\"t\":\"snapshot\"}", &c, why), 0);
        assert_int_equal(c.kind, AP_CTL_SNAPSHOT);
        assert_int_equal(ctl("{\"t\":\"quit\"}", &c, why), 0);
        assert_int_equal(c.kind, AP_CTL_QUIT);
        assert_int_equal(ctl("{\"t\":\"ping\",\"id\":7}", &c, why), 0);
        assert_int_equal(c.kind, AP_CTL_PING);
        assert_int_equal(c.id, 7);
        /* a ping names nothing else, and needs its id */
        assert_int_equal(ctl("{\"t\":\"ping\"}", &c, why), -EINVAL);
        assert_string_equal(why, "\"ping\" needs \"id\", an integer from 0 to 2^53");
        assert_int_equal(ctl("{\"t\":\"ping\",\"id\":1,\"p\":\"/etc\"}", &c, why), -EINVAL);
        assert_string_equal(why, "unknown member \"p\" in \"ping\"");
}

/* a ping line and its pong, through encode and decode */
static void test_ping(void **state)
{
        struct ap_ctl c = {.kind = AP_CTL_PING, .id = 42}, d;
        struct ap_msg m = {.kind = AP_PONG, .seq = 42}, md;
        char why[160], *s = ap_ctl_encode(&c);

        (void)state;
        assert_string_equal(s, "{\"t\":\"ping\",\"id\":42}\n");
        assert_int_equal(ap_ctl_decode(s, strlen(s) - 1, &d, why, sizeof(why)), 0);
        assert_int_equal(d.id, 42);
        free(s);
        s = ap_msg_encode(&m, NULL);
        assert_string_equal(s, "{\"t\":\"pong\",\"id\":42}\n");
        assert_int_equal(ap_msg_decode(s, strlen(s) - 1, &md, why, sizeof(why)), 0);
        assert_int_equal(md.kind, AP_PONG);
        assert_int_equal(md.seq, 42);
        ap_msg_free(&md);
        free(s);
}

static void test_ctl_rejected(void **state)
{
        static const char *const bad[] = {
            "{\"t\":\"snapshot\",\"path\":\"/etc/shadow\"}",
            "{\"t\":\"read\",\"p\":\"../../etc/passwd\"}",
            "{\"t\":\"exec\",\"cmd\":\"rm -rf /\"}",
            "{\"t\":\"interval\",\"ms\":\"500\"}",
            "{\"t\":\"interval\",\"ms\":10}",
            "{\"t\":\"interval\",\"ms\":60001}",
            "{\"t\":\"interval\"}",
            "{\"t\":\"pause\",\"ms\":5}",
            "{\"t\":5}",
            "[\"quit\"]",
            "\"quit\"",
            "quit",
            "{\"t\":\"quit\"} {\"t\":\"quit\"}",
            "{\"t\":\"quit\"",
            "",
        };
        struct ap_ctl c;
        char why[160], big[AP_CTL_MAX + 40];

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                why[0] = '\0';
                assert_int_equal(ctl(bad[i], &c, why), -EINVAL);
                assert_true(why[0] != '\0');
        }
        assert_int_equal(ctl("{\"t\":\"snapshot\",\"path\":\"/etc/shadow\"}", &c, why), -EINVAL);
        assert_string_equal(why, "unknown member \"path\" in \"snapshot\"");
        /* a NUL inside the line */
        assert_int_equal(ap_ctl_decode("{\"t\":\"quit\"}\0x", 14, &c, why, sizeof(why)), -EINVAL);
        /* longer than AP_CTL_MAX, even if well formed */
        memset(big, ' ', sizeof(big));
        memcpy(big, "{\"t\":\"quit\"}", 12);
        assert_int_equal(ap_ctl_decode(big, sizeof(big), &c, why, sizeof(why)), -EINVAL);
}

static void test_ctl_roundtrip(void **state)
{
        struct ap_ctl c = {.kind = AP_CTL_INTERVAL, .ms = 250}, d;
        char why[160], *s = ap_ctl_encode(&c);

        (void)state;
        assert_non_null(s);
        assert_string_equal(s, "{\"t\":\"interval\",\"ms\":250}\n");
        assert_int_equal(ap_ctl_decode(s, strlen(s) - 1, &d, why, sizeof(why)), 0);
        assert_int_equal(d.kind, AP_CTL_INTERVAL);
        assert_int_equal(d.ms, 250);
        free(s);
}

/*
 * focus: device names only (never a path), at most AP_FOCUS_MAX; the encoder keeps a line
 * within AP_CTL_MAX (a pipe takes it whole) by dropping the last names
 */
static void test_focus(void **state)
{
        static const char *const bad[] = {
            "{\"t\":\"focus\"}",
            "{\"t\":\"focus\",\"dev\":\"0000:3b:00.0\"}",
            "{\"t\":\"focus\",\"dev\":[\"../../etc\"]}",
            "{\"t\":\"focus\",\"dev\":[\"0000:3b:00.0/migration/state\"]}",
            "{\"t\":\"focus\",\"dev\":[\"..\"]}",
            "{\"t\":\"focus\",\"dev\":[\".\"]}",
            "{\"t\":\"focus\",\"dev\":[\"\"]}",
            "{\"t\":\"focus\",\"dev\":[5]}",
            "{\"t\":\"focus\",\"dev\":[null]}",
            "{\"t\":\"focus\",\"dev\":[],\"p\":\"/etc\"}",
            /* a name of 64 bytes (AP_NAME_MAX with its NUL is 64) */
            ("{\"t\":\"focus\",\"dev\":[\"012345678901234567890123456789"
             "0123456789012345678901234567890123\"]}"),
        };
        struct ap_ctl *c = calloc(1, sizeof(*c)), *d = calloc(1, sizeof(*d));
        char why[160], line[AP_CTL_MAX + 1], *s;
        size_t len;

        (void)state;
        assert_int_equal(ctl("{\"t\":\"focus\",\"dev\":[\"0000:3b:00.0\",\"6d696703-0000-4000-"
                             "8000-000000000003\"]}",
                             d, why),
                         0);
        assert_int_equal(d->kind, AP_CTL_FOCUS);
        assert_int_equal(d->nfocus, 2);
        assert_string_equal(d->focus[0], "0000:3b:00.0");
        assert_string_equal(d->focus[1], "6d696703-0000-4000-8000-000000000003");
        assert_int_equal(ctl("{\"t\":\"focus\",\"dev\":[]}", d, why), 0);
        assert_int_equal(d->nfocus, 0);
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                why[0] = '\0';
                assert_int_equal(ctl(bad[i], d, why), -EINVAL);
                assert_true(why[0] != '\0');
        }
        assert_int_equal(ctl(bad[2], d, why), -EINVAL);
        assert_string_equal(why, "\"focus\": dev[0] is not a device name (a string of 1 to 63 "
                                 "bytes, no '/', not . or ..)");
        /* one name more than AP_FOCUS_MAX */
        len = (size_t)snprintf(line, sizeof(line), "{\"t\":\"focus\",\"dev\":[");
        for (int i = 0; i <= AP_FOCUS_MAX; i++)
                len +=
                    (size_t)snprintf(line + len, sizeof(line) - len, "%s\"d%d\"", i ? "," : "", i);
        len += (size_t)snprintf(line + len, sizeof(line) - len, "]}");
        assert_int_equal(ap_ctl_decode(line, len, d, why, sizeof(why)), -EINVAL);
        assert_string_equal(why, "\"focus\" names 65 devices, at most 64");
        /* round trip */
        c->kind = AP_CTL_FOCUS;
        c->nfocus = 2;
        strcpy(c->focus[0], "0000:7d:00.1");
        strcpy(c->focus[1], "0000:7d:00.2");
        s = ap_ctl_encode(c);
        assert_string_equal(s, "{\"t\":\"focus\",\"dev\":[\"0000:7d:00.1\",\"0000:7d:00.2\"]}\n");
        assert_int_equal(ap_ctl_decode(s, strlen(s) - 1, d, why, sizeof(why)), 0);
        assert_int_equal(d->nfocus, 2);
        assert_string_equal(d->focus[1], "0000:7d:00.2");
        free(s);
        /* AP_FOCUS_MAX names of 63 bytes do not fit in a line: the last ones go, the line
           still decodes, and what is kept is the first names in order */
        c->nfocus = AP_FOCUS_MAX;
        for (int i = 0; i < AP_FOCUS_MAX; i++)
                snprintf(c->focus[i], AP_NAME_MAX, "%02d%061d", i, 0);
        s = ap_ctl_encode(c);
        assert_non_null(s);
        assert_true(strlen(s) <= AP_CTL_MAX + 1);
        assert_int_equal(ap_ctl_decode(s, strlen(s) - 1, d, why, sizeof(why)), 0);
        assert_true(d->nfocus > 0 && d->nfocus < AP_FOCUS_MAX);
        for (size_t i = 0; i < d->nfocus; i++)
                assert_string_equal(d->focus[i], c->focus[i]);
        free(s);
        free(c);
        free(d);
}

static void test_paths(void **state)
{
        (void)state;
        assert_true(ap_path_ok(""));
        assert_true(ap_path_ok("0000:7d:00.1/migration/state"));
        assert_true(ap_path_ok("a..b/.x"));
        assert_false(ap_path_ok("/etc/passwd"));
        assert_false(ap_path_ok("../x"));
        assert_false(ap_path_ok("a/../../x"));
        assert_false(ap_path_ok("a/./b"));
        assert_false(ap_path_ok("a//b"));
        assert_false(ap_path_ok("a/"));
        assert_false(ap_path_ok(".."));
}

static void test_b64(void **state)
{
        static const char bin[] = {0, 1, 2, (char)0xff, (char)0xfe, 'a'};
        size_t n;
        char *e, *d;

        (void)state;
        for (size_t len = 0; len <= sizeof(bin); len++) {
                e = b64_encode(bin, len);
                assert_non_null(e);
                assert_int_equal(strlen(e), (len + 2) / 3 * 4);
                d = b64_decode(e, strlen(e), &n);
                assert_non_null(d);
                assert_int_equal(n, len);
                assert_memory_equal(d, bin, len);
                free(e);
                free(d);
        }
        e = b64_encode("foobar", 6);
        assert_string_equal(e, "Zm9vYmFy");
        free(e);
        assert_null(b64_decode("Zm9", 3, &n));
        assert_null(b64_decode("Zm=v", 4, &n));
        assert_null(b64_decode("Z!9v", 4, &n));
}

/* Encode m, decode the line (without its newline). */
static void roundtrip(const struct ap_msg *m, struct ap_msg *out)
{
        size_t len;
        char why[160], *s = ap_msg_encode(m, &len);

        assert_non_null(s);
        assert_true(len > 1 && s[len - 1] == '\n');
        assert_null(memchr(s, '\n', len - 1)); /* one line whatever the content */
        assert_int_equal(ap_msg_decode(s, len - 1, out, why, sizeof(why)), 0);
        free(s);
}

static void test_hello(void **state)
{
        struct ap_msg m = {.kind = AP_HELLO}, d;
        char why[160];
        const char *v2 = "{\"t\":\"hello\",\"proto\":2,\"migtop\":\"9\",\"host\":\"h\","
                         "\"kernel\":\"k\",\"root\":\"/\",\"interval_ms\":1000}";

        (void)state;
        m.hello.proto = AP_PROTO_VERSION;
        strcpy(m.hello.migtop, "0.1.0");
        strcpy(m.hello.host, "hvA");
        strcpy(m.hello.kernel, "6.12.0-1-arm64");
        strcpy(m.hello.root, "/sys/kernel/debug/vfio");
        m.hello.interval_ms = 1000;
        roundtrip(&m, &d);
        assert_int_equal(d.kind, AP_HELLO);
        assert_int_equal(d.hello.proto, 1);
        assert_string_equal(d.hello.host, "hvA");
        assert_string_equal(d.hello.kernel, "6.12.0-1-arm64");
        assert_string_equal(d.hello.root, "/sys/kernel/debug/vfio");
        assert_int_equal(d.hello.interval_ms, 1000);
        assert_string_equal(d.hello.klog, ""); /* not said */
        ap_msg_free(&d);
        strcpy(m.hello.klog, "unavailable");
        roundtrip(&m, &d);
        assert_string_equal(d.hello.klog, "unavailable");
        ap_msg_free(&d);
        /* another protocol version: told apart from garbage */
        assert_int_equal(ap_msg_decode(v2, strlen(v2), &d, why, sizeof(why)), -EPROTO);
        assert_string_equal(why, "agent protocol version 2, this migtop speaks 1");
}

/* a snap's "sys" (optional): the facts survive the trip; a message without it has none */
static void test_sys(void **state)
{
        char *names[] = {"0000:86:00.1"};
        struct ap_list l = {.path = "", .full = true, .names = names, .n = 1};
        struct ap_sys y = {.dev = "0000:86:00.1",
                           .bus = "pci",
                           .driver = "hisi_acc_vfio_pci",
                           .parent = "0000:86:00.0",
                           .is_vf = true,
                           .has_ids = true,
                           .vendor = 0x19e5,
                           .device = 0xa259,
                           .iommu_group = 42,
                           .numa_node = -1};
        struct ap_msg m = {.kind = AP_SNAP,
                           .seq = 1,
                           .lists = &l,
                           .nlists = 1,
                           .sys = &y,
                           .nsys = 1},
                      d;

        (void)state;
        roundtrip(&m, &d);
        assert_int_equal(d.nsys, 1);
        assert_string_equal(d.sys[0].dev, "0000:86:00.1");
        assert_string_equal(d.sys[0].bus, "pci");
        assert_string_equal(d.sys[0].driver, "hisi_acc_vfio_pci");
        assert_string_equal(d.sys[0].parent, "0000:86:00.0");
        assert_true(d.sys[0].is_vf);
        assert_true(d.sys[0].has_ids);
        assert_int_equal(d.sys[0].vendor, 0x19e5);
        assert_int_equal(d.sys[0].device, 0xa259);
        assert_int_equal(d.sys[0].iommu_group, 42);
        assert_int_equal(d.sys[0].numa_node, -1);
        ap_msg_free(&d);
        m.nsys = 0;
        roundtrip(&m, &d);
        assert_int_equal(d.nsys, 0);
        ap_msg_free(&d);
}

static void test_data(void **state)
{
        char *add[] = {"0000:7d:00.2"}, *del[] = {"0000:7d:00.1"}, *all[] = {"a", "b"};
        char bin[] = {'x', 0, (char)0xc3, 'y'};
        struct ap_list l[] = {
            {.path = "", .names = add, .n = 1, .del = del, .ndel = 1},
            {.path = "0000:7d:00.2/migration", .err = EACCES},
        };
        struct ap_file f[] = {
            {.path = "0000:7d:00.2/migration/state", .data = "STOP_COPY\n", .len = 10},
            {.path = "0000:7d:00.2/migration/hisi_acc/dev_data", .err = EAGAIN},
            {.path = "0000:7d:00.2/migration/hisi_acc/migf_data",
             .data = bin,
             .len = 4,
             .trunc = true},
            {.path = "0000:7d:00.2/migration/x", .data = "caf\xc3\xa9 \"q\"\t\n", .len = 12},
        };
        struct ap_msg m = {.kind = AP_DELTA,
                           .seq = 7,
                           .ts_ms = 1764514325123LL,
                           .lists = l,
                           .nlists = 2,
                           .files = f,
                           .nfiles = 4},
                      d;
        struct ap_list ls = {.path = "", .full = true, .names = all, .n = 2};

        (void)state;
        roundtrip(&m, &d);
        assert_int_equal(d.kind, AP_DELTA);
        assert_int_equal(d.seq, 7);
        assert_int_equal(d.ts_ms, 1764514325123LL);
        assert_int_equal(d.nlists, 2);
        assert_false(d.lists[0].full);
        assert_int_equal(d.lists[0].n, 1);
        assert_string_equal(d.lists[0].names[0], "0000:7d:00.2");
        assert_int_equal(d.lists[0].ndel, 1);
        assert_string_equal(d.lists[0].del[0], "0000:7d:00.1");
        assert_int_equal(d.lists[1].err, EACCES);
        assert_int_equal(d.nfiles, 4);
        assert_string_equal(d.files[0].data, "STOP_COPY\n");
        assert_int_equal(d.files[0].len, 10);
        assert_int_equal(d.files[1].err, EAGAIN);
        assert_null(d.files[1].data);
        assert_int_equal(d.files[2].len, 4);
        assert_memory_equal(d.files[2].data, bin, 4);
        assert_true(d.files[2].trunc);
        assert_false(d.files[0].trunc);
        assert_int_equal(d.files[3].len, 12);
        assert_memory_equal(d.files[3].data, "caf\xc3\xa9 \"q\"\t\n", 12);
        ap_msg_free(&d);

        m = (struct ap_msg){.kind = AP_SNAP, .seq = 1, .ts_ms = 5, .lists = &ls, .nlists = 1};
        roundtrip(&m, &d);
        assert_int_equal(d.kind, AP_SNAP);
        assert_true(d.lists[0].full);
        assert_int_equal(d.lists[0].n, 2);
        assert_string_equal(d.lists[0].names[1], "b");
        assert_int_equal(d.nfiles, 0);
        ap_msg_free(&d);
}

static void test_klog_hb_error(void **state)
{
        char *r[] = {"6,1203,55123456,-;hisi_acc_vfio_pci 0000:7d:00.1: x\n"
                     " DEVICE=+pci:0000:7d:00.1\n"};
        size_t rl[] = {strlen(r[0])};
        struct ap_msg m = {.kind = AP_KLOG, .klog = r, .klog_len = rl, .nklog = 1}, d;

        (void)state;
        roundtrip(&m, &d);
        assert_int_equal(d.kind, AP_KLOG);
        assert_int_equal(d.nklog, 1);
        assert_string_equal(d.klog[0], r[0]);
        assert_int_equal(d.klog_len[0], rl[0]);
        ap_msg_free(&d);

        m = (struct ap_msg){.kind = AP_HB, .seq = 9, .ts_ms = 100, .bad = 3};
        roundtrip(&m, &d);
        assert_int_equal(d.kind, AP_HB);
        assert_int_equal(d.seq, 9);
        assert_int_equal(d.bad, 3);
        ap_msg_free(&d);

        m = (struct ap_msg){.kind = AP_ERROR};
        strcpy(m.msg, "cannot open /x: No such file or directory");
        roundtrip(&m, &d);
        assert_int_equal(d.kind, AP_ERROR);
        assert_string_equal(d.msg, m.msg);
        ap_msg_free(&d);
}

static void test_decode_rejects(void **state)
{
        static const char *const bad[] = {
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"lists\":[],\"files\":"
            "[{\"p\":\"/etc/passwd\",\"d\":\"x\"}]}",
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"lists\":[],\"files\":"
            "[{\"p\":\"a/../../etc/passwd\",\"d\":\"x\"}]}",
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"lists\":[{\"p\":\"\",\"add\":[\"../x\"],"
            "\"del\":[]}],\"files\":[]}",
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"lists\":[{\"p\":\"\",\"add\":[\"a/b\"],"
            "\"del\":[]}],\"files\":[]}",
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"lists\":[],\"files\":[{\"p\":\"a\"}]}",
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"lists\":[],\"files\":[{\"p\":\"a\",\"b\":\"@@\"}"
            "]}",
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"lists\":[],\"files\":[{\"p\":\"a\",\"e\":"
            "\"NOPE\"}]}",
            "{\"t\":\"delta\",\"seq\":1,\"ts\":1,\"files\":[]}",
            "{\"t\":\"snap\",\"seq\":1,\"ts\":1,\"lists\":[{\"p\":\"\",\"n\":[1]}],\"files\":[]}",
            "{\"t\":\"hb\",\"seq\":1,\"ts\":1}",
            "{\"t\":\"nope\"}",
            "{\"t\":\"klog\",\"r\":[1]}",
            "not json",
        };
        struct ap_msg d;
        char why[160];

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                why[0] = '\0';
                assert_int_equal(ap_msg_decode(bad[i], strlen(bad[i]), &d, why, sizeof(why)),
                                 -EINVAL);
                assert_true(why[0] != '\0');
                assert_int_equal(d.nfiles + d.nlists + d.nklog, 0); /* freed */
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ctl_ok),        cmocka_unit_test(test_ctl_rejected),
            cmocka_unit_test(test_ctl_roundtrip), cmocka_unit_test(test_paths),
            cmocka_unit_test(test_b64),           cmocka_unit_test(test_hello),
            cmocka_unit_test(test_data),          cmocka_unit_test(test_sys),
            cmocka_unit_test(test_ping),          cmocka_unit_test(test_focus),
            cmocka_unit_test(test_klog_hb_error), cmocka_unit_test(test_decode_rejects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
