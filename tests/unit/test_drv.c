/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drv: what a user sees for each hisi_acc file and for state/features: the status for
 * every errno the kernel returns, the bytes and fields of good V1/V2 dumps, an error (with
 * line and column) for a garbled dump, cut=true for a dump whose end is missing, and the
 * cmd_state texts of the merged driver and of its patch versions.  Reads go through a
 * fake source, as the tree and engine do.
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

#include "core/drv.h"
#include "fakesrc.h"

enum { DEV_DATA, MIGF_DATA, CMD_STATE };

#define PATH "f"

static void put_le(uint8_t *b, uint64_t v, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                b[i] = (uint8_t)(v >> (8 * i));
}

/* A struct acc_vf_data image (first 144 bytes). */
static void acc_image(uint8_t *b, uint64_t magic, uint32_t qp_num, uint32_t dev_id)
{
        memset(b, 0, ACC_DUMP_SIZE);
        put_le(b + 0, magic, 8);
        put_le(b + 8, qp_num, 4);
        put_le(b + 12, dev_id, 4);
        put_le(b + 16, 1, 4);  /* que_iso_cfg */
        put_le(b + 20, 32, 4); /* qp_base */
        put_le(b + 24, 1, 4);  /* vf_qm_state */
        if (magic == ACC_MAGIC_V2)
                put_le(b + 28, ACC_DRV_MAJOR, 2);
        put_le(b + 40, 0xabcdef01u, 4); /* aeq_int_mask */
        put_le(b + 60, 4096, 4);        /* page_size */
        for (unsigned i = 0; i < 7; i++)
                put_le(b + 64 + 4 * i, 0x1000u + i, 4);
}

/* The file text the kernel prints: dump of bytes then the given lines. */
static size_t kernel_text(char *t, size_t size, const char *prefix, const uint8_t *b, size_t n,
                          const char *lines)
{
        size_t len = fakesrc_format_dump(t, size, prefix, b, n, NULL);

        assert_true(len > 0);
        assert_true(len + strlen(lines) < size);
        strcpy(t + len, lines);
        return len + strlen(lines);
}

/* Read text (len bytes) through a fake source and parse it as hisi_acc file idx. */
static void parse(unsigned idx, const char *text, size_t len, struct drv_file *f)
{
        struct src *s = fakesrc_new();
        struct src_read r;

        assert_non_null(s);
        assert_int_equal(fakesrc_file(s, PATH, text, len), 0);
        assert_int_equal(src_read(s, PATH, &r), 0);
        assert_int_equal(drv_file_from_read(&drv_hisi_acc_ops, idx, &r, f), 0);
        src_read_free(&r);
        src_close(s);
}

static void parse_errno(unsigned idx, int err, struct drv_file *f)
{
        struct src *s = fakesrc_new();
        struct src_read r;

        assert_non_null(s);
        assert_int_equal(fakesrc_errno(s, PATH, err), 0);
        assert_int_equal(src_read(s, PATH, &r), 0);
        assert_int_equal(r.err, err);
        assert_int_equal(drv_file_from_read(&drv_hisi_acc_ops, idx, &r, f), 0);
        src_read_free(&r);
        src_close(s);
}

static uint64_t field(const struct drv_file *f, const char *name, unsigned i, bool *valid)
{
        const struct acc_field *fl = acc_field_find(drv_fields(f), name);

        assert_non_null(fl);
        *valid = (fl->valid_mask >> i) & 1u;
        return fl->value[i];
}

static void test_table(void **state)
{
        (void)state;
        assert_ptr_equal(drv_find("hisi_acc"), &drv_hisi_acc_ops);
        assert_null(drv_find("mlx5"));
        assert_null(drv_find(""));
        assert_int_equal(drv_file_index(&drv_hisi_acc_ops, "dev_data"), DEV_DATA);
        assert_int_equal(drv_file_index(&drv_hisi_acc_ops, "migf_data"), MIGF_DATA);
        assert_int_equal(drv_file_index(&drv_hisi_acc_ops, "cmd_state"), CMD_STATE);
        assert_int_equal(drv_file_index(&drv_hisi_acc_ops, "state"), -1);
        assert_true(drv_hisi_acc_ops.files[DEV_DATA].costly);
        assert_false(drv_hisi_acc_ops.files[MIGF_DATA].costly);
        assert_string_equal(drv_status_name(DRV_ST_OK), "ok");
        assert_string_equal(drv_status_name(DRV_ST_NOT_OPENED), "not_opened");
        assert_string_equal(drv_status_name(DRV_ST_NOT_MIGRATED), "not_migrated");
        assert_string_equal(drv_status_name(DRV_ST_NOT_READY), "not_ready");
        assert_string_equal(drv_status_name(DRV_ST_ERROR), "error");
        assert_string_equal(drv_status_name(DRV_ST_ABSENT), "absent");
        assert_string_equal(drv_status_name(DRV_ST_BLOCKED), "blocked");
        assert_string_equal(drv_status_name(DRV_ST_GONE), "gone");
        assert_string_equal(drv_status_name(DRV_ST_MAILBOX), "mailbox_error");
        assert_string_equal(drv_status_name(DRV_ST_UNREAD), "unread");
}

static void test_errno_mapping(void **state)
{
        static const struct {
                unsigned idx;
                int err;
                enum drv_status st;
                const char *word; /* the message must say this */
        } cases[] = {
            /* one errno, two meanings: both said */
            {DEV_DATA, EINVAL, DRV_ST_NOT_OPENED, "not opened"},
            {DEV_DATA, EINVAL, DRV_ST_NOT_OPENED, "(6.13-6.15) a mailbox command"},
            {DEV_DATA, EBUSY, DRV_ST_NOT_READY, "guest's QM driver is not running"},
            {DEV_DATA, EBUSY, DRV_ST_NOT_READY, "(6.16+) a mailbox command failed"},
            {DEV_DATA, EBUSY, DRV_ST_NOT_READY, "not a hung device"},
            {DEV_DATA, ETIMEDOUT, DRV_ST_NOT_READY, "QM_VF_STATE not ready"},
            {DEV_DATA, ETIMEDOUT, DRV_ST_NOT_READY, "mailbox command timed out"},
            {DEV_DATA, ENOENT, DRV_ST_ABSENT, "no such file"},
            {DEV_DATA, EAGAIN, DRV_ST_ERROR, "EAGAIN"},
            {DEV_DATA, EACCES, DRV_ST_ERROR, "root"},
            /* EIO on a file that still exists: a mailbox failure, not a vanished device */
            {DEV_DATA, EIO, DRV_ST_MAILBOX, "mailbox command to the VF failed"},
            {DEV_DATA, EIO, DRV_ST_MAILBOX, "not vanished"},
            {MIGF_DATA, EIO, DRV_ST_ERROR, "went away"},
            {DEV_DATA, ENOMEM, DRV_ST_ERROR, "memory"},
            {MIGF_DATA, EAGAIN, DRV_ST_NOT_MIGRATED, "not migrated"},
            {MIGF_DATA, EINVAL, DRV_ST_ERROR, "EINVAL"},
            {MIGF_DATA, EBUSY, DRV_ST_NOT_READY, "did not answer"}, /* no check, no mailbox */
            {MIGF_DATA, ENOENT, DRV_ST_ABSENT, "no such file"},
            {CMD_STATE, EINVAL, DRV_ST_NOT_OPENED, "not opened"},
            {CMD_STATE, EINVAL, DRV_ST_NOT_OPENED, "register reads all ones"},
            {CMD_STATE, ETIMEDOUT, DRV_ST_NOT_READY, "guest's QM driver is not running"},
            {CMD_STATE, EBUSY, DRV_ST_NOT_READY, "QM_VF_STATE not ready"},
            {CMD_STATE, EAGAIN, DRV_ST_ERROR, "EAGAIN"},
            {CMD_STATE, ENOENT, DRV_ST_ABSENT, "ENOENT"},
            {CMD_STATE, EPERM, DRV_ST_ERROR, "root"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct drv_file f;
                const char *ename = src_errno_name(cases[i].err);

                parse_errno(cases[i].idx, cases[i].err, &f);
                if (f.status != cases[i].st || !strstr(drv_file_msg(&f), cases[i].word) ||
                    !strstr(drv_file_msg(&f), ename))
                        fail_msg("%s %s: status %s, msg \"%s\"",
                                 drv_hisi_acc_ops.files[cases[i].idx].name, ename,
                                 drv_status_name(f.status), drv_file_msg(&f));
                assert_int_equal(f.err, cases[i].err);
                assert_string_equal(f.name, drv_hisi_acc_ops.files[cases[i].idx].name);
                assert_null(f.text);
                assert_null(f.bytes);
                assert_false(f.has_fields);
                drv_file_free(&f);
        }
}

/* dev_data as hisi_acc_vf_dev_read() fills it: zero header, cached vf_qm_state, registers. */
static void dev_image(uint8_t *b)
{
        acc_image(b, ACC_MAGIC_V2, 16, 0xa255);
        memset(b, 0, 24);
        memset(b + 28, 0, 12);
}

static void test_v2_dev_data_ok(void **state)
{
        uint8_t b[ACC_DUMP_SIZE];
        char t[2048];
        size_t n;
        struct drv_file f;
        bool valid;

        (void)state;
        dev_image(b);
        n = kernel_text(t, sizeof(t), "Dev Data:", b, sizeof(b),
                        "guest driver load: 1\ndata size: 176\n");
        parse(DEV_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_string_equal(drv_file_msg(&f), "");
        assert_false(f.cut);
        assert_int_equal(f.len, ACC_DUMP_SIZE);
        assert_memory_equal(f.bytes, b, ACC_DUMP_SIZE);
        assert_int_equal(f.text_len, n);
        assert_string_equal(kv_get(&f.kv, "guest driver load"), "1");
        assert_string_equal(kv_get(&f.kv, "data size"), "176");
        assert_true(f.has_fields);
        /* a register snapshot: no header fields at all, not zeros */
        assert_int_equal(drv_fields(&f)->layout, ACC_LAYOUT_REGISTERS);
        assert_null(acc_field_find(drv_fields(&f), "qp_num"));
        assert_null(acc_field_find(drv_fields(&f), "dev_id"));
        assert_null(acc_field_find(drv_fields(&f), "acc_magic"));
        assert_null(acc_field_find(drv_fields(&f), "eqe_dma"));
        assert_int_equal(drv_fields(&f)->stream_len, -1);
        assert_int_equal(field(&f, "vf_qm_state", 0, &valid), 1);
        assert_true(valid);
        assert_int_equal(field(&f, "aeq_int_mask", 0, &valid), 0xabcdef01u);
        assert_true(valid);
        assert_int_equal(field(&f, "qm_eqc_dw", 6, &valid), 0x1006);
        assert_true(valid);
        drv_file_free(&f);
}

/* A V1 source whose guest driver was not loaded: only the 40-byte match part migrated. */
static void test_v1_migf_data_match_part_only(void **state)
{
        uint8_t b[ACC_DUMP_SIZE];
        char t[2048];
        size_t n;
        struct drv_file f;
        bool valid;

        (void)state;
        acc_image(b, ACC_MAGIC_V1, 8, 0xa259);
        n = kernel_text(t, sizeof(t), "Mig Data:", b, sizeof(b), "migrate data length: 40\n");
        parse(MIGF_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_int_equal(f.len, ACC_DUMP_SIZE);
        assert_int_equal(drv_fields(&f)->layout, ACC_LAYOUT_V1);
        assert_int_equal(drv_fields(&f)->stream_len,
                         40); /* the length line is part of the result */
        assert_int_equal(drv_fields(&f)->len, 40);
        assert_int_equal(field(&f, "qp_num", 0, &valid), 8);
        assert_true(valid);
        /* past the migrated length: shown as not present, not as the dump's bytes */
        field(&f, "aeq_int_mask", 0, &valid);
        assert_false(valid);
        drv_file_free(&f);

        /* the same bytes with the full length decode everything dumped */
        n = kernel_text(t, sizeof(t), "Mig Data:", b, sizeof(b), "migrate data length: 176\n");
        parse(MIGF_DATA, t, n, &f);
        assert_int_equal(field(&f, "aeq_int_mask", 0, &valid), 0xabcdef01u);
        assert_true(valid);
        drv_file_free(&f);
}

static void test_garbled_dump_is_error_with_position(void **state)
{
        uint8_t b[ACC_DUMP_SIZE];
        char t[2048];
        size_t n;
        struct drv_file f;
        char *p;

        (void)state;
        acc_image(b, ACC_MAGIC_V2, 16, 0xa255);
        n = kernel_text(t, sizeof(t), "Dev Data:", b, sizeof(b),
                        "guest driver load: 1\ndata size: 176\n");
        /* line 5 (offset 0x40) holds the eqc words: make its first digit uppercase-free junk */
        p = strstr(t, "Dev Data:00000040: ");
        assert_non_null(p);
        p[19] = 'x';
        parse(DEV_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_non_null(strstr(drv_file_msg(&f), "line 5, column 20"));
        assert_null(f.bytes);
        assert_int_equal(f.len, 0);
        assert_false(f.has_fields);
        assert_non_null(f.text); /* the raw text stays available */
        drv_file_free(&f);

        /* a migf_data dump read as dev_data: wrong prefix on line 1 */
        n = kernel_text(t, sizeof(t), "Mig Data:", b, sizeof(b), "migrate data length: 176\n");
        parse(DEV_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_non_null(strstr(drv_file_msg(&f), "line 1, column 1"));
        drv_file_free(&f);

        /* empty file */
        parse(DEV_DATA, "", 0, &f);
        assert_int_equal(f.status, DRV_ST_ERROR);
        drv_file_free(&f);
}

static void test_cut_dump_keeps_only_complete_bytes(void **state)
{
        uint8_t b[ACC_DUMP_SIZE];
        char t[2048];
        size_t n, full;
        struct drv_file f;
        bool valid;

        (void)state;
        dev_image(b);
        full = kernel_text(t, sizeof(t), "Dev Data:", b, sizeof(b),
                           "guest driver load: 1\ndata size: 176\n");
        /* cut inside line 3, after the first digit of its 10th byte (offset 41) */
        n = (size_t)(strstr(t, "Dev Data:00000020: ") - t) + 19 + 9 * 3 + 1;
        parse(DEV_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_true(f.cut);
        assert_non_null(strstr(drv_file_msg(&f), "cut off"));
        assert_non_null(strstr(drv_file_msg(&f), "line 3"));
        assert_int_equal(f.len, 41);
        assert_memory_equal(f.bytes, b, 41);
        assert_int_equal(field(&f, "vf_qm_state", 0, &valid), 1);
        assert_true(valid);
        field(&f, "aeq_int_mask", 0, &valid); /* bytes 40..43: only 41 arrived */
        assert_false(valid);
        drv_file_free(&f);

        /* cut exactly after the dump rows: no "data size" line */
        n = (size_t)(strstr(t, "guest") - t);
        parse(DEV_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_true(f.cut);
        assert_int_equal(f.len, ACC_DUMP_SIZE);
        drv_file_free(&f);

        /* cut inside the last line: "data size: 17" must not become 17 */
        parse(DEV_DATA, t, full - 2, &f);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_true(f.cut);
        assert_non_null(strstr(drv_file_msg(&f), "line 11"));
        assert_null(kv_get(&f.kv, "data size"));
        assert_string_equal(kv_get(&f.kv, "guest driver load"), "1");
        drv_file_free(&f);
}

static void test_short_dump_and_bad_length(void **state)
{
        uint8_t b[ACC_DUMP_SIZE];
        char t[2048];
        size_t n;
        struct drv_file f;

        (void)state;
        acc_image(b, ACC_MAGIC_V2, 16, 0xa255);
        /* 8 rows then the key lines: a row is missing */
        n = kernel_text(t, sizeof(t), "Dev Data:", b, 128,
                        "guest driver load: 1\ndata size: 176\n");
        parse(DEV_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_non_null(strstr(drv_file_msg(&f), "line 9"));
        assert_non_null(strstr(drv_file_msg(&f), "144"));
        assert_null(f.bytes);
        drv_file_free(&f);

        n = kernel_text(t, sizeof(t), "Mig Data:", b, sizeof(b), "migrate data length: 4o\n");
        parse(MIGF_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_non_null(strstr(drv_file_msg(&f), "line 10"));
        assert_false(f.has_fields);
        drv_file_free(&f);
}

static void test_extra_lines_tolerated(void **state)
{
        uint8_t b[ACC_DUMP_SIZE];
        char t[2048];
        size_t n;
        struct drv_file f;

        (void)state;
        acc_image(b, ACC_MAGIC_V2, 16, 0xa255);
        /* the v11 patch's migf_data: a heading line and a "device opened" line */
        n = kernel_text(t, sizeof(t), "Mig Data:", b, sizeof(b),
                        "acc device:\nguest driver load: 1\ndevice opened: 1\n"
                        "migrate data length: 176\n");
        parse(MIGF_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_string_equal(drv_file_msg(&f), "");
        assert_string_equal(kv_get(&f.kv, "device opened"), "1");
        drv_file_free(&f);

        n = kernel_text(t, sizeof(t), "Mig Data:", b, sizeof(b),
                        "migrate data length: 176\nsomething new\n");
        parse(MIGF_DATA, t, n, &f);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_non_null(strstr(drv_file_msg(&f), "line 11"));
        assert_int_equal(f.len, ACC_DUMP_SIZE);
        drv_file_free(&f);
}

static void test_cmd_state_texts(void **state)
{
        static const struct {
                const char *text;
                enum drv_status st;
        } cases[] = {
            {"mailbox cmd channel ready!\n", DRV_ST_OK},
            {"mailbox cmd channel ready!", DRV_ST_OK},
            {"mailbox cmd channel state is OK:0x1f\n", DRV_ST_OK},
            {"mailbox cmd channel state is OK:0xDEADbeef\n", DRV_ST_OK},
            {"mailbox cmd channel not ready!\n", DRV_ST_NOT_READY},
            {"mailbox cmd channel state is OK:0x\n", DRV_ST_ERROR},
            {"mailbox cmd channel state is OK:0x1z\n", DRV_ST_ERROR},
            {"mailbox cmd channel rea", DRV_ST_ERROR},
            {"mailbox cmd channel ready!\nmore\n", DRV_ST_ERROR},
            {"", DRV_ST_ERROR},
            {"\x01\x02garbage\n", DRV_ST_ERROR},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct drv_file f;

                parse(CMD_STATE, cases[i].text, strlen(cases[i].text), &f);
                if (f.status != cases[i].st)
                        fail_msg("\"%s\": %s (%s)", cases[i].text, drv_status_name(f.status),
                                 drv_file_msg(&f));
                assert_string_equal(f.text, cases[i].text);
                assert_null(f.bytes);
                if (f.status == DRV_ST_ERROR) {
                        assert_non_null(strstr(drv_file_msg(&f), "unexpected"));
                        for (const char *p = drv_file_msg(&f); *p; p++)
                                assert_true(*p >= 0x20 && *p < 0x7f);
                }
                drv_file_free(&f);
        }
}

static void state_of(const char *text, int err, struct drv_file *f, enum fsm_state *st)
{
        struct src_read r = {.err = err, .data = (char *)text, .len = text ? strlen(text) : 0};

        assert_int_equal(drv_state_from_read(&r, f, st), 0);
        assert_string_equal(f->name, "state");
}

static void test_state_file(void **state)
{
        struct drv_file f;
        enum fsm_state st;

        (void)state;
        state_of("STOP_COPY\n", 0, &f, &st);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_int_equal(st, FSM_STOP_COPY);
        drv_file_free(&f);
        state_of("RESUMING_P2P\n", 0, &f, &st); /* the v11 patch's name for RUNNING_P2P */
        assert_int_equal(st, FSM_RUNNING_P2P);
        drv_file_free(&f);
        state_of("STOP", 0, &f, &st); /* could be a cut "STOP_COPY" */
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_int_equal(st, FSM_INVALID);
        assert_true(f.cut);
        drv_file_free(&f);
        state_of("Invalid\n", 0, &f, &st);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_int_equal(st, FSM_INVALID);
        assert_non_null(strstr(drv_file_msg(&f), "unknown state"));
        drv_file_free(&f);
        state_of("RUNNING\nSTOP\n", 0, &f, &st);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_int_equal(st, FSM_INVALID);
        drv_file_free(&f);
        state_of("bogus\x07\n", 0, &f, &st);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_null(strchr(drv_file_msg(&f), '\x07'));
        drv_file_free(&f);
        state_of("", 0, &f, &st);
        assert_int_equal(f.status, DRV_ST_ERROR);
        drv_file_free(&f);
        state_of(NULL, EINVAL, &f, &st);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_int_equal(f.err, EINVAL);
        assert_non_null(strstr(drv_file_msg(&f), "EINVAL"));
        drv_file_free(&f);
        state_of(NULL, ENOENT, &f, &st);
        assert_int_equal(f.status, DRV_ST_ABSENT);
        drv_file_free(&f);
}

static void test_features_file(void **state)
{
        struct src_read r = {0};
        struct drv_file f;
        unsigned feat = 0;

        (void)state;
        r.data = (char *)"stop-copy\np2p\ndirty-tracking\n";
        r.len = strlen(r.data);
        assert_int_equal(drv_features_from_read(&r, &f, &feat), 0);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_string_equal(f.name, "features");
        assert_int_equal(feat, FSM_F_STOP_COPY | FSM_F_P2P | FSM_F_DIRTY_TRACKING);
        drv_file_free(&f);

        r.data = (char *)"stop-copy\nwarp-drive\n";
        r.len = strlen(r.data);
        assert_int_equal(drv_features_from_read(&r, &f, &feat), 0);
        assert_int_equal(f.status, DRV_ST_OK);
        assert_int_equal(feat, FSM_F_STOP_COPY);
        assert_non_null(strstr(drv_file_msg(&f), "1 unknown"));
        drv_file_free(&f);

        r.data = NULL;
        r.len = 0;
        r.err = ENOENT; /* before 6.18 */
        assert_int_equal(drv_features_from_read(&r, &f, &feat), 0);
        assert_int_equal(f.status, DRV_ST_ABSENT);
        assert_int_equal(feat, FSM_F_ALL);
        drv_file_free(&f);

        r.err = EACCES;
        assert_int_equal(drv_features_from_read(&r, &f, &feat), 0);
        assert_int_equal(f.status, DRV_ST_ERROR);
        assert_non_null(strstr(drv_file_msg(&f), "root"));
        drv_file_free(&f);
}

static void test_copy_and_changed(void **state)
{
        uint8_t b[ACC_DUMP_SIZE];
        char t[2048];
        size_t n;
        struct drv_file a, c, e;

        (void)state;
        acc_image(b, ACC_MAGIC_V2, 16, 0xa255);
        n = kernel_text(t, sizeof(t), "Dev Data:", b, sizeof(b),
                        "guest driver load: 1\ndata size: 176\n");
        parse(DEV_DATA, t, n, &a);
        assert_int_equal(drv_file_copy(&c, &a), 0);
        assert_false(drv_file_changed(&a, &c));
        assert_ptr_equal(c.bytes, a.bytes); /* shared, never written */
        assert_memory_equal(c.bytes, b, ACC_DUMP_SIZE);
        assert_string_equal(kv_get(&c.kv, "data size"), "176");
        drv_file_free(&a); /* the copy stays valid on its own */
        assert_memory_equal(c.bytes, b, ACC_DUMP_SIZE);
        assert_string_equal(kv_get(&c.kv, "guest driver load"), "1");

        /* one byte differs (guest driver unloaded) */
        acc_image(b, ACC_MAGIC_V2, 16, 0xa255);
        b[24] = 0;
        n = kernel_text(t, sizeof(t), "Dev Data:", b, sizeof(b),
                        "guest driver load: 0\ndata size: 176\n");
        parse(DEV_DATA, t, n, &a);
        assert_true(drv_file_changed(&a, &c));
        drv_file_free(&a);

        parse_errno(DEV_DATA, EINVAL, &e);
        assert_true(drv_file_changed(&e, &c));
        parse_errno(DEV_DATA, EBUSY, &a);
        assert_true(drv_file_changed(&e, &a));
        drv_file_free(&a);
        parse_errno(DEV_DATA, EINVAL, &a);
        assert_false(drv_file_changed(&e, &a));
        drv_file_free(&a);
        drv_file_free(&e);
        drv_file_free(&c);
}

/* A message is one block shared by every copy (not inline), and each copy may go first. */
static void test_message_shared(void **state)
{
        struct drv_file a, c, d;
        char longname[300];

        (void)state;
        parse_errno(MIGF_DATA, EAGAIN, &a);
        assert_int_equal(a.status, DRV_ST_NOT_MIGRATED);
        assert_non_null(strstr(drv_file_msg(&a), "EAGAIN: not migrated"));
        assert_int_equal(drv_file_copy(&c, &a), 0);
        assert_ptr_equal(c.message, a.message);
        assert_int_equal(drv_file_copy(&d, &c), 0);
        drv_file_free(&a);
        assert_non_null(strstr(drv_file_msg(&c), "EAGAIN: not migrated"));
        /* a new message for one copy leaves the other's alone */
        drv_file_set_msg(&c, "device vanished (%s)", "ENOENT");
        assert_string_equal(drv_file_msg(&c), "device vanished (ENOENT)");
        assert_non_null(strstr(drv_file_msg(&d), "EAGAIN: not migrated"));
        assert_false(drv_file_changed(&c, &c));
        assert_true(drv_file_changed(&c, &d));
        /* a literal is kept as is; "" is no message */
        drv_file_set_msg(&c, "not read yet");
        assert_string_equal(drv_file_msg(&c), "not read yet");
        drv_file_set_msg(&c, "%s", "");
        assert_null(c.message);
        assert_string_equal(drv_file_msg(&c), "");
        /* cut at DRV_MSG_MAX - 1 bytes, as the inline buffer did */
        memset(longname, 'x', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        drv_file_set_msg(&c, "device vanished (%s)", longname);
        assert_int_equal(strlen(drv_file_msg(&c)), DRV_MSG_MAX - 1);
        drv_file_free(&c);
        drv_file_free(&d);
        assert_null(d.message);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_table),
            cmocka_unit_test(test_errno_mapping),
            cmocka_unit_test(test_v2_dev_data_ok),
            cmocka_unit_test(test_v1_migf_data_match_part_only),
            cmocka_unit_test(test_garbled_dump_is_error_with_position),
            cmocka_unit_test(test_cut_dump_keeps_only_complete_bytes),
            cmocka_unit_test(test_short_dump_and_bad_length),
            cmocka_unit_test(test_extra_lines_tolerated),
            cmocka_unit_test(test_cmd_state_texts),
            cmocka_unit_test(test_state_file),
            cmocka_unit_test(test_features_file),
            cmocka_unit_test(test_copy_and_changed),
            cmocka_unit_test(test_message_shared),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
