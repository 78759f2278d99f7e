// SPDX-License-Identifier: GPL-2.0-only
/*
 * match: mismatch formatting and the field and byte diffs of two decoded copies.
 */
#include "match.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool match_hex_field(const char *field)
{
        return field && (strcmp(field, "acc_magic") == 0 || strcmp(field, "dev_id") == 0 ||
                         strchr(field, '[') || strstr(field, "_mask") || strstr(field, "ifc_"));
}

static void match_val(char *buf, size_t n, const char *field, uint64_t v, bool valid)
{
        if (!valid)
                snprintf(buf, n, "?");
        else if (match_hex_field(field))
                snprintf(buf, n, "0x%" PRIx64, v);
        else
                snprintf(buf, n, "%" PRIu64, v);
}

int match_mismatch_format(const struct match_mismatch *m, char *buf, size_t n)
{
        char s[24], d[24];

        match_val(s, sizeof(s), m->field, m->src, m->src_valid);
        match_val(d, sizeof(d), m->field, m->dst, m->dst_valid);
        return snprintf(buf, n, "%s: %s source %s, destination %s", m->reason ? m->reason : "",
                        m->field ? m->field : "?", s, d);
}

const char *match_verdict_name(enum match_verdict v)
{
        switch (v) {
        case MATCH_ACCEPT:
                return "accept";
        case MATCH_REJECT:
                return "reject";
        case MATCH_INCOMPLETE:
                return "incomplete";
        }
        return "unknown";
}

static bool match_field_differs(const struct acc_field *a, const struct acc_field *b)
{
        if (!a || !b)
                return true;
        if (a->count != b->count || a->elem_size != b->elem_size || a->offset != b->offset ||
            a->valid_mask != b->valid_mask)
                return true;
        for (unsigned k = 0; k < a->count && k < ACC_MAX_ELEMS; k++)
                if ((a->valid_mask & (1u << k)) && a->value[k] != b->value[k])
                        return true;
        return false;
}

void match_diff_fields(const struct acc_decoded *a, const struct acc_decoded *b,
                       struct match_field_diff *out)
{
        static const struct acc_decoded empty;

        memset(out, 0, sizeof(*out));
        if (!a)
                a = &empty;
        if (!b)
                b = &empty;
        for (unsigned i = 0; i < a->nfields && i < ACC_MAX_FIELDS; i++) {
                const struct acc_field *fa = &a->fields[i];

                if (out->n < ACC_MAX_FIELDS && match_field_differs(fa, acc_field_find(b, fa->name)))
                        out->field[out->n++] = fa->name;
        }
        /* fields only b's layout has (V2's major_ver/minor_ver against V1) */
        for (unsigned i = 0; i < b->nfields && i < ACC_MAX_FIELDS; i++) {
                const struct acc_field *fb = &b->fields[i];

                if (out->n < ACC_MAX_FIELDS && !acc_field_find(a, fb->name))
                        out->field[out->n++] = fb->name;
        }
}

size_t match_diff_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *map,
                        size_t map_bytes)
{
        size_t n, count = 0;

        if (!a)
                alen = 0;
        if (!b)
                blen = 0;
        n = alen > blen ? alen : blen;
        if (map)
                memset(map, 0, map_bytes);
        for (size_t i = 0; i < n; i++) {
                if (i < alen && i < blen && a[i] == b[i])
                        continue;
                count++;
                if (map && i / 8 < map_bytes)
                        map[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        return count;
}
