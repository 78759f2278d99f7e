// SPDX-License-Identifier: GPL-2.0-only
/*
 * jsonout: the JSON that scripts read.  Trees are read in kernel format through a fake
 * source, serialised, parsed back with json-c and checked key by key.
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

#include "core/jsonout.h"
#include "core/pair.h"
#include "core/tree.h"
#include "fakesrc.h"

#define DEV "0000:3b:00.1"
#define DST "0000:86:00.1"

static void put_le(uint8_t *b, size_t off, uint64_t v, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                b[off + i] = (uint8_t)(v >> (8 * i));
}

/* A V2 struct acc_vf_data with recognisable values (offsets from the kernel header). */
static void vf_bytes(uint8_t b[ACC_STRUCT_SIZE], uint32_t qp_num)
{
        memset(b, 0, ACC_STRUCT_SIZE);
        put_le(b, 0, ACC_MAGIC_V2, 8);
        put_le(b, 8, qp_num, 4);  /* qp_num */
        put_le(b, 12, 0xa256, 4); /* dev_id */
        put_le(b, 20, 48, 4);     /* qp_base */
        put_le(b, 24, 1, 4);      /* vf_qm_state */
        put_le(b, 28, 1, 2);      /* major_ver */
        put_le(b, 60, 0x1000, 4); /* page_size */
        for (unsigned i = 0; i < 7; i++) {
                put_le(b, 64 + 4 * i, 0xeeee0000u + i, 4); /* qm_eqc_dw */
                put_le(b, 92 + 4 * i, 0xaaaa0000u + i, 4); /* qm_aeqc_dw */
        }
}

static char *dump_text(const char *prefix, const uint8_t *b, size_t n, const char *tail)
{
        size_t cap = 4096, len = 0;
        char *s = malloc(cap);

        assert_non_null(s);
        for (size_t off = 0; off < n; off += 16) {
                len += (size_t)snprintf(s + len, cap - len, "%s%.8zx: ", prefix, off);
                for (size_t i = 0; i < 16 && off + i < n; i++)
                        len +=
                            (size_t)snprintf(s + len, cap - len, i ? " %02x" : "%02x", b[off + i]);
                len += (size_t)snprintf(s + len, cap - len, "\n");
        }
        snprintf(s + len, cap - len, "%s", tail);
        return s;
}

static void add_file(struct src *s, const char *dev, const char *rel, const char *text)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/migration/%s", dev, rel);
        assert_int_equal(fakesrc_text(s, path, text), 0);
}

static void add_err(struct src *s, const char *dev, const char *rel, int err)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/migration/%s", dev, rel);
        assert_int_equal(fakesrc_errno(s, path, err), 0);
}

/* dev_data carries no header (zero bytes 0-23 and 28-39); migf_data the saved stream. */
static void dev_bytes(uint8_t b[ACC_STRUCT_SIZE])
{
        vf_bytes(b, 0);
        memset(b, 0, 24);
        memset(b + 28, 0, 12);
}

static void add_dump(struct src *s, const char *dev, const char *file, uint32_t qp_num)
{
        uint8_t b[ACC_STRUCT_SIZE];
        bool dev_data = strcmp(file, "dev_data") == 0;
        char rel[64];
        char *t;

        if (dev_data)
                dev_bytes(b);
        else
                vf_bytes(b, qp_num);
        t = dump_text(dev_data ? "Dev Data:" : "Mig Data:", b, ACC_DUMP_SIZE,
                      dev_data ? "guest driver load: 1\ndata size: 176\n"
                               : "migrate data length: 176\n");
        snprintf(rel, sizeof(rel), "hisi_acc/%s", file);
        add_file(s, dev, rel, t);
        free(t);
}

/* Read the tree of s, serialise it (pretty) and parse the text back. */
static struct json_object *roundtrip_tree(struct src *s)
{
        struct json_object *j, *back;
        struct tree t = {0};
        char *text;

        assert_int_equal(tree_read(s, &t), 0);
        j = jout_tree(&t);
        assert_non_null(j);
        text = jout_string(j, 1);
        assert_non_null(text);
        back = json_tokener_parse(text);
        assert_non_null(back);
        free(text);
        json_object_put(j);
        tree_free(&t);
        src_close(s);
        return back;
}

static struct json_object *get(struct json_object *o, const char *key)
{
        struct json_object *v = NULL;

        assert_non_null(o);
        if (!json_object_object_get_ex(o, key, &v))
                fail_msg("key \"%s\" missing", key);
        return v;
}

static struct json_object *dev0(struct json_object *root)
{
        struct json_object *devs = get(root, "devices");

        assert_true(json_object_is_type(devs, json_type_array));
        assert_true(json_object_array_length(devs) >= 1);
        return json_object_array_get_idx(devs, 0);
}

static void assert_str(struct json_object *o, const char *want)
{
        assert_non_null(o);
        assert_true(json_object_is_type(o, json_type_string));
        assert_string_equal(json_object_get_string(o), want);
}

static void test_ok_device(void **state)
{
        struct src *s = fakesrc_new();
        struct json_object *root, *d, *acc, *f, *fields, *feat, *arr;
        uint8_t b[ACC_STRUCT_SIZE];
        char hex[2 * ACC_DUMP_SIZE + 1];

        assert_non_null(s);
        add_file(s, DEV, "state", "STOP_COPY\n");
        add_file(s, DEV, "features", "stop-copy\npre-copy\n"); /* hisi_acc: no P2P */
        add_dump(s, DEV, "dev_data", 16);
        add_dump(s, DEV, "migf_data", 16);
        add_file(s, DEV, "hisi_acc/cmd_state", "mailbox cmd channel ready!\n");
        root = roundtrip_tree(s);
        d = dev0(root);
        assert_str(get(d, "name"), DEV);
        assert_str(get(d, "state"), "STOP_COPY");
        feat = get(d, "features");
        assert_true(json_object_is_type(feat, json_type_array));
        assert_int_equal(json_object_array_length(feat), 2);
        assert_str(json_object_array_get_idx(feat, 0), "stop-copy");
        assert_str(json_object_array_get_idx(feat, 1), "pre-copy");

        acc = get(d, "hisi_acc");
        f = get(acc, "dev_data");
        assert_str(get(f, "status"), "ok");
        assert_null(get(f, "errno"));
        dev_bytes(b);
        for (unsigned i = 0; i < ACC_DUMP_SIZE; i++)
                snprintf(hex + 2 * i, 3, "%02x", b[i]);
        assert_str(get(f, "bytes"), hex);
        assert_int_equal(json_object_get_int64(get(f, "length")), ACC_DUMP_SIZE);
        /* a register snapshot: no header fields, named as not in the file, never zeros */
        assert_str(get(f, "layout"), "registers");
        fields = get(f, "fields");
        assert_false(json_object_object_get_ex(fields, "qp_num", NULL));
        assert_false(json_object_object_get_ex(fields, "dev_id", NULL));
        assert_false(json_object_object_get_ex(fields, "acc_magic", NULL));
        assert_false(json_object_object_get_ex(fields, "que_iso_cfg", NULL));
        arr = get(f, "not_in_file");
        assert_int_equal(json_object_array_length(arr), 8);
        assert_str(json_object_array_get_idx(arr, 0), "acc_magic");
        assert_int_equal(json_object_get_int64(get(fields, "vf_qm_state")), 1);
        assert_str(get(f, "guest_driver"), "QM_NOT_READY: guest driver not running");
        assert_null(get(f, "stream_length"));
        assert_int_equal(json_object_get_int64(get(fields, "page_size")), 0x1000);
        arr = get(fields, "qm_eqc_dw");
        assert_true(json_object_is_type(arr, json_type_array));
        assert_int_equal(json_object_array_length(arr), 7);
        assert_int_equal(json_object_get_int64(json_object_array_get_idx(arr, 6)), 0xeeee0006);
        /* the lines after the dump, numbers as numbers */
        assert_int_equal(json_object_get_int64(get(get(f, "info"), "data size")), 176);
        assert_int_equal(json_object_get_int64(get(get(f, "info"), "guest driver load")), 1);

        f = get(acc, "migf_data");
        assert_str(get(f, "status"), "ok");
        assert_int_equal(json_object_get_int64(get(get(f, "info"), "migrate data length")), 176);
        assert_int_equal(json_object_get_int64(get(f, "stream_length")), 176);
        assert_str(get(f, "layout"), "V2");
        assert_null(get(f, "not_in_file"));
        fields = get(f, "fields");
        assert_int_equal(json_object_get_int64(get(fields, "qp_num")), 16);
        assert_int_equal(json_object_get_int64(get(fields, "dev_id")), 0xa256);
        assert_int_equal(json_object_get_int64(get(fields, "qp_base")), 48);
        /* the magic does not fit an int64: it must survive as an unsigned 64-bit number */
        assert_true(json_object_get_uint64(get(fields, "acc_magic")) == ACC_MAGIC_V2);
        f = get(acc, "cmd_state");
        assert_str(get(f, "status"), "ok");
        assert_null(get(f, "errno"));
        json_object_put(root);
}

static void test_not_migrated_and_not_opened(void **state)
{
        struct src *s = fakesrc_new();
        struct json_object *root, *d, *acc, *f;

        assert_non_null(s);
        add_file(s, DEV, "state", "RUNNING\n");
        add_err(s, DEV, "hisi_acc/dev_data", EINVAL);
        add_err(s, DEV, "hisi_acc/migf_data", EAGAIN);
        add_err(s, DEV, "hisi_acc/cmd_state", EINVAL);
        root = roundtrip_tree(s);
        d = dev0(root);
        assert_str(get(d, "state"), "RUNNING");
        /* no features file (kernels before 6.18): null, not an empty list */
        assert_null(get(d, "features"));
        assert_str(get(get(get(d, "files"), "features"), "status"), "absent");
        acc = get(d, "hisi_acc");
        f = get(acc, "migf_data");
        assert_str(get(f, "status"), "not_migrated");
        assert_str(get(f, "errno"), "EAGAIN");
        assert_null(get(f, "bytes"));
        assert_null(get(f, "fields"));
        f = get(acc, "dev_data");
        assert_str(get(f, "status"), "not_opened");
        assert_str(get(f, "errno"), "EINVAL");
        assert_null(get(f, "fields"));
        f = get(acc, "cmd_state");
        assert_str(get(f, "errno"), "EINVAL");
        json_object_put(root);
}

static void test_garbled_files(void **state)
{
        struct src *s = fakesrc_new();
        struct json_object *root, *d, *f, *msg;
        uint8_t b[ACC_STRUCT_SIZE];
        char *t, *p;

        assert_non_null(s);
        add_file(s, DEV, "state", "RUNNING NOW\n");
        vf_bytes(b, 16);
        t = dump_text("Dev Data:", b, ACC_DUMP_SIZE, "guest driver load: 1\ndata size: 176\n");
        p = strstr(t, "Dev Data:00000030: ");
        assert_non_null(p);
        memcpy(p + strlen("Dev Data:00000030: "), "zz", 2);
        add_file(s, DEV, "hisi_acc/dev_data", t);
        free(t);
        add_file(s, DEV, "hisi_acc/migf_data", "");
        root = roundtrip_tree(s);
        d = dev0(root);
        assert_null(get(d, "state"));
        assert_str(get(get(get(d, "files"), "state"), "status"), "error");
        f = get(get(d, "hisi_acc"), "dev_data");
        assert_str(get(f, "status"), "error");
        assert_null(get(f, "errno"));
        msg = get(f, "message");
        assert_non_null(msg);
        assert_true(strlen(json_object_get_string(msg)) > 0);
        /* never more bytes than the good rows before the fault (3 rows) */
        if (get(f, "bytes"))
                assert_true(strlen(json_object_get_string(get(f, "bytes"))) <= 3 * 32);
        f = get(get(d, "hisi_acc"), "migf_data");
        assert_str(get(f, "status"), "error");
        json_object_put(root);
}

static struct json_object *find_by(struct json_object *a, const char *key, const char *val)
{
        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                struct json_object *x = json_object_array_get_idx(a, i), *v;

                if (json_object_object_get_ex(x, key, &v) && v &&
                    strcmp(json_object_get_string(v), val) == 0)
                        return x;
        }
        return NULL;
}

/* The destination refused a q16 stream (closed: dev_data EINVAL) and its log says why. */
static void test_compare(void **state)
{
        struct src *s = fakesrc_new();
        struct json_object *j, *back, *c, *m, *e, *kl;
        struct pair_side a, b;
        struct kmsg_rec rec;
        struct pair_result p;
        struct tree t = {0};
        char *text;

        assert_non_null(s);
        add_file(s, DEV, "state", "STOP\n");
        add_dump(s, DEV, "dev_data", 16);
        add_dump(s, DEV, "migf_data", 16);
        add_file(s, DST, "state", "RESUMING\n");
        add_err(s, DST, "hisi_acc/dev_data", EINVAL);
        add_dump(s, DST, "migf_data", 16);
        assert_int_equal(tree_read(s, &t), 0);
        memset(&rec, 0, sizeof(rec));
        rec.seq = 1042;
        rec.ts_us = 5123459257;
        rec.level = 3;
        snprintf(rec.device, sizeof(rec.device), "%s", DST);
        snprintf(rec.text, sizeof(rec.text), "hisi_acc_vfio_pci %s: failed to match VF qp num",
                 DST);
        pair_side_init(&a, tree_find(&t, DEV));
        pair_side_init(&b, tree_find(&t, DST));
        b.klog = &rec;
        b.nklog = 1;
        assert_int_equal(pair_compare(&a, &b, &p), 0);
        j = jout_compare(DEV, DST, &p, &a, &b);
        text = jout_string(j, 0);
        assert_non_null(text);
        assert_null(strchr(text, '\n')); /* one line when not pretty */
        back = json_tokener_parse(text);
        assert_non_null(back);
        assert_str(get(back, "src"), DEV);
        assert_str(get(back, "dst"), DST);
        assert_str(get(back, "dir"), "hisi_acc");
        assert_str(get(back, "verdict"), "reject");
        assert_int_equal(json_object_array_length(get(back, "checks")), 4);
        c = find_by(get(back, "checks"), "name", "accept");
        assert_non_null(c);
        assert_str(get(c, "verdict"), "fail");
        assert_str(get(c, "kernel_line"), rec.text);
        m = find_by(get(c, "mismatches"), "field", "qp_num");
        assert_non_null(m);
        assert_int_equal(json_object_get_int64(get(m, "src")), 16);
        assert_null(get(m, "dst")); /* cannot be known: null, never 0 */
        assert_true(json_object_is_type(get(m, "reason"), json_type_string));
        e = find_by(get(c, "evidence"), "what", "migf_data");
        assert_non_null(e);
        assert_str(get(e, "side"), "src");
        assert_str(get(e, "status"), "ok");
        assert_str(get(e, "detail"), "length 176");
        assert_true(json_object_is_type(get(e, "time"), json_type_null) ||
                    json_object_is_type(get(e, "time"), json_type_string));
        c = find_by(get(back, "checks"), "name", "stream");
        assert_str(get(c, "verdict"), "unknown");
        /* the union for scripts, and the destination's log */
        m = find_by(get(back, "mismatches"), "field", "qp_num");
        assert_non_null(m);
        assert_int_equal(json_object_array_length(get(back, "mismatches")), 1);
        kl = get(back, "kernel_log");
        assert_int_equal(json_object_array_length(kl), 1);
        assert_str(get(json_object_array_get_idx(kl, 0), "side"), "dst");
        assert_int_equal(json_object_get_int64(get(json_object_array_get_idx(kl, 0), "seq")), 1042);
        assert_str(get(json_object_array_get_idx(kl, 0), "level"), "err");
        assert_int_equal(json_object_get_int64(get(back, "differing_bytes")), 0);
        free(text);
        json_object_put(j);
        json_object_put(back);
        tree_free(&t);
        src_close(s);
}

static void test_compare_nothing(void **state)
{
        struct pair_result p;
        struct tree_dev a = {.name = "a"}, b = {.name = "b"};
        struct pair_side sa, sb;
        struct json_object *j;

        pair_side_init(&sa, &a);
        pair_side_init(&sb, &b);
        assert_int_equal(pair_compare(&sa, &sb, &p), 0);
        j = jout_compare("a", "b", &p, NULL, NULL);
        assert_str(get(j, "verdict"), "incomplete");
        assert_null(get(j, "dir"));
        assert_null(get(j, "differing_bytes"));
        assert_true(json_object_is_type(get(j, "message"), json_type_string));
        assert_int_equal(json_object_array_length(get(j, "mismatches")), 0);
        assert_int_equal(json_object_array_length(get(j, "checks")), 0);
        assert_int_equal(json_object_array_length(get(j, "kernel_log")), 0);
        json_object_put(j);
}

static void test_error_and_empty_tree(void **state)
{
        struct json_object *j = jout_error("cannot open /x: No such file or directory");
        struct tree t = {0};

        assert_str(get(j, "error"), "cannot open /x: No such file or directory");
        json_object_put(j);

        j = jout_tree(&t);
        assert_int_equal(json_object_array_length(get(j, "devices")), 0);
        assert_false(json_object_object_get_ex(j, "error", NULL));
        json_object_put(j);

        t.err = EACCES;
        snprintf(t.msg, sizeof(t.msg), "permission denied: run as root");
        j = jout_tree(&t);
        assert_str(get(j, "error"), "permission denied: run as root");
        json_object_put(j);
}

/* Strings from outside are valid UTF-8 (U+FFFD per bad byte); pretty "[]" stays one line. */
static void test_utf8_and_pretty_empty(void **state)
{
        struct json_object *j = jout_error("cannot open /x\xff\xe2\x82: No such file");
        struct json_object *o;
        struct tree t = {0};
        char *txt;

        assert_str(get(j, "error"),
                   "cannot open /x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd: No such file");
        json_object_put(j);
        o = jout_strn("a\x1b\0b", 4); /* control bytes and NUL kept: json-c escapes them */
        assert_int_equal(json_object_get_string_len(o), 4);
        txt = jout_string(o, 0);
        assert_string_equal(txt, "\"a\\u001b\\u0000b\"");
        free(txt);
        json_object_put(o);
        assert_null(jout_str(NULL));

        j = jout_tree(&t);
        json_object_object_add(j, "s", json_object_new_string("[\n  ] {\n}"));
        json_object_object_add(j, "o", json_object_new_object());
        txt = jout_string(j, 1);
        assert_non_null(strstr(txt, "\"devices\": [],"));
        assert_non_null(strstr(txt, "\"o\": {}"));
        assert_non_null(strstr(txt, "\"s\": \"[\\n  ] {\\n}\"")); /* strings untouched */
        free(txt);
        json_object_put(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ok_device),
            cmocka_unit_test(test_not_migrated_and_not_opened),
            cmocka_unit_test(test_garbled_files),
            cmocka_unit_test(test_compare),
            cmocka_unit_test(test_compare_nothing),
            cmocka_unit_test(test_error_and_empty_tree),
            cmocka_unit_test(test_utf8_and_pretty_empty),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
