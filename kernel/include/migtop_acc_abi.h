/* SPDX-License-Identifier: GPL-2.0 */
/*
 * migtop_acc: the userspace view of the bundled driver's ABI (kernel/README.md).
 * BAR0 register offsets and the migration stream header.  The driver keeps its own
 * kernel-style definitions; this copy is for tools and tests.
 */
#ifndef MIGTOP_ACC_ABI_H
#define MIGTOP_ACC_ABI_H

#include <stdint.h>

/* BAR0 (VFIO_PCI_BAR0_REGION_INDEX): 4 KiB of 32-bit little-endian registers. */
#define MACC_BAR0_SIZE 0x1000u

#define MACC_REG_DEV_ID 0x000u /* RO */
#define MACC_REG_QP_NUM 0x004u /* RO */
#define MACC_REG_QP_BASE 0x008u /* RO */
/* QM_VF_STATE as the host reads it: bit 0 set = the guest's QM driver is not running
 * (QM_NOT_READY, the reset value), 0 = running (QM_READY): what the guest driver writes. */
#define MACC_REG_VF_QM_STATE 0x00cu
#define MACC_REG_AEQ_INT_MASK 0x010u
#define MACC_REG_EQ_INT_MASK 0x014u
#define MACC_REG_IFC_INT_SOURCE 0x018u
#define MACC_REG_IFC_INT_MASK 0x01cu
#define MACC_REG_IFC_INT_SET 0x020u
#define MACC_REG_PAGE_SIZE 0x024u
#define MACC_REG_EQC_DW0 0x040u /* 7 words, 0x40..0x58 */
#define MACC_REG_AEQC_DW0 0x060u /* 7 words, 0x60..0x78 */
#define MACC_REG_EQE_DMA_LO 0x080u /* lo/hi pairs */
#define MACC_REG_EQE_DMA_HI 0x084u
#define MACC_REG_AEQE_DMA_LO 0x088u
#define MACC_REG_AEQE_DMA_HI 0x08cu
#define MACC_REG_SQC_DMA_LO 0x090u
#define MACC_REG_SQC_DMA_HI 0x094u
#define MACC_REG_CQC_DMA_LO 0x098u
#define MACC_REG_CQC_DMA_HI 0x09cu
#define MACC_REG_PAYLOAD_SEED 0x100u /* writing regenerates the bulk payload */
#define MACC_REG_PAYLOAD_DIRTY 0x104u /* WO: writing N marks N payload pages dirty */
#define MACC_REG_CMD_STATUS 0x108u /* RO: QM_MB_CMD_SEND_BASE, 0 idle, all ones = dead */

/* enum qm_vf_state (include/linux/hisi_acc_qm.h): struct acc_vf_data's vf_qm_state. */
#define MACC_QM_READY 0u
#define MACC_QM_NOT_READY 1u
#define MACC_MB_CMD_NOT_READY 0xffffffffu

#define MACC_QC_DWORDS 7

/* The hisi types' stream is struct acc_vf_data alone (40 or 176 bytes).  The p2p type's
 * stream is a sequence of records: this header, then struct acc_vf_data, then payload. */
#define MACC_STREAM_MAGIC 0x43414d4du /* "MMAC" */
#define MACC_STREAM_VERSION 1u
#define MACC_STREAM_HDR_LEN 32u
#define MACC_STREAM_F_PAYLOAD (1u << 0)

/* struct acc_vf_data sizes (hisi_acc layout). */
#define MACC_STATE_LEN_FULL 176u
#define MACC_STATE_LEN_MATCH 40u /* QM_MATCH_SIZE: vf_qm_state == QM_NOT_READY */
#define MACC_STATE_DUMP_LEN 144u /* what debugfs dumps */

/* Offsets inside struct acc_vf_data (little-endian). */
#define MACC_VF_ACC_MAGIC 0u
#define MACC_VF_QP_NUM 8u
#define MACC_VF_DEV_ID 12u
#define MACC_VF_QUE_ISO_CFG 16u
#define MACC_VF_QP_BASE 20u
#define MACC_VF_VF_QM_STATE 24u
#define MACC_VF_MAJOR_VER 28u
#define MACC_VF_MINOR_VER 30u
#define MACC_VF_EQE_DMA 144u /* eqe, aeqe, sqc, cqc dma: 4 x 64 bits */

#define MACC_ACC_MAGIC_V1 0xCDCDCDCDFEEDAACCull
#define MACC_ACC_MAGIC_V2 0xAACCFEEDDECADEDEull

/* Header field offsets, for code that edits raw streams. */
#define MACC_HDR_OFF_MAGIC 0u
#define MACC_HDR_OFF_VERSION 4u
#define MACC_HDR_OFF_HDR_LEN 6u
#define MACC_HDR_OFF_STATE_LEN 8u
#define MACC_HDR_OFF_FLAGS 12u
#define MACC_HDR_OFF_PAYLOAD_LEN 16u
#define MACC_HDR_OFF_CRC32 24u

struct migtop_acc_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t hdr_len;
	uint32_t state_len;
	uint32_t flags;
	uint64_t payload_len;
	uint32_t crc32; /* crc32_le(~0, ...) over header (crc zero), state, payload */
	uint32_t reserved;
};

_Static_assert(sizeof(struct migtop_acc_hdr) == MACC_STREAM_HDR_LEN, "stream header is 32 bytes");

#endif /* MIGTOP_ACC_ABI_H */
