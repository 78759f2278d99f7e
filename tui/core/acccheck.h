/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acccheck: the compare checks of the HiSilicon ACC driver (hisi_acc_vfio_pci), from what
 * the kernel really shows (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c):
 *
 *   stream   the source's migf_data against the destination's migf_data: same length
 *            line, same bytes (differences: transport damage or a stale copy); only for
 *            copies of one migration (the source's STOP_COPY and the destination's
 *            RESUMING overlap in the timeline), else unknown.
 *   accept   the stream header against the destination's rules, in the kernel's order
 *            (hisi_acc_vf_resume_write(), vf_qm_check_match(), vf_qm_load_data()):
 *            length (40 or 176; more fails the write with ENOMEM, another total fails
 *            RESUMING->STOP with EINVAL), magic and version, dev_id against the
 *            destination's PCI device ID (sysfs), qp_num and que_iso_cfg (in no file of
 *            the destination: only the kernel's log line decides, quoted verbatim).  A
 *            destination seen going RESUMING->STOP ran the load, which the kernel reaches
 *            only after writes whose match check passed.  The destination's dev_data is
 *            never used: it carries no header.
 *   restore  once the destination left RESUMING for STOP: its dev_data registers against
 *            the stream's, only those vf_qm_load_data() writes and nothing rewrites after
 *            (qm_dev_cmd_init() rewrites ifc_int_source and ifc_int_mask).
 *   capture  the source stopped after STOP_COPY: its dev_data registers against its
 *            migf_data.
 */
#ifndef MIGTOP_CORE_ACCCHECK_H
#define MIGTOP_CORE_ACCCHECK_H

#include "check.h"
#include "tree.h"

/* The driver's kernel log lines that name a rule (dev_err/dev_info on the VF). */
enum acccheck_line {
        ACCCHECK_LINE_NONE = 0,
        ACCCHECK_LINE_VERSION,  /* "migration driver version<%u.%u> not match!" (dev_info) */
        ACCCHECK_LINE_MAGIC,    /* "failed to match ACC_DEV_MAGIC" */
        ACCCHECK_LINE_DEVID,    /* "failed to match VF devices" */
        ACCCHECK_LINE_NOQP,     /* "failed to get vft qp nums" */
        ACCCHECK_LINE_QPNUM,    /* "failed to match VF qp num" */
        ACCCHECK_LINE_ISO_READ, /* "failed to read QM_QUE_ISO_CFG_V" (the PF register read) */
        ACCCHECK_LINE_ISO,      /* "failed to match isolation state" */
        ACCCHECK_LINE_RECOVER,  /* "failed to recover the VF!" (the load at RESUMING->STOP) */
        ACCCHECK_LINE_DMA_NULL  /* "resume dma addr is NULL!" (dev_info: loaded, not ready) */
};

/* Which line a kernel log message is ("hisi_acc_vfio_pci 0000:86:00.1: failed to ..."). */
enum acccheck_line acccheck_line(const char *text);

/* drv_ops.checks of hisi_acc: the four checks above, in that order. */
void acccheck_run(const struct pair_side *src, const struct tree_drvdir *sd,
                  const struct pair_side *dst, const struct tree_drvdir *dd, struct check_set *out);

#endif
