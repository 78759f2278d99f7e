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
        ACC_LAYOUT_V2,
        /*
         * A live register snapshot (hisi_acc dev_data): hisi_acc_vf_dev_read() zero-allocates
         * the struct, sets vf_qm_state from the driver's cache and reads the registers; it
         * never fills the match header (magic, version, qp_num, dev_id, que_iso_cfg,
         * qp_base), so only offset 24 and 40..119 carry data.  V1 and V2 cannot be told
         * apart (the register offsets are the same in both).
         */
        ACC_LAYOUT_REGISTERS
};

/* enum qm_vf_state (vf_qm_state, "guest driver load") */
#define ACC_QM_READY     0u /* the guest's QM driver is running */
#define ACC_QM_NOT_READY 1u /* not running (stopped, never loaded): a save stops at 40 bytes */

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
        size_t len; /* bytes decoded (for a stream: min(bytes dumped, length line)) */
        /*
         * The stream's length as the kernel prints it (migf_data "migrate data length":
         * 40 or 176 for a save; on a destination, what was written); -1 when not known.
         */
        int64_t stream_len;
        unsigned nfields;
        struct acc_field fields[ACC_MAX_FIELDS];
};

/*
 * Decode len bytes of migration data (any length, 0 included), keyed on the magic.  Never
 * fails; fields past len are invalid.  stream_len is set to -1.
 */
void acc_decode(const uint8_t *buf, size_t len, struct acc_decoded *out);

/*
 * Decode a register snapshot (ACC_LAYOUT_REGISTERS): vf_qm_state and the registers at
 * 40..119 only; the header fields (acc_header_fields) are not listed.
 */
void acc_decode_registers(const uint8_t *buf, size_t len, struct acc_decoded *out);

/* The header field names, in offset order (V2 names), NULL-terminated. */
extern const char *const acc_header_fields[];

/* "QM_READY: guest driver running", "QM_NOT_READY: guest driver not running", NULL */
const char *acc_qm_state_meaning(uint64_t v);

/* NULL when the layout has no such field. */
const struct acc_field *acc_field_find(const struct acc_decoded *d, const char *name);

/* Whether every element of f is valid. */
bool acc_field_valid(const struct acc_field *f);

/* "V1", "V2", "registers", "unknown" */
const char *acc_layout_name(enum acc_layout l);

#endif
