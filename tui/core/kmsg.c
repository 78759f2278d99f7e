// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmsg: the /dev/kmsg record format (see kmsg.h for what the kernel writes and where).
 */
#include "kmsg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void kmsg_err(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void kmsg_err(char *err, size_t errsz, const char *fmt, ...)
{
        va_list ap;

        if (!err || !errsz)
                return;
        va_start(ap, fmt);
        vsnprintf(err, errsz, fmt, ap);
        va_end(ap);
}

static int kmsg_hex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/*
 * Undo msg_add_ext_text(): "\xNN" is the byte NN.  A '\' not followed by two hex digits
 * (only possible where the kernel cut the record) is kept as it is.  Writes at most
 * size - 1 bytes and a NUL; returns the unescaped length (which may exceed size - 1).
 */
static size_t kmsg_unescape(const char *s, size_t n, char *out, size_t size, size_t *kept)
{
        size_t o = 0, k = 0;

        for (size_t i = 0; i < n; i++, o++) {
                char c = s[i];
                int hi, lo;

                if (c == '\\' && i + 3 < n && s[i + 1] == 'x' && (hi = kmsg_hex(s[i + 2])) >= 0 &&
                    (lo = kmsg_hex(s[i + 3])) >= 0) {
                        c = (char)(hi << 4 | lo);
                        i += 3;
                }
                if (o + 1 < size) {
                        out[o] = c;
                        k = o + 1;
                }
        }
        if (size)
                out[k] = '\0';
        *kept = k;
        return o;
}

/* A decimal number of at most 20 digits that fits in max. */
static int kmsg_num(const char *s, size_t n, uint64_t max, uint64_t *out)
{
        uint64_t v = 0;

        if (!n || n > 20)
                return -1;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
                        return -1;
                v = v * 10 + (uint64_t)(s[i] - '0');
        }
        if (v > max)
                return -1;
        *out = v;
        return 0;
}

const char *kmsg_level_name(int level)
{
        static const char *const names[] = {"emerg",   "alert",  "crit", "err",
                                            "warning", "notice", "info", "debug"};

        return level >= 0 && level < 8 ? names[level] : "?";
}

bool kmsg_device_name(const char *dev_key, char *name, size_t size)
{
        const char *colon;

        if (size)
                name[0] = '\0';
        if (!dev_key || dev_key[0] != '+')
                return false;
        colon = strchr(dev_key + 1, ':');
        if (!colon || colon == dev_key + 1 || !colon[1])
                return false;
        if (strlen(colon + 1) >= size)
                return false;
        memcpy(name, colon + 1, strlen(colon + 1) + 1);
        return true;
}

/* The header "PRIO,SEQ,TS_USEC,FLAGS[,...]" (without the ';'). */
static int kmsg_header(const char *h, size_t n, struct kmsg_rec *out, char *err, size_t errsz)
{
        static const char *const what[] = {"PRIO", "SEQ", "TS_USEC", "FLAGS"};
        const char *f[4];
        size_t flen[4], k = 0, start = 0;
        uint64_t v;

        for (size_t i = 0; i <= n && k < 4; i++) {
                if (i < n && h[i] != ',')
                        continue;
                f[k] = h + start;
                flen[k++] = i - start;
                start = i + 1;
        }
        if (k < 4) {
                kmsg_err(err, errsz,
                         "the header '%.*s' has %zu field%s, not PRIO,SEQ,TS_USEC,FLAGS before ';'",
                         (int)(n > 40 ? 40 : n), h, k, k == 1 ? "" : "s");
                return -EINVAL;
        }
        for (int i = 0; i < 3; i++) {
                uint64_t max = i == 0 ? 2047 : i == 2 ? (uint64_t)INT64_MAX : UINT64_MAX;

                if (kmsg_num(f[i], flen[i], max, &v) < 0) {
                        kmsg_err(err, errsz, "%s '%.*s' is not a decimal number%s", what[i],
                                 (int)(flen[i] > 24 ? 24 : flen[i]), f[i],
                                 i == 0 ? " from 0 to 2047" : "");
                        return -EINVAL;
                }
                if (i == 0) {
                        out->level = (int)(v & 7);
                        out->facility = (int)(v >> 3);
                } else if (i == 1) {
                        out->seq = v;
                } else {
                        out->ts_us = (int64_t)v;
                }
        }
        if (!flen[3]) {
                kmsg_err(err, errsz, "FLAGS is empty (the kernel writes '-' or 'c')");
                return -EINVAL;
        }
        out->cont = memchr(f[3], 'c', flen[3]) != NULL;
        return 0;
}

/* One continuation line " KEY=VALUE" (without the newline). */
static int kmsg_dict(const char *s, size_t n, struct kmsg_rec *out, char *err, size_t errsz)
{
        const char *eq;
        size_t klen, kept;
        char val[KMSG_DEV_MAX];

        if (n < 1 || s[0] != ' ') {
                kmsg_err(err, errsz,
                         "a line after the message must start with a space "
                         "(a ' KEY=VALUE' continuation line)");
                return -EINVAL;
        }
        s++;
        n--;
        eq = memchr(s, '=', n);
        if (!eq || eq == s) {
                kmsg_err(err, errsz, "continuation line ' %.*s' is not KEY=VALUE",
                         (int)(n > 40 ? 40 : n), s);
                return -EINVAL;
        }
        klen = (size_t)(eq - s);
        if (klen == 9 && memcmp(s, "SUBSYSTEM", 9) == 0) {
                kmsg_unescape(eq + 1, n - klen - 1, out->subsystem, sizeof(out->subsystem), &kept);
        } else if (klen == 6 && memcmp(s, "DEVICE", 6) == 0) {
                size_t full = kmsg_unescape(eq + 1, n - klen - 1, val, sizeof(val), &kept);

                if (full != kept) /* cut: a name we would only get wrong */
                        val[0] = '\0';
                memcpy(out->dev_key, val, strlen(val) + 1);
                kmsg_device_name(out->dev_key, out->device, sizeof(out->device));
        }
        /* other keys (older kernels' dictionaries): ignored */
        return 0;
}

/* Parse buf as one record; *bad is the 1-based line of the record an error is about. */
static int kmsg_parse_lines(const char *buf, size_t len, struct kmsg_rec *out, char *err,
                            size_t errsz, unsigned *bad)
{
        const char *nl = memchr(buf, '\n', len), *semi;
        size_t l1 = nl ? (size_t)(nl - buf) : len, pos, full, kept;
        unsigned line = 1;
        int ret;

        memset(out, 0, sizeof(*out));
        *bad = 1;
        if (!len) {
                kmsg_err(err, errsz, "empty record");
                return -EINVAL;
        }
        semi = memchr(buf, ';', l1);
        if (!semi) {
                kmsg_err(err, errsz, "no ';' after the header (PRIO,SEQ,TS_USEC,FLAGS;MESSAGE)");
                return -EINVAL;
        }
        ret = kmsg_header(buf, (size_t)(semi - buf), out, err, errsz);
        if (ret < 0)
                return ret;
        full = kmsg_unescape(semi + 1, l1 - (size_t)(semi + 1 - buf), out->text, sizeof(out->text),
                             &kept);
        out->text_len = kept;
        out->text_cut = full > kept;
        for (pos = l1 + 1; pos < len; line++) {
                const char *e = memchr(buf + pos, '\n', len - pos);
                size_t n = e ? (size_t)(e - (buf + pos)) : len - pos;

                *bad = line + 1;
                ret = kmsg_dict(buf + pos, n, out, err, errsz);
                if (ret < 0)
                        return ret;
                pos += n + 1;
        }
        return 0;
}

int kmsg_parse(const char *buf, size_t len, struct kmsg_rec *out, char *err, size_t errsz)
{
        unsigned bad;

        return kmsg_parse_lines(buf, len, out, err, errsz, &bad);
}

int kmsg_file_next(const char *buf, size_t len, size_t *pos, unsigned *line, struct kmsg_rec *out,
                   char *err, size_t errsz)
{
        size_t p = *pos, end;
        unsigned first, nlines = 0, bad;
        char why[192];
        int ret;

        /* empty lines between records */
        while (p < len && buf[p] == '\n') {
                p++;
                (*line)++;
        }
        *pos = p;
        if (p >= len)
                return 0;
        first = *line;
        end = p;
        /* the record's first line, then every line that starts with a space */
        do {
                const char *e = memchr(buf + end, '\n', len - end);

                end = e ? (size_t)(e - buf) + 1 : len;
                nlines++;
        } while (end < len && buf[end] == ' ');
        *pos = end;
        *line += nlines;
        if (buf[p] == ' ') {
                kmsg_err(err, errsz,
                         "line %u: a continuation line (starting with a space) without a record "
                         "before it",
                         first);
                return -EINVAL;
        }
        ret = kmsg_parse_lines(buf + p, end - p, out, why, sizeof(why), &bad);
        if (ret < 0) {
                kmsg_err(err, errsz, "line %u: %s", first + bad - 1, why);
                return ret;
        }
        return 1;
}
