/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec: the recording format (see rec.h for the layout): what the writer (rec_write.c) and
 * the reader (rec_read.c) share.  zlib's crc32 checks every record, the header and each
 * chunk's index frame.
 */
#include "rec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static const char *const rec_type_names[] = {NULL,  "read", "list", "klog", "host",
                                             "key", "stop", "link", "sys"};

const char *rec_type_name(unsigned type)
{
        return type < sizeof(rec_type_names) / sizeof(rec_type_names[0]) ? rec_type_names[type]
                                                                         : NULL;
}

void rec_time_iso(int64_t t_ns, char *buf, size_t size)
{
        time_t s = (time_t)(t_ns / 1000000000);
        long ms = (long)((t_ns % 1000000000) / 1000000);
        struct tm tm;

        if (ms < 0) {
                ms += 1000;
                s--;
        }
        if (!gmtime_r(&s, &tm) || tm.tm_year > 9999 - 1900 || tm.tm_year < -1900) {
                snprintf(buf, size, "%lld ns", (long long)t_ns);
                return;
        }
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

uint32_t rec_crc(const void *d, size_t n)
{
        return (uint32_t)crc32(0L, d, (uInt)n);
}

uint32_t rec_le32(const uint8_t *q)
{
        return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

const char *rec_header_opt(const struct rec_header *h, const char *key)
{
        for (size_t i = 0; i < h->nopts && i < REC_OPTS_MAX; i++)
                if (strcmp(h->opts[i].key, key) == 0)
                        return h->opts[i].value;
        return NULL;
}

int rec_header_opt_num(const struct rec_header *h, const char *key, long min, long max, long *v)
{
        const char *s = rec_header_opt(h, key);
        char *end;
        long n;

        if (!s)
                return -ENOENT;
        errno = 0;
        n = strtol(s, &end, 10);
        if (errno || end == s || *end || n < min || n > max)
                return -EINVAL;
        *v = n;
        return 0;
}

int rec_header_pair(const struct rec_header *h, char *buf, size_t size, const char **src,
                    const char **dst)
{
        const char *s = rec_header_opt(h, REC_OPT_PAIR);
        char *eq;

        if (!s)
                return -ENOENT;
        if ((size_t)snprintf(buf, size, "%s", s) >= size || !(eq = strchr(buf, '=')) || eq == buf ||
            !eq[1] || strchr(eq + 1, '=') || strchr(buf, '/'))
                return -EINVAL;
        *eq = '\0';
        *src = buf;
        *dst = eq + 1;
        return 0;
}

const char *rec_link_label(const struct rec_header *h, unsigned host)
{
        if (!(h->flags & REC_HDR_LINKS) || host == 0 || host >= h->nhosts)
                return NULL;
        return h->hosts[host].name;
}

const char *rec_host_path(const struct rec_header *h, unsigned host, const char *path, char *buf,
                          size_t size)
{
        const char *label;

        if (host == 0)
                return path;
        label = rec_link_label(h, host);
        if (!label || (size_t)snprintf(buf, size, "%s:%s", label, path) >= size)
                return NULL;
        return buf;
}
