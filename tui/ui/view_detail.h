/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_detail: one device in full: summary (state, features, times, file statuses with
 * their messages), the decoded driver data (field, offset, value) and the state timeline
 * with the FSM verdict of every change.
 */
#ifndef MIGTOP_UI_VIEW_DETAIL_H
#define MIGTOP_UI_VIEW_DETAIL_H

#include "ui/layout.h"
#include "ui/views.h"

void view_detail_draw(struct views *v, const struct layout *l);

#endif
