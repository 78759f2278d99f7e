/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * keys: the console's key table.  One table of {keys, F-key alias, action, help text}
 * serves both the dispatch of a pressed key and the help screen, so that the two never
 * disagree.
 */
#ifndef MIGTOP_UI_KEYS_H
#define MIGTOP_UI_KEYS_H

#include <stddef.h>

enum keys_action {
        KEYS_NONE = 0,
        KEYS_QUIT,
        KEYS_HELP,
        KEYS_BACK,
        KEYS_UP,
        KEYS_DOWN,
        KEYS_PGUP,
        KEYS_PGDN,
        KEYS_HOME,
        KEYS_END,
        KEYS_OPEN,
        KEYS_COMPARE,
        KEYS_HEX,
        KEYS_NEXT_DIFF,
        KEYS_PREV_DIFF,
        KEYS_NEXT_PAGE,
        KEYS_PREV_PAGE,
        KEYS_MARK_SRC,
        KEYS_MARK_DST,
        KEYS_SORT,
        KEYS_FILTER,
        KEYS_PAUSE,
        KEYS_FASTER,
        KEYS_SLOWER,
        KEYS_EXPORT,
        KEYS_RESCAN,
        /* --replay FILE: the replay's keys (keys_replay_lookup), before the others */
        KEYS_RPL_PLAY,
        KEYS_RPL_PREV,
        KEYS_RPL_NEXT,
        KEYS_RPL_SLOWER,
        KEYS_RPL_FASTER,
        KEYS_RPL_GOTO,
        KEYS_RPL_START,
        KEYS_RPL_END,
        KEYS_NACTIONS
};

#define KEYS_MAX_ALIASES 4

struct keys_entry {
        int keys[KEYS_MAX_ALIASES]; /* curses key codes, 0-terminated when fewer */
        int fkey;                   /* F-key alias (KEY_F(n)), 0 when none */
        enum keys_action action;
        const char *label; /* how the help screen names the keys: "Up k" */
        const char *help;  /* one line */
};

/* The table, in help-screen order. */
const struct keys_entry *keys_table(size_t *n);
/* The action bound to a curses key code (KEYS_NONE when unbound). */
enum keys_action keys_lookup(int key);
/*
 * When replaying a recording: its keys (help-screen order), and the replay action of a key
 * (KEYS_NONE: the key keeps its usual meaning).  Space, Left, Right, [, ], g, Home and End
 * are the replay's then.
 */
const struct keys_entry *keys_replay_table(size_t *n);
enum keys_action keys_replay_lookup(int key);
/* The table entry of an action (its first), or NULL. */
const struct keys_entry *keys_entry_of(enum keys_action a);
/* "F1" for KEY_F(1), "" for 0: into buf. */
const char *keys_fkey_name(int fkey, char *buf, size_t size);

#endif
