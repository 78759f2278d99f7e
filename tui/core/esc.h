/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * esc: strings from outside (device and directory names, file contents, kernel log text,
 * messages that quote them) made safe to print for a human or to put in JSON.
 *
 * For a human (esc_text): one scheme everywhere, the one /dev/kmsg itself uses
 * (msg_add_ext_text() in kernel/printk/printk.c): a byte is written as the four
 * characters "\xNN" (two lower-case hex digits) when it is
 *   - a control character: 0x00-0x1f or 0x7f (ESC is \x1b, a newline \x0a),
 *   - a backslash (\x5c), so that every "\x" in the output is an escape and the original
 *     bytes can always be recovered (not with ESC_KEEP_BS: the console, where escaping
 *     must be idempotent because views measure escaped text that is drawn through the
 *     same escaping again; there "\x1b" may also be those four characters),
 *   - not part of a well-formed UTF-8 sequence (0xff, a truncated or overlong sequence,
 *     a surrogate), or part of a C1 control character (U+0080-U+009F, which some
 *     terminals obey),
 *   - any byte >= 0x80 when the caller's locale is not UTF-8 (no ESC_UTF8),
 *   - with ESC_WIDTH1 (the console), a character that does not take exactly one cell (wide
 *     CJK, combining marks), so that one character is one cell and columns never shift.
 * Everything else (printable ASCII, and well-formed UTF-8 when ESC_UTF8) is kept as is.
 *
 * For JSON (esc_utf8_fix): json-c escapes control characters itself (\u001b, \n) but copies
 * bytes that are not UTF-8 raw; each such byte becomes U+FFFD (the replacement character),
 * so JSON output is always valid UTF-8.  Well-formed input is unchanged.
 *
 * Pure: no I/O, no global state (esc_locale_utf8() and ESC_WIDTH1 read the process locale).
 */
#ifndef MIGTOP_CORE_ESC_H
#define MIGTOP_CORE_ESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* esc_text() flags */
#define ESC_UTF8    0x1u /* keep well-formed printable UTF-8 (a UTF-8 locale) */
#define ESC_WIDTH1  0x2u /* with ESC_UTF8: escape what is not one cell (wcwidth() != 1) */
#define ESC_KEEP_BS 0x4u /* keep '\' as it is: escaping twice changes nothing */

/* Escaped output is at most this many times the input (each byte -> "\xNN"). */
#define ESC_GROWTH 4u

/*
 * The well-formed UTF-8 sequence at s[0..n) (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF): its length 1-4 and code point in *cp (may be NULL), or 0 when
 * s does not start with one (n == 0 too).
 */
size_t esc_utf8_seq(const char *s, size_t n, uint32_t *cp);
/* Whether s[0..n) is entirely well-formed UTF-8 (NUL bytes included). */
bool esc_utf8_valid(const char *s, size_t n);

/*
 * s[0..n) escaped for a human (see above) into out, NUL-terminated when cap > 0.  When it
 * does not fit, the output stops before the first escape or character that does not fit
 * whole (never half an escape or half a UTF-8 sequence).  Returns the length the whole
 * result needs (without the NUL), as snprintf() does.
 */
size_t esc_text(char *out, size_t cap, const char *s, size_t n, unsigned flags);
/* The same for a NUL-terminated s (NULL: ""); returns out (for use as a printf argument). */
const char *esc_str(char *out, size_t cap, const char *s, unsigned flags);
/* A malloc'd escaped copy of s[0..n) (its length in *len when len), or NULL (no memory). */
char *esc_text_dup(const char *s, size_t n, unsigned flags, size_t *len);

/*
 * A malloc'd copy of s[0..n) in which every byte that is not part of well-formed UTF-8 is
 * U+FFFD ("\xef\xbf\xbd"), NUL-terminated, its length in *len; NULL when out of memory.
 */
char *esc_utf8_fix(const char *s, size_t n, size_t *len);

/* Whether the current locale's codeset (LC_CTYPE) is UTF-8. */
bool esc_locale_utf8(void);

#endif
