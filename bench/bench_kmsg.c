// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_kmsg: what reading the kernel log costs the engine's loop under a flood, next to
 * the same loop without it, in one run.  No pass/fail: it prints numbers.
 *
 *   live (root, or kernel.dmesg_restrict=0): a child process writes -n records to
 *     /dev/kmsg, one open/write/close each like `echo ... > /dev/kmsg` (so the per-open
 *     rate limit of kernel.printk_devkmsg=ratelimit never applies), while the parent runs
 *     the engine loop (engine_run_for over a fixture tree of -d devices, state read every
 *     250 ms) until the child is done and the log is drained.  Rounds alternate: without
 *     the kernel log, with it.  Cost: the parent's CPU time (CLOCK_PROCESS_CPUTIME_ID,
 *     the engine's reader threads included; the writer is another process).
 *   file: the engine takes in a --kmsg file of -n records (half of them naming one of
 *     the devices), against the same engine settling without it.
 *
 *   clock: the offset between TS_USEC and CLOCK_MONOTONIC, measured with one record.
 *
 *   bench_kmsg [-n records] [-d devices] [-r rounds]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/src.h"
#include "engine/engine.h"
#include "engine/klog.h"

#define MS_NS 1000000LL

static int64_t cpu_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return (x > y) - (x < y);
}

static int64_t median(int64_t *v, size_t n)
{
        qsort(v, n, sizeof(*v), cmp_i64);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int make_tree(char *root, int ndev)
{
        char p[512];

        if (!mkdtemp(root))
                return -errno;
        for (int i = 0; i < ndev; i++) {
                FILE *f;

                snprintf(p, sizeof(p), "%s/0000:7d:%02x.1", root, i);
                mkdir(p, 0755);
                snprintf(p, sizeof(p), "%s/0000:7d:%02x.1/migration", root, i);
                mkdir(p, 0755);
                snprintf(p, sizeof(p), "%s/0000:7d:%02x.1/migration/state", root, i);
                f = fopen(p, "w");
                if (!f)
                        return -errno;
                fputs("RUNNING\n", f);
                fclose(f);
        }
        return 0;
}

static void flood(int n)
{
        char line[160];

        for (int i = 0; i < n; i++) {
                int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
                int len = snprintf(line, sizeof(line),
                                   "<6>migtop bench_kmsg %d: a line of ordinary length for a "
                                   "driver message\n",
                                   i);

                if (fd < 0)
                        _exit(1);
                if (write(fd, line, (size_t)len) < 0)
                        _exit(1);
                close(fd);
        }
        _exit(0);
}

struct result {
        int64_t cpu, wall;
        uint64_t records, gaps, lost;
};

/* One live round: the engine loop while a child floods /dev/kmsg. */
static int live_round(const char *root, int n, bool with, struct result *r)
{
        struct engine_opts o;
        struct engine *e;
        struct klog *k = NULL;
        struct src *s;
        char err[256];
        int64_t c0, w0;
        pid_t pid;
        int st, ret;

        memset(r, 0, sizeof(*r));
        if (src_local_open(root, 0, &s) < 0)
                return -1;
        if (with && klog_open(KLOG_DEFAULT_PATH, &k, err, sizeof(err)) < 0)
                return -1;
        if (k && klog_state(k) != KLOG_ST_OK) {
                fprintf(stderr, "bench_kmsg: %s\n", klog_message(k));
                klog_free(k);
                src_close(s);
                return -1;
        }
        engine_opts_default(&o);
        o.klog = k;
        if (engine_new(s, &o, &e) < 0)
                return -1;
        /* the history already in the ring is read before the clock starts */
        engine_settle(e, 10000);
        if (k) {
                const struct engine_snap *sn = engine_snapshot(e);

                r->records = sn->klog.records;
                engine_snap_put(sn);
        }
        c0 = cpu_ns();
        w0 = mono_ns();
        pid = fork();
        if (pid == 0)
                flood(n);
        for (;;) {
                ret = engine_run_for(e, 20);
                if (ret < 0 && ret != -EINTR)
                        break;
                if (waitpid(pid, &st, WNOHANG) == pid)
                        break;
        }
        engine_run_for(e, 100); /* drain what the last writes left */
        r->cpu = cpu_ns() - c0;
        r->wall = mono_ns() - w0;
        if (k) {
                const struct engine_snap *sn = engine_snapshot(e);

                r->records = sn->klog.records - r->records;
                r->gaps = sn->klog.gaps;
                r->lost = sn->klog.lost;
                engine_snap_put(sn);
        }
        engine_free(e);
        klog_free(k);
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* One file round: settle the engine over a --kmsg file of n records (or none). */
static int file_round(const char *root, const char *kfile, bool with, struct result *r)
{
        struct engine_opts o;
        struct engine *e;
        struct klog *k = NULL;
        struct src *s;
        char err[256];
        int64_t c0, w0;

        memset(r, 0, sizeof(*r));
        if (src_local_open(root, 0, &s) < 0)
                return -1;
        c0 = cpu_ns();
        w0 = mono_ns();
        if (with && klog_open(kfile, &k, err, sizeof(err)) < 0) {
                fprintf(stderr, "bench_kmsg: %s\n", err);
                return -1;
        }
        engine_opts_default(&o);
        o.klog = k;
        if (engine_new(s, &o, &e) < 0)
                return -1;
        engine_settle(e, 60000);
        r->cpu = cpu_ns() - c0;
        r->wall = mono_ns() - w0;
        if (k) {
                const struct engine_snap *sn = engine_snapshot(e);

                r->records = sn->klog.records;
                engine_snap_put(sn);
        }
        engine_free(e);
        klog_free(k);
        return 0;
}

/*
 * How far the kernel's TS_USEC (local_clock) is from CLOCK_MONOTONIC: write a record
 * between two CLOCK_MONOTONIC reads and read its timestamp back.  Prints the offset
 * (record time minus the middle of the write) and the write's own duration (the bound).
 */
static void clock_offset(void)
{
        struct klog *k;
        struct kmsg_rec r;
        char err[256], mark[96];
        int64_t t0, t1;
        int fd, ret;

        if (klog_open(KLOG_DEFAULT_PATH, &k, err, sizeof(err)) < 0 || klog_state(k) != KLOG_ST_OK)
                return;
        while ((ret = klog_next(k, &r, err, sizeof(err))) != KLOG_NONE && ret != KLOG_END)
                ;
        snprintf(mark, sizeof(mark), "<6>migtop bench_kmsg clock probe %ld\n", (long)getpid());
        fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                klog_free(k);
                return;
        }
        t0 = mono_ns();
        ret = (int)write(fd, mark, strlen(mark));
        t1 = mono_ns();
        close(fd);
        for (int tries = 0; ret > 0 && tries < 2000; tries++) {
                ret = klog_next(k, &r, err, sizeof(err));
                if (ret == KLOG_REC && strstr(r.text, "clock probe")) {
                        printf("clock: TS_USEC - CLOCK_MONOTONIC = %+.3f ms (the write took "
                               "%.3f ms)\n",
                               (double)(r.ts_us * 1000 - (t0 + t1) / 2) / 1e6,
                               (double)(t1 - t0) / 1e6);
                        break;
                }
                if (ret == KLOG_NONE)
                        usleep(1000);
        }
        klog_free(k);
}

static void report(const char *what, int64_t *a, int64_t *b, size_t n, uint64_t recs)
{
        int64_t ma = median(a, n), mb = median(b, n);

        printf("%s: CPU per round, median of %zu: without %.1f ms, with %.1f ms, ratio %.2f; "
               "%.2f us of CPU per record\n",
               what, n, (double)ma / 1e6, (double)mb / 1e6, ma ? (double)mb / (double)ma : 0.0,
               recs ? (double)(mb - ma) / 1e3 / (double)recs : 0.0);
}

int main(int argc, char **argv)
{
        int n = 10000, ndev = 16, rounds = 3, opt;
        char root[] = "/tmp/migtop-bench-kmsg-XXXXXX", kfile[] = "/tmp/migtop-bench-kfile-XXXXXX";
        int64_t a[16], b[16];
        struct result r;
        uint64_t recs = 0;
        FILE *f;
        int fd;

        while ((opt = getopt(argc, argv, "n:d:r:")) != -1) {
                if (opt == 'n')
                        n = atoi(optarg);
                else if (opt == 'd')
                        ndev = atoi(optarg);
                else if (opt == 'r')
                        rounds = atoi(optarg);
                else
                        return 2;
        }
        if (n < 1 || ndev < 1 || ndev > 256 || rounds < 1 || rounds > 16)
                return 2;
        if (make_tree(root, ndev) < 0)
                return 1;
        /* file */
        fd = mkstemp(kfile);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f)
                return 1;
        for (int i = 0; i < n; i++)
                fprintf(f,
                        "3,%d,%d,-;hisi_acc_vfio_pci 0000:7d:%02x.1: record %d\n"
                        " SUBSYSTEM=pci\n DEVICE=+pci:0000:7d:%02x.1\n",
                        i, i * 10, i % (2 * ndev), i, i % (2 * ndev));
        fclose(f);
        for (int i = 0; i < rounds; i++) {
                file_round(root, kfile, false, &r);
                a[i] = r.cpu;
                file_round(root, kfile, true, &r);
                b[i] = r.cpu;
                recs = r.records;
        }
        printf("file: %d records, %d devices (half the records name one)\n", n, ndev);
        report("file", a, b, (size_t)rounds, recs);
        unlink(kfile);
        /* live */
        if (access("/dev/kmsg", R_OK | W_OK) != 0) {
                printf("live: skipped (/dev/kmsg not readable and writable: run as root)\n");
                return 0;
        }
        printf("live: %d records written to /dev/kmsg per round, %d devices polled\n", n, ndev);
        for (int i = 0; i < rounds; i++) {
                if (live_round(root, n, false, &r) < 0)
                        return 1;
                a[i] = r.cpu;
                printf("  round %d without: %.1f ms CPU in %.0f ms\n", i, (double)r.cpu / 1e6,
                       (double)r.wall / 1e6);
                if (live_round(root, n, true, &r) < 0)
                        return 1;
                b[i] = r.cpu;
                recs = r.records;
                printf("  round %d with:    %.1f ms CPU in %.0f ms, %llu records read, %llu gaps, "
                       "%llu lost\n",
                       i, (double)r.cpu / 1e6, (double)r.wall / 1e6, (unsigned long long)r.records,
                       (unsigned long long)r.gaps, (unsigned long long)r.lost);
        }
        report("live", a, b, (size_t)rounds, recs);
        clock_offset();
        {
                char cmd[600];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
                if (system(cmd) != 0)
                        return 1;
        }
        return 0;
}
