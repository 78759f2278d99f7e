// SPDX-License-Identifier: GPL-2.0-only
/*
 * migtop_acc: migration of the hisi-imitating types (q16, q8, hpre).
 *
 * drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c, step by step: the data
 * file carries exactly struct acc_vf_data (40 bytes of match data in
 * PRE_COPY, 176 or 40 after STOP_COPY), the destination checks the match
 * data on every write once 40 bytes have arrived (vf_qm_check_match), and
 * RESUMING -> STOP loads it (vf_qm_load_data).  Every kernel log line of
 * these paths is logged the same way on the mdev device.  The hardware
 * (the PF's queue table, the mailbox, QM_VF_STATE) is the register file of
 * migtop_acc_main.c.  The contract is kernel/README.md.
 */

#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "migtop_acc.h"

#define QM_XQC_ADDR_LOW		1
#define QM_XQC_ADDR_HIGH	2

static inline u32 hreg(struct macc_dev *m, unsigned int off)
{
	return READ_ONCE(m->regs[off / 4]);
}

static inline void set_hreg(struct macc_dev *m, unsigned int off, u32 v)
{
	WRITE_ONCE(m->regs[off / 4], v);
}

/* An errno the 6.12-6.15 driver turned into EINVAL and newer ones pass through */
static int macc_gen_errno(int ret)
{
	return READ_ONCE(macc_hisi_gen) == MACC_GEN_OLD ? -EINVAL : ret;
}

/* qm_get_regs() */
static void macc_get_regs(struct macc_dev *m, struct acc_vf_data *d)
{
	int i;

	d->aeq_int_mask = cpu_to_le32(hreg(m, MACC_REG_AEQ_INT_MASK));
	d->eq_int_mask = cpu_to_le32(hreg(m, MACC_REG_EQ_INT_MASK));
	d->ifc_int_source = cpu_to_le32(hreg(m, MACC_REG_IFC_INT_SOURCE));
	d->ifc_int_mask = cpu_to_le32(hreg(m, MACC_REG_IFC_INT_MASK));
	d->ifc_int_set = cpu_to_le32(hreg(m, MACC_REG_IFC_INT_SET));
	d->page_size = cpu_to_le32(hreg(m, MACC_REG_PAGE_SIZE));
	for (i = 0; i < MACC_QC_DWORDS; i++) {
		d->qm_eqc_dw[i] = cpu_to_le32(hreg(m, MACC_REG_EQC_DW0 + 4 * i));
		d->qm_aeqc_dw[i] = cpu_to_le32(hreg(m, MACC_REG_AEQC_DW0 + 4 * i));
	}
}

static u64 macc_xqc_dma(const __le32 *dw)
{
	return (u64)le32_to_cpu(dw[QM_XQC_ADDR_HIGH]) << 32 | le32_to_cpu(dw[QM_XQC_ADDR_LOW]);
}

static u64 macc_reg64(struct macc_dev *m, unsigned int lo)
{
	return (u64)hreg(m, lo + 4) << 32 | hreg(m, lo);
}

/*
 * vf_qm_read_data(): the registers, the EQ/AEQ addresses from the context
 * words, the SQC/CQC addresses through the mailbox (SQC_BT, CQC_BT).
 */
int macc_read_regs(struct macc_dev *m, struct acc_vf_data *d)
{
	struct device *dev = m->vdev.dev;
	int ret;

	macc_get_regs(m, d);
	d->eqe_dma = cpu_to_le64(macc_xqc_dma(d->qm_eqc_dw));
	d->aeqe_dma = cpu_to_le64(macc_xqc_dma(d->qm_aeqc_dw));

	ret = macc_mb(m);
	if (ret) {
		dev_err(dev, "failed to read SQC addr!\n");
		return macc_gen_errno(ret);
	}
	d->sqc_dma = cpu_to_le64(macc_reg64(m, MACC_REG_SQC_DMA_LO));

	ret = macc_mb(m);
	if (ret) {
		dev_err(dev, "failed to read CQC addr!\n");
		return macc_gen_errno(ret);
	}
	d->cqc_dma = cpu_to_le64(macc_reg64(m, MACC_REG_CQC_DMA_LO));
	return 0;
}

/* vf_qm_get_match_data(): identity from the (emulated) PF */
static void macc_get_match_data(struct macc_dev *m, struct acc_vf_data *d)
{
	d->acc_magic = cpu_to_le64(ACC_DEV_MAGIC_V2);
	d->major_ver = cpu_to_le16(ACC_DRV_MAJOR_VER);
	d->minor_ver = cpu_to_le16(ACC_DRV_MINOR_VER);
	d->dev_id = cpu_to_le32(m->type->dev_id);
	d->qp_base = cpu_to_le32(m->type->qp_base);
	d->qp_num = cpu_to_le32(m->type->qp_num);
	d->que_iso_cfg = cpu_to_le32(READ_ONCE(macc_iso_cfg));
}

/* vf_qm_version_check(): V1 data gets its EQ/AEQ addresses from the context words */
static int macc_version_check(struct acc_vf_data *d, struct device *dev)
{
	switch (le64_to_cpu(d->acc_magic)) {
	case ACC_DEV_MAGIC_V2:
		if (le16_to_cpu(d->major_ver) != ACC_DRV_MAJOR_VER) {
			dev_info(dev, "migration driver version<%u.%u> not match!\n",
				 le16_to_cpu(d->major_ver), le16_to_cpu(d->minor_ver));
			return -EINVAL;
		}
		break;
	case ACC_DEV_MAGIC_V1:
		d->eqe_dma = cpu_to_le64(macc_xqc_dma(d->qm_eqc_dw));
		d->aeqe_dma = cpu_to_le64(macc_xqc_dma(d->qm_aeqc_dw));
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* vf_qm_check_match(), in its order and words */
static int macc_check_match(struct macc_dev *m, struct macc_hmigf *migf)
{
	struct acc_vf_data *d = &migf->vf_data;
	struct device *dev = m->vdev.dev;
	int ret;

	if (migf->total < QM_MATCH_SIZE || m->match_done)
		return 0;

	ret = macc_version_check(d, dev);
	if (ret) {
		dev_err(dev, "failed to match ACC_DEV_MAGIC\n");
		return ret;
	}
	if (le32_to_cpu(d->dev_id) != m->type->dev_id) {
		dev_err(dev, "failed to match VF devices\n");
		return -EINVAL;
	}
	/* qm_get_vft(): the VF's queue count, through the mailbox */
	ret = macc_mb(m);
	if (ret) {
		dev_err(dev, "failed to get vft qp nums\n");
		return ret;
	}
	if (le32_to_cpu(d->qp_num) != m->type->qp_num) {
		dev_err(dev, "failed to match VF qp num\n");
		return -EINVAL;
	}
	if (le32_to_cpu(d->que_iso_cfg) != READ_ONCE(macc_iso_cfg)) {
		dev_err(dev, "failed to match isolation state\n");
		return -EINVAL;
	}
	m->match_done = true;
	return 0;
}

/* vf_qm_state_save(): 40 bytes while the guest's QM driver is not running, else 176 */
static int macc_state_save(struct macc_dev *m, struct macc_hmigf *migf)
{
	struct acc_vf_data *d = &migf->vf_data;
	int ret = 0;

	mutex_lock(&migf->lock);
	if (macc_wait_dev_not_ready(m)) {
		d->vf_qm_state = cpu_to_le32(QM_NOT_READY);
		m->vf_qm_state = QM_NOT_READY;
		migf->total = QM_MATCH_SIZE;
	} else {
		d->vf_qm_state = cpu_to_le32(QM_READY);
		m->vf_qm_state = QM_READY;
		ret = macc_read_regs(m, d);
		if (ret)
			goto out;
		migf->total = sizeof(*d);
	}
	if (cmpxchg(&m->fi_corrupt_next, MACC_CORRUPT_TRUNCATE, MACC_CORRUPT_NONE) ==
	    MACC_CORRUPT_TRUNCATE)
		migf->total -= 16;	/* the stream ends 16 bytes early */
	migf->complete = true;
out:
	mutex_unlock(&migf->lock);
	wake_up_interruptible(&migf->poll_wait);
	return ret;
}

/* vf_qm_load_data() */
static int macc_load_data(struct macc_dev *m, struct macc_hmigf *migf)
{
	struct acc_vf_data *d = &migf->vf_data;
	struct device *dev = m->vdev.dev;
	int i, ret;

	if (migf->total == QM_MATCH_SIZE)
		return 0;	/* only the match data was transferred */
	if (migf->total < sizeof(*d))
		return -EINVAL;

	if (!d->eqe_dma || !d->aeqe_dma || !d->sqc_dma || !d->cqc_dma) {
		dev_info(dev, "resume dma addr is NULL!\n");
		m->vf_qm_state = QM_NOT_READY;
		return 0;
	}

	set_hreg(m, MACC_REG_VF_QM_STATE, le32_to_cpu(d->vf_qm_state));
	m->vf_qm_state = le32_to_cpu(d->vf_qm_state);
	set_hreg(m, MACC_REG_EQE_DMA_LO, lower_32_bits(le64_to_cpu(d->eqe_dma)));
	set_hreg(m, MACC_REG_EQE_DMA_HI, upper_32_bits(le64_to_cpu(d->eqe_dma)));
	set_hreg(m, MACC_REG_AEQE_DMA_LO, lower_32_bits(le64_to_cpu(d->aeqe_dma)));
	set_hreg(m, MACC_REG_AEQE_DMA_HI, upper_32_bits(le64_to_cpu(d->aeqe_dma)));

	/* qm_set_regs() */
	ret = macc_wait_mb_ready(m);
	if (ret) {
		dev_err(dev, "QM device is not ready to write\n");
		ret = READ_ONCE(macc_hisi_gen) == MACC_GEN_OLD ? -EBUSY : ret;
		dev_err(dev, "set VF regs failed\n");
		return ret;
	}
	set_hreg(m, MACC_REG_AEQ_INT_MASK, le32_to_cpu(d->aeq_int_mask));
	set_hreg(m, MACC_REG_EQ_INT_MASK, le32_to_cpu(d->eq_int_mask));
	set_hreg(m, MACC_REG_IFC_INT_SOURCE, le32_to_cpu(d->ifc_int_source));
	set_hreg(m, MACC_REG_IFC_INT_MASK, le32_to_cpu(d->ifc_int_mask));
	set_hreg(m, MACC_REG_IFC_INT_SET, le32_to_cpu(d->ifc_int_set));
	set_hreg(m, MACC_REG_PAGE_SIZE, le32_to_cpu(d->page_size));
	for (i = 0; i < MACC_QC_DWORDS; i++) {
		set_hreg(m, MACC_REG_EQC_DW0 + 4 * i, le32_to_cpu(d->qm_eqc_dw[i]));
		set_hreg(m, MACC_REG_AEQC_DW0 + 4 * i, le32_to_cpu(d->qm_aeqc_dw[i]));
	}

	ret = macc_mb(m);	/* QM_MB_CMD_SQC_BT */
	if (ret) {
		dev_err(dev, "set sqc failed\n");
		return ret;
	}
	set_hreg(m, MACC_REG_SQC_DMA_LO, lower_32_bits(le64_to_cpu(d->sqc_dma)));
	set_hreg(m, MACC_REG_SQC_DMA_HI, upper_32_bits(le64_to_cpu(d->sqc_dma)));
	ret = macc_mb(m);	/* QM_MB_CMD_CQC_BT */
	if (ret) {
		dev_err(dev, "set cqc failed\n");
		return ret;
	}
	set_hreg(m, MACC_REG_CQC_DMA_LO, lower_32_bits(le64_to_cpu(d->cqc_dma)));
	set_hreg(m, MACC_REG_CQC_DMA_HI, upper_32_bits(le64_to_cpu(d->cqc_dma)));

	/* qm_dev_cmd_init(): clear the communication status, enable PF-VF communication */
	set_hreg(m, MACC_REG_IFC_INT_SOURCE, 1);
	set_hreg(m, MACC_REG_IFC_INT_MASK, 0);
	return 0;
}

/* ---- the data files ---- */

static ssize_t macc_hsave_read(struct file *filp, char __user *buf, size_t len, loff_t *pos)
{
	struct macc_hmigf *migf = filp->private_data;
	u32 stall = READ_ONCE(migf->m->fi_stall_save_ms);
	ssize_t done = 0;

	if (pos)
		return -ESPIPE;
	if (stall)
		msleep_interruptible(stall);

	mutex_lock(&migf->lock);
	if (migf->pos > migf->total) {
		done = -EINVAL;
		goto out;
	}
	if (migf->disabled) {
		done = -ENODEV;
		goto out;
	}
	len = min_t(size_t, migf->total - migf->pos, len);
	if (len) {
		if (copy_to_user(buf, (u8 *)&migf->vf_data + migf->pos, len)) {
			done = -EFAULT;
			goto out;
		}
		migf->pos += len;
		done = len;
	}
out:
	mutex_unlock(&migf->lock);
	return done;
}

/* As mlx5vf_save_poll(): readable while bytes wait, at the end of the stream, or disabled */
static __poll_t macc_hsave_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct macc_hmigf *migf = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &migf->poll_wait, wait);
	mutex_lock(&migf->lock);
	if (migf->disabled)
		mask = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	else if (migf->pos < migf->total || migf->complete)
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&migf->lock);
	return mask;
}

/* hisi_acc_vf_precopy_ioctl() */
static long macc_hprecopy_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct macc_hmigf *migf = filp->private_data;
	struct macc_dev *m = migf->m;
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct vfio_precopy_info info;
	int ret = 0;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	mutex_lock(&m->state_mutex);
	if (m->mig_state != VFIO_DEVICE_STATE_PRE_COPY) {
		mutex_unlock(&m->state_mutex);
		return -EINVAL;
	}
	mutex_lock(&migf->lock);
	if (migf->disabled)
		ret = -ENODEV;
	else if (migf->pos > migf->total)
		ret = -EINVAL;
	info.dirty_bytes = 0;
	info.initial_bytes = migf->total - migf->pos;
	mutex_unlock(&migf->lock);
	mutex_unlock(&m->state_mutex);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/* hisi_acc_vf_resume_write(): the same checks in the same order */
static ssize_t macc_hresume_write(struct file *filp, const char __user *buf, size_t len,
				  loff_t *pos)
{
	struct macc_hmigf *migf = filp->private_data;
	loff_t requested;
	ssize_t done;

	if (pos)
		return -ESPIPE;

	mutex_lock(&migf->lock);
	if (check_add_overflow((loff_t)len, (loff_t)migf->total, &requested)) {
		done = -EINVAL;
		goto out;
	}
	if (requested > sizeof(struct acc_vf_data)) {
		done = -ENOMEM;
		goto out;
	}
	if (migf->disabled) {
		done = -ENODEV;
		goto out;
	}
	if (copy_from_user((u8 *)&migf->vf_data + migf->total, buf, len)) {
		done = -EFAULT;
		goto out;
	}
	migf->total += len;
	done = len;
	if (macc_check_match(migf->m, migf))
		done = -EFAULT;
out:
	mutex_unlock(&migf->lock);
	return done;
}

static int macc_hrelease(struct inode *inode, struct file *filp)
{
	struct macc_hmigf *migf = filp->private_data;
	struct macc_dev *m = migf->m;

	mutex_destroy(&migf->lock);
	kfree(migf);
	put_device(&m->vdev.device);	/* the file held the device */
	return 0;
}

static const struct file_operations macc_hsave_fops = {
	.owner = THIS_MODULE,
	.read = macc_hsave_read,
	.poll = macc_hsave_poll,
	.unlocked_ioctl = macc_hprecopy_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = macc_hrelease,
};

static const struct file_operations macc_hresume_fops = {
	.owner = THIS_MODULE,
	.write = macc_hresume_write,
	.release = macc_hrelease,
};

static struct macc_hmigf *macc_hmigf_new(struct macc_dev *m, bool saving)
{
	struct macc_hmigf *migf;
	struct file *filp;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	init_waitqueue_head(&migf->poll_wait);
	migf->m = m;
	filp = anon_inode_getfile("migtop_acc_mig", saving ? &macc_hsave_fops :
				  &macc_hresume_fops, migf, saving ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		mutex_destroy(&migf->lock);
		kfree(migf);
		return ERR_CAST(filp);
	}
	migf->filp = filp;
	stream_open(filp->f_inode, filp);
	get_device(&m->vdev.device);
	return migf;
}

/* hisi_acc_open_saving_migf(): the match data, corrupted when a fault asks for it */
static struct macc_hmigf *macc_open_saving(struct macc_dev *m)
{
	struct macc_hmigf *migf = macc_hmigf_new(m, true);
	struct acc_vf_data *d;

	if (IS_ERR(migf))
		return migf;
	d = &migf->vf_data;
	macc_get_match_data(m, d);
	switch (READ_ONCE(m->fi_corrupt_next)) {
	case MACC_CORRUPT_MAGIC:
		d->acc_magic = cpu_to_le64(~ACC_DEV_MAGIC_V2);
		break;
	case MACC_CORRUPT_VERSION:
		d->major_ver = cpu_to_le16(ACC_DRV_MAJOR_VER + 1);
		break;
	case MACC_CORRUPT_BYTE:
		d->qp_base = cpu_to_le32(le32_to_cpu(d->qp_base) ^ 1);
		break;
	default:
		return migf;	/* none, or truncate: applied when the state is saved */
	}
	WRITE_ONCE(m->fi_corrupt_next, MACC_CORRUPT_NONE);
	return migf;
}

/* hisi_acc_debug_migf_copy(): what migf_data shows */
static void macc_debug_migf_copy(struct macc_dev *m, struct macc_hmigf *migf)
{
	mutex_lock(&m->dbg_lock);
	mutex_lock(&migf->lock);
	m->mig_data_len = migf->total;
	memcpy(&m->mig_data, &migf->vf_data, sizeof(m->mig_data));
	mutex_unlock(&migf->lock);
	mutex_unlock(&m->dbg_lock);
}

/* hisi_acc_vf_disable_fd() */
static void macc_hdisable(struct macc_hmigf *migf)
{
	mutex_lock(&migf->lock);
	migf->disabled = true;
	migf->total = 0;
	migf->pos = 0;
	mutex_unlock(&migf->lock);
	wake_up_interruptible(&migf->poll_wait);
}

/* hisi_acc_vf_disable_fds(), with the debug copy of 6.13+ */
void macc_hisi_disable_fds(struct macc_dev *m)
{
	lockdep_assert_held(&m->state_mutex);

	if (m->hresuming) {
		macc_debug_migf_copy(m, m->hresuming);
		macc_hdisable(m->hresuming);
		fput(m->hresuming->filp);
		m->hresuming = NULL;
	}
	if (m->hsaving) {
		macc_debug_migf_copy(m, m->hsaving);
		macc_hdisable(m->hsaving);
		fput(m->hsaving->filp);
		m->hsaving = NULL;
	}
}

void macc_hisi_wake(struct macc_dev *m)
{
	if (m->hsaving)
		wake_up_interruptible(&m->hsaving->poll_wait);
}

/* hisi_acc_vf_stop_device(): pause the QM function through the mailbox */
static int macc_stop_device(struct macc_dev *m)
{
	int ret = macc_mb(m);	/* QM_MB_CMD_PAUSE_QM */

	if (ret)
		dev_err(m->vdev.dev, "failed to stop QM VF function!\n");
	return ret;
}

/* hisi_acc_vf_set_device_state(): one arc; the core never asks for another */
struct file *macc_hisi_step(struct macc_dev *m, enum vfio_device_mig_state new)
{
	enum vfio_device_mig_state cur = m->mig_state;
	struct macc_hmigf *migf;
	int ret;

	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_PRE_COPY) {
		migf = macc_open_saving(m);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		migf->total = QM_MATCH_SIZE;
		get_file(migf->filp);
		m->hsaving = migf;
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_STOP_COPY) {
		ret = macc_stop_device(m);
		if (!ret)
			ret = macc_state_save(m, m->hsaving);
		return ret ? ERR_PTR(ret) : NULL;
	}
	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_STOP) {
		ret = macc_stop_device(m);
		return ret ? ERR_PTR(ret) : NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY) {
		migf = macc_open_saving(m);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		ret = macc_state_save(m, migf);
		if (ret) {
			fput(migf->filp);
			return ERR_PTR(ret);
		}
		get_file(migf->filp);
		m->hsaving = migf;
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_STOP_COPY && new == VFIO_DEVICE_STATE_STOP) {
		macc_hisi_disable_fds(m);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RESUMING) {
		migf = macc_hmigf_new(m, false);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		m->hresuming = migf;
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_RESUMING && new == VFIO_DEVICE_STATE_STOP) {
		mutex_lock(&m->hresuming->lock);
		ret = macc_load_data(m, m->hresuming);
		mutex_unlock(&m->hresuming->lock);
		if (ret) {
			dev_err(m->vdev.dev, "failed to recover the VF!\n");
			return ERR_PTR(ret);
		}
		macc_hisi_disable_fds(m);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_RUNNING) {
		macc_hisi_disable_fds(m);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING)
		return NULL;	/* hisi_acc_vf_start_device(): doorbells only */

	/* vfio_mig_get_next_state() uses no other arc without P2P */
	return ERR_PTR(-EINVAL);
}
