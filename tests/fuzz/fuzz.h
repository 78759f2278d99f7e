/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every libFuzzer harness here shares: the entry point's prototype and CHECK(), the
 * oracle's assertion (the failed condition on stderr, then a trap, which libFuzzer reports
 * as a crash with the input).
 */
#ifndef MIGTOP_FUZZ_H
#define MIGTOP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
        do {                                                                                       \
                if (!(c)) {                                                                        \
                        fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);      \
                        __builtin_trap();                                                          \
                }                                                                                  \
        } while (0)

#endif
