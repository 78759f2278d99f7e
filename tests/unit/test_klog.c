// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel log in the engine: sources (a file of records, a scripted fake with a
 * pollable fd, the live /dev/kmsg when readable), attribution of records to devices by
 * DEVICE=, records of devices found later, gaps, a failing source, the snapshot and log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/evlog.h"
#include "engine/klog.h"
#include "fakesrc.h"

#define VF  "0000:7d:00.1"
#define VF2 "0000:7d:00.2"

static const char k_reject[] = "3,1742,8123456789,-;hisi_acc_vfio_pci 0000:7d:00.1: failed to "
                               "match VF qp num\n"
                               " SUBSYSTEM=pci\n"
                               " DEVICE=+pci:0000:7d:00.1\n";

static void add_dev(struct src *s, const char *dev)
{
        char p[128];

        snprintf(p, sizeof(p), "%s/migration/state", dev);
        assert_int_equal(fakesrc_text(s, p, "RESUMING\n"), 0);
}

static char *temp_file(const char *text)
{
        static char path[64];
        int fd;

        snprintf(path, sizeof(path), "/tmp/migtop-klog-XXXXXX");
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        return path;
}

/* ---- a scripted source: each step is a record text, a gap, "nothing now" or a failure ---- */

struct script {
        const char *step[16]; /* record text, or "GAP", "NONE", "BAD", "EIO" */
        int n, pos;
        int pfd[2]; /* readable while steps wait */
};

static int script_fd(void *ctx)
{
        return ((struct script *)ctx)->pfd[0];
}

static int script_next(void *ctx, struct kmsg_rec *out, char *err, size_t errsz)
{
        struct script *s = ctx;
        const char *t;
        char c;

        if (s->pos >= s->n || strcmp(s->step[s->pos], "NONE") == 0) {
                if (s->pos < s->n)
                        s->pos++;
                while (read(s->pfd[0], &c, 1) == 1)
                        ;
                return KLOG_NONE;
        }
        t = s->step[s->pos++];
        if (strcmp(t, "GAP") == 0)
                return KLOG_GAP;
        if (strcmp(t, "BAD") == 0) {
                snprintf(err, errsz, "a record larger than 8192 bytes was skipped");
                return KLOG_BAD;
        }
        if (strcmp(t, "EIO") == 0) {
                snprintf(err, errsz, "reading /dev/kmsg: %s", strerror(EIO));
                return -EIO;
        }
        return kmsg_parse(t, strlen(t), out, err, errsz) == 0 ? KLOG_REC : KLOG_BAD;
}

static void script_destroy(void *ctx)
{
        struct script *s = ctx;

        close(s->pfd[0]);
        close(s->pfd[1]);
}

static const struct klog_ops script_ops = {
    .kind = "fake", .fd = script_fd, .next = script_next, .destroy = script_destroy};

static void script_init(struct script *s)
{
        memset(s, 0, sizeof(*s));
        assert_int_equal(pipe2(s->pfd, O_NONBLOCK | O_CLOEXEC), 0);
}

static void script_push(struct script *s, const char *step)
{
        assert_true(s->n < 16);
        s->step[s->n++] = step;
        assert_int_equal(write(s->pfd[1], "x", 1), 1);
}

static const struct engine_dev_info *info_of(const struct engine_snap *sn, const char *dev)
{
        long i = engine_snap_find(sn, dev);

        assert_true(i >= 0);
        return &sn->info[i];
}

/* ---- the ring ---- */

static bool drop_odd(const struct kmsg_rec *r, void *ctx)
{
        (void)ctx;
        return r->seq & 1;
}

static void ring_bounded_and_filtered(void **state)
{
        struct klog_ring r;
        struct kmsg_rec k = {0};

        (void)state;
        klog_ring_init(&r, 4);
        assert_null(klog_ring_at(&r, 0));
        for (uint64_t i = 1; i <= 6; i++) {
                k.seq = i;
                assert_int_equal(klog_ring_push(&r, &k), 0);
        }
        assert_int_equal(r.n, 4);
        assert_true(r.total == 6);
        assert_true(klog_ring_at(&r, 0)->seq == 3); /* oldest kept */
        assert_true(klog_ring_at(&r, 3)->seq == 6);
        klog_ring_filter(&r, drop_odd, NULL);
        assert_int_equal(r.n, 2);
        assert_true(klog_ring_at(&r, 0)->seq == 4);
        assert_true(klog_ring_at(&r, 1)->seq == 6);
        k.seq = 7;
        assert_int_equal(klog_ring_push(&r, &k), 0);
        assert_true(klog_ring_at(&r, 2)->seq == 7);
        klog_ring_free(&r);
}

/* ---- file sources ---- */

static void file_source_reads_records_in_order(void **state)
{
        char *path = temp_file("6,1,100,-;boot\n"
                               "3,1742,8123456789,-;hisi_acc_vfio_pci 0000:7d:00.1: x\n"
                               " SUBSYSTEM=pci\n"
                               " DEVICE=+pci:0000:7d:00.1\n");
        struct klog *k;
        struct kmsg_rec r;
        char err[256];

        (void)state;
        assert_int_equal(klog_open(path, &k, err, sizeof(err)), 0);
        unlink(path);
        assert_string_equal(klog_kind(k), "file");
        assert_false(klog_live(k));
        assert_int_equal(klog_fd(k), -1);
        assert_int_equal(klog_next(k, &r, err, sizeof(err)), KLOG_REC);
        assert_true(r.seq == 1);
        assert_int_equal(klog_next(k, &r, err, sizeof(err)), KLOG_REC);
        assert_string_equal(r.device, VF);
        assert_int_equal(klog_next(k, &r, err, sizeof(err)), KLOG_END);
        klog_free(k);
}

static void file_source_malformed_names_the_line(void **state)
{
        char *path = temp_file("6,1,100,-;boot\n"
                               "[    1.000000] hisi_acc_vfio_pci 0000:7d:00.1: x\n");
        struct klog *k;
        char err[256];

        (void)state;
        assert_int_equal(klog_open(path, &k, err, sizeof(err)), -EINVAL);
        assert_null(k);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, ": line 2: "));
        unlink(path);
        assert_int_equal(klog_open("/nonexistent/kmsg", &k, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "/nonexistent/kmsg: "));
        assert_int_equal(klog_open("/tmp", &k, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "--kmsg wants"));
}

/* ---- the engine ---- */

static void engine_with(struct src *s, struct klog *k, struct engine **e)
{
        struct engine_opts o;

        engine_opts_default(&o);
        o.klog = k;
        o.klog_per_dev = 3;
        o.rescan_ms = 0;
        assert_int_equal(engine_new(s, &o, e), 0);
}

/* Records go to the device DEVICE= names; a device found later gets its earlier lines. */
static void records_attributed_and_adopted(void **state)
{
        char *path = temp_file("6,1,100,-;NET: Registered protocol family 10\n"
                               "6,2,200,-;pci 0000:00:01.0: BAR 0\n"
                               " SUBSYSTEM=pci\n"
                               " DEVICE=+pci:0000:00:01.0\n"
                               "4,3,300,-;vfio-dev vfio0: x\n SUBSYSTEM=vfio-dev\n DEVICE=c240:0\n"
                               "3,4,400,-;hisi_acc_vfio_pci 0000:7d:00.2: failed to match VF "
                               "devices\n SUBSYSTEM=pci\n DEVICE=+pci:0000:7d:00.2\n"
                               "3,5,500,-;hisi_acc_vfio_pci 0000:7d:00.1: a\n"
                               " SUBSYSTEM=pci\n DEVICE=+pci:0000:7d:00.1\n"
                               "3,6,600,-;hisi_acc_vfio_pci 0000:7d:00.1: b\n"
                               " SUBSYSTEM=pci\n DEVICE=+pci:0000:7d:00.1\n"
                               "3,7,700,-;hisi_acc_vfio_pci 0000:7d:00.1: c\n"
                               " SUBSYSTEM=pci\n DEVICE=+pci:0000:7d:00.1\n"
                               "3,9,900,-;hisi_acc_vfio_pci 0000:7d:00.1: d\n"
                               " SUBSYSTEM=pci\n DEVICE=+pci:0000:7d:00.1\n");
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        const struct engine_dev_info *in;
        struct engine *e;
        struct klog *k;
        char err[256];

        (void)state;
        add_dev(s, VF);
        assert_int_equal(klog_open(path, &k, err, sizeof(err)), 0);
        unlink(path);
        engine_with(s, k, &e);
        assert_int_equal(engine_settle(e, 5000), 0);
        sn = engine_snapshot(e);
        assert_int_equal(sn->klog.state, ENGINE_KLOG_FILE);
        assert_string_equal(engine_klog_state_name(sn->klog.state), "file");
        assert_true(sn->klog.caught_up);
        assert_false(sn->klog.same_clock); /* another machine's clock */
        assert_true(sn->klog.records == 8);
        assert_true(sn->klog.lost == 0); /* seq 8 is missing: a file may be an excerpt */
        in = info_of(sn, VF);
        /* bounded at 3: the oldest (a) went out; oldest first */
        assert_int_equal(in->nklog, 3);
        assert_true(in->klog_total == 4);
        assert_string_equal(in->klog[0].text, "hisi_acc_vfio_pci 0000:7d:00.1: b");
        assert_string_equal(in->klog[2].text, "hisi_acc_vfio_pci 0000:7d:00.1: d");
        assert_int_equal(engine_klog_time_ns(sn, &in->klog[0]), -1);
        engine_snap_put(sn);
        /* the second VF appears later: its earlier line is given to it */
        add_dev(s, VF2);
        engine_rescan(e);
        assert_int_equal(engine_settle(e, 5000), 0);
        sn = engine_snapshot(e);
        in = info_of(sn, VF2);
        assert_int_equal(in->nklog, 1);
        assert_string_equal(in->klog[0].text,
                            "hisi_acc_vfio_pci 0000:7d:00.2: failed to match VF devices");
        assert_true(sn->klog.attributed == 5);
        engine_snap_put(sn);
        engine_free(e);
        klog_free(k);
}

/* A live-like source: engine_fd() wakes for records, gaps are counted, failure is said. */
static void live_source_polled_gaps_and_failure(void **state)
{
        static struct script sc;
        char logpath[] = "/tmp/migtop-klog-log-XXXXXX";
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        struct engine *e;
        struct evlog *log;
        struct engine_opts o;
        struct klog *k;
        struct pollfd p;
        char buf[4096];
        FILE *f;
        size_t n;
        int fd;

        (void)state;
        add_dev(s, VF);
        script_init(&sc);
        script_push(&sc, "6,10,100,-;old\n");
        script_push(&sc, "NONE");
        assert_int_equal(klog_new(&script_ops, &sc, "fake", true, &k), 0);
        fd = mkstemp(logpath);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(evlog_open(logpath, false, &log), 0);
        engine_opts_default(&o);
        o.klog = k;
        o.log = log;
        o.rescan_ms = 0;
        o.state_ms = 3600000; /* real time: no state read may wake engine_fd() meanwhile */
        assert_int_equal(engine_new(s, &o, &e), 0);
        assert_int_equal(engine_settle(e, 5000), 0);
        sn = engine_snapshot(e);
        assert_int_equal(sn->klog.state, ENGINE_KLOG_OK);
        assert_true(sn->klog.same_clock);
        assert_true(sn->klog.records == 1);
        engine_snap_put(sn);
        /* nothing waits: engine_fd() is not readable */
        p = (struct pollfd){.fd = engine_fd(e), .events = POLLIN};
        assert_int_equal(poll(&p, 1, 0), 0);
        /* the kernel overwrote records, then the driver's line arrives */
        script_push(&sc, "GAP");
        script_push(&sc, k_reject);
        script_push(&sc, "BAD");
        assert_int_equal(poll(&p, 1, 1000), 1);
        assert_true(engine_process(e) >= 0);
        sn = engine_snapshot(e);
        assert_true(sn->klog.gaps == 1);
        assert_true(sn->klog.lost == 1742 - 10 - 1);
        assert_true(sn->klog.bad == 1);
        assert_non_null(strstr(sn->klog.bad_msg, "8192"));
        assert_int_equal(info_of(sn, VF)->nklog, 1);
        assert_true(info_of(sn, VF)->klog[0].ts_us == 8123456789LL);
        assert_true(engine_klog_time_ns(sn, &info_of(sn, VF)->klog[0]) == 8123456789LL * 1000);
        engine_snap_put(sn);
        /* the source fails: unavailable with the reason, the rest goes on */
        script_push(&sc, "EIO");
        assert_int_equal(poll(&p, 1, 1000), 1);
        assert_true(engine_process(e) >= 0);
        sn = engine_snapshot(e);
        assert_int_equal(sn->klog.state, ENGINE_KLOG_UNAVAILABLE);
        assert_string_equal(sn->klog.msg, "reading /dev/kmsg: Input/output error");
        assert_int_equal(info_of(sn, VF)->nklog, 1); /* kept */
        assert_int_equal(sn->tree.devs[0].state, FSM_RESUMING);
        engine_snap_put(sn);
        assert_int_equal(poll(&p, 1, 0), 0); /* no longer polled */
        engine_free(e);
        klog_free(k);
        evlog_close(log);
        f = fopen(logpath, "r");
        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        unlink(logpath);
        assert_non_null(strstr(buf, " 0000:7d:00.1 kernel err: hisi_acc_vfio_pci 0000:7d:00.1: "
                                    "failed to match VF qp num (seq 1742, 8123.456789 s)\n"));
        assert_non_null(strstr(buf, " - kernel_log gap: records were overwritten"));
        assert_non_null(strstr(buf, " - kernel_log unavailable: reading /dev/kmsg: "));
}

/* Many records at once: read in bounded batches, all of them by the end of settle. */
static void flood_read_in_batches(void **state)
{
        size_t cap = 3000 * 80, off = 0;
        char *text = malloc(cap), *path;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        struct engine *e;
        struct klog *k;
        char err[256];
        int ret, calls = 0;

        (void)state;
        assert_non_null(text);
        add_dev(s, VF);
        for (int i = 1; i <= 3000; i++)
                off += (size_t)snprintf(text + off, cap - off,
                                        "3,%d,%d,-;x %d\n DEVICE=+pci:0000:7d:00.1\n", i, i, i);
        path = temp_file(text);
        free(text);
        assert_int_equal(klog_open(path, &k, err, sizeof(err)), 0);
        unlink(path);
        engine_with(s, k, &e);
        do {
                ret = engine_process(e);
                assert_true(ret >= 0);
                calls++;
        } while (engine_next_timeout_ms(e) == 0 && calls < 100);
        assert_true(calls >= 3000 / 512);
        assert_int_equal(engine_settle(e, 5000), 0);
        sn = engine_snapshot(e);
        assert_true(sn->klog.records == 3000);
        assert_string_equal(info_of(sn, VF)->klog[2].text, "x 3000");
        engine_snap_put(sn);
        engine_free(e);
        klog_free(k);
}

/* The live /dev/kmsg (as root, or with dmesg_restrict=0): history, then a new line. */
static void live_dev_kmsg(void **state)
{
        struct klog *k;
        struct kmsg_rec r;
        char err[256], mark[96];
        uint64_t last = 0;
        int n = 0, ret, fd, found = 0;
        struct pollfd p;

        (void)state;
        assert_int_equal(klog_open(KLOG_DEFAULT_PATH, &k, err, sizeof(err)), 0);
        if (klog_state(k) != KLOG_ST_OK) {
                /* not root: the reason is one line, and that is the whole test */
                assert_non_null(strstr(klog_message(k), "/dev/kmsg"));
                klog_free(k);
                skip();
        }
        assert_string_equal(klog_kind(k), "kmsg");
        assert_true(klog_live(k));
        /* the oldest record first: the history before we opened */
        while ((ret = klog_next(k, &r, err, sizeof(err))) == KLOG_REC || ret == KLOG_GAP) {
                if (ret == KLOG_REC) {
                        assert_true(n == 0 || r.seq > last);
                        last = r.seq;
                        n++;
                }
        }
        assert_int_equal(ret, KLOG_NONE);
        assert_true(n > 0);
        fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                klog_free(k);
                return; /* reading allowed, writing not: done */
        }
        snprintf(mark, sizeof(mark), "<4>migtop test_klog %ld\\marker\n", (long)getpid());
        assert_int_equal(write(fd, mark, strlen(mark)), (ssize_t)strlen(mark));
        close(fd);
        p = (struct pollfd){.fd = klog_fd(k), .events = POLLIN};
        assert_int_equal(poll(&p, 1, 2000), 1);
        while ((ret = klog_next(k, &r, err, sizeof(err))) == KLOG_REC || ret == KLOG_GAP)
                if (ret == KLOG_REC && strstr(r.text, "migtop test_klog")) {
                        found = 1;
                        assert_int_equal(r.level, 4);
                        assert_int_equal(r.facility, 1);             /* LOG_USER: devkmsg_write */
                        assert_non_null(strstr(r.text, "\\marker")); /* \x5c unescaped */
                }
        assert_true(found);
        klog_free(k);
}

/* The engine over the live /dev/kmsg: engine_fd() wakes for a new record. */
static void live_engine_wakes(void **state)
{
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        struct engine_opts o;
        struct engine *e;
        struct klog *k;
        struct pollfd p;
        uint64_t before;
        char err[256], mark[96];
        int fd;

        (void)state;
        add_dev(s, VF);
        assert_int_equal(klog_open(KLOG_DEFAULT_PATH, &k, err, sizeof(err)), 0);
        fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        if (klog_state(k) != KLOG_ST_OK || fd < 0) {
                if (fd >= 0)
                        close(fd);
                klog_free(k);
                src_close(s);
                skip();
        }
        engine_opts_default(&o);
        o.klog = k;
        o.rescan_ms = 0;
        o.state_ms = 3600000;
        assert_int_equal(engine_new(s, &o, &e), 0);
        assert_int_equal(engine_settle(e, 10000), 0);
        sn = engine_snapshot(e);
        assert_int_equal(sn->klog.state, ENGINE_KLOG_OK);
        assert_true(sn->klog.caught_up);
        assert_true(sn->klog.same_clock);
        before = sn->klog.records;
        engine_snap_put(sn);
        p = (struct pollfd){.fd = engine_fd(e), .events = POLLIN};
        /* (the machine may log something meanwhile: not asserted idle here; the fake
           source's test asserts that) */
        snprintf(mark, sizeof(mark), "<6>migtop test_klog engine %ld\n", (long)getpid());
        assert_int_equal(write(fd, mark, strlen(mark)), (ssize_t)strlen(mark));
        close(fd);
        assert_int_equal(poll(&p, 1, 2000), 1);
        assert_true(engine_process(e) >= 0);
        sn = engine_snapshot(e);
        assert_true(sn->klog.records > before);
        engine_snap_put(sn);
        engine_free(e);
        klog_free(k);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(ring_bounded_and_filtered),
            cmocka_unit_test(file_source_reads_records_in_order),
            cmocka_unit_test(file_source_malformed_names_the_line),
            cmocka_unit_test(records_attributed_and_adopted),
            cmocka_unit_test(live_source_polled_gaps_and_failure),
            cmocka_unit_test(flood_read_in_batches),
            cmocka_unit_test(live_dev_kmsg),
            cmocka_unit_test(live_engine_wakes),
        };
        return cmocka_run_group_tests_name("klog", tests, NULL, NULL);
}
