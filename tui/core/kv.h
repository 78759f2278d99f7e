/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kv: the "key: value" lines a driver prints after its hex dump
 * ("guest driver load: 1", "data size: 176", "migrate data length: 176").
 */
#ifndef MIGTOP_CORE_KV_H
#define MIGTOP_CORE_KV_H

#include <stddef.h>
#include <stdint.h>

struct kv {
        char *key;     /* text before the first ": " (never empty) */
        char *value;   /* text after it, without the newline (may be empty) */
        unsigned line; /* 1-based line number in the file */
};

struct kv_list {
        size_t n;
        struct kv *items;
        /* the first line that is not "key: value" (0 when all were), and what was wrong with
           it ("empty line": static text, NULL when none) */
        unsigned bad_line;
        const char *why;
};

/*
 * Parse len bytes of lines (need not be NUL-terminated); first_line numbers the first
 * line.  A line that is not "key: value" is recorded in bad_line/msg and skipped.  A
 * missing newline at the very end is accepted.  Returns 0 or -ENOMEM.
 */
int kv_parse(const char *text, size_t len, unsigned first_line, struct kv_list *out);
void kv_list_free(struct kv_list *l);

/* The value of key, or NULL. */
const char *kv_get(const struct kv_list *l, const char *key);
/* Decimal (or 0x hex) unsigned value of key: 0, -ENOENT (no such key), -EINVAL (not a number). */
int kv_get_u64(const struct kv_list *l, const char *key, uint64_t *out);

#endif
