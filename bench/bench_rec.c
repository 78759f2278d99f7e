/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_rec: the seek time of a long recording.  Writes a synthetic 24 h recording of 64
 * devices read at 4 Hz through the real writer (each device's state changes every 10
 * minutes, its migf_data every hour; everything else unchanged), then times the replay of
 * random moments (open + index, then seek and apply to the moment, as --replay --at does),
 * and checks each replayed state; then the player's (core/replay_play.h) open 10 minutes
 * before random moments, run up to each (its index of the whole file included).
 * Usage: bench_rec FILE [DEVICES [HOURS [SEEKS]]]   (64 24 20)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/rec_read.h"
#include "core/rec_write.h"
#include "core/src_replay.h"

#define T0 1764511200000000000LL
#define MS 1000000LL

static double mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        static const char *const st[] = {"RUNNING\n", "STOP\n", "STOP_COPY\n", "RESUMING\n"};
        int devs = argc > 2 ? atoi(argv[2]) : 64, hours = argc > 3 ? atoi(argv[3]) : 24;
        int seeks = argc > 4 ? atoi(argv[4]) : 20;
        struct rec_host h = {.name = "bench", .kernel = "6.12.0", .root = "/sys/kernel/debug/vfio"};
        struct rec_writer_opts o;
        struct rec_writer *w;
        struct replay *rp;
        char err[400], path[128], data[512];
        int64_t ticks = (int64_t)hours * 3600 * 4;
        double t, wr, op, *lat, *plat;
        struct stat sb;

        if (argc < 2 || devs < 1 || hours < 1 || seeks < 1) {
                fprintf(stderr, "usage: bench_rec FILE [DEVICES [HOURS [SEEKS]]]\n");
                return 2;
        }
        rec_writer_opts_default(&o);
        o.migtop_version = "bench";
        o.nhosts = 1;
        o.hosts = &h;
        if (rec_writer_open(argv[1], &o, &w, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        /* the listings a live run records first (so that migtop --replay finds the devices) */
        {
                static const char *const mig[] = {"hisi_acc", "state"};
                char **names = calloc((size_t)devs, sizeof(*names));
                struct src_list l = {.names = names, .n = (size_t)devs};

                for (int d = 0; names && d < devs; d++)
                        if (asprintf(&names[d], "0000:%02x:00.1", d) < 0)
                                return 1;
                if (!names || rec_write_list(w, 0, "", T0 - MS, &l) < 0)
                        return 1;
                for (int d = 0; d < devs; d++) {
                        struct src_list m = {.names = (char **)mig, .n = 2};

                        snprintf(path, sizeof(path), "%s/migration", names[d]);
                        if (rec_write_list(w, 0, path, T0 - MS, &m) < 0)
                                return 1;
                        free(names[d]);
                }
                free(names);
        }
        t = mono();
        for (int64_t k = 0; k < ticks; k++) {
                int64_t now = T0 + k * 250 * MS;

                for (int d = 0; d < devs; d++) {
                        /* each device at its own phase */
                        int64_t sec = (k / 4 + d * 37) % (24 * 3600);
                        struct src_read r = {.t_start = now - MS, .t_end = now};

                        snprintf(path, sizeof(path), "0000:%02x:00.1/migration/state", d);
                        r.data = (char *)st[(sec / 600) % 4];
                        r.len = strlen(r.data);
                        if (rec_write_read(w, 0, path, &r) < 0)
                                return 1;
                        if (k % 4)
                                continue; /* migf_data once a second */
                        snprintf(path, sizeof(path), "0000:%02x:00.1/migration/hisi_acc/migf_data",
                                 d);
                        r.len = (size_t)snprintf(data, sizeof(data),
                                                 "acc_magic: 0x%llx\nqp_num: 64\nmigf hour %lld\n",
                                                 0x7a8be5f2a2c4e9d1ULL, (long long)(sec / 3600));
                        r.data = data;
                        if (rec_write_read(w, 0, path, &r) < 0)
                                return 1;
                }
                if (k % 4 == 0 && rec_writer_tick(w, now) < 0)
                        return 1;
        }
        if (rec_writer_close(w) < 0)
                return 1;
        wr = mono() - t;
        stat(argv[1], &sb);
        t = mono();
        if (replay_open(argv[1], &rp, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        op = mono() - t;
        lat = calloc((size_t)seeks, sizeof(*lat));
        srand(1);
        for (int i = 0; i < seeks; i++) {
                int64_t at =
                    T0 + (int64_t)((double)rand() / RAND_MAX * (double)(ticks - 1)) * 250 * MS;
                struct src *s;
                char **lines;
                size_t *lens, n;

                t = mono();
                if (replay_src_at(rp, at, 0, &s, &lines, &lens, &n) < 0)
                        return 1;
                lat[i] = mono() - t;
                /* and it is the right state: device d's at that moment */
                for (int d = 0; d < devs; d++) {
                        int64_t sec = ((at - T0) / (250 * MS) / 4 + d * 37) % (24 * 3600);
                        struct src_read r;

                        snprintf(path, sizeof(path), "0000:%02x:00.1/migration/state", d);
                        if (src_read(s, path, &r) < 0 || r.err ||
                            strcmp(r.data, st[(sec / 600) % 4]) != 0) {
                                fprintf(stderr, "seek bench: wrong state of %s at +%lld s\n", path,
                                        (long long)((at - T0) / 1000000000));
                                return 1;
                        }
                        src_read_free(&r);
                }
                src_close(s);
                replay_lines_free(lines, lens, n);
        }
        qsort(lat, (size_t)seeks, sizeof(*lat), cmp);
        /* the player as --replay --at opens it: 10 minutes before the moment, then up to it */
        plat = calloc((size_t)seeks, sizeof(*plat));
        for (int i = 0; i < seeks; i++) {
                int64_t at =
                    T0 + (int64_t)((double)rand() / RAND_MAX * (double)(ticks - 1)) * 250 * MS;
                struct replay_play *pl;
                struct src *s;
                struct src_read r;
                int sec, d = i % devs;

                t = mono();
                if (replay_play_open(rp, 0, at - 600 * 1000 * MS, &pl, &s) < 0 ||
                    replay_play_advance(pl, at, NULL, NULL) < 0)
                        return 1;
                plat[i] = mono() - t;
                sec = (int)(((at - T0) / (250 * MS) / 4 + d * 37) % (24 * 3600));
                snprintf(path, sizeof(path), "0000:%02x:00.1/migration/state", d);
                if (src_read(s, path, &r) < 0 || r.err ||
                    strcmp(r.data, st[(sec / 600) % 4]) != 0) {
                        fprintf(stderr,
                                "seek bench: the player's state of %s at +%lld s is wrong\n", path,
                                (long long)((at - T0) / 1000000000));
                        return 1;
                }
                src_read_free(&r);
                replay_play_close(pl);
                src_close(s);
        }
        qsort(plat, (size_t)seeks, sizeof(*plat), cmp);
        printf("seek bench: %d devices, %d h at 4 Hz (%lld reads written through the writer in "
               "%.1f s): %lld bytes\n",
               devs, hours, (long long)ticks * devs * 5 / 4, wr, (long long)sb.st_size);
        printf("  open + index: %.1f ms (whole scan for first/last time)\n", op * 1e3);
        printf("  seek to a random moment and apply to it: median %.1f ms, max %.1f ms over %d "
               "(goal < 200 ms)\n",
               lat[seeks / 2] * 1e3, lat[seeks - 1] * 1e3, seeks);
        printf("  the player opened 10 min before a random moment and run up to it (--at): "
               "median %.1f ms, max %.1f ms over %d\n",
               plat[seeks / 2] * 1e3, plat[seeks - 1] * 1e3, seeks);
        free(lat);
        free(plat);
        replay_free(rp);
        return 0;
}
