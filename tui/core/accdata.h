/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accdata: HiSilicon ACC `struct acc_vf_data` (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.h)
 * decoded from raw bytes, keyed on magic and version, little-endian.  Every field carries
 * its offset, size, value(s) and validity (whether all its bytes were present).
 */
#ifndef MIGTOP_CORE_ACCDATA_H
#define MIGTOP_CORE_ACCDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACC_MAGIC_V1    0xCDCDCDCDFEEDAACCull
#define ACC_MAGIC_V2    0xAACCFEEDDECADEDEull
#define ACC_MATCH_SIZE  40u  /* end of qm_rsv_state: what the destination checks */
#define ACC_DUMP_SIZE   144u /* what debugfs hex-dumps (up to and including padding) */
#define ACC_STRUCT_SIZE 176u /* sizeof(struct acc_vf_data) */
#define ACC_DRV_MAJOR   1u
#define ACC_DRV_MINOR   0u
#define ACC_MAX_ELEMS   7u /* longest array field (qm_eqc_dw[7]) */
#define ACC_MAX_FIELDS  32u

enum acc_layout {
        ACC_LAYOUT_UNKNOWN = 0, /* magic not recognised: fields decoded with the V2 offsets */
        ACC_LAYOUT_V1,
        ACC_LAYOUT_V2
};

struct acc_field {
        const char *name;   /* the kernel's field name: "qp_num", "qm_eqc_dw", ... */
        unsigned offset;    /* bytes from the start of the struct */
        unsigned elem_size; /* 2, 4 or 8 */
        unsigned count;     /* 1 for scalars, N for arrays */
        uint64_t value[ACC_MAX_ELEMS];
        uint32_t valid_mask; /* bit i set: element i lay wholly inside the data */
};

struct acc_decoded {
        enum acc_layout layout;
        size_t len; /* bytes given */
        unsigned nfields;
        struct acc_field fields[ACC_MAX_FIELDS];
};

/* Decode len bytes (any length, 0 included).  Never fails; fields past len are invalid. */
void acc_decode(const uint8_t *buf, size_t len, struct acc_decoded *out);

/* NULL when the layout has no such field. */
const struct acc_field *acc_field_find(const struct acc_decoded *d, const char *name);

/* Whether every element of f is valid. */
bool acc_field_valid(const struct acc_field *f);

/* "V1", "V2", "unknown" */
const char *acc_layout_name(enum acc_layout l);

#endif
