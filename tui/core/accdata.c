/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accdata: struct acc_vf_data decoded field by field.  The two layouts differ only at
 * offset 28: V2 has major_ver, minor_ver and qm_rsv_state[2]; V1 has qm_rsv_state[3].
 */
#include "accdata.h"

#include <string.h>

struct acc_desc {
        const char *name;
        unsigned offset;
        unsigned elem_size;
        unsigned count;
};

#define ACC_COMMON_HEAD                                                                            \
        {"acc_magic", 0, 8, 1}, {"qp_num", 8, 4, 1}, {"dev_id", 12, 4, 1},                         \
            {"que_iso_cfg", 16, 4, 1}, {"qp_base", 20, 4, 1},                                      \
        {                                                                                          \
                "vf_qm_state", 24, 4, 1                                                            \
        }

#define ACC_COMMON_TAIL                                                                            \
        {"aeq_int_mask", 40, 4, 1}, {"eq_int_mask", 44, 4, 1}, {"ifc_int_source", 48, 4, 1},       \
            {"ifc_int_mask", 52, 4, 1}, {"ifc_int_set", 56, 4, 1}, {"page_size", 60, 4, 1},        \
            {"qm_eqc_dw", 64, 4, 7}, {"qm_aeqc_dw", 92, 4, 7}, {"qm_rsv_regs", 120, 4, 5},         \
            {"padding", 140, 4, 1}, {"eqe_dma", 144, 8, 1}, {"aeqe_dma", 152, 8, 1},               \
            {"sqc_dma", 160, 8, 1},                                                                \
        {                                                                                          \
                "cqc_dma", 168, 8, 1                                                               \
        }

static const struct acc_desc acc_v1[] = {
    ACC_COMMON_HEAD,
    {"qm_rsv_state", 28, 4, 3},
    ACC_COMMON_TAIL,
};

static const struct acc_desc acc_v2[] = {
    ACC_COMMON_HEAD, {"major_ver", 28, 2, 1}, {"minor_ver", 30, 2, 1}, {"qm_rsv_state", 32, 4, 2},
    ACC_COMMON_TAIL,
};

/* What dev_data carries: the cached vf_qm_state and the registers read from the VF. */
static const struct acc_desc acc_regs[] = {
    {"vf_qm_state", 24, 4, 1},    {"aeq_int_mask", 40, 4, 1}, {"eq_int_mask", 44, 4, 1},
    {"ifc_int_source", 48, 4, 1}, {"ifc_int_mask", 52, 4, 1}, {"ifc_int_set", 56, 4, 1},
    {"page_size", 60, 4, 1},      {"qm_eqc_dw", 64, 4, 7},    {"qm_aeqc_dw", 92, 4, 7},
};

const char *const acc_header_fields[] = {"acc_magic",   "qp_num",       "dev_id",
                                         "que_iso_cfg", "qp_base",      "major_ver",
                                         "minor_ver",   "qm_rsv_state", NULL};

_Static_assert(sizeof(acc_v2) / sizeof(acc_v2[0]) <= ACC_MAX_FIELDS, "ACC_MAX_FIELDS");

static uint64_t acc_le(const uint8_t *p, unsigned size)
{
        uint64_t v = 0;

        for (unsigned i = size; i > 0; i--)
                v = (v << 8) | p[i - 1];
        return v;
}

static void acc_fill(const uint8_t *buf, size_t len, const struct acc_desc *tab, size_t ntab,
                     struct acc_decoded *out)
{
        for (size_t i = 0; i < ntab; i++) {
                struct acc_field *f = &out->fields[out->nfields++];

                f->name = tab[i].name;
                f->offset = tab[i].offset;
                f->elem_size = tab[i].elem_size;
                f->count = tab[i].count;
                for (unsigned k = 0; k < f->count; k++) {
                        size_t off = (size_t)f->offset + (size_t)k * f->elem_size;

                        if (off + f->elem_size > len)
                                break;
                        f->value[k] = acc_le(buf + off, f->elem_size);
                        f->valid_mask |= 1u << k;
                }
        }
}

void acc_decode_registers(const uint8_t *buf, size_t len, struct acc_decoded *out)
{
        memset(out, 0, sizeof(*out));
        if (!buf)
                len = 0;
        out->len = len;
        out->stream_len = -1;
        out->layout = ACC_LAYOUT_REGISTERS;
        acc_fill(buf, len, acc_regs, sizeof(acc_regs) / sizeof(acc_regs[0]), out);
}

const char *acc_qm_state_meaning(uint64_t v)
{
        if (v == ACC_QM_READY)
                return "QM_READY: guest driver running";
        if (v == ACC_QM_NOT_READY)
                return "QM_NOT_READY: guest driver not running";
        return NULL;
}

void acc_decode(const uint8_t *buf, size_t len, struct acc_decoded *out)
{
        const struct acc_desc *tab = acc_v2;
        size_t ntab = sizeof(acc_v2) / sizeof(acc_v2[0]);

        memset(out, 0, sizeof(*out));
        if (!buf)
                len = 0;
        out->len = len;
        out->stream_len = -1;
        out->layout = ACC_LAYOUT_UNKNOWN;
        if (len >= 8) {
                uint64_t magic = acc_le(buf, 8);

                if (magic == ACC_MAGIC_V1) {
                        out->layout = ACC_LAYOUT_V1;
                        tab = acc_v1;
                        ntab = sizeof(acc_v1) / sizeof(acc_v1[0]);
                } else if (magic == ACC_MAGIC_V2) {
                        out->layout = ACC_LAYOUT_V2;
                }
        }
        acc_fill(buf, len, tab, ntab, out);
}

const struct acc_field *acc_field_find(const struct acc_decoded *d, const char *name)
{
        if (!d || !name)
                return NULL;
        for (unsigned i = 0; i < d->nfields && i < ACC_MAX_FIELDS; i++)
                if (d->fields[i].name && strcmp(d->fields[i].name, name) == 0)
                        return &d->fields[i];
        return NULL;
}

bool acc_field_valid(const struct acc_field *f)
{
        if (!f || f->count == 0 || f->count > ACC_MAX_ELEMS)
                return false;
        return f->valid_mask == (1u << f->count) - 1u;
}

const char *acc_layout_name(enum acc_layout l)
{
        switch (l) {
        case ACC_LAYOUT_V1:
                return "V1";
        case ACC_LAYOUT_V2:
                return "V2";
        case ACC_LAYOUT_REGISTERS:
                return "registers";
        case ACC_LAYOUT_UNKNOWN:
                break;
        }
        return "unknown";
}
