/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_kmsg: kmsg_file_next() and kmsg_parse() on arbitrary bytes.  Invariants: the
 * splitter always moves forward and ends; a parsed record is in range (level 0..7, text
 * NUL-terminated at text_len, a device name only from a "+subsystem:name" key, and then
 * the key's tail); and a print-back oracle: a record formatted again the way the kernel
 * writes it (info_print_ext_header, msg_add_ext_text, msg_add_dict_text) parses to the
 * same fields.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/kmsg.h"
#include "fuzz.h"

/* msg_add_ext_text() */
static size_t escape(char *out, size_t size, const char *s, size_t n, char endc)
{
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c < ' ' || c >= 127 || c == '\\')
                        o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
                else
                        out[o++] = (char)c;
        }
        out[o++] = endc;
        return o;
}

static void check_rec(const struct kmsg_rec *r)
{
        static char buf[8 * KMSG_TEXT_MAX];
        struct kmsg_rec b;
        size_t n;

        CHECK(r->level >= 0 && r->level <= 7);
        CHECK(r->facility >= 0 && r->facility < 256);
        CHECK(r->ts_us >= 0);
        CHECK(r->text_len < KMSG_TEXT_MAX && r->text[r->text_len] == '\0');
        CHECK(memchr(r->subsystem, '\0', sizeof(r->subsystem)));
        if (r->device[0]) {
                size_t dl = strlen(r->device), kl = strlen(r->dev_key);

                CHECK(r->dev_key[0] == '+' && kl > dl);
                CHECK(strcmp(r->dev_key + kl - dl, r->device) == 0);
                CHECK(r->dev_key[kl - dl - 1] == ':');
        } else {
                CHECK(r->dev_key[0] != '+' || !strchr(r->dev_key + 1, ':') ||
                      r->dev_key[1] == ':' || r->dev_key[strlen(r->dev_key) - 1] == ':' ||
                      strlen(strchr(r->dev_key + 1, ':') + 1) >= sizeof(r->device));
        }
        if (r->text_cut)
                return;
        n = (size_t)snprintf(buf, sizeof(buf), "%d,%llu,%lld,%c;", r->facility * 8 + r->level,
                             (unsigned long long)r->seq, (long long)r->ts_us, r->cont ? 'c' : '-');
        n += escape(buf + n, sizeof(buf) - n, r->text, r->text_len, '\n');
        if (r->subsystem[0]) {
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, " SUBSYSTEM=");
                n += escape(buf + n, sizeof(buf) - n, r->subsystem, strlen(r->subsystem), '\n');
        }
        if (r->dev_key[0]) {
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, " DEVICE=");
                n += escape(buf + n, sizeof(buf) - n, r->dev_key, strlen(r->dev_key), '\n');
        }
        CHECK(kmsg_parse(buf, n, &b, NULL, 0) == 0);
        CHECK(b.seq == r->seq && b.ts_us == r->ts_us && b.level == r->level);
        CHECK(b.facility == r->facility && b.cont == r->cont);
        CHECK(b.text_len == r->text_len && memcmp(b.text, r->text, r->text_len) == 0);
        CHECK(strcmp(b.subsystem, r->subsystem) == 0 && strcmp(b.dev_key, r->dev_key) == 0);
        CHECK(strcmp(b.device, r->device) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *s = (const char *)data;
        struct kmsg_rec r;
        size_t pos = 0;
        unsigned line = 1, nl = 0;
        char err[256];
        int ret;

        for (size_t i = 0; i < size; i++)
                nl += data[i] == '\n';
        /* the whole input as one read() */
        err[0] = '\0';
        ret = kmsg_parse(s, size, &r, err, sizeof(err));
        CHECK(ret == 0 || (ret == -EINVAL && err[0]));
        if (ret == 0)
                check_rec(&r);
        /* as a --kmsg file */
        for (;;) {
                size_t p0 = pos;
                unsigned l0 = line;

                err[0] = '\0';
                ret = kmsg_file_next(s, size, &pos, &line, &r, err, sizeof(err));
                if (ret == 0) {
                        CHECK(pos == size);
                        break;
                }
                CHECK(pos > p0 && pos <= size && line > l0 && line <= nl + 2);
                if (ret < 0) {
                        CHECK(ret == -EINVAL && strncmp(err, "line ", 5) == 0);
                        continue;
                }
                CHECK(ret == 1);
                check_rec(&r);
        }
        return 0;
}
