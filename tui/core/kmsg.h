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
 * As the kernel writes it (kernel/printk/printk.c, 6.12): info_print_ext_header() prints
 * "%u,%llu,%llu,%c[,caller=T123];" (FLAGS 'c' for LOG_CONT, else '-'; the caller field
 * only with CONFIG_PRINTK_CALLER), msg_add_ext_text() escapes bytes < 0x20, >= 0x7f and
 * '\' as "\x%02x" in the message and in the continuation values, and msg_print_ext_body()
 * adds " SUBSYSTEM=" and " DEVICE=" lines when the record has device info.  set_dev_info()
 * (drivers/base/core.c) forms DEVICE= as "b<maj>:<min>" (block dev_t), "c<maj>:<min>"
 * (char dev_t), "n<ifindex>" (netdev), else "+<subsystem>:<dev_name>" (a PCI function:
 * "+pci:0000:7d:00.1"; an mdev, bus "mdev", no class, no dev_t: "+mdev:<uuid>").  The
 * whole record is formatted into a 2048-byte buffer (PRINTK_MESSAGE_MAX) with scnprintf,
 * so a long, heavily escaped message can arrive cut, without its final newline.
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
/* The largest record one read() of /dev/kmsg returns (PRINTK_MESSAGE_MAX in 6.12). */
#define KMSG_RECORD_MAX 2048u

struct kmsg_rec {
        uint64_t seq;              /* SEQ: increases by one per record */
        int64_t ts_us;             /* TS_USEC: microseconds since boot (monotonic) */
        int level;                 /* 0 emerg .. 7 debug (3 err, 4 warning, 6 info) */
        int facility;              /* PRIO / 8 (0 kernel) */
        bool cont;                 /* FLAGS had 'c' (a continuation fragment) */
        char subsystem[16];        /* SUBSYSTEM= value ("pci", "mdev"), "" when none */
        char device[KMSG_DEV_MAX]; /* the device's name from DEVICE=+sub:NAME, "" when none */
        char text[KMSG_TEXT_MAX];  /* the message, \xNN unescaped */
        bool text_cut;             /* the message was longer than text */
        /* added by the parser's second version; the fields above are stable */
        size_t text_len;            /* bytes in text (it may hold an unescaped NUL) */
        char dev_key[KMSG_DEV_MAX]; /* the raw DEVICE= value ("+pci:...", "c240:0"), "" */
};

/*
 * Parse one record: what one read() of /dev/kmsg returns (the header line, the message,
 * continuation lines).  buf need not be NUL-terminated; a missing final newline is
 * accepted (the kernel cuts long records).  Unknown header fields and continuation keys
 * are ignored, as the ABI document asks.  0, or -EINVAL with a one-line reason in err
 * (err may be NULL).
 */
int kmsg_parse(const char *buf, size_t len, struct kmsg_rec *out, char *err, size_t errsz);

/*
 * The name a DEVICE= value gives the device under vfio/ in debugfs: "+pci:0000:7d:00.1"
 * -> "0000:7d:00.1", "+mdev:<uuid>" -> "<uuid>" (any "+subsystem:name" gives name).  The
 * dev_t and ifindex forms ("b8:0", "c240:0", "n2") name no vfio device: "" and false.
 */
bool kmsg_device_name(const char *dev_key, char *name, size_t size);

/* "err" for level 3 ("emerg" "alert" "crit" "err" "warning" "notice" "info" "debug"). */
const char *kmsg_level_name(int level);

/*
 * A file of records as `cat /dev/kmsg` saves them: records one after another, each
 * starting at column 0, its continuation lines starting with a space.  Empty lines are
 * skipped.  kmsg_file_next() finds the next record at *pos, parses it into out and moves
 * *pos past it.  Returns 1 (a record), 0 (end of the text), or -EINVAL with err
 * "line N: reason" (*pos is then past the bad record, so a caller may go on).  *line is
 * the line number of *pos (start it at 1).
 */
int kmsg_file_next(const char *buf, size_t len, size_t *pos, unsigned *line, struct kmsg_rec *out,
                   char *err, size_t errsz);

#endif
