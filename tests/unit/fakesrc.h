/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fakesrc: an in-memory source for tests.  Each path returns given bytes or a given
 * errno; directories are implied by the paths added below them (or added explicitly).
 * Reads and lists may come from several threads; set the content up before that.
 */
#ifndef MIGTOP_TESTS_FAKESRC_H
#define MIGTOP_TESTS_FAKESRC_H

#include <stddef.h>
#include <stdint.h>

#include "core/src.h"

/* A new empty fake source; src_close() frees it.  NULL on allocation failure. */
struct src *fakesrc_new(void);
/* A file with these bytes (copied).  Returns 0 or -ENOMEM. */
int fakesrc_file(struct src *s, const char *path, const void *data, size_t len);
/* A NUL-terminated string as file contents. */
int fakesrc_text(struct src *s, const char *path, const char *text);
/* read() and list() of path fail with err (positive errno). */
int fakesrc_errno(struct src *s, const char *path, int err);
/* An (empty) directory. */
int fakesrc_dir(struct src *s, const char *path);
/* How many times path was read or listed. */
unsigned fakesrc_reads(struct src *s, const char *path);
/* Remove path and everything below it (a device going away). */
void fakesrc_remove(struct src *s, const char *path);
/*
 * Call fn before each read or list (not under the fake's lock: fn may change the fake,
 * e.g. remove a device after its directory was listed).  fn NULL removes the hook.
 */
void fakesrc_on_access(struct src *s, void (*fn)(struct src *s, const char *path, void *arg),
                       void *arg);

/*
 * Format len bytes exactly as the kernel's seq_hex_dump(m, prefix, DUMP_PREFIX_OFFSET, 16,
 * 1, data, len, false) does.  byte_end (may be NULL, len entries) receives, for each byte,
 * the text index just past its second hex digit.  Returns the text length (NUL-terminated
 * in buf), or 0 when size is too small.
 */
size_t fakesrc_format_dump(char *buf, size_t size, const char *prefix, const uint8_t *data,
                           size_t len, size_t *byte_end);

#endif
