// SPDX-License-Identifier: GPL-2.0-only
/*
 * migtop_acc: VFIO migration v2, the state machine of every type and the
 * migration of the p2p type (STOP_COPY | P2P | PRE_COPY, as mlx5 and pds).
 * The hisi types' arcs are in migtop_acc_hisi.c.
 *
 * p2p saving: a record stream (migtop_acc.h) read from the data_fd.
 * p2p resuming: the stream written to the data_fd is parsed record by record
 * into a staging area; nothing reaches the device before the RESUMING -> STOP
 * arc has checked the lengths, the headers, the crc32 of every record and
 * the hisi_acc match rules.
 */

#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vmalloc.h>

#include "migtop_acc.h"

#define HDR_LEN		sizeof(struct macc_hdr)

static inline u32 reg(struct macc_dev *m, unsigned int off)
{
	return m->regs[off / 4];
}

static inline u64 reg64(struct macc_dev *m, unsigned int lo)
{
	return ((u64)reg(m, lo + 4) << 32) | reg(m, lo);
}

static inline void set_reg64(struct macc_dev *m, unsigned int lo, u64 v)
{
	m->regs[lo / 4] = lower_32_bits(v);
	m->regs[lo / 4 + 1] = upper_32_bits(v);
}

/*
 * Build struct acc_vf_data from the register file; returns its migration
 * length.  Without @full, only the match part is filled while the guest
 * driver is not loaded (what the hisi driver migrates then).
 */
u32 macc_fill_vf_data(struct macc_dev *m, struct acc_vf_data *d, bool full)
{
	bool ready;
	int i;

	memset(d, 0, sizeof(*d));
	d->acc_magic = cpu_to_le64(ACC_DEV_MAGIC_V2);
	d->major_ver = cpu_to_le16(ACC_DRV_MAJOR_VER);
	d->minor_ver = cpu_to_le16(ACC_DRV_MINOR_VER);
	d->qp_num = cpu_to_le32(m->type->qp_num);
	d->dev_id = cpu_to_le32(m->type->dev_id);
	d->que_iso_cfg = cpu_to_le32(READ_ONCE(macc_iso_cfg));
	d->qp_base = cpu_to_le32(m->type->qp_base);
	ready = !macc_wait_dev_not_ready(m);
	d->vf_qm_state = cpu_to_le32(ready ? QM_READY : QM_NOT_READY);
	if (!ready && !full)
		return QM_MATCH_SIZE;

	d->aeq_int_mask = cpu_to_le32(reg(m, MACC_REG_AEQ_INT_MASK));
	d->eq_int_mask = cpu_to_le32(reg(m, MACC_REG_EQ_INT_MASK));
	d->ifc_int_source = cpu_to_le32(reg(m, MACC_REG_IFC_INT_SOURCE));
	d->ifc_int_mask = cpu_to_le32(reg(m, MACC_REG_IFC_INT_MASK));
	d->ifc_int_set = cpu_to_le32(reg(m, MACC_REG_IFC_INT_SET));
	d->page_size = cpu_to_le32(reg(m, MACC_REG_PAGE_SIZE));
	for (i = 0; i < MACC_QC_DWORDS; i++) {
		d->qm_eqc_dw[i] = cpu_to_le32(reg(m, MACC_REG_EQC_DW0 + 4 * i));
		d->qm_aeqc_dw[i] = cpu_to_le32(reg(m, MACC_REG_AEQC_DW0 + 4 * i));
	}
	d->eqe_dma = cpu_to_le64(reg64(m, MACC_REG_EQE_DMA_LO));
	d->aeqe_dma = cpu_to_le64(reg64(m, MACC_REG_AEQE_DMA_LO));
	d->sqc_dma = cpu_to_le64(reg64(m, MACC_REG_SQC_DMA_LO));
	d->cqc_dma = cpu_to_le64(reg64(m, MACC_REG_CQC_DMA_LO));
	return ready ? sizeof(*d) : QM_MATCH_SIZE;
}

static void macc_load_vf_data(struct macc_dev *m, const struct acc_vf_data *d)
{
	int i;

	m->regs[MACC_REG_VF_QM_STATE / 4] = le32_to_cpu(d->vf_qm_state);
	m->vf_qm_state = le32_to_cpu(d->vf_qm_state);
	if (m->vf_qm_state != QM_READY)
		return;

	m->regs[MACC_REG_AEQ_INT_MASK / 4] = le32_to_cpu(d->aeq_int_mask);
	m->regs[MACC_REG_EQ_INT_MASK / 4] = le32_to_cpu(d->eq_int_mask);
	m->regs[MACC_REG_IFC_INT_SOURCE / 4] = le32_to_cpu(d->ifc_int_source);
	m->regs[MACC_REG_IFC_INT_MASK / 4] = le32_to_cpu(d->ifc_int_mask);
	m->regs[MACC_REG_IFC_INT_SET / 4] = le32_to_cpu(d->ifc_int_set);
	m->regs[MACC_REG_PAGE_SIZE / 4] = le32_to_cpu(d->page_size);
	for (i = 0; i < MACC_QC_DWORDS; i++) {
		m->regs[MACC_REG_EQC_DW0 / 4 + i] = le32_to_cpu(d->qm_eqc_dw[i]);
		m->regs[MACC_REG_AEQC_DW0 / 4 + i] = le32_to_cpu(d->qm_aeqc_dw[i]);
	}
	set_reg64(m, MACC_REG_EQE_DMA_LO, le64_to_cpu(d->eqe_dma));
	set_reg64(m, MACC_REG_AEQE_DMA_LO, le64_to_cpu(d->aeqe_dma));
	set_reg64(m, MACC_REG_SQC_DMA_LO, le64_to_cpu(d->sqc_dma));
	set_reg64(m, MACC_REG_CQC_DMA_LO, le64_to_cpu(d->cqc_dma));
}

/* The hisi_acc driver's match rules and words, applied by the p2p type at the load */
static int macc_p2p_check_match(struct macc_dev *m, const struct acc_vf_data *d)
{
	struct device *dev = m->vdev.dev;
	u64 magic = le64_to_cpu(d->acc_magic);

	if (magic == ACC_DEV_MAGIC_V2 &&
	    le16_to_cpu(d->major_ver) != ACC_DRV_MAJOR_VER)
		dev_info(dev, "migration driver version<%u.%u> not match!\n",
			 le16_to_cpu(d->major_ver), le16_to_cpu(d->minor_ver));
	if ((magic != ACC_DEV_MAGIC_V1 && magic != ACC_DEV_MAGIC_V2) ||
	    (magic == ACC_DEV_MAGIC_V2 && le16_to_cpu(d->major_ver) != ACC_DRV_MAJOR_VER)) {
		dev_err(dev, "failed to match ACC_DEV_MAGIC\n");
		return -EINVAL;
	}
	if (le32_to_cpu(d->dev_id) != m->type->dev_id) {
		dev_err(dev, "failed to match VF devices\n");
		return -EINVAL;
	}
	if (le32_to_cpu(d->qp_num) != m->type->qp_num) {
		dev_err(dev, "failed to match VF qp num\n");
		return -EINVAL;
	}
	if (le32_to_cpu(d->que_iso_cfg) != READ_ONCE(macc_iso_cfg)) {
		dev_err(dev, "failed to match isolation state\n");
		return -EINVAL;
	}
	return 0;
}

static u32 macc_record_crc(const struct macc_hdr *hdr, const u8 *body, size_t len)
{
	struct macc_hdr h = *hdr;
	u32 crc;

	h.crc32 = 0;
	crc = crc32_le(~0U, (const u8 *)&h, sizeof(h));
	return crc32_le(crc, body, len);
}

/*
 * Allocate a record of @state_len bytes of state and @plen bytes of payload
 * taken from payload offset @poff.  Called with state_mutex held.
 */
static u8 *macc_build_record(struct macc_dev *m, const struct acc_vf_data *d,
			     u32 state_len, size_t poff, size_t plen, size_t *len)
{
	struct macc_hdr *h;
	u8 *rec;

	*len = HDR_LEN + state_len + plen;
	rec = kvzalloc(*len, GFP_KERNEL_ACCOUNT);
	if (!rec)
		return NULL;
	h = (struct macc_hdr *)rec;
	h->magic = cpu_to_le32(MACC_STREAM_MAGIC);
	h->version = cpu_to_le16(MACC_STREAM_VERSION);
	h->hdr_len = cpu_to_le16(HDR_LEN);
	h->state_len = cpu_to_le32(state_len);
	h->flags = cpu_to_le32(plen ? MACC_STREAM_F_PAYLOAD : 0);
	h->payload_len = cpu_to_le64(plen);
	h->payload_off = cpu_to_le32(poff);
	if (state_len)
		memcpy(rec + HDR_LEN, d, state_len);
	if (plen)
		memcpy(rec + HDR_LEN + state_len, m->payload + poff, plen);
	h->crc32 = cpu_to_le32(macc_record_crc(h, rec + HDR_LEN, *len - HDR_LEN));
	return rec;
}

static void macc_corrupt_record(struct macc_migf *migf)
{
	struct macc_hdr *h = (struct macc_hdr *)migf->buf;
	struct acc_vf_data *d = (struct acc_vf_data *)(migf->buf + HDR_LEN);
	bool recrc = false;

	switch (migf->corrupt) {
	case MACC_CORRUPT_MAGIC:	/* valid stream, foreign device magic */
		d->acc_magic = cpu_to_le64(~ACC_DEV_MAGIC_V2);
		recrc = true;
		break;
	case MACC_CORRUPT_VERSION:	/* valid stream, unknown major version */
		d->major_ver = cpu_to_le16(ACC_DRV_MAJOR_VER + 1);
		recrc = true;
		break;
	case MACC_CORRUPT_BYTE:		/* a flipped bit in the state */
		migf->buf[HDR_LEN + offsetof(struct acc_vf_data, qp_base)] ^= 0x01;
		break;
	case MACC_CORRUPT_TRUNCATE:	/* the stream ends inside the last record */
		migf->buf_len -= min_t(size_t, migf->buf_len - HDR_LEN, 16);
		break;
	case MACC_CORRUPT_CRC:
		h->crc32 = cpu_to_le32(le32_to_cpu(h->crc32) ^ 0xdeadbeef);
		break;
	default:
		break;
	}
	if (recrc) {
		u64 plen = le64_to_cpu(h->payload_len);
		size_t body = le32_to_cpu(h->state_len) + plen;

		h->crc32 = cpu_to_le32(macc_record_crc(h, migf->buf + HDR_LEN, body));
		memcpy(&migf->vf_data, d, sizeof(migf->vf_data));
	}
	migf->corrupt = MACC_CORRUPT_NONE;
}

static void macc_set_buf(struct macc_migf *migf, u8 *rec, size_t len, bool initial)
{
	kvfree(migf->buf);
	migf->buf = rec;
	migf->buf_len = len;
	migf->buf_pos = 0;
	migf->buf_initial = initial;
}

/*
 * Produce the next record of a saving stream when the previous one has been
 * read: dirty pages first, then (in STOP_COPY) the state.  Returns 0 with a
 * record in migf->buf, -ENOMSG at the temporary end of a pre-copy stream,
 * -ENODATA at the end of the stream, or an errno.
 */
static int macc_next_record(struct macc_dev *m, struct macc_migf *migf)
{
	struct acc_vf_data d;
	size_t len, plen = 0;
	u32 state_len;
	u8 *rec;

	lockdep_assert_held(&m->state_mutex);
	lockdep_assert_held(&migf->lock);

	if (m->ndirty) {
		unsigned int pg = find_first_bit(m->dirty, m->npages);
		size_t off = (size_t)pg * MACC_PG_SIZE;

		plen = min_t(size_t, MACC_PG_SIZE, m->payload_len - off);
		rec = macc_build_record(m, NULL, 0, off, plen, &len);
		if (!rec)
			return -ENOMEM;
		__clear_bit(pg, m->dirty);
		m->ndirty--;
		macc_set_buf(migf, rec, len, false);
		return 0;
	}
	if (!migf->stopcopy)
		return -ENOMSG;
	if (migf->final_done)
		return -ENODATA;

	state_len = macc_fill_vf_data(m, &d, false);
	if (!migf->precopy)
		plen = m->payload_len;
	rec = macc_build_record(m, &d, state_len, 0, plen, &len);
	if (!rec)
		return -ENOMEM;
	memcpy(&migf->vf_data, &d, sizeof(d));
	migf->state_len = state_len;
	migf->final_done = true;
	m->tracking = false;
	macc_set_buf(migf, rec, len, false);
	if (migf->corrupt != MACC_CORRUPT_NONE)
		macc_corrupt_record(migf);
	return 0;
}

static ssize_t macc_save_read(struct file *filp, char __user *buf, size_t len,
			      loff_t *pos)
{
	struct macc_migf *migf = filp->private_data;
	struct macc_dev *m = migf->m;
	u32 stall = READ_ONCE(m->fi_stall_save_ms);
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	if (stall)
		msleep_interruptible(stall);

	mutex_lock(&m->state_mutex);
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		mutex_unlock(&m->state_mutex);
		ret = -ENODEV;
		goto out;
	}
	if (migf->buf_pos == migf->buf_len) {
		ret = macc_next_record(m, migf);
		if (ret) {
			mutex_unlock(&m->state_mutex);
			if (ret == -ENODATA)
				ret = 0;
			goto out;
		}
	}
	mutex_unlock(&m->state_mutex);

	len = min(len, migf->buf_len - migf->buf_pos);
	if (copy_to_user(buf, migf->buf + migf->buf_pos, len)) {
		ret = -EFAULT;
		goto out;
	}
	migf->buf_pos += len;
	migf->total += len;
	ret = len;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

/*
 * As mlx5vf_save_poll(): readable while a record or dirty pages wait, in
 * STOP_COPY (the state record or the end of the stream), or when disabled.
 */
static __poll_t macc_save_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct macc_migf *migf = filp->private_data;
	struct macc_dev *m = migf->m;
	__poll_t mask = 0;

	poll_wait(filp, &migf->poll_wait, wait);
	mutex_lock(&m->state_mutex);
	mutex_lock(&migf->lock);
	if (migf->disabled)
		mask = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	else if (migf->buf_pos < migf->buf_len || m->ndirty || migf->stopcopy)
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&migf->lock);
	mutex_unlock(&m->state_mutex);
	return mask;
}

/* New pre-copy data (dirty pages) or a state change: wake pollers of the saving file */
void macc_wake_saving(struct macc_dev *m)
{
	lockdep_assert_held(&m->state_mutex);
	if (m->saving_migf)
		wake_up_interruptible(&m->saving_migf->poll_wait);
	macc_hisi_wake(m);
}

static long macc_precopy_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct macc_migf *migf = filp->private_data;
	struct macc_dev *m = migf->m;
	struct vfio_precopy_info info = {};
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	size_t left;
	int ret = 0;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	mutex_lock(&m->state_mutex);
	if (m->mig_state != VFIO_DEVICE_STATE_PRE_COPY &&
	    m->mig_state != VFIO_DEVICE_STATE_PRE_COPY_P2P) {
		ret = -EINVAL;
		goto unlock;
	}
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
	} else {
		left = migf->buf_len - migf->buf_pos;
		info.initial_bytes = migf->buf_initial ? left : 0;
		info.dirty_bytes = migf->buf_initial ? 0 : left;
		info.dirty_bytes += (u64)m->ndirty * (HDR_LEN + MACC_PG_SIZE);
	}
	mutex_unlock(&migf->lock);
unlock:
	mutex_unlock(&m->state_mutex);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static void macc_stage_free(struct macc_migf *migf)
{
	kvfree(migf->rec);
	migf->rec = NULL;
	vfree(migf->stage);
	migf->stage = NULL;
}

static int macc_release_migf(struct inode *inode, struct file *filp)
{
	struct macc_migf *migf = filp->private_data;
	struct macc_dev *m = migf->m;

	kvfree(migf->buf);
	macc_stage_free(migf);
	mutex_destroy(&migf->lock);
	kfree(migf);
	/* The file held the device: its memory may go now */
	put_device(&m->vdev.device);
	return 0;
}

static const struct file_operations macc_save_fops = {
	.owner = THIS_MODULE,
	.read = macc_save_read,
	.poll = macc_save_poll,
	.unlocked_ioctl = macc_precopy_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = macc_release_migf,
};

static void macc_resume_fail(struct macc_migf *migf, int err, const char *msg)
{
	if (!migf->err) {
		migf->err = err;
		migf->errmsg = msg;
	}
	kvfree(migf->rec);
	migf->rec = NULL;
}

/* Validate a complete record header and allocate its body */
static void macc_resume_header(struct macc_dev *m, struct macc_migf *migf)
{
	struct macc_hdr *h = &migf->hdr;
	u32 state_len, flags, poff;
	u64 plen;

	memcpy(h, migf->hdr_raw, HDR_LEN);
	state_len = le32_to_cpu(h->state_len);
	flags = le32_to_cpu(h->flags);
	plen = le64_to_cpu(h->payload_len);
	poff = le32_to_cpu(h->payload_off);

	if (le32_to_cpu(h->magic) != MACC_STREAM_MAGIC ||
	    le16_to_cpu(h->version) != MACC_STREAM_VERSION ||
	    le16_to_cpu(h->hdr_len) != HDR_LEN) {
		macc_resume_fail(migf, -EINVAL, "bad migration stream header");
		return;
	}
	if (migf->have_state) {
		macc_resume_fail(migf, -EINVAL, "data after the final migration record");
		return;
	}
	if ((state_len != 0 && state_len != QM_MATCH_SIZE &&
	     state_len != sizeof(struct acc_vf_data)) ||
	    !!(flags & MACC_STREAM_F_PAYLOAD) != !!plen ||
	    (flags & ~MACC_STREAM_F_PAYLOAD) ||
	    (!state_len && !plen) ||
	    plen > m->payload_len || poff > m->payload_len - plen) {
		macc_resume_fail(migf, -EINVAL, "migration stream length out of bounds");
		return;
	}
	migf->rec_len = state_len + plen;
	migf->rec_fill = 0;
	migf->rec = kvmalloc(migf->rec_len, GFP_KERNEL_ACCOUNT);
	if (!migf->rec)
		macc_resume_fail(migf, -ENOMEM, "out of memory");
}

/* A record is complete: check its crc, then stage it */
static void macc_resume_record(struct macc_dev *m, struct macc_migf *migf)
{
	struct macc_hdr *h = &migf->hdr;
	u32 state_len = le32_to_cpu(h->state_len);
	u64 plen = le64_to_cpu(h->payload_len);

	if (macc_record_crc(h, migf->rec, migf->rec_len) != le32_to_cpu(h->crc32)) {
		macc_resume_fail(migf, -EINVAL, "migration stream crc mismatch");
		return;
	}
	if (plen) {
		if (!migf->stage) {
			migf->stage = vzalloc(m->payload_len);
			if (!migf->stage) {
				macc_resume_fail(migf, -ENOMEM, "out of memory");
				return;
			}
		}
		memcpy(migf->stage + le32_to_cpu(h->payload_off), migf->rec + state_len,
		       plen);
	}
	if (state_len) {
		memset(&migf->vf_data, 0, sizeof(migf->vf_data));
		memcpy(&migf->vf_data, migf->rec, state_len);
		migf->state_len = state_len;
		migf->have_state = true;
	}
	kvfree(migf->rec);
	migf->rec = NULL;
	migf->hdr_fill = 0;
}

static ssize_t macc_resume_write(struct file *filp, const char __user *buf,
				 size_t len, loff_t *pos)
{
	struct macc_migf *migf = filp->private_data;
	struct macc_dev *m = migf->m;
	size_t done = 0, n;
	ssize_t ret;

	if (pos)
		return -ESPIPE;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	while (done < len && !migf->err) {
		if (migf->hdr_fill < HDR_LEN) {
			n = min(len - done, HDR_LEN - migf->hdr_fill);
			if (copy_from_user(migf->hdr_raw + migf->hdr_fill, buf + done, n)) {
				ret = -EFAULT;
				goto out;
			}
			migf->hdr_fill += n;
			done += n;
			if (migf->hdr_fill == HDR_LEN)
				macc_resume_header(m, migf);
			continue;
		}
		n = min(len - done, migf->rec_len - migf->rec_fill);
		if (copy_from_user(migf->rec + migf->rec_fill, buf + done, n)) {
			ret = -EFAULT;
			goto out;
		}
		migf->rec_fill += n;
		done += n;
		if (migf->rec_fill == migf->rec_len)
			macc_resume_record(m, migf);
	}
	/* A rejected stream is drained; the RESUMING -> STOP arc reports it */
	migf->total += len;
	ret = len;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static const struct file_operations macc_resume_fops = {
	.owner = THIS_MODULE,
	.write = macc_resume_write,
	.release = macc_release_migf,
};

static struct macc_migf *macc_migf_new(struct macc_dev *m, bool saving)
{
	struct macc_migf *migf;
	struct file *filp;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	init_waitqueue_head(&migf->poll_wait);
	migf->m = m;
	filp = anon_inode_getfile("migtop_acc_mig", saving ? &macc_save_fops :
				  &macc_resume_fops, migf, saving ? O_RDONLY : O_WRONLY);
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

/* Remember the data of a completed migration for migf_data */
static void macc_record_migration(struct macc_dev *m, struct macc_migf *migf)
{
	mutex_lock(&m->dbg_lock);
	memcpy(&m->mig_data, &migf->vf_data, sizeof(m->mig_data));
	m->mig_data_len = migf->state_len;
	mutex_unlock(&m->dbg_lock);
}

static void macc_disable_file(struct macc_migf *migf)
{
	mutex_lock(&migf->lock);
	migf->disabled = true;
	kvfree(migf->buf);
	migf->buf = NULL;
	migf->buf_len = 0;
	migf->buf_pos = 0;
	macc_stage_free(migf);
	mutex_unlock(&migf->lock);
	wake_up_interruptible(&migf->poll_wait);
}

/* End the data streams: reads and writes fail with ENODEV from now on */
void macc_disable_files(struct macc_dev *m)
{
	lockdep_assert_held(&m->state_mutex);

	macc_hisi_disable_fds(m);

	if (m->saving_migf) {
		if (m->saving_migf->final_done)
			macc_record_migration(m, m->saving_migf);
		macc_disable_file(m->saving_migf);
		fput(m->saving_migf->filp);
		m->saving_migf = NULL;
	}
	if (m->resuming_migf) {
		macc_disable_file(m->resuming_migf);
		fput(m->resuming_migf->filp);
		m->resuming_migf = NULL;
	}
	m->tracking = false;
}

static struct file *macc_start_saving(struct macc_dev *m, bool precopy)
{
	struct macc_migf *migf;
	size_t len;
	u8 *rec;

	if (READ_ONCE(m->fi_cmd_fail))
		return ERR_PTR(-EIO);

	migf = macc_migf_new(m, true);
	if (IS_ERR(migf))
		return ERR_CAST(migf);
	migf->precopy = precopy;
	migf->stopcopy = !precopy;
	migf->corrupt = xchg(&m->fi_corrupt_next, MACC_CORRUPT_NONE);
	if (precopy && m->payload_len) {
		/* The initial bytes: a snapshot of the whole payload */
		rec = macc_build_record(m, NULL, 0, 0, m->payload_len, &len);
		if (!rec) {
			fput(migf->filp);
			return ERR_PTR(-ENOMEM);
		}
		macc_set_buf(migf, rec, len, true);
		bitmap_zero(m->dirty, m->npages);
		m->ndirty = 0;
		m->tracking = true;
	}
	m->saving_migf = migf;
	get_file(migf->filp);
	return migf->filp;
}

static int macc_stop_copy(struct macc_dev *m)
{
	struct macc_migf *migf = m->saving_migf;

	if (READ_ONCE(m->fi_cmd_fail))
		return -EIO;
	mutex_lock(&migf->lock);
	migf->stopcopy = true;
	mutex_unlock(&migf->lock);
	wake_up_interruptible(&migf->poll_wait);
	return 0;
}

static int macc_finish_resume(struct macc_dev *m)
{
	struct macc_migf *migf = m->resuming_migf;
	struct device *dev = m->vdev.dev;
	int ret;

	mutex_lock(&migf->lock);
	if (migf->err) {
		dev_err(dev, "%s\n", migf->errmsg);
		ret = migf->err == -ENOMEM ? -ENOMEM : -EINVAL;
		goto out;
	}
	if (migf->hdr_fill || !migf->have_state) {
		dev_err(dev, "migration stream truncated (%zu bytes)\n", migf->total);
		ret = -EINVAL;
		goto out;
	}
	ret = macc_p2p_check_match(m, &migf->vf_data);
	if (ret)
		goto out;

	macc_load_vf_data(m, &migf->vf_data);
	if (migf->stage)
		memcpy(m->payload, migf->stage, m->payload_len);
out:
	mutex_unlock(&migf->lock);
	if (!ret) {
		macc_record_migration(m, migf);
		macc_disable_files(m);
	}
	return ret;
}

static struct file *macc_p2p_step(struct macc_dev *m, enum vfio_device_mig_state new)
{
	enum vfio_device_mig_state cur = m->mig_state;
	struct macc_migf *migf;
	int ret;

	/* Arcs without device work: the emulated VF does no DMA */
	if ((cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P && new == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P && new == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_PRE_COPY_P2P) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P && new == VFIO_DEVICE_STATE_PRE_COPY))
		return NULL;

	if (cur == VFIO_DEVICE_STATE_RESUMING && new == VFIO_DEVICE_STATE_STOP) {
		ret = macc_finish_resume(m);
		return ret ? ERR_PTR(ret) : NULL;
	}

	/* Leaving a saving state ends the stream */
	if ((cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P && new == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == VFIO_DEVICE_STATE_STOP_COPY && new == VFIO_DEVICE_STATE_STOP)) {
		macc_disable_files(m);
		return NULL;
	}

	if ((cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_PRE_COPY) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P && new == VFIO_DEVICE_STATE_PRE_COPY_P2P))
		return macc_start_saving(m, true);

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY)
		return macc_start_saving(m, false);

	if ((cur == VFIO_DEVICE_STATE_PRE_COPY || cur == VFIO_DEVICE_STATE_PRE_COPY_P2P) &&
	    new == VFIO_DEVICE_STATE_STOP_COPY) {
		ret = macc_stop_copy(m);
		return ret ? ERR_PTR(ret) : NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RESUMING) {
		migf = macc_migf_new(m, false);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		m->resuming_migf = migf;
		get_file(migf->filp);
		return migf->filp;
	}

	/* vfio_mig_get_next_state() uses no other arc */
	return ERR_PTR(-EINVAL);
}

static struct file *macc_set_state(struct vfio_device *vdev,
				   enum vfio_device_mig_state new_state)
{
	struct macc_dev *m = to_macc(vdev);
	enum vfio_device_mig_state next;
	struct file *ret = NULL;
	int rc;

	mutex_lock(&m->state_mutex);
	/*
	 * As pds_vfio_set_device_state(): only a reset leaves ERROR, and
	 * vfio_mig_get_next_state() WARNs when asked to leave it, so never ask.
	 */
	while (m->mig_state != VFIO_DEVICE_STATE_ERROR && m->mig_state != new_state) {
		rc = vfio_mig_get_next_state(vdev, m->mig_state, new_state, &next);
		if (rc) {
			ret = ERR_PTR(rc);
			break;
		}
		if (m->type->p2p && READ_ONCE(m->fi_fail_next) == next &&
		    cmpxchg(&m->fi_fail_next, next, -1) == next) {
			dev_err(vdev->dev, "injected failure of the arc %s -> %s\n",
				macc_state_name(m->mig_state), macc_state_name(next));
			macc_disable_files(m);
			m->mig_state = VFIO_DEVICE_STATE_ERROR;
			break;
		}
		ret = m->type->p2p ? macc_p2p_step(m, next) : macc_hisi_step(m, next);
		if (IS_ERR(ret))
			break;
		m->mig_state = next;
		if (ret && next != new_state) {
			fput(ret);
			ret = ERR_PTR(-EINVAL);
			break;
		}
	}
	if (m->mig_state == VFIO_DEVICE_STATE_ERROR) {
		if (!IS_ERR_OR_NULL(ret))
			fput(ret);
		ret = ERR_PTR(-EIO);
	}
	mutex_unlock(&m->state_mutex);
	return ret;
}

static int macc_get_state(struct vfio_device *vdev, enum vfio_device_mig_state *state)
{
	struct macc_dev *m = to_macc(vdev);

	mutex_lock(&m->state_mutex);
	*state = m->mig_state;
	mutex_unlock(&m->state_mutex);
	return 0;
}

static int macc_get_data_size(struct vfio_device *vdev, unsigned long *stop_copy_length)
{
	struct macc_dev *m = to_macc(vdev);
	struct macc_migf *migf;
	struct acc_vf_data d;
	size_t len;

	if (!m->type->p2p) {
		*stop_copy_length = sizeof(struct acc_vf_data);	/* as hisi_acc */
		return 0;
	}
	mutex_lock(&m->state_mutex);
	len = HDR_LEN + macc_fill_vf_data(m, &d, false);
	migf = m->saving_migf;
	if (migf && migf->precopy) {
		mutex_lock(&migf->lock);
		len += migf->buf_len - migf->buf_pos;
		mutex_unlock(&migf->lock);
		len += (size_t)m->ndirty * (HDR_LEN + MACC_PG_SIZE);
	} else {
		len += m->payload_len;
	}
	mutex_unlock(&m->state_mutex);
	*stop_copy_length = len;
	return 0;
}

const struct vfio_migration_ops macc_mig_ops = {
	.migration_set_state = macc_set_state,
	.migration_get_state = macc_get_state,
	.migration_get_data_size = macc_get_data_size,
};
