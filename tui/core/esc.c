// SPDX-License-Identifier: GPL-2.0-only
/*
 * esc: escaping for a terminal and UTF-8 repair for JSON (see esc.h for the scheme).
 */
#include "esc.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

size_t esc_utf8_seq(const char *s, size_t n, uint32_t *cp)
{
        const unsigned char *u = (const unsigned char *)s;
        uint32_t c, min;
        size_t len;

        if (!n)
                return 0;
        c = u[0];
        if (c < 0x80) {
                len = 1;
                min = 0;
        } else if (c >= 0xc2 && c <= 0xdf) {
                len = 2;
                c &= 0x1f;
                min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
                len = 3;
                c &= 0x0f;
                min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4;
                c &= 0x07;
                min = 0x10000;
        } else {
                return 0; /* a continuation byte, 0xc0/0xc1 (overlong), 0xf5-0xff */
        }
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (u[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        if (cp)
                *cp = c;
        return len;
}

bool esc_utf8_valid(const char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                size_t k = esc_utf8_seq(s + i, n - i, NULL);

                if (!k)
                        return false;
                i += k;
        }
        return true;
}

/* How many bytes of s[i..n) to keep as they are (0: escape the byte s[i]). */
static size_t esc_keep(const char *s, size_t n, unsigned flags)
{
        unsigned char c = (unsigned char)s[0];
        uint32_t cp;
        size_t k;

        if (c < 0x80)
                return (c < 0x20 || c == 0x7f || (c == '\\' && !(flags & ESC_KEEP_BS))) ? 0 : 1;
        if (!(flags & ESC_UTF8))
                return 0;
        k = esc_utf8_seq(s, n, &cp);
        if (!k || cp < 0xa0) /* ill-formed, or a C1 control U+0080-U+009F */
                return 0;
        if ((flags & ESC_WIDTH1) && wcwidth((wchar_t)cp) != 1)
                return 0;
        return k;
}

size_t esc_text(char *out, size_t cap, const char *s, size_t n, unsigned flags)
{
        static const char hex[] = "0123456789abcdef";
        size_t need = 0, o = 0;
        bool full = cap == 0;

        for (size_t i = 0; i < n;) {
                size_t k = esc_keep(s + i, n - i, flags);
                size_t w = k ? k : 4;

                if (!full && o + w < cap) {
                        if (k) {
                                memcpy(out + o, s + i, k);
                        } else {
                                unsigned char c = (unsigned char)s[i];

                                out[o] = '\\';
                                out[o + 1] = 'x';
                                out[o + 2] = hex[c >> 4];
                                out[o + 3] = hex[c & 15];
                        }
                        o += w;
                } else {
                        full = true; /* nothing after a piece that did not fit */
                }
                need += w;
                i += k ? k : 1;
        }
        if (cap)
                out[o] = '\0';
        return need;
}

const char *esc_str(char *out, size_t cap, const char *s, unsigned flags)
{
        if (!s)
                s = "";
        esc_text(out, cap, s, strlen(s), flags);
        return cap ? out : "";
}

char *esc_text_dup(const char *s, size_t n, unsigned flags, size_t *len)
{
        size_t need = esc_text(NULL, 0, s, n, flags);
        char *p = malloc(need + 1);

        if (!p)
                return NULL;
        esc_text(p, need + 1, s, n, flags);
        if (len)
                *len = need;
        return p;
}

char *esc_utf8_fix(const char *s, size_t n, size_t *len)
{
        static const char fffd[] = "\xef\xbf\xbd";
        size_t o = 0;
        char *p;

        if (n > (SIZE_MAX - 1) / 3)
                return NULL;
        p = malloc(n * 3 + 1); /* one byte -> at most three */
        if (!p)
                return NULL;
        for (size_t i = 0; i < n;) {
                size_t k = esc_utf8_seq(s + i, n - i, NULL);

                if (k) {
                        memcpy(p + o, s + i, k);
                        o += k;
                        i += k;
                } else {
                        memcpy(p + o, fffd, 3);
                        o += 3;
                        i++;
                }
        }
        p[o] = '\0';
        if (len)
                *len = o;
        return p;
}

bool esc_locale_utf8(void)
{
        const char *cs = nl_langinfo(CODESET);

        return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}
