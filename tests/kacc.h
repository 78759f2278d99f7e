/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kacc: the kernel's struct acc_vf_data (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.h),
 * member for member, for tests and the fixture generator: offsets come from offsetof() on
 * these copies, never from the decoder under test.  Natural alignment, no packing.
 */
#ifndef MIGTOP_TESTS_KACC_H
#define MIGTOP_TESTS_KACC_H

#include <stddef.h>
#include <stdint.h>

/* V2 layout (magic 0xAACCFEEDDECADEDE, driver version 1.0). */
struct k_acc_v2 {
        uint64_t acc_magic;
        uint32_t qp_num;
        uint32_t dev_id;
        uint32_t que_iso_cfg;
        uint32_t qp_base;
        uint32_t vf_qm_state;
        uint16_t major_ver;
        uint16_t minor_ver;
        uint32_t qm_rsv_state[2];
        uint32_t aeq_int_mask;
        uint32_t eq_int_mask;
        uint32_t ifc_int_source;
        uint32_t ifc_int_mask;
        uint32_t ifc_int_set;
        uint32_t page_size;
        uint32_t qm_eqc_dw[7];
        uint32_t qm_aeqc_dw[7];
        uint32_t qm_rsv_regs[5];
        uint32_t padding;
        uint64_t eqe_dma;
        uint64_t aeqe_dma;
        uint64_t sqc_dma;
        uint64_t cqc_dma;
};

/* V1 layout (magic 0xCDCDCDCDFEEDAACC): qm_rsv_state[3] where V2 has the version words. */
struct k_acc_v1 {
        uint64_t acc_magic;
        uint32_t qp_num;
        uint32_t dev_id;
        uint32_t que_iso_cfg;
        uint32_t qp_base;
        uint32_t vf_qm_state;
        uint32_t qm_rsv_state[3];
        uint32_t aeq_int_mask;
        uint32_t eq_int_mask;
        uint32_t ifc_int_source;
        uint32_t ifc_int_mask;
        uint32_t ifc_int_set;
        uint32_t page_size;
        uint32_t qm_eqc_dw[7];
        uint32_t qm_aeqc_dw[7];
        uint32_t qm_rsv_regs[5];
        uint32_t padding;
        uint64_t eqe_dma;
        uint64_t aeqe_dma;
        uint64_t sqc_dma;
        uint64_t cqc_dma;
};

_Static_assert(sizeof(struct k_acc_v2) == 176, "sizeof(struct acc_vf_data)");
_Static_assert(sizeof(struct k_acc_v1) == 176, "sizeof(struct acc_vf_data) V1");
_Static_assert(offsetof(struct k_acc_v2, aeq_int_mask) == 40, "QM_MATCH_SIZE");
_Static_assert(offsetof(struct k_acc_v2, padding) + 4 == 144, "what debugfs dumps");
_Static_assert(offsetof(struct k_acc_v1, aeq_int_mask) == 40, "QM_MATCH_SIZE V1");

#endif
