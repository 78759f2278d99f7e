/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * apdelta: the agent's table of results.  A result that did not change is not sent again,
 * one that did is in the next delta (and only it); listings become add/del; the files of
 * a device that went are dropped and sent again when it comes back; and, over thousands of
 * random reads and sends through the real encoder and decoder, a client applying the
 * messages always ends with exactly what was read last: no change is ever dropped.
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
#include "core/apdelta.h"

/* Encode m as the agent writes it, then decode it as a client reads it. */
static void wire(const struct ap_msg *m, struct ap_msg *out)
{
        char why[160];
        size_t len;
        char *s = ap_msg_encode(m, &len);

        assert_non_null(s);
        assert_int_equal(ap_msg_decode(s, len - 1, out, why, sizeof(why)), 0);
        free(s);
}

static int file(struct apd *d, const char *path, const char *data)
{
        return apd_file(d, path, 0, data, strlen(data), false);
}

static void test_changes_only(void **state)
{
        struct apd *d;
        struct ap_msg m = {0};

        (void)state;
        assert_int_equal(apd_new(&d), 0);
        assert_int_equal(file(d, "b/migration/state", "RUNNING\n"), 1);
        assert_int_equal(file(d, "a/migration/state", "STOP\n"), 1);
        assert_int_equal(apd_file(d, "a/migration/hisi_acc/migf_data", EAGAIN, NULL, 0, false), 1);
        assert_int_equal(apd_pending(d), 3);
        /* the same again: nothing new */
        assert_int_equal(file(d, "b/migration/state", "RUNNING\n"), 0);
        assert_int_equal(apd_file(d, "a/migration/hisi_acc/migf_data", EAGAIN, NULL, 0, false), 0);
        assert_int_equal(apd_pending(d), 3);
        /* the snapshot: every entry, by path */
        assert_int_equal(apd_msg(d, true, &m), 0);
        assert_int_equal(m.kind, AP_SNAP);
        assert_int_equal(m.nfiles, 3);
        assert_string_equal(m.files[0].path, "a/migration/hisi_acc/migf_data");
        assert_int_equal(m.files[0].err, EAGAIN);
        assert_string_equal(m.files[1].path, "a/migration/state");
        assert_string_equal(m.files[2].path, "b/migration/state");
        apd_sent(d, &m);
        assert_int_equal(apd_pending(d), 0);
        /* unchanged reads: no delta */
        assert_int_equal(file(d, "a/migration/state", "STOP\n"), 0);
        assert_int_equal(apd_pending(d), 0);
        /* a change: a delta of it alone; the bytes, a cut, an errno are each a change */
        assert_int_equal(file(d, "b/migration/state", "PRE_COPY\n"), 1);
        assert_int_equal(apd_file(d, "a/migration/state", 0, "STOP\n", 5, true), 1);
        assert_int_equal(apd_msg(d, false, &m), 0);
        assert_int_equal(m.kind, AP_DELTA);
        assert_int_equal(m.nfiles, 2);
        assert_int_equal(m.nlists, 0);
        assert_string_equal(m.files[0].path, "a/migration/state");
        assert_true(m.files[0].trunc);
        assert_string_equal(m.files[1].path, "b/migration/state");
        assert_memory_equal(m.files[1].data, "PRE_COPY\n", 9);
        /* not written (apd_msg_done): still pending */
        apd_msg_done(&m);
        assert_int_equal(apd_pending(d), 2);
        assert_int_equal(apd_msg(d, false, &m), 0);
        assert_int_equal(m.nfiles, 2);
        apd_sent(d, &m);
        assert_int_equal(apd_pending(d), 0);
        /* a change and back before a message: sent again (the client may have missed it) */
        assert_int_equal(file(d, "b/migration/state", "STOP_COPY\n"), 1);
        assert_int_equal(file(d, "b/migration/state", "PRE_COPY\n"), 1);
        assert_int_equal(apd_pending(d), 1);
        apd_free(d);
}

static void test_lists(void **state)
{
        char *two[] = {"a", "b"}, *three[] = {"a", "b", "c"}, *ac[] = {"a", "c"};
        struct apd *d;
        struct ap_msg m = {0};

        (void)state;
        assert_int_equal(apd_new(&d), 0);
        assert_int_equal(apd_list(d, "", 0, two, 2), 1);
        assert_int_equal(file(d, "a/migration/state", "RUNNING\n"), 1);
        assert_int_equal(file(d, "b/migration/state", "RUNNING\n"), 1);
        assert_int_equal(apd_msg(d, true, &m), 0);
        assert_int_equal(m.nlists, 1);
        assert_true(m.lists[0].full);
        assert_int_equal(m.lists[0].n, 2);
        apd_sent(d, &m);
        assert_int_equal(apd_size(d), 3);
        /* the same listing: nothing; c appears: add c */
        assert_int_equal(apd_list(d, "", 0, two, 2), 0);
        assert_int_equal(apd_list(d, "", 0, three, 3), 1);
        assert_int_equal(file(d, "c/migration/state", "STOP\n"), 1);
        assert_int_equal(apd_msg(d, false, &m), 0);
        assert_int_equal(m.nlists, 1);
        assert_int_equal(m.lists[0].n, 1);
        assert_string_equal(m.lists[0].names[0], "c");
        assert_int_equal(m.lists[0].ndel, 0);
        assert_int_equal(m.nfiles, 1);
        apd_sent(d, &m);
        /* b goes: del b, and its file is dropped from the table */
        assert_int_equal(apd_list(d, "", 0, ac, 2), 1);
        assert_int_equal(apd_msg(d, false, &m), 0);
        assert_int_equal(m.lists[0].n, 0);
        assert_int_equal(m.lists[0].ndel, 1);
        assert_string_equal(m.lists[0].del[0], "b");
        apd_sent(d, &m);
        assert_int_equal(apd_size(d), 3); /* the listing, a and c */
        /* b comes back with the same state: a new device, its file is sent again */
        assert_int_equal(apd_list(d, "", 0, three, 3), 1);
        assert_int_equal(file(d, "b/migration/state", "RUNNING\n"), 1);
        assert_int_equal(apd_pending(d), 2);
        /* a listing that fails is its errno */
        assert_int_equal(apd_list(d, "a/migration", ENOENT, NULL, 0), 1);
        assert_int_equal(apd_list(d, "a/migration", ENOENT, NULL, 0), 0);
        assert_int_equal(apd_msg(d, false, &m), 0);
        assert_int_equal(m.nlists, 2);
        assert_string_equal(m.lists[1].path, "a/migration");
        assert_int_equal(m.lists[1].err, ENOENT);
        apd_sent(d, &m);
        apd_free(d);
}

/* ---- the model: a client applying every message must see every last read ---- */

#define ND 4 /* devices */
#define NF 3 /* files of each */

static const char *const fnames[NF] = {"migration/state", "migration/hisi_acc/migf_data",
                                       "migration/hisi_acc/cmd_state"};
static const char *const values[] = {"RUNNING\n",
                                     "PRE_COPY\n",
                                     "STOP_COPY\n",
                                     "STOP\n",
                                     "",
                                     "\x01\xff binary",
                                     "mailbox cmd channel ready!\n"};
#define NV (sizeof(values) / sizeof(*values))

struct val {
        bool known;
        int err;
        char data[64];
        size_t len;
};

struct model {
        bool listed[ND];      /* the agent's last listing */
        struct val f[ND][NF]; /* the last read (since the device last appeared) */
        bool c_listed[ND];    /* the client's view */
        struct val c[ND][NF];
};

static void apply(struct model *md, const struct ap_msg *m)
{
        for (size_t i = 0; i < m->nlists; i++) {
                const struct ap_list *l = &m->lists[i];

                assert_string_equal(l->path, "");
                if (l->full) { /* a snapshot replaces everything */
                        memset(md->c_listed, 0, sizeof(md->c_listed));
                        memset(md->c, 0, sizeof(md->c));
                }
                for (size_t k = 0; k < l->n; k++)
                        md->c_listed[l->names[k][1] - '0'] = true;
                for (size_t k = 0; k < l->ndel; k++) {
                        int dv = l->del[k][1] - '0';

                        md->c_listed[dv] = false;
                        memset(md->c[dv], 0, sizeof(md->c[dv])); /* its files go */
                }
        }
        for (size_t i = 0; i < m->nfiles; i++) {
                const struct ap_file *f = &m->files[i];
                int dv = f->path[1] - '0', fi = -1;

                for (int k = 0; k < NF; k++)
                        if (strcmp(f->path + 3, fnames[k]) == 0)
                                fi = k;
                assert_true(fi >= 0);
                md->c[dv][fi].known = true;
                md->c[dv][fi].err = f->err;
                md->c[dv][fi].len = f->err ? 0 : f->len;
                if (!f->err)
                        memcpy(md->c[dv][fi].data, f->data, f->len);
        }
}

static void check(const struct model *md, unsigned step)
{
        for (int dv = 0; dv < ND; dv++) {
                if (md->c_listed[dv] != md->listed[dv])
                        fail_msg("step %u: device %d listed %d, the client has %d", step, dv,
                                 md->listed[dv], md->c_listed[dv]);
                if (!md->listed[dv])
                        continue;
                for (int fi = 0; fi < NF; fi++) {
                        const struct val *a = &md->f[dv][fi], *b = &md->c[dv][fi];

                        if (a->known != b->known || a->err != b->err || a->len != b->len ||
                            memcmp(a->data, b->data, a->len) != 0)
                                fail_msg("step %u: d%d/%s: read %s (err %d), the client has "
                                         "%s (err %d)",
                                         step, dv, fnames[fi], a->known ? a->data : "-", a->err,
                                         b->known ? b->data : "-", b->err);
                }
        }
}

static void list_now(struct apd *d, struct model *md)
{
        char names[ND][4], *v[ND];
        size_t n = 0;

        for (int dv = 0; dv < ND; dv++)
                if (md->listed[dv]) {
                        snprintf(names[n], sizeof(names[n]), "d%d", dv);
                        v[n] = names[n];
                        n++;
                }
        assert_true(apd_list(d, "", 0, v, n) >= 0);
}

static void send(struct apd *d, struct model *md, bool full)
{
        struct ap_msg m = {0}, got;

        assert_int_equal(apd_msg(d, full, &m), 0);
        wire(&m, &got);
        apd_sent(d, &m);
        apply(md, &got);
        ap_msg_free(&got);
        assert_int_equal(apd_pending(d), 0);
        /* the client was told which devices went: their files are gone on both sides (a
           device that went and came back between two messages keeps them) */
        for (int dv = 0; dv < ND; dv++)
                if (!md->listed[dv])
                        memset(md->f[dv], 0, sizeof(md->f[dv]));
}

static void test_never_drops(void **state)
{
        struct apd *d;
        struct model md;
        unsigned seed = 12345;

        (void)state;
        memset(&md, 0, sizeof(md));
        assert_int_equal(apd_new(&d), 0);
        for (int dv = 0; dv < ND; dv++)
                md.listed[dv] = true;
        list_now(d, &md);
        send(d, &md, true);
        for (unsigned step = 0; step < 20000; step++) {
                unsigned r = (seed = seed * 1103515245u + 12345u) >> 8;
                int dv = (int)(r % ND), fi = (int)(r / ND % NF);

                switch (r / (ND * NF) % 16) {
                case 0: /* a device goes or comes back */
                        md.listed[dv] = !md.listed[dv];
                        list_now(d, &md);
                        break;
                case 1:
                case 2:
                case 3: /* a message: a delta (now and then a snapshot) */
                        send(d, &md, r % 97 == 0);
                        check(&md, step);
                        break;
                case 4: { /* a failed read */
                        static const int errs[] = {EAGAIN, EINVAL, ENOENT};

                        if (!md.listed[dv])
                                break;
                        struct val *v = &md.f[dv][fi];
                        char path[64];

                        snprintf(path, sizeof(path), "d%d/%s", dv, fnames[fi]);
                        v->known = true;
                        v->err = errs[r % 3];
                        v->len = 0;
                        assert_true(apd_file(d, path, v->err, NULL, 0, false) >= 0);
                        break;
                }
                default: { /* a read */
                        if (!md.listed[dv])
                                break;
                        struct val *v = &md.f[dv][fi];
                        const char *s = values[r / 7 % NV];
                        char path[64];

                        snprintf(path, sizeof(path), "d%d/%s", dv, fnames[fi]);
                        v->known = true;
                        v->err = 0;
                        v->len = strlen(s);
                        memcpy(v->data, s, v->len + 1);
                        assert_true(apd_file(d, path, 0, s, v->len, false) >= 0);
                        break;
                }
                }
        }
        send(d, &md, false);
        check(&md, 20000);
        apd_free(d);
}

/* Many entries: the hash grows, every one is found again (no change, no duplicate). */
static void test_many(void **state)
{
        struct apd *d;
        char path[64];
        struct ap_msg m = {0};

        (void)state;
        assert_int_equal(apd_new(&d), 0);
        for (int i = 0; i < 5000; i++) {
                snprintf(path, sizeof(path), "0000:%02x:%02x.%d/migration/state", i / 64, i / 8 % 8,
                         i % 8);
                assert_int_equal(file(d, path, "RUNNING\n"), 1);
        }
        assert_int_equal(apd_msg(d, true, &m), 0);
        assert_int_equal(m.nfiles, 5000);
        for (size_t i = 1; i < m.nfiles; i++)
                assert_true(strcmp(m.files[i - 1].path, m.files[i].path) < 0);
        apd_sent(d, &m);
        for (int i = 0; i < 5000; i++) {
                snprintf(path, sizeof(path), "0000:%02x:%02x.%d/migration/state", i / 64, i / 8 % 8,
                         i % 8);
                assert_int_equal(file(d, path, "RUNNING\n"), 0);
        }
        assert_int_equal(apd_size(d), 5000);
        assert_int_equal(apd_pending(d), 0);
        apd_free(d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_changes_only),
            cmocka_unit_test(test_lists),
            cmocka_unit_test(test_never_drops),
            cmocka_unit_test(test_many),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
