/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_hexdump: hexdump_parse() on arbitrary text.  Oracle: whatever is accepted as a
 * complete dump must print back, in the kernel's seq_hex_dump format, to exactly the text
 * it was parsed from; a cut dump's bytes must print back to a prefix of the text.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hexdump.h"
#include "fuzz.h"

/* The kernel's format of the bytes (each row ends in '\n'); returns its length. */
static size_t format(char *buf, const char *prefix, const uint8_t *b, size_t n)
{
        size_t pos = 0;

        for (size_t i = 0; i < n; i += 16) {
                pos += (size_t)sprintf(buf + pos, "%s%.8x: ", prefix, (unsigned)i);
                for (size_t j = i; j < n && j < i + 16; j++)
                        pos += (size_t)sprintf(buf + pos, "%s%02x", j > i ? " " : "", b[j]);
                buf[pos++] = '\n';
        }
        return pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const prefixes[] = {"Dev Data:", "Mig Data:", ""};
        const char *prefix, *text;
        struct hexdump_result r;
        char *again;
        size_t len, n;
        int ret;

        if (size < 1)
                return 0;
        prefix = prefixes[data[0] % 3];
        text = (const char *)data + 1;
        len = size - 1;
        ret = hexdump_parse(text, len, prefix, &r);
        CHECK(ret == 0 || ret == -EBADMSG || ret == -ENOMEM);
        if (ret == -ENOMEM)
                return 0;
        CHECK((ret == -EBADMSG) == (hexdump_is_error(r.issue.code) != 0));
        CHECK(strlen(r.issue.msg) < sizeof(r.issue.msg));
        CHECK(strcmp(hexdump_code_name(r.issue.code), "unknown") != 0);
        CHECK(r.len <= len / 3 + 1);
        CHECK((r.len == 0) == (r.bytes == NULL));
        CHECK(r.rows * 16u >= r.len || r.issue.code == HEXDUMP_TRUNCATED);
        if (r.issue.code != HEXDUMP_OK)
                CHECK(r.issue.line >= 1 && r.issue.col >= 1);
        if (r.tail) {
                CHECK(r.tail >= text && r.tail + r.tail_len == text + len);
        }
        again = malloc(r.len * 3 + (r.len / 16 + 1) * (strlen(prefix) + 12) + 16);
        CHECK(again != NULL);
        n = format(again, prefix, r.bytes, r.len);
        if (r.issue.code == HEXDUMP_OK) {
                /* the rows are exactly the kernel's output for these bytes */
                CHECK(r.tail_len + n == len);
                CHECK(memcmp(again, text, n) == 0);
        } else if (r.issue.code == HEXDUMP_NO_NEWLINE) {
                CHECK(n == len + 1 && memcmp(again, text, len) == 0);
        } else if (r.issue.code == HEXDUMP_TRUNCATED && n > 0) {
                /* complete bytes only: their text (without the row's newline) is a prefix */
                CHECK(n - 1 <= len && memcmp(again, text, n - 1) == 0);
        }
        free(again);
        hexdump_result_free(&r);
        return 0;
}
