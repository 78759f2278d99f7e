/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fsm: the VFIO migration v2 state machine.  The next-step table is the kernel's
 * vfio_from_fsm_table[][] (drivers/vfio/vfio_main.c, 6.12) transcribed entry by entry, and
 * fsm_next_step() runs the same skip loop over states the device's features do not have.
 */
#include "fsm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const fsm_names[FSM_NSTATES] = {
    [FSM_ERROR] = "ERROR",       [FSM_STOP] = "STOP",
    [FSM_RUNNING] = "RUNNING",   [FSM_STOP_COPY] = "STOP_COPY",
    [FSM_RESUMING] = "RESUMING", [FSM_RUNNING_P2P] = "RUNNING_P2P",
    [FSM_PRE_COPY] = "PRE_COPY", [FSM_PRE_COPY_P2P] = "PRE_COPY_P2P",
    [FSM_INVALID] = "Invalid",
};

#define FSM_NKSTATES 8 /* states of the kernel's table: ERROR .. PRE_COPY_P2P */

/* vfio_from_fsm_table[cur][target]: the next step from cur towards target. */
static const unsigned char fsm_table[FSM_NKSTATES][FSM_NKSTATES] = {
    [FSM_STOP] =
        {
            [FSM_STOP] = FSM_STOP,
            [FSM_RUNNING] = FSM_RUNNING_P2P,
            [FSM_PRE_COPY] = FSM_RUNNING_P2P,
            [FSM_PRE_COPY_P2P] = FSM_RUNNING_P2P,
            [FSM_STOP_COPY] = FSM_STOP_COPY,
            [FSM_RESUMING] = FSM_RESUMING,
            [FSM_RUNNING_P2P] = FSM_RUNNING_P2P,
            [FSM_ERROR] = FSM_ERROR,
        },
    [FSM_RUNNING] =
        {
            [FSM_STOP] = FSM_RUNNING_P2P,
            [FSM_RUNNING] = FSM_RUNNING,
            [FSM_PRE_COPY] = FSM_PRE_COPY,
            [FSM_PRE_COPY_P2P] = FSM_RUNNING_P2P,
            [FSM_STOP_COPY] = FSM_RUNNING_P2P,
            [FSM_RESUMING] = FSM_RUNNING_P2P,
            [FSM_RUNNING_P2P] = FSM_RUNNING_P2P,
            [FSM_ERROR] = FSM_ERROR,
        },
    [FSM_PRE_COPY] =
        {
            [FSM_STOP] = FSM_RUNNING,
            [FSM_RUNNING] = FSM_RUNNING,
            [FSM_PRE_COPY] = FSM_PRE_COPY,
            [FSM_PRE_COPY_P2P] = FSM_PRE_COPY_P2P,
            [FSM_STOP_COPY] = FSM_PRE_COPY_P2P,
            [FSM_RESUMING] = FSM_RUNNING,
            [FSM_RUNNING_P2P] = FSM_RUNNING,
            [FSM_ERROR] = FSM_ERROR,
        },
    [FSM_PRE_COPY_P2P] =
        {
            [FSM_STOP] = FSM_RUNNING_P2P,
            [FSM_RUNNING] = FSM_RUNNING_P2P,
            [FSM_PRE_COPY] = FSM_PRE_COPY,
            [FSM_PRE_COPY_P2P] = FSM_PRE_COPY_P2P,
            [FSM_STOP_COPY] = FSM_STOP_COPY,
            [FSM_RESUMING] = FSM_RUNNING_P2P,
            [FSM_RUNNING_P2P] = FSM_RUNNING_P2P,
            [FSM_ERROR] = FSM_ERROR,
        },
    [FSM_STOP_COPY] =
        {
            [FSM_STOP] = FSM_STOP,
            [FSM_RUNNING] = FSM_STOP,
            [FSM_PRE_COPY] = FSM_ERROR,
            [FSM_PRE_COPY_P2P] = FSM_ERROR,
            [FSM_STOP_COPY] = FSM_STOP_COPY,
            [FSM_RESUMING] = FSM_STOP,
            [FSM_RUNNING_P2P] = FSM_STOP,
            [FSM_ERROR] = FSM_ERROR,
        },
    [FSM_RESUMING] =
        {
            [FSM_STOP] = FSM_STOP,
            [FSM_RUNNING] = FSM_STOP,
            [FSM_PRE_COPY] = FSM_STOP,
            [FSM_PRE_COPY_P2P] = FSM_STOP,
            [FSM_STOP_COPY] = FSM_STOP,
            [FSM_RESUMING] = FSM_RESUMING,
            [FSM_RUNNING_P2P] = FSM_STOP,
            [FSM_ERROR] = FSM_ERROR,
        },
    [FSM_RUNNING_P2P] =
        {
            [FSM_STOP] = FSM_STOP,
            [FSM_RUNNING] = FSM_RUNNING,
            [FSM_PRE_COPY] = FSM_RUNNING,
            [FSM_PRE_COPY_P2P] = FSM_PRE_COPY_P2P,
            [FSM_STOP_COPY] = FSM_STOP,
            [FSM_RESUMING] = FSM_STOP,
            [FSM_RUNNING_P2P] = FSM_RUNNING_P2P,
            [FSM_ERROR] = FSM_ERROR,
        },
    [FSM_ERROR] =
        {
            [FSM_STOP] = FSM_ERROR,
            [FSM_RUNNING] = FSM_ERROR,
            [FSM_PRE_COPY] = FSM_ERROR,
            [FSM_PRE_COPY_P2P] = FSM_ERROR,
            [FSM_STOP_COPY] = FSM_ERROR,
            [FSM_RESUMING] = FSM_ERROR,
            [FSM_RUNNING_P2P] = FSM_ERROR,
            [FSM_ERROR] = FSM_ERROR,
        },
};

/* state_flags_table[]: the feature bits a state needs (ERROR: never valid as an argument). */
static const unsigned fsm_need[FSM_NKSTATES] = {
    [FSM_STOP] = FSM_F_STOP_COPY,
    [FSM_RUNNING] = FSM_F_STOP_COPY,
    [FSM_PRE_COPY] = FSM_F_STOP_COPY | FSM_F_PRE_COPY,
    [FSM_PRE_COPY_P2P] = FSM_F_STOP_COPY | FSM_F_P2P | FSM_F_PRE_COPY,
    [FSM_STOP_COPY] = FSM_F_STOP_COPY,
    [FSM_RESUMING] = FSM_F_STOP_COPY,
    [FSM_RUNNING_P2P] = FSM_F_STOP_COPY | FSM_F_P2P,
    [FSM_ERROR] = ~0u,
};

/* STOP_COPY is mandatory for every device with migration: a feature list without it still
 * means a device that has it. */
static unsigned fsm_eff(unsigned features)
{
        return (features & FSM_F_ALL) | FSM_F_STOP_COPY;
}

/* A state the kernel's table accepts as cur/target under these features (not ERROR). */
static bool fsm_kernel_ok(enum fsm_state s, unsigned features)
{
        unsigned f = fsm_eff(features);

        if ((unsigned)s >= FSM_NKSTATES || s == FSM_ERROR)
                return false;
        return (fsm_need[s] & f) == fsm_need[s];
}

const char *fsm_state_name(enum fsm_state s)
{
        if ((unsigned)s >= FSM_NSTATES)
                return fsm_names[FSM_INVALID];
        return fsm_names[s];
}

static bool fsm_ident_char(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_';
}

int fsm_state_parse(const char *text, size_t len, enum fsm_state *out)
{
        const char *nl;
        size_t line;

        if (!text || len == 0)
                return -EINVAL;
        nl = memchr(text, '\n', len);
        line = nl ? (size_t)(nl - text) : len;
        if (nl && line + 1 < len)
                return -EPROTO; /* more than one line */
        if (line == 0)
                return -EINVAL;
        /* Exact names first, then the v11 misspelling, then a known name + garbage. */
        for (unsigned i = 0; i < FSM_NSTATES; i++) {
                size_t n = strlen(fsm_names[i]);

                if (n == line && memcmp(text, fsm_names[i], n) == 0) {
                        *out = (enum fsm_state)i;
                        return 0;
                }
        }
        if (line == strlen("RESUMING_P2P") && memcmp(text, "RESUMING_P2P", line) == 0) {
                *out = FSM_RUNNING_P2P;
                return 0;
        }
        for (unsigned i = 0; i < FSM_NSTATES; i++) {
                size_t n = strlen(fsm_names[i]);

                if (n < line && memcmp(text, fsm_names[i], n) == 0 && !fsm_ident_char(text[n]))
                        return -EPROTO; /* "STOP \0junk": a name, then trailing garbage */
        }
        return -EINVAL;
}

static const struct {
        const char *name;
        unsigned bit;
} fsm_feature_names[] = {
    {"stop-copy", FSM_F_STOP_COPY},
    {"p2p", FSM_F_P2P},
    {"pre-copy", FSM_F_PRE_COPY},
    {"dirty-tracking", FSM_F_DIRTY_TRACKING},
};

const char *fsm_feature_name(unsigned bit)
{
        for (size_t i = 0; i < sizeof(fsm_feature_names) / sizeof(fsm_feature_names[0]); i++)
                if (fsm_feature_names[i].bit == bit)
                        return fsm_feature_names[i].name;
        return NULL;
}

size_t fsm_features_format(unsigned features, char *buf, size_t size)
{
        size_t n = 0;

        if (size)
                buf[0] = '\0';
        for (size_t i = 0; i < sizeof(fsm_feature_names) / sizeof(fsm_feature_names[0]); i++) {
                int w;

                if (!(features & fsm_feature_names[i].bit))
                        continue;
                w = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0, "%s%s",
                             n ? " " : "", fsm_feature_names[i].name);
                n += w > 0 ? (size_t)w : 0;
        }
        return n;
}

int fsm_features_parse(const char *text, size_t len, unsigned *features, unsigned *unknown)
{
        unsigned f = 0, unk = 0;
        size_t i = 0;

        if (!text && len)
                return -EINVAL;
        while (i < len) {
                size_t s = i, e;
                bool found = false;

                while (i < len && text[i] != '\n') {
                        unsigned char c = (unsigned char)text[i];

                        /* printable ASCII, or the whitespace a text file may carry */
                        if ((c < 0x20 && c != '\t' && c != '\r') || c >= 0x7f)
                                return -EINVAL;
                        i++;
                }
                e = i;
                if (i < len)
                        i++; /* the newline */
                while (s < e && (text[s] == ' ' || text[s] == '\t'))
                        s++;
                while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
                        e--;
                if (s == e)
                        continue; /* empty line */
                for (size_t k = 0; k < sizeof(fsm_feature_names) / sizeof(fsm_feature_names[0]);
                     k++) {
                        const char *n = fsm_feature_names[k].name;

                        if (strlen(n) == e - s && memcmp(text + s, n, e - s) == 0) {
                                f |= fsm_feature_names[k].bit;
                                found = true;
                                break;
                        }
                }
                if (!found)
                        unk++;
        }
        *features = f;
        if (unknown)
                *unknown = unk;
        return 0;
}

bool fsm_state_valid(enum fsm_state s, unsigned features)
{
        if (s == FSM_ERROR)
                return true;
        return fsm_kernel_ok(s, features);
}

int fsm_next_step(enum fsm_state cur, enum fsm_state target, unsigned features,
                  enum fsm_state *next)
{
        unsigned f = fsm_eff(features);
        unsigned n;

        if (!fsm_kernel_ok(cur, features) || !fsm_kernel_ok(target, features))
                return -EINVAL;
        n = fsm_table[cur][target];
        /* Skip over states the device does not support, as the kernel does.  The bound
         * only guards against a broken table: the kernel's terminates in <= 2 rounds. */
        for (unsigned guard = 0;
             n != FSM_ERROR && (fsm_need[n] & f) != fsm_need[n] && guard < FSM_NKSTATES; guard++)
                n = fsm_table[n][target];
        if (n == FSM_ERROR || (fsm_need[n] & f) != fsm_need[n])
                return -EINVAL;
        *next = (enum fsm_state)n;
        return 0;
}

bool fsm_is_direct_arc(enum fsm_state from, enum fsm_state to, unsigned features)
{
        enum fsm_state n;

        if (from == to)
                return false;
        return fsm_next_step(from, to, features, &n) == 0 && n == to;
}

void fsm_classify(enum fsm_state from, enum fsm_state to, unsigned features, struct fsm_change *out)
{
        enum fsm_state cur = from;

        memset(out, 0, sizeof(*out));
        out->from = from;
        out->to = to;
        if (from == to) {
                out->cls = FSM_CLASS_SAME;
                return;
        }
        out->cls = FSM_CLASS_IMPOSSIBLE;
        if (!fsm_state_valid(from, features) || !fsm_state_valid(to, features))
                return;
        if (to == FSM_ERROR) {
                out->cls = FSM_CLASS_TO_ERROR;
                return;
        }
        if (from == FSM_ERROR) {
                out->cls = FSM_CLASS_RESET;
                return;
        }
        for (unsigned arcs = 0; arcs <= FSM_MAX_STEPS; arcs++) {
                enum fsm_state n;

                if (fsm_next_step(cur, to, features, &n) != 0)
                        break;
                if (n == to) {
                        out->cls = out->nsteps ? FSM_CLASS_COMBINATION : FSM_CLASS_DIRECT;
                        return;
                }
                if (out->nsteps == FSM_MAX_STEPS)
                        break;
                out->steps[out->nsteps++] = n;
                cur = n;
        }
        out->nsteps = 0; /* no path: nothing inferred */
        memset(out->steps, 0, sizeof(out->steps));
}

const char *fsm_class_name(enum fsm_class c)
{
        switch (c) {
        case FSM_CLASS_SAME:
                return "same";
        case FSM_CLASS_DIRECT:
                return "direct";
        case FSM_CLASS_COMBINATION:
                return "combination";
        case FSM_CLASS_TO_ERROR:
                return "to_error";
        case FSM_CLASS_RESET:
                return "reset";
        case FSM_CLASS_IMPOSSIBLE:
                return "impossible";
        }
        return "unknown";
}
