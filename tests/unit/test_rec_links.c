/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A recording of a --host run (REC_HDR_LINKS): LINK and SYS records are written only when
 * they change and repeated by every keyframe; the player replays the union as live (a
 * link's paths as LABEL:PATH, the root listing host 0's names then each link's as
 * LABEL:NAME, a kernel log record with its link's label), each link's status and sysfs
 * facts as of its clock, from the start or from a later keyframe; a file without the flag
 * replays host 0 alone, as before.
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

#include "core/rec_read.h"
#include "core/rec_write.h"
#include "core/src_replay.h"

#define MS 1000000LL
static const int64_t T = 1796000000000000000LL;

static void put(struct rec_writer *w, unsigned host, const char *path, const char *data, int64_t t)
{
        struct src_read r = {.data = (char *)data, .len = strlen(data), .t_start = t, .t_end = t};

        assert_int_equal(rec_write_read(w, host, path, &r), 1);
}

static void list(struct rec_writer *w, unsigned host, const char *path, const char *a,
                 const char *b, int64_t t)
{
        const char *names[] = {a, b};
        struct src_list l = {.names = (char **)names, .n = b ? 2 : 1};

        assert_int_equal(rec_write_list(w, host, path, t, &l), 1);
}

static void link_set(struct rec_link *l, unsigned state, const char *error, int64_t last)
{
        memset(l, 0, sizeof(*l));
        l->state = state;
        l->have_hello = true;
        l->since_ns = T;
        l->last_ns = last;
        l->rtt_ms = 3;
        l->attempts = 1;
        snprintf(l->error, sizeof(l->error), "%s", error);
        snprintf(l->dest, sizeof(l->dest), "root@hv1");
        snprintf(l->agent, sizeof(l->agent), "0.1.0");
        snprintf(l->kernel, sizeof(l->kernel), "6.12.117");
}

/*
 * local (host 0) with device "a", hvA (1) with "x", hvB (2) with "y"; hvA's link goes down
 * at T+5 s; keyframes every 2 s.
 */
static void make(char *path, bool links)
{
        static const struct rec_host h[3] = {
            {.name = "local", .root = "/r"}, {.name = "hvA", .root = ""}, {.name = "hvB"}};
        struct rec_writer_opts o;
        struct rec_writer *w;
        struct rec_link l;
        struct rec_sys y = {.dev = "x",
                            .bus = "pci",
                            .driver = "hisi_acc_vfio_pci",
                            .has_ids = true,
                            .vendor = 0x19e5,
                            .device = 0xa256,
                            .iommu_group = 7,
                            .numa_node = -1};
        const char *kl = "3,7,100,-;hisi_acc_vfio_pci y: failed to match VF qp num\n"
                         " SUBSYSTEM=pci\n DEVICE=+pci:y\n";
        char err[300];
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        close(fd);
        rec_writer_opts_default(&o);
        o.nhosts = 3;
        o.hosts = h;
        o.links = links;
        o.migtop_version = "t";
        o.keyframe_ns = 2000 * MS;
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), 0);
        link_set(&l, REC_LINK_CONNECTED, "", T + 5 * MS);
        if (links) {
                assert_int_equal(rec_write_link(w, 0, T + 5 * MS, &l), -EINVAL); /* not a link */
                assert_int_equal(rec_write_link(w, 1, T + 5 * MS, &l), 1);
                assert_int_equal(rec_write_link(w, 1, T + 6 * MS, &l), 0); /* unchanged */
                assert_int_equal(rec_write_link(w, 2, T + 6 * MS, &l), 1);
                assert_int_equal(rec_write_sys(w, 1, T + 7 * MS, &y), 1);
                assert_int_equal(rec_write_sys(w, 1, T + 8 * MS, &y), 0);
        } else {
                /* a recording without links has no link records */
                assert_int_equal(rec_write_link(w, 1, T + 5 * MS, &l), -EINVAL);
                assert_int_equal(rec_write_sys(w, 1, T + 7 * MS, &y), -EINVAL);
        }
        list(w, 0, "", "a", NULL, T + 10 * MS);
        list(w, 1, "", "x", NULL, T + 10 * MS);
        list(w, 2, "", "y", NULL, T + 10 * MS);
        put(w, 0, "a/migration/state", "RUNNING\n", T + 20 * MS);
        put(w, 1, "x/migration/state", "STOP_COPY\n", T + 20 * MS);
        put(w, 2, "y/migration/state", "RESUMING\n", T + 20 * MS);
        assert_int_equal(rec_write_klog(w, 2, T + 30 * MS, kl, strlen(kl)), 1);
        put(w, 1, "x/migration/state", "STOP\n", T + 3000 * MS);
        link_set(&l, REC_LINK_DOWN, "hvA: the connection ended (exit status 255)", T + 3000 * MS);
        if (links)
                assert_int_equal(rec_write_link(w, 1, T + 5000 * MS, &l), 1);
        put(w, 2, "y/migration/state", "STOP\n", T + 5300 * MS);
        assert_int_equal(rec_write_stop(w, T + 6000 * MS), 1);
        assert_int_equal(rec_writer_close(w), 0);
}

static char *rd(struct src *s, const char *path)
{
        struct src_read r;
        char *d;

        assert_int_equal(src_read(s, path, &r), 0);
        d = strdup(r.err ? "ERR" : r.data);
        src_read_free(&r);
        return d;
}

static void test_format_roundtrip_and_keyframes(void **state)
{
        char path[] = "/tmp/test_rec_links.XXXXXX", err[300];
        struct rec_reader *r;
        struct rec_ev ev;
        unsigned links = 0, sys = 0, key_links = 0;

        (void)state;
        make(path, true);
        assert_int_equal(rec_reader_open(path, &r, err, sizeof(err)), 0);
        assert_true(rec_reader_header(r)->flags & REC_HDR_LINKS);
        while (rec_next(r, &ev) == 1) {
                if (ev.type == REC_LINK) {
                        assert_true(ev.host == 1 || ev.host == 2);
                        assert_string_equal(ev.link->dest, "root@hv1");
                        links += !(ev.flags & REC_F_KEY);
                        key_links += !!(ev.flags & REC_F_KEY);
                }
                if (ev.type == REC_SYS) {
                        assert_int_equal(ev.host, 1);
                        assert_string_equal(ev.path, "x");
                        assert_int_equal(ev.sys->device, 0xa256);
                        assert_int_equal(ev.sys->iommu_group, 7);
                        assert_int_equal(ev.sys->numa_node, -1);
                        sys++;
                }
        }
        assert_string_equal(rec_reader_message(r), "");
        assert_int_equal(links, 3);  /* hvA up, hvB up, hvA down: no repeat of the same */
        assert_true(key_links >= 2); /* the keyframe at T+3 s repeats both hosts' */
        assert_true(sys >= 2);       /* written once, repeated by that keyframe */
        rec_reader_free(r);
        unlink(path);
}

static void test_player_union_as_live(void **state)
{
        char path[] = "/tmp/test_rec_links.XXXXXX", err[300];
        struct replay *rp;
        struct replay_play *p;
        struct src *s;
        struct src_list l;
        struct rec_link lk;
        struct rec_sys y;
        char *raw, *d;
        const char *label = NULL;
        size_t len;

        (void)state;
        make(path, true);
        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &s), 0);
        assert_int_equal(replay_play_advance(p, replay_play_now(p), NULL, NULL), 0);
        assert_int_equal(replay_play_advance_status(p), 0);
        /* the links' status written before the first read is known at the start */
        assert_int_equal(replay_play_link(p, 1, &lk), 0);
        assert_int_equal(lk.state, REC_LINK_CONNECTED);
        assert_int_equal(replay_play_link(p, 2, &lk), 0);
        assert_int_equal(replay_play_link(p, 0, &lk), -ENOENT);
        assert_int_equal(replay_play_advance(p, T + 100 * MS, NULL, NULL), 0);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.err, 0);
        assert_int_equal(l.n, 3);
        assert_string_equal(l.names[0], "a");
        assert_string_equal(l.names[1], "hvA:x");
        assert_string_equal(l.names[2], "hvB:y");
        src_list_free(&l);
        assert_int_equal(src_list(s, "hvA:x/migration", &l), 0);
        assert_int_equal(l.err, ENOENT); /* never listed while recording */
        src_list_free(&l);
        d = rd(s, "a/migration/state");
        assert_string_equal(d, "RUNNING\n");
        free(d);
        d = rd(s, "hvA:x/migration/state");
        assert_string_equal(d, "STOP_COPY\n");
        free(d);
        d = rd(s, "x/migration/state"); /* a link's path is only known by its label */
        assert_string_equal(d, "ERR");
        free(d);
        assert_int_equal(replay_play_sys(p, "hvA:x", &y), 0);
        assert_string_equal(y.driver, "hisi_acc_vfio_pci");
        assert_int_equal(replay_play_sys(p, "x", &y), -ENOENT);
        assert_int_equal(replay_play_klog(p, &raw, &len, &label), 1);
        assert_non_null(label);
        assert_string_equal(label, "hvB");
        assert_non_null(strstr(raw, "failed to match VF qp num"));
        free(raw);
        /* at T+5.1 s: hvA down with the reason, its last state kept */
        assert_int_equal(replay_play_advance(p, T + 5100 * MS, NULL, NULL), 0);
        assert_int_equal(replay_play_link(p, 1, &lk), 0);
        assert_int_equal(lk.state, REC_LINK_DOWN);
        assert_string_equal(lk.error, "hvA: the connection ended (exit status 255)");
        assert_true(lk.last_ns == T + 3000 * MS);
        d = rd(s, "hvA:x/migration/state");
        assert_string_equal(d, "STOP\n");
        free(d);
        replay_play_close(p);
        src_close(s);

        /* from the keyframe at T+4 s (after the first chunk): the same state there */
        assert_int_equal(replay_play_open(rp, 0, T + 4500 * MS, &p, &s), 0);
        assert_int_equal(replay_play_advance(p, T + 4500 * MS, NULL, NULL), 0);
        assert_int_equal(replay_play_link(p, 1, &lk), 0);
        assert_int_equal(lk.state, REC_LINK_CONNECTED);
        assert_int_equal(replay_play_sys(p, "hvA:x", &y), 0);
        d = rd(s, "hvA:x/migration/state");
        assert_string_equal(d, "STOP\n");
        free(d);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.n, 3);
        src_list_free(&l);
        replay_play_close(p);
        src_close(s);
        replay_free(rp);
        unlink(path);
}

/*
 * A header with more fields than this reader knows (a newer writer's, same version and
 * flags): refused as a newer migtop's, not as malformed.
 */
static void test_header_longer_is_newer(void **state)
{
        char path[] = "/tmp/test_rec_links.XXXXXX", err[300];
        struct rec_reader *r;
        uint8_t *b, *nb;
        uint32_t len, crc;
        long n;
        FILE *f;

        (void)state;
        make(path, true);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        b = malloc((size_t)n);
        assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        /* 2 bytes more before the header's crc, the length and the crc made good */
        len = rec_le32(b + 4);
        nb = malloc((size_t)n + 2);
        memcpy(nb, b, 8 + len - 4);
        nb[8 + len - 4] = 0xab;
        nb[8 + len - 3] = 0xcd;
        memcpy(nb + 8 + len + 2, b + 8 + len, (size_t)n - 8 - len);
        len += 2;
        for (int i = 0; i < 4; i++)
                nb[4 + i] = (uint8_t)(len >> (8 * i));
        crc = rec_crc(nb + 8, len - 4);
        for (int i = 0; i < 4; i++)
                nb[8 + len - 4 + i] = (uint8_t)(crc >> (8 * i));
        assert_int_equal(rec_reader_open_mem(nb, (size_t)n + 2, 0, &r, err, sizeof(err)),
                         -EPROTONOSUPPORT);
        assert_non_null(strstr(err, "recording header has 2 bytes this migtop"));
        assert_non_null(strstr(err, "written by a newer migtop"));
        free(nb);
        free(b);
        unlink(path);
}

/*
 * A file reopened (SIGHUP) or rotated starts with a keyframe restating the kernel log
 * records known then: its replay has them (they name why a resume failed).
 */
static void test_reopened_file_keeps_klog(void **state)
{
        static const struct rec_host h = {.name = "local", .root = "/r"};
        char path[] = "/tmp/test_rec_links.XXXXXX", old[64], err[300];
        const char *kl = "3,7,100,-;hisi_acc_vfio_pci y: failed to match VF qp num\n"
                         " SUBSYSTEM=pci\n DEVICE=+pci:y\n";
        struct rec_writer_opts o;
        struct rec_writer *w;
        struct replay *rp;
        struct replay_play *p;
        struct src *s;
        const char *label;
        char *raw;
        size_t len;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        rec_writer_opts_default(&o);
        o.nhosts = 1;
        o.hosts = &h;
        o.migtop_version = "t";
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), 0);
        list(w, 0, "", "y", NULL, T);
        assert_int_equal(rec_write_klog(w, 0, T + 10 * MS, kl, strlen(kl)), 1);
        snprintf(old, sizeof(old), "%s.old", path);
        assert_int_equal(rename(path, old), 0);
        assert_int_equal(rec_writer_reopen(w), 0);
        put(w, 0, "y/migration/state", "RESUMING\n", T + 20 * MS);
        assert_int_equal(rec_writer_close(w), 0);
        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &s), 0);
        assert_true(replay_play_has_klog(p));
        assert_int_equal(replay_play_advance(p, T + 30 * MS, NULL, NULL), 0);
        assert_int_equal(replay_play_klog(p, &raw, &len, &label), 1);
        assert_null(label);
        assert_non_null(strstr(raw, "failed to match VF qp num"));
        free(raw);
        replay_play_close(p);
        src_close(s);
        replay_free(rp);
        unlink(path);
        unlink(old);
}

/* Without the flag (a file of a run without --host), the other hosts are not replayed. */
static void test_no_flag_host0_only(void **state)
{
        char path[] = "/tmp/test_rec_links.XXXXXX", err[300];
        struct replay *rp;
        struct replay_play *p;
        struct src *s;
        struct src_list l;
        char *d;

        (void)state;
        make(path, false);
        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &s), 0);
        assert_int_equal(replay_play_advance(p, T + 100 * MS, NULL, NULL), 0);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.names[0], "a");
        src_list_free(&l);
        d = rd(s, "hvA:x/migration/state");
        assert_string_equal(d, "ERR");
        free(d);
        replay_play_close(p);
        src_close(s);
        replay_free(rp);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_format_roundtrip_and_keyframes),
            cmocka_unit_test(test_player_union_as_live),
            cmocka_unit_test(test_no_flag_host0_only),
            cmocka_unit_test(test_header_longer_is_newer),
            cmocka_unit_test(test_reopened_file_keeps_klog),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
