/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cmpmodel: what the compare view shows, as plain data (no curses), so that it can be
 * unit-tested.  Four panes, in this order:
 *
 *   CMPM_SRC_DEV   source dev_data        CMPM_DST_DEV   destination dev_data
 *   CMPM_SRC_MIGF  source migf_data       CMPM_DST_MIGF  destination migf_data
 *
 * Each pane has decoded rows (one per field, aligned across the four panes: row i is the
 * same field everywhere) and hex rows (16 bytes, row i is offset 16 * i everywhere).
 * Every value and byte is compared with the same position in the pane's counterpart:
 *
 *   CMPM_VS_PEER  source dev_data <-> destination dev_data, source migf_data <-> destination
 *                 migf_data (the default)
 *   CMPM_VS_SELF  source dev_data <-> source migf_data, destination dev_data <-> destination
 *                 migf_data (what changed since the last migration)
 *
 * A pane whose counterpart is not ok has no diff marks (there is nothing to compare with),
 * and a field one file does not carry is no difference: its cell says so ("not in
 * dev_data": the hisi_acc dev_data is a register snapshot without the match header).
 * Rows are the decoded fields in offset order, then the lines the driver prints after the
 * dump ("guest driver load", with its meaning; "data size"; migf_data's "migrate data
 * length").  Independently, the rows of the fields a named check (pair_compare()) flags
 * carry `rejects` and the reason in the panes that check reads.
 *
 * The verdict panel is a list of lines, most important first: the overall verdict, one
 * line per check (name, verdict, reason; failed ones first, then open, then passed),
 * under it the kernel line that decided it
 * (quoted verbatim), then every mismatch.  A view shows as many as fit.
 */
#ifndef MIGTOP_UI_CMPMODEL_H
#define MIGTOP_UI_CMPMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/accdata.h"
#include "core/check.h"
#include "core/drv.h"
#include "core/match.h"
#include "core/pair.h"
#include "core/tree.h"

enum cmpm_pane_id { CMPM_SRC_DEV = 0, CMPM_DST_DEV, CMPM_SRC_MIGF, CMPM_DST_MIGF, CMPM_NPANES };

enum cmpm_against {
        CMPM_VS_PEER = 0, /* source vs destination, file for file */
        CMPM_VS_SELF      /* dev_data vs migf_data of the same device */
};

enum cmpm_view { CMPM_DECODED = 0, CMPM_HEX };

#define CMPM_ABSENT  "\u2014" /* shown for a value that is invalid or absent: "—" */
#define CMPM_VAL_LEN 24u      /* "0x0123456789abcdef" + NUL, "4294967295 (0xffffffff)" */
#define CMPM_NOT_IN                                                                                \
        "not in " /* a cell of a file that does not carry the row: "not in dev_data"               \
                   */
#define CMPM_HEX_COLS 16u

/* One decoded value of one pane. */
struct cmpm_cell {
        bool present;     /* the pane's layout has this field (or the file prints this line) */
        bool not_carried; /* the pane's file was read but does not carry it: "not in <file>" */
        const char *note; /* the value's meaning ("QM_NOT_READY: guest driver not running"), NULL */
        unsigned offset;
        unsigned count;                        /* elements (1 for scalars) */
        char val[ACC_MAX_ELEMS][CMPM_VAL_LEN]; /* each element as text, CMPM_ABSENT if invalid */
        uint32_t valid_mask;                   /* bit k: element k is valid */
        uint32_t diff_mask; /* bit k: element k differs from the counterpart pane */
        bool mismatch;      /* diff_mask != 0 */
        bool rejects;       /* the match check rejects this field, and used this pane */
        const char *reason; /* the check's reason when rejects ("failed to match VF qp num") */
};

/* One hex row (16 bytes at offset) of one pane. */
struct cmpm_hex {
        uint8_t byte[CMPM_HEX_COLS];
        uint16_t present; /* bit i: byte i exists in this pane's data */
        uint16_t diff;    /* bit i: byte i differs from (or is missing in) the counterpart */
};

struct cmpm_pane {
        enum cmpm_pane_id id;
        const char *title; /* "source dev_data" */
        const char *dev;   /* device name (tree storage), NULL when no device */
        const char *file;  /* "dev_data" / "migf_data" */
        const char *role;  /* "source" / "destination" */
        bool ok;           /* the file was read and parsed: rows hold its values */
        enum drv_status status;
        char status_line[240];   /* when !ok: "not migrated (EAGAIN): ..." */
        bool used;               /* the match check used this pane (pair_result src/dst_file) */
        int counterpart;         /* pane compared with (enum cmpm_pane_id) */
        size_t len;              /* data bytes */
        bool cut;                /* the dump was cut off (partial data) */
        struct cmpm_cell *cells; /* model.nrows entries */
        struct cmpm_hex *hex;    /* model.nhex entries */
        size_t ndiff_bytes;      /* bytes flagged in hex */
};

/* One decoded row across the panes. */
struct cmpm_row {
        const char *field; /* kernel field name, or the key of a line after the dump */
        bool line;         /* a "key: value" line after the dump (no offset) */
        unsigned offset;   /* the field's offset (first pane that has it) */
        bool mismatch;     /* some pane marks it */
        bool rejects;      /* the match check rejects it */
        const char *reason;
};

enum cmpm_line_kind {
        CMPM_LINE_CHECK,    /* "accept   fail     qp_num: the destination's kernel says ..." */
        CMPM_LINE_KERNEL,   /* "kernel: hisi_acc_vfio_pci 0000:86:00.1: failed to ..." */
        CMPM_LINE_MISMATCH, /* match_mismatch_format() of one mismatch */
};

/* One line of the verdict panel. */
struct cmpm_line {
        enum cmpm_line_kind kind;
        enum check_verdict verdict; /* CHECK: the check's verdict */
        int level;                  /* KERNEL: the record's level (3 err, 4 warning) */
        char text[400];
};

struct cmpm_model {
        enum cmpm_against against;
        const char *dir; /* driver directory compared ("hisi_acc"), NULL when none */
        struct cmpm_pane pane[CMPM_NPANES];
        size_t nrows;
        struct cmpm_row *rows;
        size_t nhex; /* hex rows: ceil(longest data / 16) */
        /* Difference positions, ascending: rows with a mismatch or a rejected field. */
        size_t ndiff_dec;
        size_t *diff_dec;
        size_t ndiff_hex;
        size_t *diff_hex;
        /* The verdict panel. */
        enum match_verdict verdict;
        char summary[160]; /* "accept failed", "not known: stream, restore", ... */
        char msg[200];     /* pair_compare()'s message when it could not compare, else "" */
        unsigned nlines;
        struct cmpm_line *lines; /* the panel below the verdict line, most important first */
        unsigned nchecks, nfail, nunknown, nkernel, nreasons;
};

/*
 * Build the model of src and dst (either may be NULL: its panes say "no device") with the
 * result of pair_compare(src, dst) (NULL: the verdict panel is empty).  The model points
 * into the trees and p (names, reasons): they must outlive it.  Returns 0 or -ENOMEM
 * (the model is then empty and safe to free).  cmpm_free() releases it.
 */
int cmpm_build(struct cmpm_model *m, const struct tree_dev *src, const struct tree_dev *dst,
               const struct pair_result *p, enum cmpm_against against);
void cmpm_free(struct cmpm_model *m);

/*
 * Next (dir > 0) or previous (dir < 0) difference position after/before row cur in the
 * given view, wrapping around at the ends; cur may be -1 (before the first row).  Returns
 * the row index, or -1 when there is no difference.
 */
long cmpm_next(const struct cmpm_model *m, enum cmpm_view v, long cur, int dir);

/* Rows in a view (nrows or nhex) and the difference count (for "3 differences"). */
size_t cmpm_rows(const struct cmpm_model *m, enum cmpm_view v);
size_t cmpm_ndiff(const struct cmpm_model *m, enum cmpm_view v);

/*
 * Format one hex row of a pane as the kernel's dump does ("00000010: 08 00 ..."), blanks for
 * missing bytes.  col_end (may be NULL, 16 entries) receives, for each byte, the text index
 * just past its second digit, so a view can style the differing bytes.  Returns the length.
 */
size_t cmpm_hex_format(const struct cmpm_model *m, enum cmpm_pane_id pane, size_t row, char *buf,
                       size_t size, size_t *col_end);

#endif
