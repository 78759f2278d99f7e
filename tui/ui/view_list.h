/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_list: the device list (one row per device, columns from the layout), and where a
 * mouse click on it lands.
 */
#ifndef MIGTOP_UI_VIEW_LIST_H
#define MIGTOP_UI_VIEW_LIST_H

#include "ui/layout.h"
#include "ui/views.h"

void view_list_draw(struct views *v, const struct layout *l);
/*
 * What the list's cells need: v->col_full / v->col_short, the widest cell and heading of
 * each column in full and in short form, over every shown device (for views_layout()).
 */
void view_list_measure(struct views *v);
/* List position of the row at screen row y, or -1 when y is not on a device row. */
long view_list_hit(const struct views *v, const struct layout *l, int y);

#endif
