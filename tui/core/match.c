/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * match: the destination's view of migration data, after hisi_acc_vf_resume_write() and
 * vf_qm_check_match() (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c, 6.12).  The kernel
 * stops at the first failing rule; we report every failing rule, in the kernel's order, so
 * the first mismatch is the one the kernel logs.
 */
#include "match.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MATCH_R_LONG     "more data than struct acc_vf_data: the resume write fails (ENOMEM)"
#define MATCH_R_SHORT    "fewer than 40 bytes: the destination has not run its match check yet"
#define MATCH_R_NOSRC    "no source data"
#define MATCH_R_MAGIC    "failed to match ACC_DEV_MAGIC"
#define MATCH_R_VERSION  "failed to match ACC_DEV_MAGIC: migration driver version not match"
#define MATCH_R_DEVID    "failed to match VF devices"
#define MATCH_R_NOQP     "failed to get vft qp nums"
#define MATCH_R_QPNUM    "failed to match VF qp num"
#define MATCH_R_ISO      "failed to match isolation state"
#define MATCH_R_DSTSHORT "destination data too short to know this field"

static void match_add(struct match_result *out, const char *field, uint64_t src, bool src_valid,
                      uint64_t dst, bool dst_valid, const char *reason)
{
        struct match_mismatch *m;

        if (out->n >= MATCH_MAX)
                return;
        m = &out->m[out->n++];
        m->field = field;
        m->src = src;
        m->dst = dst;
        m->src_valid = src_valid;
        m->dst_valid = dst_valid;
        m->reason = reason;
}

/* Value of a scalar field when it is wholly present. */
static bool match_get(const struct acc_decoded *d, const char *name, uint64_t *v)
{
        const struct acc_field *f = acc_field_find(d, name);

        if (!f || !acc_field_valid(f))
                return false;
        *v = f->value[0];
        return true;
}

static bool match_hex_field(const char *field)
{
        return strcmp(field, "acc_magic") == 0 || strcmp(field, "dev_id") == 0;
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
        return snprintf(buf, n, "%s: %s source %s, destination %s", m->reason, m->field, s, d);
}

/* The destination's three values; a missing one makes the verdict incomplete. */
static bool match_dst_fields(const struct acc_decoded *src, const struct acc_decoded *dst,
                             struct match_result *out)
{
        static const char *const names[] = {"dev_id", "qp_num", "que_iso_cfg"};
        bool ok = true;

        for (unsigned i = 0; i < 3; i++) {
                uint64_t s = 0, d = 0;
                bool sv = match_get(src, names[i], &s);

                if (dst && match_get(dst, names[i], &d))
                        continue;
                match_add(out, names[i], s, sv, 0, false, MATCH_R_DSTSHORT);
                ok = false;
        }
        return ok;
}

/* vf_qm_check_match(): every rule, in the kernel's order. */
static void match_rules(const struct acc_decoded *src, const struct acc_decoded *dst,
                        struct match_result *out)
{
        uint64_t s = 0, d = 0;
        bool sv, dv;

        if (src->len >= 8 && src->layout == ACC_LAYOUT_UNKNOWN) {
                match_get(src, "acc_magic", &s);
                match_add(out, "acc_magic", s, true, ACC_MAGIC_V2, true, MATCH_R_MAGIC);
        } else if (src->layout == ACC_LAYOUT_V2 && match_get(src, "major_ver", &s) &&
                   s != ACC_DRV_MAJOR) {
                match_add(out, "major_ver", s, true, ACC_DRV_MAJOR, true, MATCH_R_VERSION);
        }

        sv = match_get(src, "dev_id", &s);
        dv = dst && match_get(dst, "dev_id", &d);
        if (sv && dv && s != d)
                match_add(out, "dev_id", s, true, d, true, MATCH_R_DEVID);

        sv = match_get(src, "qp_num", &s);
        dv = dst && match_get(dst, "qp_num", &d);
        if (dv && d == 0)
                match_add(out, "qp_num", s, sv, d, true, MATCH_R_NOQP);
        else if (sv && dv && s != d)
                match_add(out, "qp_num", s, true, d, true, MATCH_R_QPNUM);

        sv = match_get(src, "que_iso_cfg", &s);
        dv = dst && match_get(dst, "que_iso_cfg", &d);
        if (sv && dv && s != d)
                match_add(out, "que_iso_cfg", s, true, d, true, MATCH_R_ISO);
}

static void match_summary(const struct acc_decoded *src, struct match_result *out)
{
        const struct match_mismatch *m = out->n ? &out->m[0] : NULL;
        char s[24], d[24], more[24] = "";
        size_t sz = sizeof(out->summary);

        if (out->n > 1)
                snprintf(more, sizeof(more), " (+%u more)", out->n - 1);
        if (m) {
                match_val(s, sizeof(s), m->field, m->src, m->src_valid);
                match_val(d, sizeof(d), m->field, m->dst, m->dst_valid);
        }
        switch (out->verdict) {
        case MATCH_ACCEPT:
                if (src->len == ACC_MATCH_SIZE)
                        snprintf(out->summary, sz,
                                 "destination accepts: match data only (40 bytes, guest "
                                 "driver not loaded)");
                else
                        snprintf(out->summary, sz, "destination accepts: %s data",
                                 acc_layout_name(src->layout));
                break;
        case MATCH_REJECT:
                if (strcmp(m->field, "acc_magic") == 0)
                        snprintf(out->summary, sz, "destination rejects: acc_magic %s unknown%s", s,
                                 more);
                else if (strcmp(m->field, "length") == 0)
                        snprintf(out->summary, sz, "destination rejects: length %s > %s%s", s, d,
                                 more);
                else
                        snprintf(out->summary, sz, "destination rejects: %s %s != %s%s", m->field,
                                 s, d, more);
                break;
        case MATCH_INCOMPLETE:
                if (!m)
                        snprintf(out->summary, sz, "incomplete");
                else if (strcmp(m->field, "length") == 0 && !m->src_valid)
                        snprintf(out->summary, sz, "incomplete: no source data");
                else if (strcmp(m->field, "length") == 0)
                        snprintf(out->summary, sz, "incomplete: source has %s of %s bytes", s, d);
                else
                        snprintf(out->summary, sz, "incomplete: destination %s unknown", m->field);
                break;
        }
}

void match_check(const struct acc_decoded *src, const struct acc_decoded *dst,
                 struct match_result *out)
{
        static const struct acc_decoded empty;
        bool complete = true;

        memset(out, 0, sizeof(*out));
        if (!src || src->len == 0) {
                match_add(out, "length", 0, false, ACC_MATCH_SIZE, true, MATCH_R_NOSRC);
                complete = false;
                src = &empty;
        } else if (src->len > ACC_STRUCT_SIZE) {
                /* hisi_acc_vf_resume_write(): requested_length > sizeof -> -ENOMEM */
                match_add(out, "length", src->len, true, ACC_STRUCT_SIZE, true, MATCH_R_LONG);
        } else if (src->len < ACC_MATCH_SIZE) {
                /* vf_qm_check_match() returns 0 until QM_MATCH_SIZE bytes arrived */
                match_add(out, "length", src->len, true, ACC_MATCH_SIZE, true, MATCH_R_SHORT);
                complete = false;
        }
        if (!match_dst_fields(src, dst, out))
                complete = false;
        /* What is already known to differ is listed even when the verdict is open. */
        match_rules(src, dst, out);
        if (!complete)
                out->verdict = MATCH_INCOMPLETE;
        else
                out->verdict = out->n ? MATCH_REJECT : MATCH_ACCEPT;
        match_summary(src, out);
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
