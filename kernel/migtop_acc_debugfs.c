// SPDX-License-Identifier: GPL-2.0-only
/*
 * migtop_acc: debugfs.
 *
 * The ABI tree vfio/<uuid>/migration/{state,features,hisi_acc/...} as the
 * vfio core and the hisi_acc driver make it (the core's part only when the
 * core did not create it), and the fault injection files under
 * migtop_acc/<uuid>/.  Files are removed with debugfs_remove_recursive(),
 * which waits for readers in flight; later reads of open files fail (EIO).
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "migtop_acc.h"

#define MACC_FI_DELAY_MAX_MS	60000

static struct dentry *macc_fi_root;

/* vfio/ made by this driver when the vfio core has no debugfs, shared by instances */
static DEFINE_MUTEX(macc_vfio_root_lock);
static struct dentry *macc_vfio_root;
static unsigned int macc_vfio_root_users;
static bool macc_vfio_root_created;

static struct dentry *macc_vfio_root_get(void)
{
	struct dentry *d;

	mutex_lock(&macc_vfio_root_lock);
	if (!macc_vfio_root_users) {
		d = debugfs_lookup("vfio", NULL);
		macc_vfio_root_created = !d;
		if (!d)
			d = debugfs_create_dir("vfio", NULL);
		if (IS_ERR(d)) {
			mutex_unlock(&macc_vfio_root_lock);
			return d;
		}
		macc_vfio_root = d;
	}
	macc_vfio_root_users++;
	d = macc_vfio_root;
	mutex_unlock(&macc_vfio_root_lock);
	return d;
}

static void macc_vfio_root_put(void)
{
	mutex_lock(&macc_vfio_root_lock);
	if (!--macc_vfio_root_users) {
		if (!macc_vfio_root_created)
			dput(macc_vfio_root);
		else if (simple_empty(macc_vfio_root))
			debugfs_remove(macc_vfio_root);
		macc_vfio_root = NULL;
	}
	mutex_unlock(&macc_vfio_root_lock);
}

/* The migration/ directory the vfio core made for this device, if any */
static struct dentry *macc_core_migration_dir(struct macc_dev *m)
{
#if IS_ENABLED(CONFIG_VFIO_DEBUGFS) && defined(CONFIG_DEBUG_FS)
	if (!IS_ERR_OR_NULL(m->vdev.debug_root))
		return debugfs_lookup("migration", m->vdev.debug_root);
#endif
	return NULL;
}

/* ---- vfio/<uuid>/migration/{state,features}: the core's files ---- */

static int macc_state_show(struct seq_file *seq, void *unused)
{
	struct macc_dev *m = seq->private;
	enum vfio_device_mig_state state;

	mutex_lock(&m->state_mutex);
	state = m->mig_state;
	mutex_unlock(&m->state_mutex);
	seq_printf(seq, "%s\n", macc_state_name(state));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(macc_state);

/* vfio_device_features_read() (6.18+): one line per migration flag */
static int macc_features_show(struct seq_file *seq, void *unused)
{
	struct macc_dev *m = seq->private;
	u64 flags = m->vdev.migration_flags;

	if (flags & VFIO_MIGRATION_STOP_COPY)
		seq_puts(seq, "stop-copy\n");
	if (flags & VFIO_MIGRATION_P2P)
		seq_puts(seq, "p2p\n");
	if (flags & VFIO_MIGRATION_PRE_COPY)
		seq_puts(seq, "pre-copy\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(macc_features);

/* ---- hisi_acc/{dev_data,migf_data,cmd_state}: the hisi_acc driver's files ---- */

/*
 * hisi_acc_vf_debug_check(), under open_mutex: not opened -> EINVAL; the
 * guest's QM driver not running (QM_VF_STATE bit 0) -> ETIMEDOUT, or EBUSY
 * on 6.13-6.15.  What it prints is discarded with the error.
 */
static int macc_debug_check(struct seq_file *seq, struct macc_dev *m)
{
	lockdep_assert_held(&m->open_mutex);
	if (!m->opened) {
		seq_puts(seq, "device not opened!\n");
		return -EINVAL;
	}
	if (macc_wait_dev_not_ready(m)) {
		seq_puts(seq, "VF device not ready!\n");
		return READ_ONCE(macc_hisi_gen) == MACC_GEN_OLD ? -EBUSY : -ETIMEDOUT;
	}
	return 0;
}

/* hisi_acc_vf_dev_read(): the cached vf_qm_state and the registers, nothing else */
static int macc_dev_data_show(struct seq_file *seq, void *unused)
{
	struct macc_dev *m = seq->private;
	struct acc_vf_data *d;
	u32 delay;
	int ret;

	mutex_lock(&m->open_mutex);
	ret = macc_debug_check(seq, m);
	if (ret)
		goto out_open;

	mutex_lock(&m->state_mutex);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		ret = -ENOMEM;
		goto out_state;
	}
	/* The hardware poll: slow, and under the lock a transition needs */
	delay = READ_ONCE(m->fi_dev_data_delay_ms);
	if (delay)
		msleep(delay);
	d->vf_qm_state = cpu_to_le32(m->vf_qm_state);
	ret = macc_read_regs(m, d);
	if (!ret) {
		seq_hex_dump(seq, "Dev Data:", DUMP_PREFIX_OFFSET, 16, 1, d, MACC_DUMP_SIZE,
			     false);
		seq_printf(seq, "guest driver load: %u\ndata size: %lu\n", m->vf_qm_state,
			   sizeof(struct acc_vf_data));
	}
	kfree(d);
out_state:
	mutex_unlock(&m->state_mutex);
out_open:
	mutex_unlock(&m->open_mutex);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(macc_dev_data);

static int macc_migf_data_show(struct seq_file *seq, void *unused)
{
	struct macc_dev *m = seq->private;
	struct acc_vf_data d;
	size_t len;

	/* hisi_acc_vf_migf_read(): no open check, no state lock */
	mutex_lock(&m->dbg_lock);
	len = m->mig_data_len;
	d = m->mig_data;
	mutex_unlock(&m->dbg_lock);
	if (len < QM_MATCH_SIZE) {
		seq_puts(seq, "device not migrated!\n");
		return -EAGAIN;
	}

	seq_hex_dump(seq, "Mig Data:", DUMP_PREFIX_OFFSET, 16, 1, &d, MACC_DUMP_SIZE,
		     false);
	seq_printf(seq, "migrate data length: %lu\n", len);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(macc_migf_data);

static int macc_cmd_state_show(struct seq_file *seq, void *unused)
{
	struct macc_dev *m = seq->private;
	int ret;

	/* hisi_acc_vf_debug_cmd(): open_mutex only, never the state lock */
	mutex_lock(&m->open_mutex);
	ret = macc_debug_check(seq, m);
	if (!ret && macc_cmd_status(m) == QM_MB_CMD_NOT_READY) {
		seq_puts(seq, "mailbox cmd channel not ready!\n");
		ret = -EINVAL;
	}
	mutex_unlock(&m->open_mutex);
	if (ret)
		return ret;
	seq_puts(seq, "mailbox cmd channel ready!\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(macc_cmd_state);

/* ---- migtop_acc/<uuid>/: fault injection ---- */

static const char * const macc_corrupt_names[MACC_CORRUPT_NR] = {
	[MACC_CORRUPT_NONE] = "none",
	[MACC_CORRUPT_MAGIC] = "magic",
	[MACC_CORRUPT_VERSION] = "version",
	[MACC_CORRUPT_BYTE] = "byte",
	[MACC_CORRUPT_TRUNCATE] = "truncate",
	[MACC_CORRUPT_CRC] = "crc",
};

static ssize_t macc_fi_read_str(char __user *ubuf, size_t count, loff_t *ppos,
				const char *val)
{
	char buf[32];
	int len = scnprintf(buf, sizeof(buf), "%s\n", val);

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static int macc_fi_get_word(const char __user *ubuf, size_t count, char *buf,
			    size_t size)
{
	if (!count || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);
	return 0;
}

static ssize_t macc_corrupt_read(struct file *file, char __user *ubuf, size_t count,
				 loff_t *ppos)
{
	struct macc_dev *m = file->private_data;
	int c = READ_ONCE(m->fi_corrupt_next);

	if (c < 0 || c >= MACC_CORRUPT_NR)
		c = MACC_CORRUPT_NONE;
	return macc_fi_read_str(ubuf, count, ppos, macc_corrupt_names[c]);
}

static ssize_t macc_corrupt_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct macc_dev *m = file->private_data;
	char buf[32];
	int ret, i;

	ret = macc_fi_get_word(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	i = match_string(macc_corrupt_names, MACC_CORRUPT_NR, buf);
	if (i < 0 || (i == MACC_CORRUPT_CRC && !m->type->p2p))
		return -EINVAL;	/* a hisi stream has no crc */
	WRITE_ONCE(m->fi_corrupt_next, i);
	return count;
}

static const struct file_operations macc_corrupt_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = macc_corrupt_read,
	.write = macc_corrupt_write,
	.llseek = default_llseek,
};

static ssize_t macc_fail_read(struct file *file, char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	struct macc_dev *m = file->private_data;
	int s = READ_ONCE(m->fi_fail_next);

	return macc_fi_read_str(ubuf, count, ppos, s < 0 ? "none" : macc_state_name(s));
}

static ssize_t macc_fail_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct macc_dev *m = file->private_data;
	char buf[32];
	int ret, s;

	ret = macc_fi_get_word(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!strcasecmp(buf, "none")) {
		WRITE_ONCE(m->fi_fail_next, -1);
		return count;
	}
	if (!m->type->p2p)
		return -EINVAL;	/* hisi_acc never enters ERROR */
	/* Any state a driver arc can enter; ERROR is never an arc's target */
	for (s = VFIO_DEVICE_STATE_STOP; s <= VFIO_DEVICE_STATE_PRE_COPY_P2P; s++) {
		if (!strcasecmp(buf, macc_state_name(s))) {
			WRITE_ONCE(m->fi_fail_next, s);
			return count;
		}
	}
	return -EINVAL;
}

static const struct file_operations macc_fail_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = macc_fail_read,
	.write = macc_fail_write,
	.llseek = default_llseek,
};

static ssize_t macc_u32_read(struct file *file, char __user *ubuf, size_t count,
			     loff_t *ppos)
{
	u32 *val = file->private_data;
	char buf[16];
	int len = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(*val));

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t macc_u32_write(struct file *file, const char __user *ubuf, size_t count,
			      loff_t *ppos, u32 max)
{
	u32 *val = file->private_data;
	u32 v;
	int ret;

	ret = kstrtou32_from_user(ubuf, count, 0, &v);
	if (ret)
		return ret;
	if (v > max)
		return -EINVAL;
	WRITE_ONCE(*val, v);
	return count;
}

static ssize_t macc_bool_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	return macc_u32_write(file, ubuf, count, ppos, 1);
}

static ssize_t macc_ms_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	return macc_u32_write(file, ubuf, count, ppos, MACC_FI_DELAY_MAX_MS);
}

static const struct file_operations macc_bool_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = macc_u32_read,
	.write = macc_bool_write,
	.llseek = default_llseek,
};

static const struct file_operations macc_ms_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = macc_u32_read,
	.write = macc_ms_write,
	.llseek = default_llseek,
};

/* ---- per instance ---- */

/* hisi_acc/ for the hisi types; the p2p type, as mlx5 and pds, has no driver directory */
static void macc_create_acc_dir(struct macc_dev *m, struct dentry *migration)
{
	struct dentry *acc;

	if (m->type->p2p)
		return;

	acc = debugfs_create_dir("hisi_acc", migration);
	debugfs_create_file("dev_data", 0444, acc, m, &macc_dev_data_fops);
	debugfs_create_file("migf_data", 0444, acc, m, &macc_migf_data_fops);
	debugfs_create_file("cmd_state", 0444, acc, m, &macc_cmd_state_fops);
	m->abi_acc_dir = acc;
}

void macc_debugfs_init(struct macc_dev *m)
{
	const char *name = dev_name(m->vdev.dev);
	struct dentry *root, *dir, *migration;

	migration = macc_core_migration_dir(m);
	if (migration) {
		/* The vfio core made vfio/<dev>/migration/state: add ours */
		macc_create_acc_dir(m, migration);
		dput(migration);
	} else {
		root = macc_vfio_root_get();
		if (!IS_ERR(root)) {
			dir = debugfs_create_dir(name, root);
			m->abi_dev_dir = dir;
			migration = debugfs_create_dir("migration", dir);
			debugfs_create_file("state", 0444, migration, m, &macc_state_fops);
			debugfs_create_file("features", 0444, migration, m,
					    &macc_features_fops);
			macc_create_acc_dir(m, migration);
		}
	}

	dir = debugfs_create_dir(name, macc_fi_root);
	debugfs_create_file("cmd_fail", 0600, dir, &m->fi_cmd_fail, &macc_bool_fops);
	debugfs_create_file("dev_data_delay_ms", 0600, dir, &m->fi_dev_data_delay_ms,
			    &macc_ms_fops);
	debugfs_create_file("stall_save_ms", 0600, dir, &m->fi_stall_save_ms,
			    &macc_ms_fops);
	debugfs_create_file("corrupt_next", 0600, dir, m, &macc_corrupt_fops);
	debugfs_create_file("guest_stop", 0600, dir, &m->fi_guest_stop, &macc_bool_fops);
	if (m->type->p2p)
		debugfs_create_file("fail_next", 0600, dir, m, &macc_fail_fops);
	m->fi_dir = dir;
}

void macc_debugfs_exit(struct macc_dev *m)
{
	debugfs_remove_recursive(m->fi_dir);
	m->fi_dir = NULL;
	/* Our own vfio/<uuid>, or only hisi_acc/ under the core's directory */
	debugfs_remove_recursive(m->abi_dev_dir ? m->abi_dev_dir : m->abi_acc_dir);
	m->abi_acc_dir = NULL;
	if (m->abi_dev_dir) {
		m->abi_dev_dir = NULL;
		macc_vfio_root_put();
	}
}

int macc_debugfs_module_init(void)
{
	macc_fi_root = debugfs_create_dir(MACC_NAME, NULL);
	return 0;
}

void macc_debugfs_module_exit(void)
{
	debugfs_remove_recursive(macc_fi_root);
	macc_fi_root = NULL;
}
