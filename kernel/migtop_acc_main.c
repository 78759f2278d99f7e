// SPDX-License-Identifier: GPL-2.0-only
/*
 * migtop_acc: an emulated, migration-capable accelerator VF.
 *
 * The mdev parent, the types, the VFIO device (PCI config space, the BAR0
 * register file, reset) and the module.  Migration is in migtop_acc_mig.c,
 * debugfs in migtop_acc_debugfs.c.  The contract is kernel/README.md.
 */

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/pci_regs.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vmalloc.h>

#include "migtop_acc.h"

#define MACC_VERSION		"0.1.0"
#define MACC_MAX_INSTANCES	64
#define MACC_OFFSET_SHIFT	40
#define MACC_OFFSET_MASK	((1ULL << MACC_OFFSET_SHIFT) - 1)
#define MACC_INDEX_TO_OFFSET(i)	((u64)(i) << MACC_OFFSET_SHIFT)
#define MACC_CONFIG_SIZE	256
#define MACC_VENDOR_ID		0x19e5

static unsigned int payload_kib = 64;
module_param(payload_kib, uint, 0644);
MODULE_PARM_DESC(payload_kib,
		 "bulk payload per instance in KiB, read when an instance is created (0 disables)");

u32 macc_iso_cfg;
module_param_named(iso_cfg, macc_iso_cfg, uint, 0644);
MODULE_PARM_DESC(iso_cfg, "queue isolation register of the emulated PF");

unsigned int macc_hisi_gen = MACC_GEN_NEW;

static int macc_gen_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v != MACC_GEN_OLD && v != MACC_GEN_NEW)
		return -EINVAL;
	WRITE_ONCE(macc_hisi_gen, v);
	return 0;
}

static const struct kernel_param_ops macc_gen_ops = {
	.set = macc_gen_set,
	.get = param_get_uint,
};

module_param_cb(hisi_gen, &macc_gen_ops, &macc_hisi_gen, 0644);
MODULE_PARM_DESC(hisi_gen,
		 "hisi_acc_vfio_pci generation to imitate where errnos differ: 613 (6.12-6.15) or 616 (6.16+, default)");

static atomic_t macc_instances = ATOMIC_INIT(0);

static struct macc_type macc_types[] = {
	{ .type.sysfs_name = "q16", .type.pretty_name = "ACC VF, 16 queue pairs",
	  .qp_num = 16, .dev_id = 0xa256, .qp_base = 0 },
	{ .type.sysfs_name = "q8", .type.pretty_name = "ACC VF, 8 queue pairs",
	  .qp_num = 8, .dev_id = 0xa256, .qp_base = 16 },
	{ .type.sysfs_name = "hpre", .type.pretty_name = "HPRE VF, 16 queue pairs",
	  .qp_num = 16, .dev_id = 0xa259, .qp_base = 0 },
	{ .type.sysfs_name = "p2p", .type.pretty_name = "mlx5/pds-like VF, P2P and ERROR",
	  .qp_num = 16, .dev_id = 0xa256, .qp_base = 0, .p2p = true },
};

static struct mdev_type *macc_mdev_types[] = {
	&macc_types[0].type,
	&macc_types[1].type,
	&macc_types[2].type,
	&macc_types[3].type,
};

static struct {
	struct class *class;
	struct device dev;
	struct mdev_parent parent;
} macc_parent;

static const struct vfio_device_ops macc_dev_ops;

static const char * const macc_state_names[] = {
	[VFIO_DEVICE_STATE_ERROR] = "ERROR",
	[VFIO_DEVICE_STATE_STOP] = "STOP",
	[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
	[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
	[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
	[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
	[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
	[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
};

const char *macc_state_name(int s)
{
	if (s < 0 || s >= ARRAY_SIZE(macc_state_names))
		return "Invalid";
	return macc_state_names[s];
}

/* QM_MB_CMD_SEND_BASE: 0 when idle; a dead channel reads all ones */
u32 macc_cmd_status(struct macc_dev *m)
{
	return READ_ONCE(m->fi_cmd_fail) ? QM_MB_CMD_NOT_READY : 0;
}

/* QM_VF_STATE as the host reads it: bit 0 set while the guest's QM driver is not running */
u32 macc_qm_vf_state_reg(struct macc_dev *m)
{
	return READ_ONCE(m->regs[MACC_REG_VF_QM_STATE / 4]) |
	       (READ_ONCE(m->fi_guest_stop) ? QM_NOT_READY : 0);
}

/* hisi_qm_wait_mb_ready(): the mailbox's busy bit must clear */
int macc_wait_mb_ready(struct macc_dev *m)
{
	return (macc_cmd_status(m) >> QM_MB_BUSY_SHIFT) & 1 ? -ETIMEDOUT : 0;
}

/* hisi_qm_mb() as qm_mb_nolock() fails when the channel never gets ready */
int macc_mb(struct macc_dev *m)
{
	if (macc_wait_mb_ready(m)) {
		dev_err(m->vdev.dev, "QM mailbox is busy to start!\n");
		return -EBUSY;
	}
	return 0;
}

/* qm_wait_dev_not_ready(): 0 when the guest's QM driver runs, else -ETIMEDOUT */
int macc_wait_dev_not_ready(struct macc_dev *m)
{
	return macc_qm_vf_state_reg(m) & 1 ? -ETIMEDOUT : 0;
}

/* Deterministic payload content: xorshift32 seeded per page and generation */
void macc_payload_fill_page(struct macc_dev *m, unsigned int pg, u32 seed)
{
	size_t off = (size_t)pg * MACC_PG_SIZE;
	size_t len = min_t(size_t, MACC_PG_SIZE, m->payload_len - off);
	u32 x = seed ^ ((pg + 1) * 0x9e3779b9U) ^ (m->dirty_gen * 0x85ebca6bU);
	__le32 *w = (__le32 *)(m->payload + off);
	size_t i;

	if (!x)
		x = 1;
	for (i = 0; i < len / 4; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		w[i] = cpu_to_le32(x);
	}
}

static void macc_mark_dirty(struct macc_dev *m, unsigned int pg)
{
	if (m->tracking && !__test_and_set_bit(pg, m->dirty))
		m->ndirty++;
}

static void macc_payload_reseed(struct macc_dev *m, u32 seed)
{
	unsigned int pg;

	m->dirty_gen = 0;
	for (pg = 0; pg < m->npages; pg++) {
		macc_payload_fill_page(m, pg, seed);
		macc_mark_dirty(m, pg);
	}
}

static void macc_payload_dirty(struct macc_dev *m, u32 n)
{
	u32 seed = m->regs[MACC_REG_PAYLOAD_SEED / 4];
	u32 i;

	if (!m->npages)
		return;
	n = min_t(u32, n, m->npages);
	m->dirty_gen++;
	for (i = 0; i < n; i++) {
		unsigned int pg = m->dirty_cursor;

		m->dirty_cursor = (m->dirty_cursor + 1) % m->npages;
		macc_payload_fill_page(m, pg, seed);
		macc_mark_dirty(m, pg);
	}
}

static void macc_reset_regs(struct macc_dev *m)
{
	u32 seed = m->regs[MACC_REG_PAYLOAD_SEED / 4];

	memset(m->regs, 0, sizeof(m->regs));
	m->regs[MACC_REG_PAYLOAD_SEED / 4] = seed;
	m->regs[MACC_REG_VF_QM_STATE / 4] = QM_NOT_READY;	/* no guest driver yet */
}

static u32 macc_bar0_read(struct macc_dev *m, unsigned int off)
{
	switch (off) {
	case MACC_REG_DEV_ID:
		return m->type->dev_id;
	case MACC_REG_QP_NUM:
		return m->type->qp_num;
	case MACC_REG_QP_BASE:
		return m->type->qp_base;
	case MACC_REG_CMD_STATUS:
		return macc_cmd_status(m);
	case MACC_REG_VF_QM_STATE:
		return macc_qm_vf_state_reg(m);
	case MACC_REG_PAYLOAD_DIRTY:
		return 0;
	default:
		return m->regs[off / 4];
	}
}

/* Registers take writes in every migration state, as the hardware's do */
static int macc_bar0_write(struct macc_dev *m, unsigned int off, u32 val)
{
	switch (off) {
	case MACC_REG_DEV_ID:
	case MACC_REG_QP_NUM:
	case MACC_REG_QP_BASE:
	case MACC_REG_CMD_STATUS:
		break;		/* read-only: writes are ignored */
	case MACC_REG_PAYLOAD_SEED:
		m->regs[off / 4] = val;
		macc_payload_reseed(m, val);
		macc_wake_saving(m);
		break;
	case MACC_REG_PAYLOAD_DIRTY:
		macc_payload_dirty(m, val);
		macc_wake_saving(m);
		break;
	default:
		WRITE_ONCE(m->regs[off / 4], val);
		break;
	}
	return 0;
}

static void macc_create_config_space(struct macc_dev *m)
{
	u8 *c = m->vconfig;

	memset(c, 0, MACC_CONFIG_SIZE);
	*(__le16 *)&c[PCI_VENDOR_ID] = cpu_to_le16(MACC_VENDOR_ID);
	*(__le16 *)&c[PCI_DEVICE_ID] = cpu_to_le16(m->type->dev_id);
	c[PCI_REVISION_ID] = 0x21;
	c[PCI_CLASS_PROG] = 0;
	*(__le16 *)&c[PCI_CLASS_DEVICE] = cpu_to_le16(0x1080);	/* crypto, other */
	c[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	*(__le32 *)&c[PCI_BASE_ADDRESS_0] = cpu_to_le32(PCI_BASE_ADDRESS_SPACE_MEMORY |
							PCI_BASE_ADDRESS_MEM_TYPE_32);
	*(__le16 *)&c[PCI_SUBSYSTEM_VENDOR_ID] = cpu_to_le16(MACC_VENDOR_ID);
	*(__le16 *)&c[PCI_SUBSYSTEM_ID] = cpu_to_le16(m->type->dev_id);
}

static void macc_config_write(struct macc_dev *m, unsigned int off, const u8 *buf,
			      size_t count)
{
	size_t i;

	for (i = 0; i < count; i++, off++) {
		if (off == PCI_COMMAND || off == PCI_COMMAND + 1 ||
		    (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_0 + 4))
			m->vconfig[off] = buf[i];
	}
	/* BAR0 sizing: the low bits encode the size and the memory type */
	m->vconfig[PCI_BASE_ADDRESS_0] = PCI_BASE_ADDRESS_SPACE_MEMORY |
					 PCI_BASE_ADDRESS_MEM_TYPE_32;
	m->vconfig[PCI_BASE_ADDRESS_0 + 1] &= ~((MACC_BAR0_SIZE >> 8) - 1);
}

static ssize_t macc_rw(struct vfio_device *vdev, char __user *ubuf, size_t count,
		       loff_t *ppos, bool is_write)
{
	struct macc_dev *m = to_macc(vdev);
	unsigned int index = *ppos >> MACC_OFFSET_SHIFT;
	u64 off = *ppos & MACC_OFFSET_MASK;
	u8 cbuf[MACC_CONFIG_SIZE];
	__le32 val;
	int ret = 0;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		if (off >= MACC_CONFIG_SIZE || count > MACC_CONFIG_SIZE - off)
			return -EINVAL;
		if (is_write) {
			if (copy_from_user(cbuf, ubuf, count))
				return -EFAULT;
			mutex_lock(&m->state_mutex);
			macc_config_write(m, off, cbuf, count);
			mutex_unlock(&m->state_mutex);
		} else {
			mutex_lock(&m->state_mutex);
			memcpy(cbuf, m->vconfig + off, count);
			mutex_unlock(&m->state_mutex);
			if (copy_to_user(ubuf, cbuf, count))
				return -EFAULT;
		}
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		if (count != 4 || off % 4 || off >= MACC_BAR0_SIZE)
			return -EINVAL;
		if (is_write) {
			if (copy_from_user(&val, ubuf, 4))
				return -EFAULT;
			mutex_lock(&m->state_mutex);
			ret = macc_bar0_write(m, off, le32_to_cpu(val));
			mutex_unlock(&m->state_mutex);
			if (ret)
				return ret;
		} else {
			mutex_lock(&m->state_mutex);
			val = cpu_to_le32(macc_bar0_read(m, off));
			mutex_unlock(&m->state_mutex);
			if (copy_to_user(ubuf, &val, 4))
				return -EFAULT;
		}
		break;
	default:
		return -EINVAL;
	}
	*ppos += count;
	return count;
}

static ssize_t macc_read(struct vfio_device *vdev, char __user *buf, size_t count,
			 loff_t *ppos)
{
	return macc_rw(vdev, buf, count, ppos, false);
}

static ssize_t macc_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	return macc_rw(vdev, (char __user *)buf, count, ppos, true);
}

/* A function reset, then hisi_acc_vf_reset() from the reset_done handler */
static int macc_reset(struct macc_dev *m)
{
	mutex_lock(&m->state_mutex);
	macc_reset_regs(m);
	m->vf_qm_state = QM_NOT_READY;
	m->mig_state = VFIO_DEVICE_STATE_RUNNING;
	macc_disable_files(m);
	mutex_unlock(&m->state_mutex);
	return 0;
}

static long macc_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct macc_dev *m = to_macc(vdev);
	void __user *uarg = (void __user *)arg;
	unsigned long minsz;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
			return -EINVAL;
		info.offset = MACC_INDEX_TO_OFFSET(info.index);
		info.flags = 0;
		info.size = 0;
		if (info.index == VFIO_PCI_CONFIG_REGION_INDEX)
			info.size = MACC_CONFIG_SIZE;
		else if (info.index == VFIO_PCI_BAR0_REGION_INDEX)
			info.size = MACC_BAR0_SIZE;
		if (info.size)
			info.flags = VFIO_REGION_INFO_FLAG_READ |
				     VFIO_REGION_INFO_FLAG_WRITE;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;

		minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		info.flags = 0;
		info.count = 0;		/* the emulated VF raises no interrupts */
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return -EINVAL;
	case VFIO_DEVICE_RESET:
		return macc_reset(m);
	}
	return -ENOTTY;
}

static int macc_open_device(struct vfio_device *vdev)
{
	struct macc_dev *m = to_macc(vdev);

	mutex_lock(&m->open_mutex);
	mutex_lock(&m->state_mutex);
	m->mig_state = VFIO_DEVICE_STATE_RUNNING;
	m->match_done = false;
	mutex_unlock(&m->state_mutex);
	m->opened = true;
	mutex_unlock(&m->open_mutex);
	return 0;
}

static void macc_close_device(struct vfio_device *vdev)
{
	struct macc_dev *m = to_macc(vdev);

	mutex_lock(&m->state_mutex);
	macc_disable_files(m);
	mutex_unlock(&m->state_mutex);
	mutex_lock(&m->open_mutex);
	m->opened = false;
	mutex_unlock(&m->open_mutex);
}

static int macc_init_dev(struct vfio_device *vdev)
{
	struct macc_dev *m = to_macc(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	unsigned int kib = READ_ONCE(payload_kib);
	int ret;

	if (kib > MACC_PAYLOAD_KIB_MAX)
		return -EINVAL;
	if (atomic_inc_return(&macc_instances) > MACC_MAX_INSTANCES) {
		ret = -ENOSPC;
		goto err_count;
	}

	m->type = container_of(mdev->type, struct macc_type, type);
	/* Only the p2p type carries a bulk payload: hisi streams are acc_vf_data alone */
	m->payload_len = m->type->p2p ? (size_t)kib * 1024 : 0;
	m->npages = DIV_ROUND_UP(m->payload_len, MACC_PG_SIZE);
	if (m->payload_len) {
		ret = -ENOMEM;
		m->payload = vzalloc(m->payload_len);
		if (!m->payload)
			goto err_count;
		m->dirty = bitmap_zalloc(m->npages, GFP_KERNEL);
		if (!m->dirty)
			goto err_payload;
	}

	mutex_init(&m->state_mutex);
	mutex_init(&m->open_mutex);
	mutex_init(&m->dbg_lock);
	m->fi_fail_next = -1;
	m->mig_state = VFIO_DEVICE_STATE_RUNNING;
	m->vf_qm_state = QM_NOT_READY;
	macc_reset_regs(m);
	macc_create_config_space(m);
	macc_payload_reseed(m, 0);

	/* hisi_acc: STOP_COPY | PRE_COPY; the p2p type as mlx5 and pds: with P2P */
	vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY;
	if (m->type->p2p)
		vdev->migration_flags |= VFIO_MIGRATION_P2P;
	vdev->mig_ops = &macc_mig_ops;
	return 0;

err_payload:
	vfree(m->payload);
err_count:
	atomic_dec(&macc_instances);
	return ret;
}

static void macc_release_dev(struct vfio_device *vdev)
{
	struct macc_dev *m = to_macc(vdev);

	mutex_destroy(&m->dbg_lock);
	mutex_destroy(&m->open_mutex);
	mutex_destroy(&m->state_mutex);
	bitmap_free(m->dirty);
	vfree(m->payload);
	atomic_dec(&macc_instances);
}

static const struct vfio_device_ops macc_dev_ops = {
	.name = "vfio-" MACC_NAME,
	.init = macc_init_dev,
	.release = macc_release_dev,
	.open_device = macc_open_device,
	.close_device = macc_close_device,
	.read = macc_read,
	.write = macc_write,
	.ioctl = macc_ioctl,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

static int macc_probe(struct mdev_device *mdev)
{
	struct macc_dev *m;
	int ret;

	m = vfio_alloc_device(macc_dev, vdev, &mdev->dev, &macc_dev_ops);
	if (IS_ERR(m))
		return PTR_ERR(m);

	ret = vfio_register_emulated_iommu_dev(&m->vdev);
	if (ret) {
		vfio_put_device(&m->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, m);
	macc_debugfs_init(m);
	return 0;
}

static void macc_remove(struct mdev_device *mdev)
{
	struct macc_dev *m = dev_get_drvdata(&mdev->dev);

	/* Waits for readers in flight; later reads of open files fail with EIO */
	macc_debugfs_exit(m);
	vfio_unregister_group_dev(&m->vdev);
	vfio_put_device(&m->vdev);
}

static unsigned int macc_get_available(struct mdev_type *mtype)
{
	return MACC_MAX_INSTANCES - min(atomic_read(&macc_instances), MACC_MAX_INSTANCES);
}

static ssize_t macc_show_description(struct mdev_type *mtype, char *buf)
{
	struct macc_type *t = container_of(mtype, struct macc_type, type);

	return sysfs_emit(buf, "qp_num=%u dev_id=0x%04x qp_base=%u\n", t->qp_num, t->dev_id,
		t->qp_base);
}

static struct mdev_driver macc_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = MACC_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = macc_probe,
	.remove = macc_remove,
	.get_available = macc_get_available,
	.show_description = macc_show_description,
};

static void macc_parent_release(struct device *dev)
{
}

static int __init macc_init(void)
{
	int ret;

	ret = macc_debugfs_module_init();
	if (ret)
		return ret;

	ret = mdev_register_driver(&macc_driver);
	if (ret)
		goto err_debugfs;

	macc_parent.class = class_create(MACC_NAME);
	if (IS_ERR(macc_parent.class)) {
		ret = PTR_ERR(macc_parent.class);
		goto err_driver;
	}

	device_initialize(&macc_parent.dev);
	macc_parent.dev.class = macc_parent.class;
	macc_parent.dev.release = macc_parent_release;
	ret = dev_set_name(&macc_parent.dev, "%s", MACC_NAME);
	if (ret)
		goto err_put;
	ret = device_add(&macc_parent.dev);
	if (ret)
		goto err_put;

	ret = mdev_register_parent(&macc_parent.parent, &macc_parent.dev, &macc_driver,
				   macc_mdev_types, ARRAY_SIZE(macc_mdev_types));
	if (ret)
		goto err_del;

	pr_info("%s: loaded, payload %u KiB, iso_cfg %u\n", MACC_NAME, payload_kib,
		macc_iso_cfg);
	return 0;

err_del:
	device_del(&macc_parent.dev);
err_put:
	put_device(&macc_parent.dev);
	class_destroy(macc_parent.class);
err_driver:
	mdev_unregister_driver(&macc_driver);
err_debugfs:
	macc_debugfs_module_exit();
	return ret;
}

static void __exit macc_exit(void)
{
	mdev_unregister_parent(&macc_parent.parent);
	device_unregister(&macc_parent.dev);
	class_destroy(macc_parent.class);
	mdev_unregister_driver(&macc_driver);
	macc_debugfs_module_exit();
}

module_init(macc_init);
module_exit(macc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Emulated migration-capable accelerator VF (VFIO mdev) for migtop");
MODULE_VERSION(MACC_VERSION);
MODULE_AUTHOR("migtop developers");
