/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kv: "key: value" lines.  The key is the text before the first ": "; a line "key:" (a
 * heading such as the "acc device:" of early hisi_acc patches) is a key with an empty
 * value.  Anything else (an empty line, no colon, an empty key, a NUL byte) is a bad line.
 */
#include "kv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kv_bad(struct kv_list *l, unsigned line, const char *why)
{
        if (l->bad_line)
                return;
        l->bad_line = line;
        l->why = why; /* a literal: kv_list lives in every parsed file, keep it small */
}

static int kv_add(struct kv_list *l, size_t *cap, const char *k, size_t klen, const char *v,
                  size_t vlen, unsigned line)
{
        struct kv *it;

        if (l->n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 4;
                struct kv *ni = realloc(l->items, ncap * sizeof(*ni));

                if (!ni)
                        return -ENOMEM;
                l->items = ni;
                *cap = ncap;
        }
        it = &l->items[l->n];
        it->key = strndup(k, klen);
        it->value = strndup(v, vlen);
        if (!it->key || !it->value) {
                free(it->key);
                free(it->value);
                return -ENOMEM;
        }
        it->line = line;
        l->n++;
        return 0;
}

/* One line (without its newline).  Returns 0 or -ENOMEM. */
static int kv_line(struct kv_list *l, size_t *cap, const char *s, size_t n, unsigned line)
{
        const char *colon = NULL;

        if (n == 0) {
                kv_bad(l, line, "empty line");
                return 0;
        }
        if (memchr(s, '\0', n)) {
                kv_bad(l, line, "NUL byte in the line");
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                if (s[i] == ':' && (i + 1 == n || s[i + 1] == ' ')) {
                        colon = s + i;
                        break;
                }
        }
        if (!colon) {
                kv_bad(l, line, "not a \"key: value\" line");
                return 0;
        }
        if (colon == s) {
                kv_bad(l, line, "empty key before \": \"");
                return 0;
        }
        if ((size_t)(colon - s) + 1 == n)
                return kv_add(l, cap, s, (size_t)(colon - s), "", 0, line);
        return kv_add(l, cap, s, (size_t)(colon - s), colon + 2, n - (size_t)(colon - s) - 2, line);
}

int kv_parse(const char *text, size_t len, unsigned first_line, struct kv_list *out)
{
        size_t pos = 0, cap = 0;
        unsigned line = first_line ? first_line : 1;

        memset(out, 0, sizeof(*out));
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t end = nl ? (size_t)(nl - text) : len;
                int ret = kv_line(out, &cap, text + pos, end - pos, line);

                if (ret < 0) {
                        kv_list_free(out);
                        return ret;
                }
                pos = end + 1;
                line++;
        }
        return 0;
}

void kv_list_free(struct kv_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].key);
                free(l->items[i].value);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

const char *kv_get(const struct kv_list *l, const char *key)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->items[i].key, key) == 0)
                        return l->items[i].value;
        return NULL;
}

int kv_get_u64(const struct kv_list *l, const char *key, uint64_t *out)
{
        const char *v = kv_get(l, key);
        unsigned base = 10;
        uint64_t x = 0;

        if (!v)
                return -ENOENT;
        if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
                base = 16;
                v += 2;
        }
        if (!*v)
                return -EINVAL;
        for (; *v; v++) {
                unsigned d;

                if (*v >= '0' && *v <= '9')
                        d = (unsigned)(*v - '0');
                else if (base == 16 && *v >= 'a' && *v <= 'f')
                        d = (unsigned)(*v - 'a' + 10);
                else if (base == 16 && *v >= 'A' && *v <= 'F')
                        d = (unsigned)(*v - 'A' + 10);
                else
                        return -EINVAL;
                if (x > (UINT64_MAX - d) / base)
                        return -EINVAL;
                x = x * base + d;
        }
        *out = x;
        return 0;
}
