/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_help: the help screen (see view_help.h).
 */
#include <stdio.h>

#include "ui/draw.h"
#include "ui/keys.h"
#include "ui/view_help.h"

#define VIEW_HELP_KEY_W  12
#define VIEW_HELP_FKEY_W 5
#define VIEW_HELP_HEAD   2 /* title and a blank row */

/* After the keys and a blank row: the legend, one short line each (80 columns). */
static const char *const view_help_tail[] = {
    "mouse: click selects a device, double-click opens its detail, the wheel",
    "       scrolls (off with --no-mouse)",
    "list: '!' after S/D marks a rejected destination or a device whose kernel",
    "       log has an err line since its last state change",
    "MATCH: the marked pair's verdict (accept, reject, incomplete) on its S and",
    "       D rows; '-': the device is not in a marked pair (s and d mark one)",
    "narrow list: n/open = not_opened, n/migr = not_migrated, n/rdy = not_ready,",
    "       mb/err = mailbox_error, incompl = incomplete, RUN_P2P = RUNNING_P2P,",
    "       PRE_P2P = PRE_COPY_P2P",
};
#define VIEW_HELP_TAIL ((int)(sizeof(view_help_tail) / sizeof(view_help_tail[0])) + 1)

/*
 * While replaying (--replay FILE), after the keys and a blank row: the replay's keys under
 * their title.  A live console does not list them (they would push the legend off screen).
 */
#define VIEW_HELP_RPL_HEAD 2

/* The replay's keys (none when live). */
static const struct keys_entry *view_help_rpl(const struct views *v, size_t *nr)
{
        const struct keys_entry *rt = keys_replay_table(nr);

        if (!v->replay)
                *nr = 0;
        return rt;
}

int view_help_lines(const struct views *v)
{
        size_t n, nr;

        keys_table(&n);
        view_help_rpl(v, &nr);
        return (int)n + VIEW_HELP_HEAD + (nr ? VIEW_HELP_RPL_HEAD + (int)nr : 0) + VIEW_HELP_TAIL;
}

static void view_help_entry(int y, const struct layout_rect *b, const struct keys_entry *k)
{
        char fk[8];
        int x = b->x + 1;

        draw_text(y, x, b->w - 1, THEME_HELP_KEY, k->label, false);
        x += VIEW_HELP_KEY_W;
        if (x >= b->x + b->w)
                return;
        draw_text(y, x, b->x + b->w - x, THEME_HELP_KEY, keys_fkey_name(k->fkey, fk, sizeof(fk)),
                  false);
        x += VIEW_HELP_FKEY_W;
        if (x < b->x + b->w)
                draw_text(y, x, b->x + b->w - x, THEME_HELP, k->help, false);
}

/* Line i of the help text at screen row y. */
static void view_help_line(const struct views *v, int y, const struct layout_rect *b, int i)
{
        size_t n, nr;
        const struct keys_entry *t = keys_table(&n);
        const struct keys_entry *rt = view_help_rpl(v, &nr);
        int rpl = nr ? VIEW_HELP_HEAD + (int)n + 1 : -1; /* the replay's title */
        int tail = nr ? rpl + 1 + (int)nr + 1 : VIEW_HELP_HEAD + (int)n + 1; /* the legend */

        if (i == 0)
                draw_text(y, b->x + 1, b->w - 1, THEME_TITLE,
                          "migtop keys (Esc closes this help; Up/Down scroll)", false);
        else if (i >= VIEW_HELP_HEAD && i - VIEW_HELP_HEAD < (int)n)
                view_help_entry(y, b, &t[i - VIEW_HELP_HEAD]);
        else if (nr && i == rpl)
                draw_text(y, b->x + 1, b->w - 1, THEME_TITLE,
                          "replaying a recording (--replay FILE), before the keys above:", false);
        else if (nr && i > rpl && i - rpl - 1 < (int)nr)
                view_help_entry(y, b, &rt[i - rpl - 1]);
        else if (i >= tail && i - tail < VIEW_HELP_TAIL - 1)
                draw_text(y, b->x + 1, b->w - 1, THEME_HELP, view_help_tail[i - tail], false);
}

void view_help_draw(struct views *v, const struct layout *l)
{
        const struct layout_rect *b = &l->body;
        int total = view_help_lines(v);

        if (v->help_scroll > total - b->h)
                v->help_scroll = total - b->h;
        if (v->help_scroll < 0)
                v->help_scroll = 0;
        draw_fill(b, THEME_HELP);
        for (int r = 0; r < b->h && v->help_scroll + r < total; r++)
                view_help_line(v, b->y + r, b, v->help_scroll + r);
}
