/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_compare: source and destination side by side: dev_data and migf_data of each as
 * decoded fields or hex bytes (panes placed by layout_compute), differences marked by a
 * symbol or an attribute as well as colour, n/N to step through them, and a verdict panel
 * with the match check's reasons.
 */
#ifndef MIGTOP_UI_VIEW_COMPARE_H
#define MIGTOP_UI_VIEW_COMPARE_H

#include "ui/layout.h"
#include "ui/views.h"

/* The layout of the compare view, with room for the verdict panel above the status line. */
void view_compare_layout(struct views *v, struct layout *l);
void view_compare_draw(struct views *v, const struct layout *l);
/* Move to the next (dir > 0) or previous difference; false when there is none. */
bool view_compare_step(struct views *v, const struct layout *l, int dir);

#endif
