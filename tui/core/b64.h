/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * b64: base64 (RFC 4648, the standard alphabet, with padding).  Pure.  The agent's protocol
 * (core/agentproto.h) sends file content that is not UTF-8 text in it.
 */
#ifndef MIGTOP_CORE_B64_H
#define MIGTOP_CORE_B64_H

#include <stddef.h>

/* base64 of s[0..n): malloc'd, NUL-terminated, or NULL. */
char *b64_encode(const void *s, size_t n);
/*
 * Decode s[0..len) (padding required, no whitespace); malloc'd (NUL-terminated), *n its
 * length; NULL when malformed or ENOMEM.
 */
char *b64_decode(const char *s, size_t len, size_t *n);

#endif
