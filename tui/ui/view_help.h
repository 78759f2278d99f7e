/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_help: the help screen, listing every key of the key table (keys.h).
 */
#ifndef MIGTOP_UI_VIEW_HELP_H
#define MIGTOP_UI_VIEW_HELP_H

#include "ui/layout.h"
#include "ui/views.h"

/* Rows of help text (for scrolling). */
int view_help_lines(const struct views *v);
void view_help_draw(struct views *v, const struct layout *l);

#endif
