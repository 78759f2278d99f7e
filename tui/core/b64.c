/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * b64: base64 encoding and decoding (see b64.h).
 */
#include "core/b64.h"

#include <stdlib.h>
#include <string.h>

static const char b64_abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_len(size_t n)
{
        return (n + 2) / 3 * 4;
}

static void b64_encode_to(char *out, const void *src, size_t n)
{
        const unsigned char *s = src;
        char *o = out;

        for (size_t i = 0; i < n; i += 3) {
                unsigned v = (unsigned)s[i] << 16;

                if (i + 1 < n)
                        v |= (unsigned)s[i + 1] << 8;
                if (i + 2 < n)
                        v |= s[i + 2];
                *o++ = b64_abc[v >> 18 & 63];
                *o++ = b64_abc[v >> 12 & 63];
                *o++ = i + 1 < n ? b64_abc[v >> 6 & 63] : '=';
                *o++ = i + 2 < n ? b64_abc[v & 63] : '=';
        }
        *o = '\0';
}

char *b64_encode(const void *s, size_t n)
{
        char *out = malloc(b64_len(n) + 1);

        if (out)
                b64_encode_to(out, s, n);
        return out;
}

static int b64_val(char c)
{
        const char *p = c ? strchr(b64_abc, c) : NULL;

        return p ? (int)(p - b64_abc) : -1;
}

char *b64_decode(const char *s, size_t len, size_t *n)
{
        char *out;
        size_t o = 0;

        if (len % 4)
                return NULL;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i += 4) {
                int v[4], pad = 0;

                for (int k = 0; k < 4; k++) {
                        if (s[i + k] == '=' && i + 4 == len && k >= 2) {
                                v[k] = 0;
                                pad++;
                                continue;
                        }
                        if (pad || (v[k] = b64_val(s[i + k])) < 0)
                                goto bad;
                }
                unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
                             (unsigned)v[3];
                out[o++] = (char)(w >> 16);
                if (pad < 2)
                        out[o++] = (char)(w >> 8 & 0xff);
                if (pad < 1)
                        out[o++] = (char)(w & 0xff);
        }
        out[o] = '\0';
        *n = o;
        return out;
bad:
        free(out);
        return NULL;
}
