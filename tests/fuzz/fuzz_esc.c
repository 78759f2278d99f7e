/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_esc: esc_text() and esc_utf8_fix() on arbitrary bytes, with an oracle:
 *  - esc_text() output has no control byte, is valid UTF-8 (only ASCII without ESC_UTF8),
 *    is at most ESC_GROWTH times the input, and unescaping every "\xNN" gives the input
 *    back (round trip; so no "\x" is ambiguous);
 *  - with ESC_KEEP_BS (the console) the output is as safe and escaping it again gives it
 *    back unchanged (idempotent);
 *  - a cut output (small buffer) is a prefix of the whole one that ends on a piece;
 *  - esc_utf8_fix() output is valid UTF-8, equals the input when that was valid, and has
 *    one U+FFFD per byte esc_text() had to escape as invalid.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "fuzz.h"

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static void check_text(const char *in, size_t n, unsigned flags, size_t cut)
{
        size_t len = 0, o = 0;
        char *e = esc_text_dup(in, n, flags, &len);
        char *back, *part;

        if (!e)
                return;
        CHECK(strlen(e) == len);
        CHECK(len <= ESC_GROWTH * n);
        CHECK(esc_utf8_valid(e, len));
        back = malloc(n + 1);
        CHECK(back != NULL);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)e[i];

                CHECK(c >= 0x20 && c != 0x7f);
                CHECK(c < 0x80 || (flags & ESC_UTF8));
                if (c == '\\') {
                        int hi, lo;

                        CHECK(i + 3 < len && e[i + 1] == 'x');
                        hi = hexval(e[i + 2]);
                        lo = hexval(e[i + 3]);
                        CHECK(hi >= 0 && lo >= 0);
                        CHECK(o < n);
                        back[o++] = (char)(hi << 4 | lo);
                        i += 3;
                } else {
                        CHECK(o < n);
                        back[o++] = (char)c;
                }
        }
        CHECK(o == n && memcmp(back, in, n) == 0);
        free(back);

        /* a cut output is a prefix of the whole, not ending inside an escape */
        part = malloc(cut + 1);
        CHECK(part != NULL);
        CHECK(esc_text(part, cut + 1, in, n, flags) == len);
        CHECK(strlen(part) <= cut && strncmp(part, e, strlen(part)) == 0);
        CHECK(esc_utf8_valid(part, strlen(part)));
        if (strlen(part) < len) {
                /* it stopped because the next piece (an escape, a character) did not fit */
                size_t p = strlen(part);
                size_t w = e[p] == '\\' ? 4 : esc_utf8_seq(e + p, len - p, NULL);

                CHECK(w > 0 && p + w > cut);
        }
        free(part);
        free(e);
}

/* The console's flags (ESC_KEEP_BS): safe output, and escaping it again changes nothing. */
static void check_idempotent(const char *in, size_t n, unsigned flags)
{
        size_t len = 0, len2 = 0;
        char *e = esc_text_dup(in, n, flags, &len), *e2;

        if (!e)
                return;
        CHECK(len <= ESC_GROWTH * n && esc_utf8_valid(e, len));
        for (size_t i = 0; i < len; i++)
                CHECK((unsigned char)e[i] >= 0x20 && e[i] != 0x7f);
        e2 = esc_text_dup(e, len, flags, &len2);
        CHECK(e2 != NULL && len2 == len && memcmp(e, e2, len) == 0);
        free(e2);
        free(e);
}

/* U+FFFD characters in s[0..n); *bad (when bad): bytes not part of well-formed UTF-8. */
static size_t count_fffd(const char *s, size_t n, size_t *bad)
{
        size_t c = 0, b = 0;

        for (size_t i = 0; i < n;) {
                uint32_t cp = 0;
                size_t k = esc_utf8_seq(s + i, n - i, &cp);

                b += !k;
                c += k && cp == 0xfffd;
                i += k ? k : 1;
        }
        if (bad)
                *bad = b;
        return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *in = (const char *)data;
        size_t cut = size ? data[0] : 0, len = 0, bad = 0;
        char *f;

        check_text(in, size, 0, cut);
        check_text(in, size, ESC_UTF8, cut);
        check_text(in, size, ESC_UTF8 | ESC_WIDTH1, cut);
        check_idempotent(in, size, ESC_KEEP_BS);
        check_idempotent(in, size, ESC_KEEP_BS | ESC_UTF8 | ESC_WIDTH1);

        f = esc_utf8_fix(in, size, &len);
        if (!f)
                return 0;
        CHECK(esc_utf8_valid(f, len));
        if (esc_utf8_valid(in, size))
                CHECK(len == size && memcmp(f, in, size) == 0);
        /* every invalid byte became one U+FFFD (the input may hold some U+FFFD itself) */
        CHECK(len <= 3 * size);
        CHECK(count_fffd(f, len, NULL) == count_fffd(in, size, &bad) + bad);
        free(f);
        return 0;
}
