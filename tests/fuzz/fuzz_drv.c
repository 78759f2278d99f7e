/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_drv: drv_file_from_read() on each hisi_acc file (and drv_state_from_read /
 * drv_features_from_read) with arbitrary text.  Invariants: a status always, an error
 * never carries bytes or fields, messages are one printable line, a complete ok dump
 * prints back to the text, and a copy is equal to its original.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/drv.h"
#include "fuzz.h"

static void check_common(const struct drv_file *f)
{
        CHECK(f->status < DRV_ST_COUNT);
        CHECK(strlen(drv_file_msg(f)) < DRV_MSG_MAX);
        CHECK(!f->message || f->message[0]); /* no message is NULL, never "" */
        for (const char *p = drv_file_msg(f); *p; p++)
                CHECK(*p != '\n');
        if (f->status == DRV_ST_ERROR) {
                CHECK(f->bytes == NULL && f->len == 0 && !f->has_fields);
        }
}

static void check_copy(const struct drv_file *f)
{
        struct drv_file c;

        if (drv_file_copy(&c, f) < 0)
                return;
        CHECK(!drv_file_changed(f, &c));
        CHECK(c.len == f->len && (!c.len || memcmp(c.bytes, f->bytes, c.len) == 0));
        CHECK(c.kv.n == f->kv.n);
        drv_file_free(&c);
}

/* A complete, ok dump: the kernel's format of the bytes is how the text starts. */
static void check_roundtrip(const struct drv_file *f, const char *prefix)
{
        char *buf;
        size_t pos = 0;

        if (f->status != DRV_ST_OK || f->cut || !f->len)
                return;
        buf = malloc(f->len * 3 + (f->len / 16 + 1) * (strlen(prefix) + 12) + 1);
        CHECK(buf != NULL);
        for (size_t i = 0; i < f->len; i += 16) {
                pos += (size_t)sprintf(buf + pos, "%s%.8x: ", prefix, (unsigned)i);
                for (size_t j = i; j < f->len && j < i + 16; j++)
                        pos += (size_t)sprintf(buf + pos, "%s%02x", j > i ? " " : "", f->bytes[j]);
                buf[pos++] = '\n';
        }
        CHECK(pos <= f->text_len && memcmp(buf, f->text, pos) == 0);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct drv_ops *ops = &drv_hisi_acc_ops;
        struct src_read r = {0};
        struct drv_file f;
        unsigned which, feat;
        enum fsm_state st;
        char *text;

        if (size < 1)
                return 0;
        which = data[0] % (ops->nfiles + 3);
        text = malloc(size);
        CHECK(text != NULL);
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        r.data = text;
        r.len = size - 1;
        r.truncated = (data[0] & 0x80) != 0;
        if (which == ops->nfiles + 2) {
                r.data = NULL;
                r.len = 0;
                r.err = size > 1 ? data[1] % 140 : EIO;
                which = size > 2 ? data[2] % ops->nfiles : 0;
        }
        if (which < ops->nfiles) {
                if (drv_file_from_read(ops, which, &r, &f) == 0) {
                        check_common(&f);
                        /* a failed read has no text; a text may say "not ready" itself */
                        if (r.err)
                                CHECK(f.text == NULL && f.status != DRV_ST_OK);
                        if (ops->files[which].kind == DRV_FILE_DUMP)
                                check_roundtrip(&f, ops->files[which].dump_prefix);
                        check_copy(&f);
                        drv_file_free(&f);
                }
        } else if (which == ops->nfiles) {
                if (drv_state_from_read(&r, &f, &st) == 0) {
                        check_common(&f);
                        CHECK(st <= FSM_INVALID);
                        if (f.status != DRV_ST_OK)
                                CHECK(st == FSM_INVALID);
                        drv_file_free(&f);
                }
        } else {
                if (drv_features_from_read(&r, &f, &feat) == 0) {
                        check_common(&f);
                        drv_file_free(&f);
                }
        }
        free(text);
        return 0;
}
