/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drv: what migtop knows about the files of one driver directory under
 * vfio/<dev>/migration/ (e.g. "hisi_acc"), as one table of operations per driver, in the
 * spirit of nvtop's per-vendor tables.  Adding a driver is adding one drv_<name>.c with a
 * `const struct drv_ops` and one line in drv.c's table.  The core files (state, features)
 * are handled by the generic functions at the end.
 *
 * Decoded data is a list of named fields (struct acc_decoded / struct acc_field are
 * generic enough: name, offset, element size, count, values, validity), so views and JSON
 * need no driver knowledge.
 */
#ifndef MIGTOP_CORE_DRV_H
#define MIGTOP_CORE_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accdata.h"
#include "fsm.h"
#include "kv.h"
#include "match.h"
#include "src.h"

struct pair_side;
struct check_set;
struct tree_drvdir;
struct drv_content;

/* Status of one file, as scripts see it (JSON "status"). */
enum drv_status {
        DRV_ST_OK = 0,
        DRV_ST_NOT_OPENED,   /* EINVAL on dev_data/cmd_state: no user has the device open, or
                                (the message says which else) a mailbox failure (dev_data,
                                6.13-6.15) or the mailbox channel not ready (cmd_state) */
        DRV_ST_NOT_MIGRATED, /* EAGAIN on migf_data: no migration completed on this device */
        DRV_ST_NOT_READY,    /* EBUSY (6.13-6.15) / ETIMEDOUT (newer): QM_VF_STATE not ready,
                                the guest's QM driver is not running (not a hung device) */
        DRV_ST_ERROR,        /* any other errno, or content that does not parse */
        DRV_ST_ABSENT,       /* the file does not exist */
        DRV_ST_BLOCKED,      /* (engine) a read is past its deadline */
        DRV_ST_GONE,         /* (engine) the device vanished (its directory is gone) */
        DRV_ST_MAILBOX,      /* EIO on a file that still exists: a mailbox command to the VF failed
                                (hisi_acc dev_data, kernels after 6.15) */
        DRV_ST_UNREAD,       /* (engine) no read of the file has returned yet (not reached
                                before a snapshot, e.g. cut short by its deadline): says
                                nothing about the device, unlike NOT_READY (a driver errno) */
        DRV_ST_COUNT
};
/* "ok", "not_opened", "not_migrated", "not_ready", "error", "absent", "blocked", "gone",
 * "mailbox_error", "unread" */
const char *drv_status_name(enum drv_status st);

enum drv_file_kind {
        DRV_FILE_DUMP, /* seq_hex_dump rows + key: value lines (dev_data, migf_data) */
        DRV_FILE_TEXT  /* free text lines (cmd_state) */
};

/* What a driver directory contains. */
struct drv_file_desc {
        const char *name; /* "dev_data" */
        enum drv_file_kind kind;
        const char *dump_prefix; /* "Dev Data:" (DRV_FILE_DUMP only) */
        const char *length_key;  /* kv key giving the data length ("data size"), or NULL */
        bool costly;             /* reading takes driver locks / talks to hardware */
        unsigned dump_len;       /* bytes the kernel always dumps (DRV_FILE_DUMP), 0: any */
};

#define DRV_MAX_FILES 8u

/* One file read and parsed. */
struct drv_file {
        const char *name; /* from the descriptor (static storage) */
        enum drv_status status;
        int err; /* positive errno of the read, 0 */
        /*
         * One line for humans: why not ok, or NULL (none).  Read it through drv_file_msg()
         * (never NULL), set it with drv_file_set_msg(): a static text, or a counted block
         * shared by every copy (drv_file_copy), not 200 bytes inline in every copy.
         */
        const char *message;
        char *text; /* malloc'd raw content (NULL when the read failed) */
        size_t text_len;
        uint8_t *bytes; /* malloc'd dump bytes (DRV_FILE_DUMP), NULL when none */
        size_t len;
        bool cut;          /* the dump was cut off (truncated read): bytes are partial */
        bool msg_owned;    /* (drv.c) message is a counted block, not static text */
        bool has_fields;   /* fields holds a decode (see below) */
        struct kv_list kv; /* the lines after the dump (DRV_FILE_DUMP) */
        /*
         * The decoded bytes (when the driver has a decoder): read them through drv_fields().
         * Allocated once per read and shared, read-only, by every copy (drv_file_copy): a
         * decode is 2.8 KB, and the engine and each snapshot hold the same one.
         */
        const struct acc_decoded *fields;
        int64_t t_start, t_end; /* read timestamps (CLOCK_REALTIME ns) */
        /* (drv.c) once copied: the shared owner of text, bytes and kv's items (read-only) */
        struct drv_content *content;
};

/* A decode with nothing in it (all zero): what a file without fields shows. */
extern const struct acc_decoded drv_no_fields;

/* The decoded fields of f: never NULL (drv_no_fields when it has none). */
static inline const struct acc_decoded *drv_fields(const struct drv_file *f)
{
        return f->fields ? f->fields : &drv_no_fields;
}

/* Longest message + 1 (longer ones are cut, as drivers' errno_status buffers are). */
#define DRV_MSG_MAX 200

/* The message of f: "" when it has none. */
static inline const char *drv_file_msg(const struct drv_file *f)
{
        return f->message ? f->message : "";
}

/*
 * Set f's message (replacing the one it had): printf-formatted; "" leaves none.  A format
 * without conversions is used as is (static storage: pass only string literals), other
 * texts (at most DRV_MSG_MAX - 1 bytes) are copied into a counted block.  Without memory
 * the message says so.
 */
__attribute__((format(printf, 2, 3))) void drv_file_set_msg(struct drv_file *f, const char *fmt,
                                                            ...);

struct drv_ops {
        const char *name; /* directory name under migration/ */
        unsigned nfiles;
        const struct drv_file_desc *files;
        /* Map the errno of a failed read of files[idx] to a status and a message. */
        enum drv_status (*errno_status)(unsigned idx, int err, char *msg, size_t msglen);
        /* Check the text of a successful read of a DRV_FILE_TEXT file (cmd_state). */
        enum drv_status (*text_status)(unsigned idx, const char *text, size_t len, char *msg,
                                       size_t msglen);
        /*
         * Decode the dump bytes of files[idx] by what that file carries (a register
         * snapshot, a saved stream whose length line kv gives, ...).  false: the file has
         * no decoder.  NULL: the driver has none.
         */
        bool (*decode)(unsigned idx, const uint8_t *buf, size_t len, const struct kv_list *kv,
                       struct acc_decoded *out);
        /*
         * The named checks of a compare of src with dst (check.h), from the two driver
         * directories (sd of src->dev, dd of dst->dev) and what else each side knows.
         */
        void (*checks)(const struct pair_side *src, const struct tree_drvdir *sd,
                       const struct pair_side *dst, const struct tree_drvdir *dd,
                       struct check_set *out);
};

/* The drivers migtop knows (one drv_<name>.c each). */
extern const struct drv_ops drv_hisi_acc_ops;

/* The table for a driver directory name, NULL when migtop does not know it. */
const struct drv_ops *drv_find(const char *dirname);
/* Index of a file in ops->files, or -1. */
int drv_file_index(const struct drv_ops *ops, const char *name);

/*
 * Turn the result of src_read() of ops->files[idx] into a parsed file (status, message,
 * bytes, kv, decoded fields).  r is not modified.  Returns 0 or -ENOMEM.
 * drv_file_free() releases it.  drv_file_copy() copies: the content (text, bytes, kv
 * items, fields) is never written after parsing, so the copy shares it with src (counted
 * references: either may be freed first, from any thread); only the struct (status,
 * message) is the copy's own.  Call it from the thread that owns src (its first copy
 * records the sharing in src).
 */
int drv_file_from_read(const struct drv_ops *ops, unsigned idx, const struct src_read *r,
                       struct drv_file *out);
void drv_file_free(struct drv_file *f);
int drv_file_copy(struct drv_file *dst, const struct drv_file *src);
/*
 * A counted reference to f's raw text (f->text_len bytes at f->text, which stay valid
 * while it is held), shared with f and its copies: for a holder of the same bytes (the
 * engine's history).  NULL when f has no text, or without memory.  Same thread rule as
 * drv_file_copy().  drv_text_put() releases it (from any thread).
 */
struct drv_content *drv_file_text_ref(const struct drv_file *f);
void drv_text_put(struct drv_content *c);
/* Whether two parsed files differ in what a user sees (status, errno or content). */
bool drv_file_changed(const struct drv_file *a, const struct drv_file *b);

/*
 * The status and operator message for an errno any file may give (ENOENT: absent,
 * EACCES: run as root, EIO/ENODEV: the device went away, ...): for drivers' errno_status
 * after their own per-file cases.
 */
enum drv_status drv_errno_generic(int err, char *msg, size_t msglen);

/* ---- the vfio core's own files: migration/state and migration/features ---- */

/* out->name is "state"; *state is FSM_INVALID unless out->status is DRV_ST_OK. */
int drv_state_from_read(const struct src_read *r, struct drv_file *out, enum fsm_state *state);
/* out->name is "features"; ENOENT gives DRV_ST_ABSENT (normal before 6.18). */
int drv_features_from_read(const struct src_read *r, struct drv_file *out, unsigned *features);

#endif
