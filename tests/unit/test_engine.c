// SPDX-License-Identifier: GPL-2.0-only
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

#include "core/jsonout.h"
#include "engine/engine.h"
#include "engine/reader.h"
#include "fakesrc.h"
#include "fakesys.h"

#define MS 1000000LL

/* ---- an injected clock: simulated time, so cadences are counted exactly ---- */

struct clk {
        int64_t t;
};

static int64_t clk_now(void *ctx)
{
        return ((struct clk *)ctx)->t;
}

static void opts_for(struct engine_opts *o, struct clk *c)
{
        engine_opts_default(o);
        o->now = clk_now;
        o->now_ctx = c;
        o->rescan_ms = 0; /* the first process lists the root; tests ask for more */
}

/* Process at the current simulated time, then let every read started finish (real time). */
static void settle(struct engine *e)
{
        int rounds = 0;

        assert_true(engine_process(e) >= 0);
        while (engine_pending(e) > 0) {
                assert_true(++rounds < 1000); /* a read that never returns: the test is wrong */
                engine_wait(e, 100);
                assert_true(engine_process(e) >= 0);
        }
}

/* Advance simulated time to `to` in steps of step_ms, settling at each step. */
static void run_until(struct engine *e, struct clk *c, int64_t to, int step_ms)
{
        while (c->t < to) {
                c->t += step_ms * MS;
                if (c->t > to)
                        c->t = to;
                settle(e);
        }
}

/* A hisi_acc dump of ACC_DUMP_SIZE bytes in the kernel's seq_hex_dump format. */
static void hisi_dump(char *buf, size_t size, const char *prefix, uint8_t fill, const char *tail)
{
        uint8_t b[144];
        size_t off = 0;

        memset(b, fill, sizeof(b));
        /* V2 magic, qp_num 16, dev_id 0xa256 */
        const uint8_t head[16] = {0xde, 0xde, 0xca, 0xde, 0xed, 0xfe, 0xcc, 0xaa,
                                  0x10, 0x00, 0x00, 0x00, 0x56, 0xa2, 0x00, 0x00};
        memcpy(b, head, sizeof(head));
        for (size_t row = 0; row < sizeof(b); row += 16) {
                off += (size_t)snprintf(buf + off, size - off, "%s%08zx:", prefix, row);
                for (size_t i = 0; i < 16; i++)
                        off += (size_t)snprintf(buf + off, size - off, " %02x", b[row + i]);
                off += (size_t)snprintf(buf + off, size - off, "\n");
        }
        snprintf(buf + off, size - off, "%s", tail);
}

static void path_of(char *buf, size_t n, const char *dev, const char *file)
{
        snprintf(buf, n, "%s/migration/%s", dev, file);
}

static void fake_dev(struct src *s, const char *dev, const char *state, uint8_t fill)
{
        char p[256], dump[2048];

        path_of(p, sizeof(p), dev, "state");
        assert_int_equal(fakesrc_text(s, p, state), 0);
        path_of(p, sizeof(p), dev, "features");
        assert_int_equal(fakesrc_text(s, p, "stop-copy\np2p\npre-copy\n"), 0);
        hisi_dump(dump, sizeof(dump), "Dev Data:", fill, "guest driver load: 1\ndata size: 176\n");
        path_of(p, sizeof(p), dev, "hisi_acc/dev_data");
        assert_int_equal(fakesrc_text(s, p, dump), 0);
        path_of(p, sizeof(p), dev, "hisi_acc/migf_data");
        assert_int_equal(fakesrc_errno(s, p, EAGAIN), 0);
        path_of(p, sizeof(p), dev, "hisi_acc/cmd_state");
        assert_int_equal(fakesrc_text(s, p, "mailbox cmd channel ready!\n"), 0);
}

static unsigned reads_of(struct src *s, const char *dev, const char *file)
{
        char p[256];

        path_of(p, sizeof(p), dev, file);
        return fakesrc_reads(s, p);
}

static const struct drv_file *snap_file(const struct engine_snap *sn, const char *dev,
                                        const char *dir, const char *file)
{
        long i = engine_snap_find(sn, dev);

        assert_true(i >= 0);
        return tree_dev_file(&sn->tree.devs[i], dir, file);
}

/* The model, as a snapshot shows it. */
static enum drv_status status_of(struct engine *e, const char *dev, const char *dir,
                                 const char *file)
{
        const struct engine_snap *sn = engine_snapshot(e);
        const struct drv_file *f;
        enum drv_status st;

        assert_non_null(sn);
        if (!dir) {
                long i = engine_snap_find(sn, dev);

                assert_true(i >= 0);
                f = strcmp(file, "state") == 0 ? &sn->tree.devs[i].state_file
                                               : &sn->tree.devs[i].features_file;
        } else {
                f = snap_file(sn, dev, dir, file);
        }
        assert_non_null(f);
        st = f->status;
        engine_snap_put(sn);
        return st;
}

static enum fsm_state state_of(struct engine *e, const char *dev)
{
        const struct engine_snap *sn = engine_snapshot(e);
        long i;
        enum fsm_state st;

        assert_non_null(sn);
        i = engine_snap_find(sn, dev);
        assert_true(i >= 0);
        st = sn->tree.devs[i].state;
        engine_snap_put(sn);
        return st;
}

/* ---- cadences ---- */

static void cadence_respected(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();

        assert_non_null(s);
        fake_dev(s, "0000:3b:00.1", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        run_until(e, &c, 10000 * MS, 50);
        /* 10 s at 250 ms: the first read plus 40 more; dev_data/cmd_state every 5 s */
        assert_int_equal(reads_of(s, "0000:3b:00.1", "state"), 41);
        assert_int_equal(reads_of(s, "0000:3b:00.1", "features"), 1);
        assert_int_equal(reads_of(s, "0000:3b:00.1", "hisi_acc/dev_data"), 3);
        assert_int_equal(reads_of(s, "0000:3b:00.1", "hisi_acc/cmd_state"), 3);
        /* migf_data every second (the driver shows its copy without a lock or an open
           check), so a copy taken on a close or reset the state does not show is seen */
        assert_int_equal(reads_of(s, "0000:3b:00.1", "hisi_acc/migf_data"), 11);
        assert_int_equal(status_of(e, "0000:3b:00.1", "hisi_acc", "migf_data"),
                         DRV_ST_NOT_MIGRATED);
        assert_int_equal(status_of(e, "0000:3b:00.1", "hisi_acc", "dev_data"), DRV_ST_OK);
        engine_free(e);
}

/* The console's +/-: a new state period applies to devices seen now and found later. */
static void state_period_changed_at_runtime(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        unsigned before;

        assert_non_null(s);
        fake_dev(s, "a", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        assert_int_equal(engine_set_state_period(e, 0), -EINVAL);
        assert_int_equal(engine_set_state_period(e, 1000), 0);
        before = reads_of(s, "a", "state");
        run_until(e, &c, 10000 * MS, 50);
        /* 10 s at 1000 ms: ten reads (not forty) */
        assert_int_equal(reads_of(s, "a", "state") - before, 10);
        /* a device found later polls at the new pace too */
        fake_dev(s, "b", "RUNNING\n", 0);
        engine_rescan(e);
        settle(e);
        before = reads_of(s, "b", "state");
        run_until(e, &c, 20000 * MS, 50);
        assert_int_equal(reads_of(s, "b", "state") - before, 10);
        engine_free(e);
}

/*
 * Simulated ms (50 ms steps) until dev's state shows want after the file was changed at
 * c->t; -1 when not within limit_ms.
 */
static int64_t seen_after(struct engine *e, struct clk *c, struct src *s, const char *dev,
                          const char *text, enum fsm_state want, int limit_ms)
{
        char p[128];
        int64_t t0 = c->t;

        path_of(p, sizeof(p), dev, "state");
        assert_int_equal(fakesrc_text(s, p, text), 0);
        while (c->t - t0 <= limit_ms * MS) {
                if (state_of(e, dev) == want)
                        return (c->t - t0) / MS;
                c->t += 50 * MS;
                settle(e);
        }
        return -1;
}

/*
 * Adaptive polling: once the consumer names what it shows, idle devices out of it are read
 * every idle period (4 x 250 ms), the rest every 250 ms; a change of a shown or migrating
 * device is seen within one fast period, and a device coming into view is read within one.
 */
static void focus_fast_idle_slow(void **state)
{
        static const char *const shown[] = {"on"};
        static const char *const now_shown[] = {"off2"};
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        unsigned on0, off0, mig0;
        int64_t ms;

        assert_non_null(s);
        fake_dev(s, "on", "RUNNING\n", 0);
        fake_dev(s, "off", "RUNNING\n", 1);
        fake_dev(s, "off2", "STOP\n", 2);
        fake_dev(s, "mig", "PRE_COPY\n", 3);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        assert_int_equal(engine_set_focus(e, shown, 1), 0);
        on0 = reads_of(s, "on", "state");
        off0 = reads_of(s, "off", "state");
        mig0 = reads_of(s, "mig", "state");
        run_until(e, &c, 10000 * MS, 50);
        /* 10 s: on screen and migrating at 250 ms (40 reads), idle off screen at 1 s (10) */
        assert_int_equal(reads_of(s, "on", "state") - on0, 40);
        assert_int_equal(reads_of(s, "mig", "state") - mig0, 40);
        assert_int_equal(reads_of(s, "off", "state") - off0, 10);
        /* (a) a device on screen: seen within one fast period */
        ms = seen_after(e, &c, s, "on", "STOP\n", FSM_STOP, 1000);
        print_message("state change seen after %lld ms on screen\n", (long long)ms);
        assert_in_range(ms, 0, 250);
        /* (b) an idle device off screen: within the idle period */
        ms = seen_after(e, &c, s, "off", "PRE_COPY\n", FSM_PRE_COPY, 2000);
        print_message("... after %lld ms off screen and idle\n", (long long)ms);
        assert_in_range(ms, 0, 1000);
        /* now migrating, it is interesting: its next change within one fast period */
        ms = seen_after(e, &c, s, "off", "STOP_COPY\n", FSM_STOP_COPY, 1000);
        print_message("... after %lld ms off screen and migrating\n", (long long)ms);
        assert_in_range(ms, 0, 250);
        /* a device scrolled into view is read within one fast period of the call */
        run_until(e, &c, c.t + 3000 * MS, 50);
        assert_int_equal(fakesrc_text(s, "off2/migration/state", "RESUMING\n"), 0);
        c.t += 50 * MS;
        settle(e);
        assert_int_equal(engine_set_focus(e, now_shown, 1), 0);
        ms = seen_after(e, &c, s, "off2", "RESUMING\n", FSM_RESUMING, 1000);
        print_message("... after %lld ms since it came on screen\n", (long long)ms);
        assert_in_range(ms, 0, 250);
        /* no focus any more: every device at the state period */
        engine_clear_focus(e);
        run_until(e, &c, c.t + 300 * MS, 50);
        off0 = reads_of(s, "on", "state");
        run_until(e, &c, c.t + 2000 * MS, 50);
        assert_int_equal(reads_of(s, "on", "state") - off0, 8);
        engine_free(e);
}

/* Batch modes never name a focus: every device stays at the state period. */
static void no_focus_every_device_fast(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        unsigned before;

        assert_non_null(s);
        fake_dev(s, "idle", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        before = reads_of(s, "idle", "state");
        run_until(e, &c, 5000 * MS, 50);
        assert_int_equal(reads_of(s, "idle", "state") - before, 20);
        engine_free(e);
}

/* More files due than reads allowed out at once: every file is still read each period. */
static void many_devices_all_read_on_cadence(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        char name[32];

        assert_non_null(s);
        for (int i = 0; i < 40; i++) {
                snprintf(name, sizeof(name), "dev%02d", i);
                fake_dev(s, name, "RUNNING\n", (uint8_t)i);
        }
        opts_for(&o, &c);
        o.max_inflight = 3;
        o.costly_ms = 1000;
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        run_until(e, &c, 2000 * MS, 250);
        for (int i = 0; i < 40; i++) {
                snprintf(name, sizeof(name), "dev%02d", i);
                assert_int_equal(reads_of(s, name, "state"), 9);
                assert_int_equal(reads_of(s, name, "hisi_acc/dev_data"), 3);
                assert_int_equal(status_of(e, name, "hisi_acc", "dev_data"), DRV_ST_OK);
        }
        engine_free(e);
}

static void timeout_follows_the_next_due_read(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();

        assert_non_null(s);
        fake_dev(s, "a", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        assert_int_equal(engine_next_timeout_ms(e), 250);
        c.t = 100 * MS;
        assert_int_equal(engine_next_timeout_ms(e), 150);
        engine_free(e);
}

static void on_demand_file_read_only_when_asked(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();

        assert_non_null(s);
        fake_dev(s, "a", "RUNNING\n", 0);
        opts_for(&o, &c);
        o.costly_ms = ENGINE_DEMAND;
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        run_until(e, &c, 3000 * MS, 250);
        assert_int_equal(reads_of(s, "a", "hisi_acc/dev_data"), 0);
        assert_int_equal(status_of(e, "a", "hisi_acc", "dev_data"), DRV_ST_UNREAD);
        assert_int_equal(engine_request(e, "a", "hisi_acc", "dev_data"), 0);
        assert_int_equal(engine_next_timeout_ms(e), 0);
        settle(e);
        assert_int_equal(reads_of(s, "a", "hisi_acc/dev_data"), 1);
        assert_int_equal(reads_of(s, "a", "hisi_acc/cmd_state"), 0);
        assert_int_equal(status_of(e, "a", "hisi_acc", "dev_data"), DRV_ST_OK);
        assert_int_equal(engine_request(e, "a", "hisi_acc", "nope"), -ENOENT);
        assert_int_equal(engine_request(e, "b", NULL, NULL), -ENOENT);
        engine_free(e);
}

/* ---- state changes ---- */

static void state_changes_recorded_and_classified(void **state)
{
        static const char *seq[] = {"STOP_COPY\n", "STOP\n", "ERROR\n", "RUNNING\n"};
        char logpath[] = "/tmp/migtop-englog-XXXXXX";
        char p[256], dump[2048], line[512];
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct evlog *log;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        const struct engine_dev_info *di;
        const struct drv_file *migf;
        int fd, nlines = 0, nstate = 0;
        FILE *f;

        assert_non_null(s);
        fd = mkstemp(logpath);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(evlog_open(logpath, false, &log), 0);
        fake_dev(s, "d", "RUNNING\n", 0);
        opts_for(&o, &c);
        o.log = log;
        o.migf_ms = ENGINE_ONCE; /* only the reads that state changes ask for */
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        assert_int_equal(reads_of(s, "d", "hisi_acc/migf_data"), 1);
        for (size_t i = 0; i < 4; i++) {
                path_of(p, sizeof(p), "d", "state");
                assert_int_equal(fakesrc_text(s, p, seq[i]), 0);
                if (i == 1) {
                        /* the driver copies the migration data when the stream closes */
                        hisi_dump(dump, sizeof(dump), "Mig Data:", 7, "migrate data length: 176\n");
                        path_of(p, sizeof(p), "d", "hisi_acc/migf_data");
                        assert_int_equal(fakesrc_text(s, p, dump), 0);
                }
                run_until(e, &c, c.t + 500 * MS, 250);
        }
        /* every state change re-reads migf_data: the finished migration shows at once */
        assert_int_equal(reads_of(s, "d", "hisi_acc/migf_data"), 5);

        sn = engine_snapshot(e);
        assert_non_null(sn);
        di = &sn->info[engine_snap_find(sn, "d")];
        assert_int_equal(di->transitions, 4);
        assert_int_equal(di->nchanges, 4);
        /* RUNNING -> STOP_COPY seen in one sample: the kernel went through RUNNING_P2P, STOP */
        assert_int_equal(di->changes[0].fsm.from, FSM_RUNNING);
        assert_int_equal(di->changes[0].fsm.to, FSM_STOP_COPY);
        assert_int_equal(di->changes[0].fsm.cls, FSM_CLASS_COMBINATION);
        assert_int_equal(di->changes[0].fsm.nsteps, 2);
        assert_int_equal(di->changes[0].fsm.steps[0], FSM_RUNNING_P2P);
        assert_int_equal(di->changes[0].fsm.steps[1], FSM_STOP);
        assert_int_equal(di->changes[1].fsm.cls, FSM_CLASS_DIRECT);
        assert_int_equal(di->changes[2].fsm.cls, FSM_CLASS_TO_ERROR);
        assert_int_equal(di->changes[3].fsm.cls, FSM_CLASS_RESET);
        assert_int_equal(di->changes[3].fsm.to, FSM_RUNNING);
        assert_true(di->changes[1].t_ns > di->changes[0].t_ns);
        assert_true(di->have_state);
        assert_int_equal(di->state_since_ns, di->changes[3].t_ns);
        migf = snap_file(sn, "d", "hisi_acc", "migf_data");
        assert_int_equal(migf->status, DRV_ST_OK);
        assert_int_equal(migf->len, 144);
        engine_snap_put(sn);
        engine_free(e);
        evlog_close(log);

        f = fopen(logpath, "r");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
                nlines++;
                if (strstr(line, " d state "))
                        nstate++;
        }
        fclose(f);
        unlink(logpath);
        assert_int_equal(nstate, 4);
        assert_true(nlines >= 6); /* + device added + migf_data now ok */
}

static void snapshot_is_immutable_and_shared(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        const struct engine_snap *a, *b, *d;

        assert_non_null(s);
        fake_dev(s, "d", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        a = engine_snapshot(e);
        run_until(e, &c, 1000 * MS, 250);
        b = engine_snapshot(e);
        assert_ptr_equal(a, b); /* nothing changed: the same snapshot */
        assert_int_equal(fakesrc_text(s, "d/migration/state", "STOP\n"), 0);
        run_until(e, &c, 1250 * MS, 250);
        d = engine_snapshot(e);
        assert_ptr_not_equal(a, d);
        assert_int_equal(a->tree.devs[0].state, FSM_RUNNING);
        assert_int_equal(d->tree.devs[0].state, FSM_STOP);
        assert_true(d->seq > a->seq);
        engine_free(e); /* snapshots outlive the engine */
        assert_int_equal(a->tree.devs[0].state_file.status, DRV_ST_OK);
        engine_snap_put(a);
        engine_snap_put(b);
        engine_snap_put(d);
}

static void costly_reads_held_back_during_migration(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        unsigned before;

        assert_non_null(s);
        fake_dev(s, "d", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        assert_int_equal(fakesrc_text(s, "d/migration/state", "STOP_COPY\n"), 0);
        run_until(e, &c, 250 * MS, 250);
        before = reads_of(s, "d", "hisi_acc/dev_data");
        run_until(e, &c, 20000 * MS, 250);
        assert_int_equal(reads_of(s, "d", "hisi_acc/dev_data"), before);
        assert_int_equal(reads_of(s, "d", "hisi_acc/cmd_state"), before);
        /* the user can still ask */
        assert_int_equal(engine_request(e, "d", "hisi_acc", "dev_data"), 0);
        settle(e);
        assert_int_equal(reads_of(s, "d", "hisi_acc/dev_data"), before + 1);
        /* migration over: periodic reads resume */
        assert_int_equal(fakesrc_text(s, "d/migration/state", "STOP\n"), 0);
        run_until(e, &c, 30000 * MS, 250);
        assert_true(reads_of(s, "d", "hisi_acc/cmd_state") > before);
        engine_free(e);
}

/*
 * A costly file is read again right after a state change (not only on its slow period):
 * "not opened" must not stay on screen once the VMM has the device in RESUMING.  Not
 * when the change is into STOP_COPY, where the read would slow the migration.
 */
static void costly_reread_after_state_change(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        const struct drv_file *f;
        unsigned before;

        assert_non_null(s);
        fake_dev(s, "d", "RUNNING\n", 0);
        assert_int_equal(fakesrc_errno(s, "d/migration/hisi_acc/dev_data", EINVAL), 0);
        opts_for(&o, &c);
        o.costly_ms = 600000; /* ten minutes: only a state change can explain a re-read */
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        sn = engine_snapshot(e);
        f = snap_file(sn, "d", "hisi_acc", "dev_data");
        assert_non_null(f);
        assert_int_equal(f->status, DRV_ST_NOT_OPENED);
        engine_snap_put(sn);

        /* the VMM opens the device and starts resuming */
        fake_dev(s, "d", "RESUMING\n", 7);
        run_until(e, &c, 1000 * MS, 250);
        sn = engine_snapshot(e);
        f = snap_file(sn, "d", "hisi_acc", "dev_data");
        assert_non_null(f);
        assert_int_equal(f->status, DRV_ST_OK);
        engine_snap_put(sn);

        /* into STOP_COPY: no extra read of the costly files */
        before = reads_of(s, "d", "hisi_acc/dev_data");
        assert_int_equal(fakesrc_text(s, "d/migration/state", "STOP_COPY\n"), 0);
        run_until(e, &c, 3000 * MS, 250);
        assert_int_equal(reads_of(s, "d", "hisi_acc/dev_data"), before);
        engine_free(e);
}

/* With a sysfs view, each device found carries its driver, names, IOMMU group and parent. */
static void sysfs_facts_of_found_devices(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct disc *disc;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        char root[256];
        long i;

        assert_non_null(s);
        assert_int_equal(fakesys_new(root, sizeof(root)), 0);
        assert_int_equal(
            fakesys_pci(root, "0000:3b:00.0", "hisi_sec2", 0x19e5, 0xa255, 11, 0, NULL), 0);
        assert_int_equal(fakesys_pci(root, "0000:3b:00.1", "hisi_acc_vfio_pci", 0x19e5, 0xa256, 12,
                                     0, "0000:3b:00.0"),
                         0);
        assert_int_equal(disc_open(root, NULL, 0, &disc), 0);
        fake_dev(s, "0000:3b:00.1", "RUNNING\n", 0);
        fake_dev(s, "0000:99:00.1", "RUNNING\n", 0); /* debugfs only */
        opts_for(&o, &c);
        o.disc = disc;
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        sn = engine_snapshot(e);
        i = engine_snap_find(sn, "0000:3b:00.1");
        assert_true(i >= 0);
        assert_true(engine_dev_sys(&sn->info[i])->known);
        assert_string_equal(engine_dev_sys(&sn->info[i])->driver, "hisi_acc_vfio_pci");
        assert_string_equal(engine_dev_sys(&sn->info[i])->parent, "0000:3b:00.0");
        assert_int_equal(engine_dev_sys(&sn->info[i])->iommu_group, 12);
        assert_true(engine_dev_sys(&sn->info[i])->name[0] != '\0');
        i = engine_snap_find(sn, "0000:99:00.1");
        assert_true(i >= 0);
        assert_false(engine_dev_sys(&sn->info[i])->known);
        /* the facts are shared with the engine, and stay valid in a snapshot it outlives */
        engine_free(e);
        i = engine_snap_find(sn, "0000:3b:00.1");
        assert_string_equal(engine_dev_sys(&sn->info[i])->driver, "hisi_acc_vfio_pci");
        engine_snap_put(sn);
        disc_close(disc);
        fakesys_remove(root);
}

/* ---- blocked reads ---- */

/* Wraps a source; reads of one path wait for a byte on a pipe (a driver mutex held). */
struct gate {
        struct src *inner;
        char *path;
        int rfd, wfd;
};

static int gate_read(void *ctx, const char *path, struct src_read *out)
{
        struct gate *g = ctx;
        char ch;

        if (strcmp(path, g->path) == 0 && read(g->rfd, &ch, 1) != 1)
                return -EIO;
        return g->inner->ops->read(g->inner->ctx, path, out);
}

static int gate_list(void *ctx, const char *path, struct src_list *out)
{
        struct gate *g = ctx;

        return g->inner->ops->list(g->inner->ctx, path, out);
}

static void gate_destroy(void *ctx)
{
        struct gate *g = ctx;

        src_close(g->inner);
        close(g->rfd);
        close(g->wfd);
        free(g->path);
        free(g);
}

static const struct src_ops gate_ops = {
    .kind = "fake",
    .read = gate_read,
    .list = gate_list,
    .destroy = gate_destroy,
};

static struct src *gate_new(struct src *inner, const char *path, int *wfd)
{
        struct gate *g = calloc(1, sizeof(*g));
        struct src *s;
        int p[2];

        assert_non_null(g);
        assert_int_equal(pipe(p), 0);
        g->inner = inner;
        g->path = strdup(path);
        g->rfd = p[0];
        g->wfd = p[1];
        *wfd = dup(p[1]);
        assert_int_equal(src_new(&gate_ops, g, "gate", &s), 0);
        return s;
}

/* Wait (real time) until only `left` reads are still out. */
static void wait_pending(struct engine *e, unsigned left)
{
        int rounds = 0;

        assert_true(engine_process(e) >= 0);
        while (engine_pending(e) > left) {
                assert_true(++rounds < 1000);
                engine_wait(e, 100);
                assert_true(engine_process(e) >= 0);
        }
}

static void blocked_read_marked_then_taken(struct src *inner, const char *dev)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        const struct engine_snap *sn;
        const struct engine_file_info *fi;
        char p[256];
        int wfd;
        long i;

        path_of(p, sizeof(p), dev, "hisi_acc/dev_data");
        opts_for(&o, &c);
        assert_int_equal(engine_new(gate_new(inner, p, &wfd), &o, &e), 0);
        wait_pending(e, 1); /* everything but dev_data answered */
        assert_int_equal(status_of(e, dev, "hisi_acc", "dev_data"), DRV_ST_UNREAD);
        for (int t = 250; t < 1000; t += 250) {
                c.t = t * MS;
                wait_pending(e, 1);
        }
        c.t = 999 * MS;
        assert_true(engine_process(e) >= 0);
        assert_int_equal(engine_pending(e), 1);
        c.t = 1000 * MS; /* the deadline: process returns, the read is still stuck */
        assert_true(engine_process(e) >= 0);
        wait_pending(e, 0); /* the state read due now; the blocked one no longer counts */
        sn = engine_snapshot(e);
        i = engine_snap_find(sn, dev);
        assert_int_equal(snap_file(sn, dev, "hisi_acc", "dev_data")->status, DRV_ST_BLOCKED);
        fi = engine_snap_file_info(sn, (size_t)i, "hisi_acc", "dev_data");
        assert_non_null(fi);
        assert_true(fi->blocked);
        assert_int_equal(sn->now_ns - fi->started_ns, 1000 * MS);
        /* the other files go on: state is read on its cadence meanwhile */
        assert_int_equal(sn->tree.devs[i].state_file.status, DRV_ST_OK);
        assert_int_equal(sn->info[i].state_info.reads, 5);
        engine_snap_put(sn);
        run_until(e, &c, 2000 * MS, 250);
        assert_int_equal(status_of(e, dev, "hisi_acc", "dev_data"), DRV_ST_BLOCKED);

        /* the driver lets go: the result is taken when it returns */
        assert_int_equal(write(wfd, "x", 1), 1);
        for (int rounds = 0; status_of(e, dev, "hisi_acc", "dev_data") != DRV_ST_OK; rounds++) {
                assert_true(rounds < 1000);
                engine_wait(e, 100);
                assert_true(engine_process(e) >= 0);
        }
        sn = engine_snapshot(e);
        i = engine_snap_find(sn, dev);
        assert_int_equal(snap_file(sn, dev, "hisi_acc", "dev_data")->status, DRV_ST_OK);
        fi = engine_snap_file_info(sn, (size_t)i, "hisi_acc", "dev_data");
        assert_false(fi->blocked);
        assert_int_equal(fi->reads, 1);
        engine_snap_put(sn);
        engine_free(e);
        close(wfd);
}

/*
 * While dev_data's read is blocked, the other files of its directory are not read again
 * (they would wait on the same driver lock): cmd_state keeps its last result; state (its
 * own directory) goes on.  When the read returns, the log has its recovery line (also for
 * a first read) and cmd_state is read again.
 */
static void blocked_read_holds_its_directory_and_logs_recovery(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *inner = fakesrc_new();
        char p[256], logp[64], *text;
        unsigned cmd, st;
        struct evlog *l;
        FILE *f;
        int wfd;

        assert_non_null(inner);
        fake_dev(inner, "d", "RUNNING\n", 0);
        snprintf(logp, sizeof(logp), "/tmp/migtop-engine-log-%d", (int)getpid());
        unlink(logp);
        assert_int_equal(evlog_open(logp, false, &l), 0);
        path_of(p, sizeof(p), "d", "hisi_acc/dev_data");
        opts_for(&o, &c);
        o.costly_ms = 250;
        o.log = l;
        assert_int_equal(engine_new(gate_new(inner, p, &wfd), &o, &e), 0);
        wait_pending(e, 1);
        for (int t = 250; t <= 1000; t += 250) {
                c.t = t * MS; /* dev_data's read stays out: blocked at the deadline */
                wait_pending(e, t < 1000 ? 1 : 0);
        }
        assert_int_equal(status_of(e, "d", "hisi_acc", "dev_data"), DRV_ST_BLOCKED);
        cmd = reads_of(inner, "d", "hisi_acc/cmd_state");
        st = reads_of(inner, "d", "state");
        assert_true(cmd >= 1);
        run_until(e, &c, 3000 * MS, 250);
        assert_int_equal(reads_of(inner, "d", "hisi_acc/cmd_state"), cmd);
        assert_int_equal(status_of(e, "d", "hisi_acc", "cmd_state"), DRV_ST_OK);
        assert_true(reads_of(inner, "d", "state") >= st + 7);

        /* the driver lets go, for this read and the next ones */
        assert_int_equal(write(wfd, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 32), 32);
        for (int rounds = 0; status_of(e, "d", "hisi_acc", "dev_data") != DRV_ST_OK; rounds++) {
                assert_true(rounds < 1000);
                engine_wait(e, 100);
                assert_true(engine_process(e) >= 0);
        }
        run_until(e, &c, 3500 * MS, 250);
        assert_true(reads_of(inner, "d", "hisi_acc/cmd_state") > cmd);
        engine_free(e);
        evlog_close(l);
        close(wfd);
        f = fopen(logp, "r");
        assert_non_null(f);
        text = calloc(1, 65536);
        assert_non_null(text);
        assert_true(fread(text, 1, 65535, f) > 0);
        fclose(f);
        assert_non_null(strstr(text, " d file hisi_acc/dev_data blocked, 0 bytes\n"));
        assert_non_null(strstr(text, " d file hisi_acc/dev_data ok, "));
        assert_non_null(strstr(text, " bytes, answered after "));
        assert_null(strstr(text, "cmd_state blocked"));
        free(text);
        unlink(logp);
}

static void blocked_read_fake(void **state)
{
        struct src *s = fakesrc_new();

        assert_non_null(s);
        fake_dev(s, "d", "RUNNING\n", 0);
        blocked_read_marked_then_taken(s, "d");
}

/* ---- a fixture tree on disk, read by the local source ---- */

static void put(const char *root, const char *rel, const char *text)
{
        char p[512], *slash;
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                mkdir(p, 0755);
                *slash = '/';
        }
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void fixture_dev(const char *root, const char *dev, const char *state)
{
        char rel[256], dump[2048];

        snprintf(rel, sizeof(rel), "%s/migration/state", dev);
        put(root, rel, state);
        snprintf(rel, sizeof(rel), "%s/migration/hisi_acc/dev_data", dev);
        hisi_dump(dump, sizeof(dump), "Dev Data:", 1, "guest driver load: 1\ndata size: 176\n");
        put(root, rel, dump);
        snprintf(rel, sizeof(rel), "%s/migration/hisi_acc/migf_data", dev);
        put(root, rel, "");
        snprintf(rel, sizeof(rel), "%s/migration/hisi_acc/cmd_state", dev);
        put(root, rel, "mailbox cmd channel ready!\n");
}

static void rm_rf(const char *path)
{
        char cmd[600];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
        assert_int_equal(system(cmd), 0);
}

static void blocked_read_local(void **state)
{
        char dir[] = "/tmp/migtop-engine-XXXXXX";
        struct src *s;

        assert_non_null(mkdtemp(dir));
        fixture_dev(dir, "0000:3b:00.1", "RUNNING\n");
        assert_int_equal(src_local_open(dir, 0, &s), 0);
        blocked_read_marked_then_taken(s, "0000:3b:00.1");
        rm_rf(dir);
}

static void local_vanish_and_hotplug(void **state)
{
        char dir[] = "/tmp/migtop-engine-XXXXXX";
        char devdir[512];
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s;
        const struct engine_snap *sn;
        long i;

        assert_non_null(mkdtemp(dir));
        fixture_dev(dir, "0000:3b:00.1", "RUNNING\n");
        fixture_dev(dir, "0000:3b:00.2", "STOP\n");
        assert_int_equal(src_local_open(dir, 0, &s), 0);
        opts_for(&o, &c);
        o.rescan_ms = 2000;
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        /* no features file on this kernel: absent, every state possible */
        assert_int_equal(status_of(e, "0000:3b:00.1", NULL, "features"), DRV_ST_ABSENT);
        assert_int_equal(state_of(e, "0000:3b:00.2"), FSM_STOP);

        snprintf(devdir, sizeof(devdir), "%s/0000:3b:00.2", dir);
        rm_rf(devdir);
        fixture_dev(dir, "0000:3b:00.3", "RESUMING\n");
        run_until(e, &c, 2000 * MS, 250);
        sn = engine_snapshot(e);
        assert_int_equal(sn->tree.ndevs, 3);
        i = engine_snap_find(sn, "0000:3b:00.2");
        assert_true(i >= 0);
        assert_true(sn->info[i].gone);
        assert_int_equal(sn->tree.devs[i].state_file.status, DRV_ST_GONE);
        assert_int_equal(sn->tree.devs[i].state, FSM_STOP); /* the last state is kept */
        i = engine_snap_find(sn, "0000:3b:00.3");
        assert_true(i >= 0);
        assert_false(sn->info[i].gone);
        assert_int_equal(sn->tree.devs[i].state, FSM_RESUMING);
        assert_int_equal(sn->tree.devs[i].dirs[0].nfiles, 3);
        engine_snap_put(sn);

        /* it comes back under the same name: read again, history kept */
        fixture_dev(dir, "0000:3b:00.2", "RUNNING\n");
        run_until(e, &c, 4000 * MS, 250);
        sn = engine_snapshot(e);
        i = engine_snap_find(sn, "0000:3b:00.2");
        assert_false(sn->info[i].gone);
        assert_int_equal(sn->tree.devs[i].state, FSM_RUNNING);
        assert_int_equal(sn->info[i].transitions, 1);
        engine_snap_put(sn);
        engine_free(e);
        rm_rf(dir);
}

static void fake_vanish_detected_by_state_read(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        unsigned n;

        assert_non_null(s);
        fake_dev(s, "a", "RUNNING\n", 0);
        fake_dev(s, "b", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        /* b's directory disappears (no rescan configured: the failing read notices) */
        assert_int_equal(fakesrc_errno(s, "b", ENOENT), 0);
        assert_int_equal(fakesrc_errno(s, "b/migration/state", ENODEV), 0);
        run_until(e, &c, 250 * MS, 250);
        assert_int_equal(status_of(e, "b", NULL, "state"), DRV_ST_GONE);
        assert_int_equal(status_of(e, "b", "hisi_acc", "dev_data"), DRV_ST_GONE);
        assert_int_equal(engine_request(e, "b", NULL, NULL), -ENODEV);
        n = reads_of(s, "b", "state");
        run_until(e, &c, 5000 * MS, 250);
        assert_int_equal(reads_of(s, "b", "state"), n); /* no more reads of a gone device */
        assert_int_equal(status_of(e, "a", NULL, "state"), DRV_ST_OK);
        engine_free(e);
}

/*
 * Devices coming and going: a gone device is kept gone_keep_ms, and at most gone_max of
 * them (the oldest go first), so memory and snapshots stay bounded under churn.
 */
static void gone_devices_dropped_after_a_time_and_count(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        char name[32];

        assert_non_null(s);
        fake_dev(s, "keep", "RUNNING\n", 0);
        opts_for(&o, &c);
        o.gone_keep_ms = 60000;
        o.gone_max = 4;
        assert_int_equal(engine_new(s, &o, &e), 0);
        /* ten generations of a device each, one a second, each gone the next second */
        for (int g = 0; g < 10; g++) {
                snprintf(name, sizeof(name), "d%02d", g);
                fake_dev(s, name, "RUNNING\n", 0);
                engine_rescan(e);
                settle(e);
                if (g > 0) {
                        snprintf(name, sizeof(name), "d%02d", g - 1);
                        fakesrc_remove(s, name);
                }
                c.t += 1000 * MS;
        }
        engine_rescan(e);
        settle(e);
        sn = engine_snapshot(e);
        /* "keep", d09 (present), and the 4 most recently gone (d05..d08) */
        assert_int_equal(sn->tree.ndevs, 6);
        assert_int_equal(engine_snap_find(sn, "d04"), -1);
        assert_true(engine_snap_find(sn, "d05") >= 0);
        assert_true(sn->info[engine_snap_find(sn, "d08")].gone);
        assert_false(sn->info[engine_snap_find(sn, "d09")].gone);
        engine_snap_put(sn);
        /* a minute later every gone one is dropped; the present ones stay */
        c.t += 61000 * MS;
        engine_rescan(e);
        settle(e);
        sn = engine_snapshot(e);
        assert_int_equal(sn->tree.ndevs, 2);
        assert_true(engine_snap_find(sn, "keep") >= 0);
        assert_true(engine_snap_find(sn, "d09") >= 0);
        engine_snap_put(sn);
        /* a dropped device that comes back is a new device */
        fake_dev(s, "d05", "STOP\n", 0);
        engine_rescan(e);
        settle(e);
        sn = engine_snapshot(e);
        assert_int_equal(sn->tree.ndevs, 3);
        assert_false(sn->info[engine_snap_find(sn, "d05")].gone);
        assert_int_equal(sn->tree.devs[engine_snap_find(sn, "d05")].state, FSM_STOP);
        engine_snap_put(sn);
        engine_free(e);
}

static void hotplug_appears_after_rescan(void **state)
{
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;

        assert_non_null(s);
        fake_dev(s, "a", "RUNNING\n", 0);
        opts_for(&o, &c);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        fake_dev(s, "b", "RESUMING\n", 0);
        run_until(e, &c, 1000 * MS, 250);
        sn = engine_snapshot(e);
        assert_int_equal(sn->tree.ndevs, 1); /* no rescan yet */
        engine_snap_put(sn);
        engine_rescan(e);
        assert_int_equal(engine_next_timeout_ms(e), 0);
        settle(e);
        sn = engine_snapshot(e);
        assert_int_equal(sn->tree.ndevs, 2);
        assert_string_equal(sn->tree.devs[1].name, "b");
        assert_int_equal(sn->tree.devs[1].state, FSM_RESUMING);
        assert_int_equal(sn->tree.devs[1].dirs[0].files[0].status, DRV_ST_OK);
        engine_snap_put(sn);
        engine_free(e);
}

/* ---- bounded memory ---- */

static void history_bounded_over_long_run(void **state)
{
        char dump[2048];
        struct clk c = {0};
        struct engine_opts o;
        struct engine *e;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        struct hist_sample *v;
        size_t n, bytes = 0;
        const int flips = 3000;

        assert_non_null(s);
        fake_dev(s, "d", "RUNNING\n", 0);
        opts_for(&o, &c);
        o.costly_ms = 250;
        o.hist_changes = 16;
        o.hist_samples = 8;
        o.hist_bytes = 4096;
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);
        for (int k = 1; k <= flips; k++) {
                assert_int_equal(
                    fakesrc_text(s, "d/migration/state", k % 2 ? "STOP\n" : "RUNNING\n"), 0);
                hisi_dump(dump, sizeof(dump), "Dev Data:", (uint8_t)k,
                          "guest driver load: 1\ndata size: 176\n");
                assert_int_equal(fakesrc_text(s, "d/migration/hisi_acc/dev_data", dump), 0);
                c.t += 250 * MS;
                settle(e);
        }
        sn = engine_snapshot(e);
        assert_int_equal(sn->info[0].transitions, flips);
        assert_int_equal(sn->info[0].nchanges, 16);
        /* the newest are kept */
        assert_int_equal(sn->info[0].changes[15].fsm.to, flips % 2 ? FSM_STOP : FSM_RUNNING);
        assert_int_equal(sn->info[0].changes[15].t_ns, c.t);
        engine_snap_put(sn);
        assert_int_equal(engine_file_samples(e, "d", "hisi_acc", "dev_data", &v, &n), 0);
        assert_true(n >= 1 && n <= 8);
        for (size_t i = 0; i < n; i++)
                bytes += v[i].len;
        assert_true(bytes <= 4096);
        assert_int_equal(v[n - 1].t_ns, c.t); /* the newest sample is the last read */
        engine_samples_free(v, n);
        assert_int_equal(engine_file_samples(e, "d", NULL, "state", &v, &n), 0);
        assert_int_equal(n, 8);
        engine_samples_free(v, n);
        engine_free(e);
}

static void root_unreadable_says_why(void **state)
{
        struct src *s = fakesrc_new();
        struct engine *e;
        const struct engine_snap *sn;

        assert_non_null(s);
        assert_int_equal(fakesrc_errno(s, "", EACCES), 0);
        assert_int_equal(engine_new(s, NULL, &e), 0);
        assert_int_equal(engine_settle(e, 5000), 0);
        sn = engine_snapshot(e);
        assert_int_equal(sn->tree.err, EACCES);
        assert_int_equal(sn->tree.ndevs, 0);
        assert_non_null(strstr(sn->tree.msg, "root"));
        engine_snap_put(sn);
        engine_free(e);
}

/* The batch/log loop on the real clock: devices are read and changes logged as JSON. */
static void run_for_polls_and_logs(void **state)
{
        char logpath[] = "/tmp/migtop-englog-XXXXXX";
        char line[1024];
        struct engine_opts o;
        struct engine *e;
        struct evlog *log;
        struct src *s = fakesrc_new();
        const struct engine_snap *sn;
        struct json_object *jo;
        char *js;
        int fd, added = 0;
        FILE *f;

        assert_non_null(s);
        fd = mkstemp(logpath);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(evlog_open(logpath, true, &log), 0);
        fake_dev(s, "0000:3b:00.1", "RUNNING\n", 0);
        engine_opts_default(&o);
        o.log = log;
        assert_int_equal(engine_new(s, &o, &e), 0);
        assert_int_equal(engine_run_for(e, 50), 0);
        assert_int_equal(engine_settle(e, 5000), 0);
        assert_int_equal(status_of(e, "0000:3b:00.1", NULL, "state"), DRV_ST_OK);
        assert_int_equal(state_of(e, "0000:3b:00.1"), FSM_RUNNING);
        /* a snapshot's tree is what the batch JSON writer takes */
        sn = engine_snapshot(e);
        jo = jout_tree(&sn->tree);
        js = jout_string(jo, 0);
        assert_non_null(js);
        assert_non_null(strstr(js, "\"0000:3b:00.1\""));
        assert_non_null(strstr(js, "RUNNING"));
        free(js);
        json_object_put(jo);
        engine_snap_put(sn);
        engine_free(e);
        evlog_close(log);
        f = fopen(logpath, "r");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f))
                added += strstr(line, "\"event\":\"device\"") && strstr(line, "\"added\"");
        fclose(f);
        unlink(logpath);
        assert_int_equal(added, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(cadence_respected),
            cmocka_unit_test(sysfs_facts_of_found_devices),
            cmocka_unit_test(state_period_changed_at_runtime),
            cmocka_unit_test(many_devices_all_read_on_cadence),
            cmocka_unit_test(timeout_follows_the_next_due_read),
            cmocka_unit_test(on_demand_file_read_only_when_asked),
            cmocka_unit_test(state_changes_recorded_and_classified),
            cmocka_unit_test(snapshot_is_immutable_and_shared),
            cmocka_unit_test(costly_reads_held_back_during_migration),
            cmocka_unit_test(costly_reread_after_state_change),
            cmocka_unit_test(blocked_read_fake),
            cmocka_unit_test(blocked_read_holds_its_directory_and_logs_recovery),
            cmocka_unit_test(blocked_read_local),
            cmocka_unit_test(local_vanish_and_hotplug),
            cmocka_unit_test(fake_vanish_detected_by_state_read),
            cmocka_unit_test(gone_devices_dropped_after_a_time_and_count),
            cmocka_unit_test(hotplug_appears_after_rescan),
            cmocka_unit_test(history_bounded_over_long_run),
            cmocka_unit_test(root_unreadable_says_why),
            cmocka_unit_test(run_for_polls_and_logs),
            cmocka_unit_test(focus_fast_idle_slow),
            cmocka_unit_test(no_focus_every_device_fast),
        };
        return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
