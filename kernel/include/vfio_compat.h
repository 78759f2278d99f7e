/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few VFIO migration uAPI definitions of Linux 6.12 that Debian 12's linux-libc-dev
 * (6.1 uAPI) lacks.  It includes <linux/vfio.h> first; each block is guarded by a macro
 * the newer header defines, so the system header wins whenever it has the definitions.
 * Values from include/uapi/linux/vfio.h of 6.12.
 */
#ifndef MIGTOP_VFIO_COMPAT_H
#define MIGTOP_VFIO_COMPAT_H

#include <linux/types.h>
#include <linux/vfio.h>

#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY (1 << 2)
/* Members of enum vfio_device_mig_state added together with the flag above (6.2). */
#define VFIO_DEVICE_STATE_PRE_COPY 6
#define VFIO_DEVICE_STATE_PRE_COPY_P2P 7
#endif

#ifndef VFIO_MIG_GET_PRECOPY_INFO
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};

#define VFIO_MIG_GET_PRECOPY_INFO _IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};

#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#endif

/* The layouts the 6.12 kernel expects, whichever header provided them. */
_Static_assert(sizeof(struct vfio_precopy_info) == 24, "vfio_precopy_info is 24 bytes");
_Static_assert(sizeof(struct vfio_device_feature_mig_data_size) == 8,
	       "vfio_device_feature_mig_data_size is 8 bytes");
_Static_assert(VFIO_DEVICE_STATE_PRE_COPY == 6 && VFIO_DEVICE_STATE_PRE_COPY_P2P == 7,
	       "PRE_COPY state values");

#endif /* MIGTOP_VFIO_COMPAT_H */
