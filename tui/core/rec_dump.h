/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_dump: a recording (core/rec.h) as JSON lines, for --dump (man migtop: RECORDINGS).
 */
#ifndef MIGTOP_CORE_REC_DUMP_H
#define MIGTOP_CORE_REC_DUMP_H

#include <stdio.h>

#include "core/rec_read.h"

/*
 * Write every record of rd from its start (it seeks there) as JSON lines: a "header"
 * object, one object per record, and an "end" object with the reader's message.  0, or
 * negative errno when writing failed.
 */
int rec_dump(struct rec_reader *rd, FILE *out);

#endif
