/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * keys: the key table (see keys.h).
 */
#include <curses.h>
#include <stdio.h>

#include "ui/keys.h"

#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESC     27

static const struct keys_entry keys_tab[] = {
    {{'?', 'h'}, KEY_F(1), KEYS_HELP, "? h", "show this help"},
    {{'q', 'Q'}, KEY_F(10), KEYS_QUIT, "q", "quit"},
    {{KEY_ESC, KEY_BACKSPACE, KEY_LEFT},
     0,
     KEYS_BACK,
     "Esc Left",
     "close help or an overlay, back to the list; clear the filter"},
    {{KEY_UP, 'k', KEY_CTRL('p')}, 0, KEYS_UP, "Up k", "previous device (scroll up)"},
    {{KEY_DOWN, 'j', KEY_CTRL('n')}, 0, KEYS_DOWN, "Down j", "next device (scroll down)"},
    {{KEY_PPAGE, KEY_CTRL('b')}, 0, KEYS_PGUP, "PgUp", "one page up"},
    {{KEY_NPAGE, KEY_CTRL('f'), ' '}, 0, KEYS_PGDN, "PgDn Space", "one page down"},
    {{KEY_HOME, 'g'}, 0, KEYS_HOME, "Home g", "first device / top"},
    {{KEY_END, 'G'}, 0, KEYS_END, "End G", "last device / bottom"},
    {{'\n', '\r', KEY_ENTER, KEY_RIGHT},
     0,
     KEYS_OPEN,
     "Enter",
     "detail of the selected device: state timeline, files, decoded dev_data"},
    {{'c'},
     KEY_F(5),
     KEYS_COMPARE,
     "c",
     "compare source and destination (accepts the suggested pair)"},
    {{'x'}, 0, KEYS_HEX, "x", "compare: toggle decoded fields / hex bytes"},
    {{'n'}, 0, KEYS_NEXT_DIFF, "n", "compare: next difference"},
    {{'N'}, 0, KEYS_PREV_DIFF, "N", "compare: previous difference"},
    {{']', '\t'}, 0, KEYS_NEXT_PAGE, "] Tab", "compare: next page (small terminals)"},
    {{'[', KEY_BTAB}, 0, KEYS_PREV_PAGE, "[ S-Tab", "compare: previous page"},
    {{'s'}, 0, KEYS_MARK_SRC, "s", "mark the selected device as the migration source"},
    {{'d'}, 0, KEYS_MARK_DST, "d", "mark the selected device as the destination"},
    {{'o'}, KEY_F(6), KEYS_SORT, "o", "cycle the sort column"},
    {{'/'},
     KEY_F(3),
     KEYS_FILTER,
     "/",
     "filter devices (name, state, driver): Enter applies, Esc clears"},
    {{'p'}, 0, KEYS_PAUSE, "p", "pause / resume polling"},
    {{'+', '='}, 0, KEYS_FASTER, "+", "refresh faster (shorter interval)"},
    {{'-', '_'}, 0, KEYS_SLOWER, "-", "refresh slower (longer interval)"},
    {{'e'}, 0, KEYS_EXPORT, "e", "export the current view as JSON to migtop-<view>-<time>.json"},
    {{'r'}, 0, KEYS_RESCAN, "r", "rescan the device list now"},
};

static const struct keys_entry keys_replay_tab[] = {
    {{' '}, 0, KEYS_RPL_PLAY, "Space", "replay: pause / play (at the end: from the start)"},
    {{KEY_LEFT},
     0,
     KEYS_RPL_PREV,
     "Left",
     "replay: previous recorded change of the selected device (any: none selected)"},
    {{KEY_RIGHT}, 0, KEYS_RPL_NEXT, "Right", "replay: next recorded change (the same)"},
    {{'['}, 0, KEYS_RPL_SLOWER, "[", "replay: half the speed (down to 0.25x)"},
    {{']'}, 0, KEYS_RPL_FASTER, "]", "replay: double the speed (up to 64x)"},
    {{'g'},
     0,
     KEYS_RPL_GOTO,
     "g",
     "replay: go to a time: 2026-11-30T14:02:03Z (UTC), +SECONDS or -SECONDS from now"},
    {{KEY_HOME}, 0, KEYS_RPL_START, "Home", "replay: the recording's start"},
    {{KEY_END}, 0, KEYS_RPL_END, "End", "replay: the recording's end"},
};

const struct keys_entry *keys_replay_table(size_t *n)
{
        *n = sizeof(keys_replay_tab) / sizeof(keys_replay_tab[0]);
        return keys_replay_tab;
}

const struct keys_entry *keys_table(size_t *n)
{
        *n = sizeof(keys_tab) / sizeof(keys_tab[0]);
        return keys_tab;
}

static int keys_matches(const struct keys_entry *k, int key)
{
        if (k->fkey && k->fkey == key)
                return 1;
        for (size_t i = 0; i < KEYS_MAX_ALIASES && k->keys[i]; i++)
                if (k->keys[i] == key)
                        return 1;
        return 0;
}

enum keys_action keys_lookup(int key)
{
        size_t n;
        const struct keys_entry *t = keys_table(&n);

        if (key == 0)
                return KEYS_NONE;
        for (size_t i = 0; i < n; i++)
                if (keys_matches(&t[i], key))
                        return t[i].action;
        return KEYS_NONE;
}

enum keys_action keys_replay_lookup(int key)
{
        size_t n;
        const struct keys_entry *t = keys_replay_table(&n);

        for (size_t i = 0; key && i < n; i++)
                if (keys_matches(&t[i], key))
                        return t[i].action;
        return KEYS_NONE;
}

const struct keys_entry *keys_entry_of(enum keys_action a)
{
        size_t n;
        const struct keys_entry *t = keys_table(&n);

        for (size_t i = 0; i < n; i++)
                if (t[i].action == a)
                        return &t[i];
        return NULL;
}

const char *keys_fkey_name(int fkey, char *buf, size_t size)
{
        if (size == 0)
                return buf;
        buf[0] = '\0';
        if (fkey >= KEY_F(1) && fkey <= KEY_F(63))
                snprintf(buf, size, "F%d", fkey - KEY_F0);
        return buf;
}
