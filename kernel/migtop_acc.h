/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * migtop_acc: an emulated, migration-capable accelerator VF (mdev + VFIO).
 * Private definitions shared by migtop_acc_main.c, migtop_acc_mig.c and
 * migtop_acc_debugfs.c.  The contract is kernel/README.md.
 */
#ifndef MIGTOP_ACC_H
#define MIGTOP_ACC_H

#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/wait.h>

/*
 * Linux 6.8 or newer (checked in Kbuild): PRE_COPY (6.2), class_create(name)
 * (6.4), vfio_device_ops.detach_ioas (6.6), vfio_device.debug_root (6.8).
 * The APIs used here did not change up to 6.18.
 */

#define MACC_NAME		"migtop_acc"

/* BAR0 register file (kernel/README.md) */
#define MACC_BAR0_SIZE		0x1000
#define MACC_REG_DEV_ID		0x000
#define MACC_REG_QP_NUM		0x004
#define MACC_REG_QP_BASE	0x008
#define MACC_REG_VF_QM_STATE	0x00c
#define MACC_REG_AEQ_INT_MASK	0x010
#define MACC_REG_EQ_INT_MASK	0x014
#define MACC_REG_IFC_INT_SOURCE	0x018
#define MACC_REG_IFC_INT_MASK	0x01c
#define MACC_REG_IFC_INT_SET	0x020
#define MACC_REG_PAGE_SIZE	0x024
#define MACC_REG_EQC_DW0	0x040
#define MACC_REG_AEQC_DW0	0x060
#define MACC_REG_EQE_DMA_LO	0x080
#define MACC_REG_EQE_DMA_HI	0x084
#define MACC_REG_AEQE_DMA_LO	0x088
#define MACC_REG_AEQE_DMA_HI	0x08c
#define MACC_REG_SQC_DMA_LO	0x090
#define MACC_REG_SQC_DMA_HI	0x094
#define MACC_REG_CQC_DMA_LO	0x098
#define MACC_REG_CQC_DMA_HI	0x09c
#define MACC_REG_PAYLOAD_SEED	0x100
#define MACC_REG_PAYLOAD_DIRTY	0x104
#define MACC_REG_CMD_STATUS	0x108
#define MACC_NR_REGS		(MACC_BAR0_SIZE / 4)
#define MACC_QC_DWORDS		7

/* enum qm_vf_state of include/linux/hisi_acc_qm.h: the guest's QM driver state */
#define QM_READY		0
#define QM_NOT_READY		1

/* QM_MB_CMD_SEND_BASE of a dead mailbox (QM_MB_CMD_NOT_READY), and its busy bit */
#define QM_MB_CMD_NOT_READY	0xffffffffU
#define QM_MB_BUSY_SHIFT	13

/* Bulk payload: handled in pages of this size for pre-copy dirty tracking */
#define MACC_PG_SIZE		4096
#define MACC_PAYLOAD_KIB_MAX	(256 * 1024)

/* struct acc_vf_data: the exact layout of drivers/vfio/pci/hisilicon */
#define ACC_DEV_MAGIC_V1	0xCDCDCDCDFEEDAACCULL
#define ACC_DEV_MAGIC_V2	0xAACCFEEDDECADEDEULL
#define ACC_DRV_MAJOR_VER	1
#define ACC_DRV_MINOR_VER	0

struct acc_vf_data {
	__le64 acc_magic;
	__le32 qp_num;
	__le32 dev_id;
	__le32 que_iso_cfg;
	__le32 qp_base;
	__le32 vf_qm_state;
	__le16 major_ver;
	__le16 minor_ver;
	__le32 qm_rsv_state[2];
	__le32 aeq_int_mask;
	__le32 eq_int_mask;
	__le32 ifc_int_source;
	__le32 ifc_int_mask;
	__le32 ifc_int_set;
	__le32 page_size;
	__le32 qm_eqc_dw[MACC_QC_DWORDS];
	__le32 qm_aeqc_dw[MACC_QC_DWORDS];
	__le32 qm_rsv_regs[5];
	__le32 padding;
	__le64 eqe_dma;
	__le64 aeqe_dma;
	__le64 sqc_dma;
	__le64 cqc_dma;
};

#define QM_MATCH_SIZE		offsetofend(struct acc_vf_data, qm_rsv_state)
#define MACC_DUMP_SIZE		offsetofend(struct acc_vf_data, padding)

static_assert(sizeof(struct acc_vf_data) == 176);
static_assert(QM_MATCH_SIZE == 40);
static_assert(MACC_DUMP_SIZE == 144);
static_assert(offsetof(struct acc_vf_data, eqe_dma) == 144);

/*
 * The migration stream is a sequence of records, each this header, then
 * state_len bytes of struct acc_vf_data, then payload_len bytes of payload
 * (placed at byte offset payload_off of the payload; README: "reserved").
 * A stream without pre-copy is a single record; with pre-copy, payload-only
 * records (state_len 0) come first and the record carrying the state is last.
 */
#define MACC_STREAM_MAGIC	0x43414d4d
#define MACC_STREAM_VERSION	1
#define MACC_STREAM_F_PAYLOAD	BIT(0)

struct macc_hdr {
	__le32 magic;
	__le16 version;
	__le16 hdr_len;
	__le32 state_len;
	__le32 flags;
	__le64 payload_len;
	__le32 crc32;
	__le32 payload_off;
};

static_assert(sizeof(struct macc_hdr) == 32);

struct macc_type {
	struct mdev_type type;
	u32 qp_num;
	u32 dev_id;
	u32 qp_base;
	bool p2p;		/* the mlx5/pds-like type: framed stream, P2P, ERROR */
};

enum macc_corrupt {
	MACC_CORRUPT_NONE,
	MACC_CORRUPT_MAGIC,
	MACC_CORRUPT_VERSION,
	MACC_CORRUPT_BYTE,
	MACC_CORRUPT_TRUNCATE,
	MACC_CORRUPT_CRC,
	MACC_CORRUPT_NR,
};

struct macc_dev;

struct macc_migf {
	struct file *filp;
	struct macc_dev *m;
	struct mutex lock;	/* everything below */
	bool disabled;
	size_t total;		/* bytes read or written through the fd */
	wait_queue_head_t poll_wait;

	/* saving: the record being read */
	u8 *buf;
	size_t buf_len;
	size_t buf_pos;
	bool buf_initial;	/* buf is the initial pre-copy record */
	bool precopy;		/* started in PRE_COPY */
	bool stopcopy;		/* the device reached STOP_COPY */
	bool final_done;	/* the state record was produced */
	enum macc_corrupt corrupt;

	/* saving and resuming: the state carried by the stream */
	struct acc_vf_data vf_data;
	u32 state_len;

	/* resuming: incremental record parser */
	u8 hdr_raw[sizeof(struct macc_hdr)];
	size_t hdr_fill;
	struct macc_hdr hdr;
	u8 *rec;
	size_t rec_len;
	size_t rec_fill;
	u8 *stage;		/* payload staged until the stream is accepted */
	bool have_state;
	int err;
	const char *errmsg;
};

/* A hisi_acc_vf_migration_file: the stream is struct acc_vf_data, byte for byte */
struct macc_hmigf {
	struct file *filp;
	struct macc_dev *m;
	struct mutex lock;	/* everything below */
	bool disabled;
	bool complete;		/* STOP_COPY saved the state: total is final */
	struct acc_vf_data vf_data;
	size_t total;		/* total_length */
	size_t pos;		/* saving: bytes read (the file position) */
	wait_queue_head_t poll_wait;
};

struct macc_dev {
	struct vfio_device vdev;
	const struct macc_type *type;

	/* state_mutex: migration state, registers, payload, the data files */
	struct mutex state_mutex;
	enum vfio_device_mig_state mig_state;
	u32 vf_qm_state;	/* the driver's cached enum qm_vf_state */
	bool match_done;	/* the resuming stream passed the match check */
	u32 regs[MACC_NR_REGS];
	u8 vconfig[256];
	u8 *payload;
	size_t payload_len;
	unsigned int npages;
	unsigned long *dirty;	/* pages changed since the pre-copy snapshot */
	unsigned int ndirty;
	unsigned int dirty_cursor;
	u32 dirty_gen;
	bool tracking;
	struct macc_migf *saving_migf;		/* p2p type */
	struct macc_migf *resuming_migf;
	struct macc_hmigf *hsaving;		/* hisi types */
	struct macc_hmigf *hresuming;

	/* open_mutex (hisi_acc's): the device is opened by a user */
	struct mutex open_mutex;
	bool opened;

	/* debug_migf: the last migration file's data (migf_data) */
	struct mutex dbg_lock;
	struct acc_vf_data mig_data;
	size_t mig_data_len;

	/* fault injection, accessed with READ_ONCE/WRITE_ONCE/xchg */
	u32 fi_cmd_fail;
	u32 fi_dev_data_delay_ms;
	u32 fi_stall_save_ms;
	int fi_corrupt_next;	/* enum macc_corrupt */
	int fi_fail_next;	/* a vfio_device_mig_state, or -1 (p2p type) */
	u32 fi_guest_stop;	/* the guest's QM driver stopped: QM_VF_STATE bit 0 set */

	/* debugfs */
	struct dentry *abi_dev_dir;	/* vfio/<uuid>, when we created it */
	struct dentry *abi_acc_dir;	/* .../migration/hisi_acc */
	struct dentry *fi_dir;		/* migtop_acc/<uuid> */
};

static inline struct macc_dev *to_macc(struct vfio_device *vdev)
{
	return container_of(vdev, struct macc_dev, vdev);
}

extern u32 macc_iso_cfg;
extern unsigned int macc_hisi_gen;

/* The kernel generation imitated where errnos differ (module parameter hisi_gen) */
#define MACC_GEN_OLD		613	/* 6.12 - 6.15 */
#define MACC_GEN_NEW		616	/* 6.16 and newer */

/* migtop_acc_main.c */
u32 macc_cmd_status(struct macc_dev *m);
u32 macc_qm_vf_state_reg(struct macc_dev *m);
int macc_mb(struct macc_dev *m);
int macc_wait_mb_ready(struct macc_dev *m);
int macc_wait_dev_not_ready(struct macc_dev *m);
const char *macc_state_name(int s);
void macc_payload_fill_page(struct macc_dev *m, unsigned int pg, u32 seed);

/* migtop_acc_hisi.c: the hisi_acc_vfio_pci types */
struct file *macc_hisi_step(struct macc_dev *m, enum vfio_device_mig_state new);
void macc_hisi_disable_fds(struct macc_dev *m);
void macc_hisi_wake(struct macc_dev *m);

/* migtop_acc_mig.c */
extern const struct vfio_migration_ops macc_mig_ops;
u32 macc_fill_vf_data(struct macc_dev *m, struct acc_vf_data *d, bool full);
int macc_read_regs(struct macc_dev *m, struct acc_vf_data *d);
void macc_disable_files(struct macc_dev *m);
void macc_wake_saving(struct macc_dev *m);

/* migtop_acc_debugfs.c */
int macc_debugfs_module_init(void);
void macc_debugfs_module_exit(void);
void macc_debugfs_init(struct macc_dev *m);
void macc_debugfs_exit(struct macc_dev *m);

#endif /* MIGTOP_ACC_H */
