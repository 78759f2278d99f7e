/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hexdump: parse seq_hex_dump(m, prefix, DUMP_PREFIX_OFFSET, 16, 1, buf, len, false).
 *
 * The kernel prints, for each row of at most 16 bytes (fs/seq_file.c, lib/hexdump.c
 * hex_dump_to_buffer with groupsize 1): "%s%.8x: " (prefix, offset), the bytes as two
 * lowercase hex digits joined by single spaces (no trailing space, no ASCII column), '\n'.
 *
 * The parser walks the text once, character by character, so that the first fault is
 * reported at its exact line and column.  A text that simply stops (the read was cut) is
 * not an error: the complete bytes before the cut are kept.
 */
#include "hexdump.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEXDUMP_OFFSET_DIGITS 8u

struct hd_parser {
        const char *text;
        size_t len;
        const char *prefix;
        size_t plen;
        struct hexdump_result *out;
        size_t cap;          /* allocated size of out->bytes */
        unsigned line;       /* current line, 1-based */
        size_t ls;           /* index of the current line's first character */
        uint64_t expect;     /* offset the next row must have */
        bool short_row;      /* the last complete row had fewer than 16 bytes */
        unsigned short_line; /* ... its line */
        unsigned short_col;  /* ... the column where its newline was */
        size_t short_start;  /* ... out->len before it */
};

int hexdump_is_error(enum hexdump_code c)
{
        return c != HEXDUMP_OK && c != HEXDUMP_TRUNCATED && c != HEXDUMP_NO_NEWLINE;
}

const char *hexdump_code_name(enum hexdump_code c)
{
        switch (c) {
        case HEXDUMP_OK:
                return "ok";
        case HEXDUMP_TRUNCATED:
                return "truncated";
        case HEXDUMP_NO_NEWLINE:
                return "no_newline";
        case HEXDUMP_EMPTY:
                return "empty";
        case HEXDUMP_PREFIX:
                return "prefix";
        case HEXDUMP_OFFSET:
                return "offset";
        case HEXDUMP_OFFSET_GAP:
                return "offset_gap";
        case HEXDUMP_SEPARATOR:
                return "separator";
        case HEXDUMP_HEX_DIGIT:
                return "hex_digit";
        case HEXDUMP_UPPERCASE:
                return "uppercase";
        case HEXDUMP_SPACING:
                return "spacing";
        case HEXDUMP_TOO_MANY:
                return "too_many";
        case HEXDUMP_SHORT_ROW:
                return "short_row";
        case HEXDUMP_NUL:
                return "nul";
        }
        return "unknown";
}

static bool hd_is_lower_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool hd_is_upper_hex(char c)
{
        return c >= 'A' && c <= 'F';
}

static unsigned hd_val(char c)
{
        return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* How a character looks in a message. */
static void hd_show(char *buf, size_t size, const char *text, size_t len, size_t pos)
{
        unsigned char c;

        if (pos >= len) {
                snprintf(buf, size, "end of text");
                return;
        }
        c = (unsigned char)text[pos];
        if (c == '\n')
                snprintf(buf, size, "newline");
        else if (c == ' ')
                snprintf(buf, size, "space");
        else if (c >= 0x21 && c < 0x7f)
                snprintf(buf, size, "'%c'", c);
        else
                snprintf(buf, size, "byte 0x%02x", c);
}

/* Record the first issue; a NUL character at pos always reports as HEXDUMP_NUL. */
__attribute__((format(printf, 5, 6))) static void hd_issue(struct hd_parser *p,
                                                           enum hexdump_code code, unsigned line,
                                                           size_t pos, const char *fmt, ...)
{
        struct hexdump_issue *is = &p->out->issue;
        size_t col = pos - p->ls + 1;
        char what[120];
        va_list ap;

        if (pos < p->len && p->text[pos] == '\0' && hexdump_is_error(code)) {
                code = HEXDUMP_NUL;
                snprintf(what, sizeof(what), "NUL byte in the text");
        } else {
                va_start(ap, fmt);
                vsnprintf(what, sizeof(what), fmt, ap);
                va_end(ap);
        }
        is->code = code;
        is->line = line;
        is->col = (unsigned)col;
        snprintf(is->msg, sizeof(is->msg), "line %u, column %u: %s", line, is->col, what);
}

static int hd_push(struct hd_parser *p, uint8_t b)
{
        struct hexdump_result *o = p->out;

        if (o->len == p->cap) {
                size_t ncap = p->cap ? p->cap * 2 : 160;
                uint8_t *nb = realloc(o->bytes, ncap);

                if (!nb)
                        return -ENOMEM;
                o->bytes = nb;
                p->cap = ncap;
        }
        o->bytes[o->len++] = b;
        return 0;
}

/* Whether the line at ls looks like a dump row whose prefix is damaged. */
static bool hd_row_like(const struct hd_parser *p, size_t ls, size_t le)
{
        size_t o = ls + p->plen;

        if (o + HEXDUMP_OFFSET_DIGITS + 2 > le)
                return false;
        for (unsigned i = 0; i < HEXDUMP_OFFSET_DIGITS; i++)
                if (!hd_is_lower_hex(p->text[o + i]) && !hd_is_upper_hex(p->text[o + i]))
                        return false;
        return p->text[o + HEXDUMP_OFFSET_DIGITS] == ':' &&
               p->text[o + HEXDUMP_OFFSET_DIGITS + 1] == ' ';
}

/*
 * Outcome of one row: 1 = complete row ending in '\n', 0 = stopped (issue set),
 * negative errno.
 */
static int hd_row(struct hd_parser *p)
{
        const char *t = p->text;
        size_t pos = p->ls, row_start = p->out->len;
        char what[40];
        uint64_t off = 0;
        unsigned n = 0;
        int ret;

        /* prefix */
        for (size_t i = 0; i < p->plen; i++, pos++) {
                if (pos == p->len) {
                        hd_issue(p, HEXDUMP_TRUNCATED, p->line, pos, "text ends inside a row");
                        return 0;
                }
                if (t[pos] != p->prefix[i]) {
                        hd_show(what, sizeof(what), t, p->len, pos);
                        hd_issue(p, HEXDUMP_PREFIX, p->line, pos,
                                 "row does not start with \"%s\" (%s)", p->prefix, what);
                        return 0;
                }
        }
        /* offset */
        for (unsigned i = 0; i < HEXDUMP_OFFSET_DIGITS; i++, pos++) {
                if (pos == p->len) {
                        hd_issue(p, HEXDUMP_TRUNCATED, p->line, pos, "text ends inside a row");
                        return 0;
                }
                if (!hd_is_lower_hex(t[pos])) {
                        hd_show(what, sizeof(what), t, p->len, pos);
                        hd_issue(p, HEXDUMP_OFFSET, p->line, pos,
                                 "offset is not 8 lowercase hex digits (%s)", what);
                        return 0;
                }
                off = off << 4 | hd_val(t[pos]);
        }
        if (off != p->expect) {
                hd_issue(p, HEXDUMP_OFFSET_GAP, p->line, pos - HEXDUMP_OFFSET_DIGITS,
                         "offset %08llx, expected %08llx", (unsigned long long)off,
                         (unsigned long long)p->expect);
                return 0;
        }
        /* ": " */
        for (unsigned i = 0; i < 2; i++, pos++) {
                if (pos == p->len) {
                        hd_issue(p, HEXDUMP_TRUNCATED, p->line, pos, "text ends inside a row");
                        return 0;
                }
                if (t[pos] != ": "[i]) {
                        hd_show(what, sizeof(what), t, p->len, pos);
                        hd_issue(p, HEXDUMP_SEPARATOR, p->line, pos,
                                 "expected \": \" after the offset (%s)", what);
                        return 0;
                }
        }
        /* bytes */
        for (;;) {
                unsigned b = 0;

                for (unsigned d = 0; d < 2; d++, pos++) {
                        char c = pos < p->len ? t[pos] : 0;

                        if (pos == p->len) {
                                hd_issue(p, HEXDUMP_TRUNCATED, p->line, pos,
                                         "text ends inside a row");
                                return 0;
                        }
                        if (hd_is_lower_hex(c)) {
                                b = b << 4 | hd_val(c);
                                continue;
                        }
                        hd_show(what, sizeof(what), t, p->len, pos);
                        if (hd_is_upper_hex(c))
                                hd_issue(p, HEXDUMP_UPPERCASE, p->line, pos,
                                         "uppercase hex digit %s (the kernel prints lowercase)",
                                         what);
                        else if (d == 0 && c == ' ')
                                hd_issue(p, HEXDUMP_SPACING, p->line, n ? pos - 1 : pos,
                                         "double space before a byte");
                        else if (d == 0 && n > 0 && c == '\n')
                                hd_issue(p, HEXDUMP_SPACING, p->line, pos - 1,
                                         "trailing space after the last byte");
                        else
                                hd_issue(p, HEXDUMP_HEX_DIGIT, p->line, pos,
                                         "expected a hex digit, found %s", what);
                        p->out->len = row_start;
                        return 0;
                }
                ret = hd_push(p, (uint8_t)b);
                if (ret < 0)
                        return ret;
                n++;
                if (pos == p->len) {
                        if (n == HEXDUMP_ROW) {
                                p->out->rows++;
                                hd_issue(p, HEXDUMP_NO_NEWLINE, p->line, pos,
                                         "last row has no newline");
                        } else {
                                hd_issue(p, HEXDUMP_TRUNCATED, p->line, pos,
                                         "text ends inside a row");
                        }
                        return 0;
                }
                if (t[pos] == '\n')
                        break;
                if (t[pos] == ' ') {
                        if (n == HEXDUMP_ROW) {
                                if (pos + 1 < p->len &&
                                    (hd_is_lower_hex(t[pos + 1]) || hd_is_upper_hex(t[pos + 1])))
                                        hd_issue(p, HEXDUMP_TOO_MANY, p->line, pos + 1,
                                                 "more than %u bytes in a row", HEXDUMP_ROW);
                                else
                                        hd_issue(p, HEXDUMP_SPACING, p->line, pos,
                                                 "trailing space after the last byte");
                                p->out->len = row_start;
                                return 0;
                        }
                        pos++;
                        continue;
                }
                hd_show(what, sizeof(what), t, p->len, pos);
                if (hd_is_lower_hex(t[pos]) || hd_is_upper_hex(t[pos]))
                        hd_issue(p, HEXDUMP_SPACING, p->line, pos,
                                 "missing space between bytes (%s)", what);
                else
                        hd_issue(p, HEXDUMP_HEX_DIGIT, p->line, pos,
                                 "expected a space or a newline after a byte, found %s", what);
                p->out->len = row_start;
                return 0;
        }
        if (n < HEXDUMP_ROW) {
                p->short_row = true;
                p->short_line = p->line;
                p->short_col = (unsigned)(pos - p->ls + 1);
                p->short_start = row_start;
        }
        p->out->rows++;
        p->expect += HEXDUMP_ROW;
        return 1;
}

static void hd_set_tail(struct hd_parser *p, size_t pos)
{
        p->out->tail = p->text + pos;
        p->out->tail_len = p->len - pos;
        p->out->tail_line = p->line;
}

/* A short row was followed by another row: drop the short row's bytes and report it. */
static void hd_short_row(struct hd_parser *p)
{
        struct hexdump_issue *is = &p->out->issue;

        p->out->len = p->short_start;
        p->out->rows--;
        hd_set_tail(p, p->ls);
        is->code = HEXDUMP_SHORT_ROW;
        is->line = p->short_line;
        is->col = p->short_col;
        snprintf(is->msg, sizeof(is->msg),
                 "line %u, column %u: row has fewer than %u bytes but is not the last row",
                 is->line, is->col, HEXDUMP_ROW);
}

/* The rows, one line at a time: 0, -EBADMSG (issue set) or -ENOMEM. */
static int hd_parse(struct hd_parser *pp)
{
        struct hd_parser p = *pp;
        struct hexdump_result *out = p.out;
        const char *text = p.text;
        size_t len = p.len;
        int ret;

        if (len == 0) {
                hd_set_tail(&p, 0);
                hd_issue(&p, HEXDUMP_EMPTY, 1, 0, "no hex dump row (empty text)");
                return -EBADMSG;
        }
        for (;;) {
                const char *nl;
                size_t le;
                bool starts;

                if (p.ls == len) {
                        hd_set_tail(&p, len);
                        break;
                }
                nl = memchr(text + p.ls, '\n', len - p.ls);
                le = nl ? (size_t)(nl - text) : len;
                if (out->rows > 0) {
                        size_t avail = le - p.ls;

                        /* a line cut inside the prefix still counts as a row */
                        starts = avail >= p.plen
                                     ? memcmp(text + p.ls, p.prefix, p.plen) == 0
                                     : (!nl && memcmp(text + p.ls, p.prefix, avail) == 0);
                        if (p.plen == 0)
                                starts = hd_row_like(&p, p.ls, le);
                        if (!starts && !hd_row_like(&p, p.ls, le)) {
                                hd_set_tail(&p, p.ls);
                                break; /* the first line after the dump */
                        }
                        if (starts && p.short_row) {
                                hd_short_row(&p);
                                return -EBADMSG;
                        }
                }
                ret = hd_row(&p);
                if (ret < 0)
                        return ret;
                if (ret == 0) {
                        if (hexdump_is_error(out->issue.code)) {
                                hd_set_tail(&p, p.ls);
                                return -EBADMSG;
                        }
                        hd_set_tail(&p, len);
                        break;
                }
                p.ls = le + 1;
                p.line++;
        }
        return 0;
}

int hexdump_parse(const char *text, size_t len, const char *prefix, struct hexdump_result *out)
{
        struct hd_parser p = {
            .text = text,
            .len = len,
            .prefix = prefix ? prefix : "",
            .out = out,
            .line = 1,
        };
        int ret;

        memset(out, 0, sizeof(*out));
        p.plen = strlen(p.prefix);
        ret = hd_parse(&p);
        if (ret == -ENOMEM || out->len == 0)
                hexdump_result_free(out);
        return ret;
}

void hexdump_result_free(struct hexdump_result *r)
{
        free(r->bytes);
        r->bytes = NULL;
        r->len = 0;
}
