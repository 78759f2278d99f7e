// SPDX-License-Identifier: GPL-2.0-only
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
#include <sys/stat.h>
#include <unistd.h>

#include "engine/reader.h"

#define MS 1000000LL

/* A source whose "slow" file blocks until the test writes to a pipe. */
struct gate {
        int rfd, wfd;
};

static int gate_read(void *ctx, const char *path, struct src_read *out)
{
        struct gate *g = ctx;
        char c;

        memset(out, 0, sizeof(*out));
        if (strcmp(path, "slow") == 0) {
                if (read(g->rfd, &c, 1) != 1)
                        return -EIO;
        } else if (strcmp(path, "gone") == 0) {
                out->err = ENODEV;
                return 0;
        }
        out->data = strdup(path);
        out->len = strlen(path);
        return 0;
}

static int gate_list(void *ctx, const char *path, struct src_list *out)
{
        memset(out, 0, sizeof(*out));
        out->err = ENOTDIR;
        return 0;
}

static void gate_destroy(void *ctx)
{
        struct gate *g = ctx;

        close(g->rfd);
        close(g->wfd);
        free(g);
}

static const struct src_ops gate_ops = {
    .kind = "fake",
    .read = gate_read,
    .list = gate_list,
    .destroy = gate_destroy,
};

static struct src *gate_src(int *wfd)
{
        struct src *s = calloc(1, sizeof(*s));
        struct gate *g = calloc(1, sizeof(*g));
        int p[2];

        assert_non_null(s);
        assert_non_null(g);
        assert_int_equal(pipe(p), 0);
        g->rfd = p[0];
        g->wfd = p[1];
        *wfd = dup(p[1]);
        s->ops = &gate_ops;
        s->ctx = g;
        s->root = strdup("gate");
        return s;
}

static size_t collect_until(struct reader *r, struct reader_done *d, size_t want, int64_t ms)
{
        int64_t end = reader_mono_ns() + ms * MS;
        size_t n = 0;

        while (n < want && reader_mono_ns() < end) {
                reader_wait(r, end);
                n += reader_collect(r, d + n, want - n);
        }
        return n;
}

static void blocked_read_does_not_hold_up_others(void **state)
{
        struct reader *r;
        struct reader_done d[8];
        int wfd;
        size_t n;

        assert_int_equal(reader_new(gate_src(&wfd), 4, &r), 0);
        assert_int_equal(reader_submit(r, "slow", (void *)1), 0);
        assert_int_equal(reader_submit(r, "a", (void *)2), 0);
        assert_int_equal(reader_submit(r, "gone", (void *)3), 0);
        n = collect_until(r, d, 2, 2000);
        assert_int_equal(n, 2);
        for (size_t i = 0; i < n; i++) {
                assert_true(d[i].user == (void *)2 || d[i].user == (void *)3);
                if (d[i].user == (void *)3)
                        assert_int_equal(d[i].res.err, ENODEV);
                else
                        assert_string_equal(d[i].res.data, "a");
                free(d[i].path);
                src_read_free(&d[i].res);
        }
        /* the slow one is still out; release it and its result arrives */
        assert_int_equal(reader_collect(r, d, 8), 0);
        assert_int_equal(write(wfd, "x", 1), 1);
        n = collect_until(r, d, 1, 2000);
        assert_int_equal(n, 1);
        assert_ptr_equal(d[0].user, (void *)1);
        assert_string_equal(d[0].res.data, "slow");
        free(d[0].path);
        src_read_free(&d[0].res);
        close(wfd);
        reader_free(r);
}

static void eventfd_signals_completion(void **state)
{
        struct reader *r;
        struct reader_done d[2];
        struct pollfd pfd;
        int wfd;

        assert_int_equal(reader_new(gate_src(&wfd), 2, &r), 0);
        pfd.fd = reader_fd(r);
        pfd.events = POLLIN;
        assert_int_equal(poll(&pfd, 1, 0), 0);
        assert_int_equal(reader_submit(r, "b", NULL), 0);
        assert_int_equal(poll(&pfd, 1, 2000), 1);
        assert_int_equal(reader_collect(r, d, 2), 1);
        free(d[0].path);
        src_read_free(&d[0].res);
        /* drained: no longer readable */
        assert_int_equal(poll(&pfd, 1, 0), 0);
        close(wfd);
        reader_free(r);
}

static void free_with_a_read_still_blocked(void **state)
{
        struct reader *r;
        int wfd;

        assert_int_equal(reader_new(gate_src(&wfd), 2, &r), 0);
        assert_int_equal(reader_submit(r, "slow", NULL), 0);
        usleep(20000);
        reader_free(r); /* must return at once */
        /* let the straggler finish and release the pool; ASan/LSan checks the cleanup */
        assert_int_equal(write(wfd, "x", 1), 1);
        close(wfd);
        usleep(50000);
}

/*
 * Reads that never answer do not starve the others: ten stuck reads on a pool of three,
 * then reads that answer at once all complete, each started when a worker took it (its
 * start, not its submission, is what a deadline counts from).  Stuck workers are
 * replaced, at most one new worker per stuck read on top of max_workers.
 */
static void stuck_reads_do_not_starve_others(void **state)
{
        struct reader *r;
        struct reader_done d[10];
        unsigned workers, busy;
        int64_t t0;
        int wfd;

        assert_int_equal(reader_new(gate_src(&wfd), 3, &r), 0);
        for (int i = 0; i < 10; i++)
                assert_int_equal(reader_submit(r, "slow", NULL), 0);
        for (int i = 0; i < 5; i++)
                assert_int_equal(reader_submit(r, "fast", (void *)(intptr_t)(i + 1)), 0);
        t0 = reader_mono_ns();
        assert_int_equal(collect_until(r, d, 5, 5000), 5);
        for (int i = 0; i < 5; i++) {
                assert_string_equal(d[i].res.data, "fast");
                assert_true(d[i].started_ns >= d[i].submitted_ns);
                free(d[i].path);
                src_read_free(&d[i].res);
        }
        reader_stats(r, &workers, &busy);
        assert_int_equal(busy, 10); /* every stuck read has a worker: none is queued */
        assert_true(workers <= 10 + 3);
        assert_true(reader_mono_ns() - t0 < 5000 * MS);
        /* release them all: every read completes */
        for (int i = 0; i < 10; i++)
                assert_int_equal(write(wfd, "x", 1), 1);
        assert_int_equal(collect_until(r, d, 10, 3000), 10);
        for (int i = 0; i < 10; i++) {
                assert_true(d[i].started_ns > 0);
                free(d[i].path);
                src_read_free(&d[i].res);
        }
        close(wfd);
        reader_free(r);
}

/*
 * The real local source through the pool: a FIFO nobody writes blocks its reader (as a
 * debugfs read waiting on a driver lock does) while the other reads complete; it
 * completes with what is written once a writer comes.
 */
static void local_results_reach_their_submitter(void **state)
{
        char dir[] = "/tmp/migtop-reader-XXXXXX";
        char fifo[256], file[256];
        struct reader *r;
        struct src *s;
        struct reader_done d[3];
        FILE *f;
        int wfd;

        assert_non_null(mkdtemp(dir));
        snprintf(fifo, sizeof(fifo), "%s/state", dir);
        snprintf(file, sizeof(file), "%s/features", dir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        f = fopen(file, "w");
        assert_non_null(f);
        fputs("p2p\n", f);
        fclose(f);
        assert_int_equal(src_local_open(dir, 0, &s), 0);
        assert_int_equal(reader_new(s, 4, &r), 0);
        assert_int_equal(reader_submit(r, "state", (void *)1), 0);
        assert_int_equal(reader_submit(r, "features", (void *)2), 0);
        assert_int_equal(reader_submit(r, "missing", (void *)3), 0);
        /* the two files answer; the FIFO does not */
        assert_int_equal(collect_until(r, d, 2, 5000), 2);
        for (size_t i = 0; i < 2; i++) {
                if (d[i].user == (void *)2) {
                        assert_string_equal(d[i].res.data, "p2p\n");
                } else {
                        assert_ptr_equal(d[i].user, (void *)3);
                        assert_int_equal(d[i].res.err, ENOENT);
                        assert_null(d[i].res.data);
                }
                free(d[i].path);
                src_read_free(&d[i].res);
        }
        /* a writer comes: the blocked read completes with its bytes */
        wfd = open(fifo, O_WRONLY);
        assert_true(wfd >= 0);
        assert_int_equal(write(wfd, "RUNNING\n", 8), 8);
        close(wfd);
        assert_int_equal(collect_until(r, d, 1, 5000), 1);
        assert_ptr_equal(d[0].user, (void *)1);
        assert_string_equal(d[0].path, "state");
        assert_int_equal(d[0].res.err, 0);
        assert_string_equal(d[0].res.data, "RUNNING\n");
        free(d[0].path);
        src_read_free(&d[0].res);
        reader_free(r);
        unlink(fifo);
        unlink(file);
        rmdir(dir);
}

/* Submissions under reader_hold() start nothing until reader_release(), then all run. */
static void hold_batches_submissions(void **state)
{
        struct reader *r;
        struct reader_done d[4];
        unsigned workers;
        int wfd;

        assert_int_equal(reader_new(gate_src(&wfd), 4, &r), 0);
        reader_hold(r);
        for (int i = 0; i < 3; i++)
                assert_int_equal(reader_submit(r, "a", NULL), 0);
        reader_stats(r, &workers, NULL);
        assert_int_equal(workers, 0);
        assert_int_equal(reader_collect(r, d, 4), 0);
        assert_int_equal(reader_release(r), 0);
        assert_int_equal(collect_until(r, d, 3, 5000), 3);
        for (int i = 0; i < 3; i++) {
                assert_string_equal(d[i].res.data, "a");
                free(d[i].path);
                src_read_free(&d[i].res);
        }
        close(wfd);
        reader_free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(blocked_read_does_not_hold_up_others),
            cmocka_unit_test(eventfd_signals_completion),
            cmocka_unit_test(free_with_a_read_still_blocked),
            cmocka_unit_test(stuck_reads_do_not_starve_others),
            cmocka_unit_test(local_results_reach_their_submitter),
            cmocka_unit_test(hold_batches_submissions),
        };
        return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
