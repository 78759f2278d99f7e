/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmsg: records of the kernel log in the /dev/kmsg format
 * (Documentation/ABI/testing/dev-kmsg), parsed and tied to the device they name.
 *
 *   PRIO,SEQ,TS_USEC,FLAGS[,...];MESSAGE\n
 *    SUBSYSTEM=pci\n
 *    DEVICE=+pci:0000:7d:00.1\n
 *
 * PRIO is facility * 8 + level.  The message escapes non-printable bytes and '\' as
 * \xNN; continuation lines start with one space and hold KEY=VALUE pairs.  A dev_printk()
 * record names its device with DEVICE=+<subsystem>:<name> (PCI: the BDF, mdev: the UUID),
 * which is the directory name under vfio/ in debugfs.
 *
 * Pure parsing: no I/O here (the engine reads /dev/kmsg or a --kmsg file).
 */
#ifndef MIGTOP_CORE_KMSG_H
#define MIGTOP_CORE_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMSG_TEXT_MAX 512u /* message bytes kept (unescaped, NUL-terminated, cut beyond) */
#define KMSG_DEV_MAX  80u  /* device name kept: "0000:7d:00.1", a UUID */

struct kmsg_rec {
        uint64_t seq;                  /* SEQ: increases by one per record */
        int64_t ts_us;                 /* TS_USEC: microseconds since boot (monotonic) */
        int level;                     /* 0 emerg .. 7 debug (3 err, 4 warning, 6 info) */
        int facility;                  /* PRIO / 8 (0 kernel) */
        bool cont;                     /* FLAGS had 'c' (a continuation fragment) */
        char subsystem[16];            /* SUBSYSTEM= value ("pci", "mdev"), "" when none */
        char device[KMSG_DEV_MAX];     /* the device's name from DEVICE=+sub:NAME, "" when none */
        char text[KMSG_TEXT_MAX];      /* the message, \xNN unescaped */
        bool text_cut;                 /* the message was longer than text */
};

#endif
