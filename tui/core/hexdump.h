/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hexdump: parse what the kernel's seq_hex_dump() prints with DUMP_PREFIX_OFFSET,
 * rowsize 16, groupsize 1 and no ASCII column (fs/seq_file.c, lib/hexdump.c):
 *
 *   <prefix><offset as %.8x>: xx xx ... xx\n      (1..16 bytes, the last row may be short)
 *
 * The dump rows come first; the lines after them (the "key: value" lines) are handed back
 * untouched.  A cut-off end is tolerated (the bytes before it are kept and the cut is
 * reported); anything else that is not exactly the kernel's format is an error that names
 * the line, the column and what was wrong.  Bytes are never returned past a fault.
 */
#ifndef MIGTOP_CORE_HEXDUMP_H
#define MIGTOP_CORE_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

#define HEXDUMP_ROW 16u

enum hexdump_code {
        HEXDUMP_OK = 0,
        /* tolerated: the text ends early */
        HEXDUMP_TRUNCATED,  /* the input stops inside a row (a partial row or byte) */
        HEXDUMP_NO_NEWLINE, /* the last row is complete but not terminated by '\n' */
        /* errors */
        HEXDUMP_EMPTY,      /* no dump row at all */
        HEXDUMP_PREFIX,     /* a row does not start with the expected prefix */
        HEXDUMP_OFFSET,     /* the offset is not 8 lowercase hex digits */
        HEXDUMP_OFFSET_GAP, /* the offset is not the previous offset + 16 */
        HEXDUMP_SEPARATOR,  /* no ": " after the offset */
        HEXDUMP_HEX_DIGIT,  /* a character that is not a hex digit */
        HEXDUMP_UPPERCASE,  /* an uppercase hex digit (the kernel prints lowercase) */
        HEXDUMP_SPACING,    /* double, missing or trailing space between bytes */
        HEXDUMP_TOO_MANY,   /* more than 16 bytes in a row */
        HEXDUMP_SHORT_ROW,  /* a row with fewer than 16 bytes that is not the last one */
        HEXDUMP_NUL,        /* a NUL byte in the text */
};

struct hexdump_issue {
        enum hexdump_code code;
        unsigned line; /* 1-based */
        unsigned col;  /* 1-based byte column */
        char msg[160]; /* "line 3, column 27: uppercase hex digit 'A'" */
};

struct hexdump_result {
        uint8_t *bytes; /* malloc'd (NULL when len == 0): the bytes of the good rows */
        size_t len;
        unsigned rows;    /* complete rows parsed */
        const char *tail; /* into the input: the text after the dump rows */
        size_t tail_len;
        unsigned tail_line; /* line number of the first tail line */
        /* the first problem found (code HEXDUMP_OK when none) */
        struct hexdump_issue issue;
};

/* Whether the issue is an error (not just a tolerated cut-off end). */
int hexdump_is_error(enum hexdump_code c);
const char *hexdump_code_name(enum hexdump_code c);

/*
 * Parse text (len bytes, need not be NUL-terminated).  Returns 0 when the dump is exactly
 * right or only cut off (see out->issue), -EBADMSG on a format error (out->issue says
 * which; out->bytes hold the bytes before the faulty row), -ENOMEM.
 * Free with hexdump_result_free().
 */
int hexdump_parse(const char *text, size_t len, const char *prefix, struct hexdump_result *out);
void hexdump_result_free(struct hexdump_result *r);

#endif
