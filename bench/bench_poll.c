// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_poll: what one engine poll cycle over every file costs, next to the cheapest
 * possible reader of the same files (a bare open/read/close loop), in one run.
 *
 * A fixture tree of N devices (default 256) with every hisi_acc file in the kernel's format
 * is built in a temporary directory.  Rounds alternate between the two contenders; each
 * round's cost is CPU time of the whole process (CLOCK_PROCESS_CPUTIME_ID: the engine's
 * worker threads included), and the medians are compared.  No pass/fail: it prints numbers.
 *
 *   bench_poll [-n devices] [-r rounds]
 *
 * Two more modes serve bench/poll_cpu.sh, which measures CPU from the outside
 * (/proc/PID/stat) on a tree built by tests/mkfixture:
 *
 *   bench_poll -R ROOT [-d state_ms] [-I idle_ms] [-c COUNTS -t SECONDS]
 *       the engine alone on ROOT, on the real clock, with migtop's cadences (state every
 *       -d ms, default 250; -I: the idle interval, engine_opts.idle_ms), nothing printed.
 *       With -c: after 3 s of warm-up, write how many times each file was read during the
 *       next SECONDS ("reads path" lines, from the engine's own counters) and exit;
 *       without: poll until killed.
 *   bench_poll -R ROOT -B COUNTS -t SECONDS [-d tick_ms]
 *       the floor: a bare open/read/close loop that reads each file of COUNTS as many
 *       times per second as the engine did (COUNTS covers SECONDS), waking every tick
 *       (-d, default 250 ms) like a poller; until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "core/src.h"
#include "engine/engine.h"

#define MS_NS 1000000LL

static const char *const files[] = {"state", "features", "hisi_acc/dev_data", "hisi_acc/migf_data",
                                    "hisi_acc/cmd_state"};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int64_t cpu_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int put(const char *root, const char *rel, const char *text)
{
        char p[512];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        f = fopen(p, "w");
        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) ? -errno : 0;
}

static void dump(char *buf, size_t size, const char *prefix, unsigned seed, const char *tail)
{
        static const unsigned char head[16] = {0xde, 0xde, 0xca, 0xde, 0xed, 0xfe, 0xcc, 0xaa,
                                               0x10, 0x00, 0x00, 0x00, 0x56, 0xa2, 0x00, 0x00};
        unsigned char b[144];
        size_t off = 0;

        for (size_t i = 0; i < sizeof(b); i++)
                b[i] = (unsigned char)(seed * 31 + i * 7);
        memcpy(b, head, sizeof(head));
        for (size_t row = 0; row < sizeof(b); row += 16) {
                off += (size_t)snprintf(buf + off, size - off, "%s%08zx:", prefix, row);
                for (size_t i = 0; i < 16; i++)
                        off += (size_t)snprintf(buf + off, size - off, " %02x", b[row + i]);
                off += (size_t)snprintf(buf + off, size - off, "\n");
        }
        snprintf(buf + off, size - off, "%s", tail);
}

static int make_tree(const char *root, unsigned ndev)
{
        static const char *const states[] = {"RUNNING\n", "STOP\n", "RUNNING_P2P\n"};
        char rel[256], text[4096];
        int ret = 0;

        for (unsigned d = 0; d < ndev && !ret; d++) {
                char dev[32];

                snprintf(dev, sizeof(dev), "0000:%02x:%02x.%u", 0x3b + d / 128, (d / 4) % 32,
                         d % 4);
                snprintf(rel, sizeof(rel), "%s/%s", root, dev);
                mkdir(rel, 0755);
                snprintf(rel, sizeof(rel), "%s/%s/migration", root, dev);
                mkdir(rel, 0755);
                snprintf(rel, sizeof(rel), "%s/%s/migration/hisi_acc", root, dev);
                mkdir(rel, 0755);
                snprintf(rel, sizeof(rel), "%s/migration/state", dev);
                ret |= put(root, rel, states[d % 3]);
                snprintf(rel, sizeof(rel), "%s/migration/features", dev);
                ret |= put(root, rel, "stop-copy\np2p\npre-copy\n");
                dump(text, sizeof(text), "Dev Data:", d, "guest driver load: 1\ndata size: 176\n");
                snprintf(rel, sizeof(rel), "%s/migration/hisi_acc/dev_data", dev);
                ret |= put(root, rel, text);
                dump(text, sizeof(text), "Mig Data:", d + 1, "migrate data length: 176\n");
                snprintf(rel, sizeof(rel), "%s/migration/hisi_acc/migf_data", dev);
                ret |= put(root, rel, text);
                snprintf(rel, sizeof(rel), "%s/migration/hisi_acc/cmd_state", dev);
                ret |= put(root, rel, "mailbox cmd channel ready!\n");
        }
        return ret;
}

/* ---- a source that counts the reads of the local one it wraps ---- */

struct counting {
        struct src *inner;
        atomic_ulong reads;
        /* per path (-c): an open-addressing table, under lock */
        pthread_mutex_t lock;
        char **paths;
        unsigned long *n;
        size_t cap;
};

static void count_path(struct counting *k, const char *path)
{
        size_t h = 5381;

        for (const char *p = path; *p; p++)
                h = h * 33 + (unsigned char)*p;
        pthread_mutex_lock(&k->lock);
        for (size_t i = k->cap ? h % k->cap : 0; k->cap; i = (i + 1) % k->cap) {
                if (!k->paths[i]) {
                        k->paths[i] = strdup(path);
                        k->n[i] = 1;
                        break;
                }
                if (strcmp(k->paths[i], path) == 0) {
                        k->n[i]++;
                        break;
                }
        }
        pthread_mutex_unlock(&k->lock);
}

static int counting_read(void *ctx, const char *path, struct src_read *out)
{
        struct counting *k = ctx;

        atomic_fetch_add(&k->reads, 1);
        count_path(k, path);
        return k->inner->ops->read(k->inner->ctx, path, out);
}

static int counting_list(void *ctx, const char *path, struct src_list *out)
{
        struct counting *k = ctx;

        return k->inner->ops->list(k->inner->ctx, path, out);
}

static void counting_destroy(void *ctx)
{
        struct counting *k = ctx;

        src_close(k->inner);
        for (size_t i = 0; i < k->cap; i++)
                free(k->paths[i]);
        free(k->paths);
        free(k->n);
        free(k);
}

static const struct src_ops counting_ops = {
    .kind = "local",
    .read = counting_read,
    .list = counting_list,
    .destroy = counting_destroy,
};

/* ---- the bare loop: open, read to EOF, close; nothing kept ---- */

struct bare {
        int dirfd;
        char **paths;
        size_t n;
};

static size_t bare_cycle(const struct bare *b)
{
        char buf[4096];
        size_t total = 0;

        for (size_t i = 0; i < b->n; i++) {
                int fd = openat(b->dirfd, b->paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
                ssize_t r;

                if (fd < 0)
                        continue;
                while ((r = read(fd, buf, sizeof(buf))) > 0)
                        total += (size_t)r;
                close(fd);
        }
        return total;
}

/* ---- the engine: every file due each simulated second ---- */

struct clk {
        int64_t t;
};

static int64_t clk_now(void *ctx)
{
        return ((struct clk *)ctx)->t;
}

static int engine_cycle(struct engine *e, struct clk *c)
{
        int ret;

        c->t += 1000 * MS_NS;
        ret = engine_process(e);
        while (ret >= 0 && engine_pending(e) > 0) {
                engine_wait(e, 1000);
                ret = engine_process(e);
        }
        return ret;
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

static void rm_tree(const char *root)
{
        char cmd[600];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        if (system(cmd) != 0)
                fprintf(stderr, "bench_poll: could not remove %s\n", root);
}

/* ---- real-time modes (bench/poll_cpu.sh) ---- */

static int run_engine(const char *root, int state_ms, int idle_ms, const char *counts, int secs)
{
        struct engine_opts o;
        struct engine *e;
        struct src *s, *ls;
        struct counting *k = calloc(1, sizeof(*k));
        int ret = src_local_open(root, 0, &ls);

        if (ret < 0 || !k) {
                fprintf(stderr, "bench_poll: %s: %s\n", root, strerror(ret < 0 ? -ret : ENOMEM));
                return 1;
        }
        k->inner = ls;
        pthread_mutex_init(&k->lock, NULL);
        if (!counts) {
                s = ls; /* the engine alone: no counting layer */
                free(k);
        } else if (src_new(&counting_ops, k, root, &s) < 0) {
                return 1;
        }
        engine_opts_default(&o);
        o.state_ms = state_ms;
        o.idle_ms = idle_ms;
        if (engine_new(s, &o, &e) < 0)
                return 1;
        if (idle_ms)
                engine_set_focus(e, NULL, 0); /* nothing on screen: idle devices slow down */
        if (counts) {
                FILE *f;

                engine_run_for(e, 3000);
                /* count from here: every read the engine starts goes through count_path() */
                pthread_mutex_lock(&k->lock);
                k->cap = 1 << 16;
                k->paths = calloc(k->cap, sizeof(*k->paths));
                k->n = calloc(k->cap, sizeof(*k->n));
                pthread_mutex_unlock(&k->lock);
                if (!k->paths || !k->n)
                        return 1;
                engine_run_for(e, secs * 1000);
                f = fopen(counts, "w");
                if (!f)
                        return 1;
                pthread_mutex_lock(&k->lock);
                for (size_t i = 0; i < k->cap; i++)
                        if (k->paths[i])
                                fprintf(f, "%lu %s\n", k->n[i], k->paths[i]);
                pthread_mutex_unlock(&k->lock);
                fclose(f);
                return 0; /* the engine's workers may still read: no engine_free() */
        }
        for (;;)
                if (engine_run_for(e, 1000) < 0 && errno != EINTR)
                        return 1;
}

struct floor_file {
        char *path;
        double rate, credit; /* reads per tick; reads owed */
};

static int run_floor(const char *root, const char *counts, int secs, int tick_ms)
{
        struct floor_file *v = NULL;
        size_t n = 0, cap = 0;
        char line[512], buf[4096];
        FILE *f = fopen(counts, "r");
        int dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct timespec next;

        if (!f || dirfd < 0 || secs <= 0) {
                fprintf(stderr, "bench_poll: cannot open %s or %s\n", counts, root);
                return 1;
        }
        while (fgets(line, sizeof(line), f)) {
                unsigned long long c;
                char p[480];

                if (sscanf(line, "%llu %479s", &c, p) != 2)
                        continue;
                if (!c)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 1024;
                        v = realloc(v, cap * sizeof(*v));
                        if (!v)
                                return 1;
                }
                v[n].path = strdup(p);
                v[n].rate = (double)c * tick_ms / (secs * 1000.0);
                v[n].credit = 1.0; /* read each once at the start, as the engine does */
                n++;
        }
        fclose(f);
        clock_gettime(CLOCK_MONOTONIC, &next);
        for (;;) {
                for (size_t i = 0; i < n; i++) {
                        while (v[i].credit >= 1.0) {
                                int fd = openat(dirfd, v[i].path, O_RDONLY | O_CLOEXEC);

                                v[i].credit -= 1.0;
                                if (fd < 0)
                                        continue;
                                while (read(fd, buf, sizeof(buf)) > 0)
                                        ;
                                close(fd);
                        }
                        v[i].credit += v[i].rate;
                }
                next.tv_nsec += (long)tick_ms * 1000000L;
                while (next.tv_nsec >= 1000000000L) {
                        next.tv_nsec -= 1000000000L;
                        next.tv_sec++;
                }
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        }
}

int main(int argc, char **argv)
{
        char root[] = "/tmp/migtop-bench-XXXXXX";
        unsigned ndev = 256, rounds = 41;
        struct engine_opts o;
        struct engine *e;
        struct src *s, *ls;
        struct counting *cnt;
        struct clk c = {0};
        struct bare b = {0};
        const struct engine_snap *sn;
        int64_t *te, *tb, t0, snap_ns;
        unsigned long reads0, reads1;
        unsigned workers = 0;
        const char *rt_root = NULL, *counts = NULL, *floor_counts = NULL;
        int state_ms = 250, idle_ms = 0, secs = 10;
        int opt, ret;

        while ((opt = getopt(argc, argv, "n:r:w:R:c:B:t:d:I:")) != -1) {
                if (opt == 'R')
                        rt_root = optarg;
                else if (opt == 'c')
                        counts = optarg;
                else if (opt == 'B')
                        floor_counts = optarg;
                else if (opt == 't')
                        secs = atoi(optarg);
                else if (opt == 'd')
                        state_ms = atoi(optarg);
                else if (opt == 'I')
                        idle_ms = atoi(optarg);
                else if (opt == 'w')
                        workers = (unsigned)strtoul(optarg, NULL, 10);
                else if (opt == 'n')
                        ndev = (unsigned)strtoul(optarg, NULL, 10);
                else if (opt == 'r')
                        rounds = (unsigned)strtoul(optarg, NULL, 10);
                else {
                        fprintf(stderr,
                                "usage: bench_poll [-n devices] [-r rounds] [-w workers]\n"
                                "       bench_poll -R ROOT [-d ms] [-I idle_ms] [-c COUNTS -t s]\n"
                                "       bench_poll -R ROOT -B COUNTS -t s [-d tick_ms]\n");
                        return 2;
                }
        }
        if (rt_root && floor_counts)
                return run_floor(rt_root, floor_counts, secs, state_ms > 0 ? state_ms : 250);
        if (rt_root)
                return run_engine(rt_root, state_ms > 0 ? state_ms : 250, idle_ms, counts, secs);
        if (!ndev || !rounds || !mkdtemp(root)) {
                fprintf(stderr, "bench_poll: bad arguments or no temp dir\n");
                return 1;
        }
        if (make_tree(root, ndev)) {
                fprintf(stderr, "bench_poll: cannot build the fixture tree in %s\n", root);
                rm_tree(root);
                return 1;
        }
        te = calloc(rounds, sizeof(*te));
        tb = calloc(rounds, sizeof(*tb));
        b.paths = calloc((size_t)ndev * NFILES, sizeof(*b.paths));
        b.dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (!te || !tb || !b.paths || b.dirfd < 0)
                return 1;
        ret = src_local_open(root, 0, &ls);
        if (ret < 0) {
                fprintf(stderr, "bench_poll: %s: %s\n", root, strerror(-ret));
                return 1;
        }
        cnt = calloc(1, sizeof(*cnt));
        if (!cnt)
                return 1;
        cnt->inner = ls;
        atomic_init(&cnt->reads, 0);
        if (src_new(&counting_ops, cnt, root, &s) < 0)
                return 1;
        engine_opts_default(&o);
        o.now = clk_now;
        o.now_ctx = &c;
        o.state_ms = o.features_ms = o.costly_ms = o.migf_ms = o.other_ms = 1000;
        o.rescan_ms = 0;
        o.quiet_in_migration = false;
        if (workers)
                o.max_workers = workers;
        ret = engine_new(s, &o, &e);
        if (ret < 0)
                return 1;
        /* the first cycle discovers the tree and parses everything once */
        if (engine_settle(e, 10000) < 0) {
                fprintf(stderr, "bench_poll: the first poll did not finish\n");
                return 1;
        }
        t0 = cpu_ns();
        sn = engine_snapshot(e);
        snap_ns = cpu_ns() - t0;
        for (size_t i = 0; i < sn->tree.ndevs; i++) {
                for (size_t f = 0; f < NFILES; f++) {
                        char p[256];

                        snprintf(p, sizeof(p), "%s/migration/%s", sn->tree.devs[i].name, files[f]);
                        b.paths[b.n++] = strdup(p);
                }
        }
        engine_snap_put(sn);
        if (b.n != (size_t)ndev * NFILES) {
                fprintf(stderr, "bench_poll: the engine found %zu files, expected %zu\n", b.n,
                        (size_t)ndev * NFILES);
                return 1;
        }
        reads0 = atomic_load(&cnt->reads);
        /* warm both paths up, then interleave */
        engine_cycle(e, &c);
        bare_cycle(&b);
        for (unsigned r = 0; r < rounds; r++) {
                if (r % 2) {
                        t0 = cpu_ns();
                        bare_cycle(&b);
                        tb[r] = cpu_ns() - t0;
                        t0 = cpu_ns();
                        engine_cycle(e, &c);
                        te[r] = cpu_ns() - t0;
                } else {
                        t0 = cpu_ns();
                        engine_cycle(e, &c);
                        te[r] = cpu_ns() - t0;
                        t0 = cpu_ns();
                        bare_cycle(&b);
                        tb[r] = cpu_ns() - t0;
                }
        }
        reads1 = atomic_load(&cnt->reads);
        {
                double me = (double)median(te, rounds) / 1000.0;
                double mb = (double)median(tb, rounds) / 1000.0;

                printf("fixture: %u devices, %zu files, %u rounds (median CPU time per cycle)\n",
                       ndev, b.n, rounds);
                printf("poll cycle: %.0f us, bare loop: %.0f us, ratio %.2fx (goal <= 1.25x)\n", me,
                       mb, me / mb);
                printf("per file: engine %.2f us, bare %.2f us\n", me / (double)b.n,
                       mb / (double)b.n);
                printf("first snapshot (full copy of %u devices): %.0f us\n", ndev,
                       (double)snap_ns / 1000.0);
                if (reads1 - reads0 != b.n * (rounds + 1))
                        printf("warning: the engine read %lu files, expected %zu\n",
                               reads1 - reads0, b.n * (rounds + 1));
        }
        {
                /* one device changes state: the next snapshot copies only that one */
                char rel[300];
                const struct engine_snap *s1, *s2;

                s1 = engine_snapshot(e);
                snprintf(rel, sizeof(rel), "%s/migration/state", s1->tree.devs[0].name);
                put(root, rel, "STOP_COPY\n");
                engine_cycle(e, &c);
                t0 = cpu_ns();
                s2 = engine_snapshot(e);
                snap_ns = cpu_ns() - t0;
                printf("snapshot after one device changed: %.0f us (%s)\n",
                       (double)snap_ns / 1000.0,
                       s2 != s1 && s2->tree.devs[0].state == FSM_STOP_COPY ? "new state seen"
                                                                           : "change NOT seen");
                engine_snap_put(s1);
                engine_snap_put(s2);
        }
        engine_free(e);
        for (size_t i = 0; i < b.n; i++)
                free(b.paths[i]);
        free(b.paths);
        close(b.dirfd);
        free(te);
        free(tb);
        rm_tree(root);
        return 0;
}
