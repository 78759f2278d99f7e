// SPDX-License-Identifier: GPL-2.0-only
/*
 * stuck: the --stuck spec (parse, errors, defaults), the check, and the engine's use of
 * it: engine_dev_info.stuck/stuck_for_ms in snapshots on an injected clock, a new
 * snapshot when a device turns stuck and when it stops, and the --log lines.
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
#include <unistd.h>

#include "core/stuck.h"
#include "engine/engine.h"
#include "ui/config.h"
#include "fakesrc.h"

#define MS 1000000LL

static void t_defaults(void **state)
{
        struct stuck_cfg c;
        char buf[256];

        (void)state;
        stuck_default(&c);
        assert_int_equal(c.ms[FSM_STOP_COPY], 60000);
        assert_int_equal(c.ms[FSM_RESUMING], 60000);
        assert_int_equal(c.ms[FSM_PRE_COPY], 60000);
        assert_int_equal(c.ms[FSM_PRE_COPY_P2P], 60000);
        assert_int_equal(c.ms[FSM_RUNNING_P2P], 60000);
        assert_int_equal(c.ms[FSM_RUNNING], 0);
        assert_int_equal(c.ms[FSM_STOP], 0);
        assert_int_equal(c.ms[FSM_ERROR], 0);
        stuck_format(&c, buf, sizeof(buf));
        assert_string_equal(buf,
                            "STOP_COPY=60,RESUMING=60,RUNNING_P2P=60,PRE_COPY=60,PRE_COPY_P2P=60");
}

static void t_parse(void **state)
{
        struct stuck_cfg c;
        char err[256] = "", buf[256];

        (void)state;
        stuck_default(&c);
        assert_int_equal(stuck_parse(&c, "STOP_COPY=1,resuming=0.5,PRE_COPY=0", err, sizeof(err)),
                         0);
        assert_int_equal(c.ms[FSM_STOP_COPY], 1000);
        assert_int_equal(c.ms[FSM_RESUMING], 500);
        assert_int_equal(c.ms[FSM_PRE_COPY], 0);
        assert_int_equal(c.ms[FSM_PRE_COPY_P2P], 60000); /* not named: kept */
        /* a later entry wins; RUNNING and STOP may be given a threshold too */
        assert_int_equal(stuck_parse(&c, "STOP=10,STOP=20.125", err, sizeof(err)), 0);
        assert_int_equal(c.ms[FSM_STOP], 20125);
        stuck_format(&c, buf, sizeof(buf));
        assert_string_equal(buf, "STOP=20.125,STOP_COPY=1,RESUMING=0.500,RUNNING_P2P=60,"
                                 "PRE_COPY_P2P=60");
        /* blanks around entries and '=' */
        assert_int_equal(stuck_parse(&c, " RUNNING_P2P = 7 ,\tPRE_COPY_P2P=8 ", err, sizeof(err)),
                         0);
        assert_int_equal(c.ms[FSM_RUNNING_P2P], 7000);
        assert_int_equal(c.ms[FSM_PRE_COPY_P2P], 8000);
        /* the largest value */
        assert_int_equal(stuck_parse(&c, "RESUMING=2592000", err, sizeof(err)), 0);
        assert_int_equal(c.ms[FSM_RESUMING], 2592000000LL);
}

static void t_merge(void **state)
{
        struct stuck_cfg base, cl;
        char err[256];

        (void)state;
        /* the config file's values, then what the command line names over them */
        stuck_default(&base);
        assert_int_equal(stuck_parse(&base, "RESUMING=120", err, sizeof(err)), 0);
        stuck_unset(&cl);
        assert_int_equal(stuck_parse(&cl, "STOP_COPY=0", err, sizeof(err)), 0);
        assert_int_equal(stuck_parse(&cl, "PRE_COPY=5", err, sizeof(err)), 0);
        assert_false(stuck_eval(&cl, FSM_RESUMING, 1000000 * MS, NULL)); /* unset: never */
        stuck_merge(&base, &cl);
        assert_int_equal(base.ms[FSM_RESUMING], 120000);
        assert_int_equal(base.ms[FSM_STOP_COPY], 0);
        assert_int_equal(base.ms[FSM_PRE_COPY], 5000);
        assert_int_equal(base.ms[FSM_RUNNING_P2P], 60000);
}

static void t_config(void **state)
{
        struct config c;
        char err[512] = "";
        const char *ok = "stuck = resuming=300, STOP_COPY=0\n";
        const char *ko = "interval = 2s\nstuck = RESUMING=5m\n";

        (void)state;
        config_defaults(&c);
        assert_int_equal(c.stuck.ms[FSM_RESUMING], 60000);
        assert_int_equal(config_parse(&c, ok, strlen(ok), "cfg", err, sizeof(err)), 0);
        assert_int_equal(c.stuck.ms[FSM_RESUMING], 300000);
        assert_int_equal(c.stuck.ms[FSM_PRE_COPY], 60000);
        /* " STOP_COPY=0": the blank after the comma is no part of a state name */
        assert_int_equal(c.stuck.ms[FSM_STOP_COPY], 0);
        config_defaults(&c);
        assert_int_equal(config_parse(&c, ko, strlen(ko), "cfg", err, sizeof(err)), -EINVAL);
        if (!strstr(err, "cfg:2: stuck: 'RESUMING=5m': SECONDS must be a number"))
                fail_msg("%s", err);
        assert_int_equal(c.interval_ms, 1000); /* unchanged on error */
}

static void bad(const char *spec, const char *want)
{
        struct stuck_cfg c, before;
        char err[256] = "";

        stuck_default(&c);
        before = c;
        assert_int_equal(stuck_parse(&c, spec, err, sizeof(err)), -EINVAL);
        if (!strstr(err, want))
                fail_msg("spec '%s': error '%s' lacks '%s'", spec, err, want);
        /* nothing applied, also not the good entries before the bad one */
        assert_memory_equal(&c, &before, sizeof(c));
}

static void t_parse_errors(void **state)
{
        (void)state;
        bad("", "expected STATE=SECONDS");
        bad(NULL, "expected STATE=SECONDS");
        bad("RESUMING", "'RESUMING': expected STATE=SECONDS");
        bad("STOP_COPY=1,FOO=3", "unknown state 'FOO' (one of ERROR, STOP, RUNNING, STOP_COPY");
        bad("Invalid=3", "unknown state 'Invalid'");
        bad("=3", "unknown state ''");
        bad("RESUMING=", "SECONDS must be a number");
        bad("RESUMING=-1", "SECONDS must be a number");
        bad("RESUMING=1.", "SECONDS must be a number");
        bad("RESUMING=.5", "SECONDS must be a number");
        bad("RESUMING=1.2345", "with at most 3 decimals");
        bad("RESUMING=1e3", "SECONDS must be a number");
        bad("RESUMING=60s", "SECONDS must be a number");
        bad("RESUMING=2592000.001", "from 0 to 2592000");
        bad("RESUMING=99999999999999999999", "from 0 to 2592000");
        bad("RESUMING=1,", "'': expected STATE=SECONDS");
        bad("RESUMING=1 2", "SECONDS must be a number");
        bad("RESUMING=1,,STOP=2", "'': expected STATE=SECONDS");
}

static void t_eval(void **state)
{
        struct stuck_cfg c;
        int64_t over = -1;

        (void)state;
        stuck_default(&c);
        /* at the threshold: not yet; beyond it: stuck, by how much */
        assert_false(stuck_eval(&c, FSM_RESUMING, 60000 * MS, &over));
        assert_int_equal(over, 0);
        assert_true(stuck_eval(&c, FSM_RESUMING, 60000 * MS + 1, &over));
        assert_int_equal(over, 0);
        assert_true(stuck_eval(&c, FSM_RESUMING, 192000 * MS, &over));
        assert_int_equal(over, 132000);
        assert_true(stuck_eval(&c, FSM_STOP_COPY, 61500 * MS, NULL));
        /* never */
        assert_false(stuck_eval(&c, FSM_RUNNING, 86400000 * MS, &over));
        assert_false(stuck_eval(&c, FSM_STOP, 86400000 * MS, &over));
        assert_false(stuck_eval(&c, FSM_ERROR, 86400000 * MS, &over));
        assert_false(stuck_eval(&c, FSM_INVALID, 86400000 * MS, &over));
        assert_false(stuck_eval(&c, (enum fsm_state)42, 86400000 * MS, &over));
        assert_int_equal(stuck_deadline_ns(&c, FSM_RESUMING, 5 * MS), 60005 * MS + 1);
        assert_true(stuck_deadline_ns(&c, FSM_RUNNING, 5 * MS) == INT64_MAX);
}

static void t_fmt_dur(void **state)
{
        char b[32];

        (void)state;
        stuck_fmt_dur(0, b, sizeof(b));
        assert_string_equal(b, "0s");
        stuck_fmt_dur(1500, b, sizeof(b));
        assert_string_equal(b, "1.5s");
        stuck_fmt_dur(60000, b, sizeof(b));
        assert_string_equal(b, "1m00s");
        stuck_fmt_dur(192000, b, sizeof(b));
        assert_string_equal(b, "3m12s");
        stuck_fmt_dur(7500000, b, sizeof(b));
        assert_string_equal(b, "2h05m");
}

/* ---- the engine ---- */

struct clk {
        int64_t t;
};

static int64_t clk_now(void *ctx)
{
        return ((struct clk *)ctx)->t;
}

static void settle(struct engine *e)
{
        int rounds = 0;

        assert_true(engine_process(e) >= 0);
        while (engine_pending(e) > 0) {
                assert_true(++rounds < 1000);
                engine_wait(e, 100);
                assert_true(engine_process(e) >= 0);
        }
}

static void run_until(struct engine *e, struct clk *c, int64_t to)
{
        while (c->t < to) {
                c->t += 250 * MS;
                if (c->t > to)
                        c->t = to;
                settle(e);
        }
}

static const struct engine_dev_info *info_of(const struct engine_snap *s, const char *dev)
{
        long i = engine_snap_find(s, dev);

        assert_true(i >= 0);
        return &s->info[i];
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "r");
        static char buf[8192];
        size_t n;

        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void t_engine(void **state)
{
        struct src *s = fakesrc_new();
        struct engine_opts o;
        struct engine *e;
        struct clk c = {1000 * MS};
        const struct engine_snap *sn, *sn2;
        const struct engine_dev_info *in;
        struct evlog *log;
        char logpath[] = "/tmp/migtop-test-stuck-XXXXXX";
        int fd = mkstemp(logpath);
        char *text;

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(evlog_open(logpath, false, &log), 0);
        assert_non_null(s);
        assert_int_equal(fakesrc_text(s, "src/migration/state", "STOP_COPY\n"), 0);
        assert_int_equal(fakesrc_text(s, "dst/migration/state", "RESUMING\n"), 0);
        assert_int_equal(fakesrc_text(s, "run/migration/state", "RUNNING\n"), 0);
        engine_opts_default(&o);
        o.now = clk_now;
        o.now_ctx = &c;
        o.rescan_ms = 0;
        o.log = log;
        assert_int_equal(stuck_parse(&o.stuck, "STOP_COPY=2,RESUMING=5", (char[128]){0}, 128), 0);
        assert_int_equal(engine_new(s, &o, &e), 0);
        settle(e);

        /* 1.5 s: nothing stuck */
        run_until(e, &c, 2500 * MS);
        sn = engine_snapshot(e);
        in = info_of(sn, "src");
        assert_true(in->have_state);
        assert_false(in->stuck);
        assert_int_equal(in->stuck_for_ms, 0);
        /* the engine asks to be woken when src turns stuck, even with no read planned */
        assert_true(engine_next_timeout_ms(e) <= 500);

        /* 3.25 s in STOP_COPY: stuck for 1.25 s; a new snapshot shows it */
        run_until(e, &c, 4250 * MS);
        sn2 = engine_snapshot(e);
        assert_true(sn2 != sn);
        engine_snap_put(sn);
        in = info_of(sn2, "src");
        assert_true(in->stuck);
        assert_int_equal(in->stuck_for_ms, 1250);
        assert_false(info_of(sn2, "dst")->stuck);
        assert_false(info_of(sn2, "run")->stuck);
        engine_snap_put(sn2);

        /* dst beyond 5 s; RUNNING never */
        run_until(e, &c, 60000 * MS);
        sn = engine_snapshot(e);
        assert_true(info_of(sn, "dst")->stuck);
        assert_int_equal(info_of(sn, "dst")->stuck_for_ms, 54000);
        assert_int_equal(info_of(sn, "src")->stuck_for_ms, 57000);
        assert_false(info_of(sn, "run")->stuck);
        engine_snap_put(sn);

        /* src leaves STOP_COPY: no longer stuck; dst vanishes: gone is never stuck */
        assert_int_equal(fakesrc_text(s, "src/migration/state", "STOP\n"), 0);
        fakesrc_remove(s, "dst");
        engine_rescan(e);
        run_until(e, &c, 61000 * MS);
        sn = engine_snapshot(e);
        assert_false(info_of(sn, "src")->stuck);
        assert_int_equal(info_of(sn, "src")->stuck_for_ms, 0);
        assert_true(info_of(sn, "dst")->gone);
        assert_false(info_of(sn, "dst")->stuck);
        engine_snap_put(sn);
        engine_free(e);

        assert_int_equal(evlog_error(log), 0);
        evlog_close(log);
        text = slurp(logpath);
        unlink(logpath);
        if (!strstr(text, " src stuck: in STOP_COPY for 2.2s (threshold 2s)\n") ||
            !strstr(text, " dst stuck: in RESUMING for 5.2s (threshold 5s)\n") ||
            !strstr(text, " src stuck ended: STOP_COPY -> STOP after 59.2s in STOP_COPY\n") ||
            !strstr(text, " dst stuck ended: RESUMING -> gone after 59.2s in RESUMING\n") ||
            strstr(text, " run stuck"))
                fail_msg("log:\n%s", text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_defaults),     cmocka_unit_test(t_parse),
            cmocka_unit_test(t_merge),        cmocka_unit_test(t_config),
            cmocka_unit_test(t_parse_errors), cmocka_unit_test(t_eval),
            cmocka_unit_test(t_fmt_dur),      cmocka_unit_test(t_engine),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
