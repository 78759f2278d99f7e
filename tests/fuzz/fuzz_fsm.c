/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_fsm: the state and features parsers on arbitrary bytes, and the classifier on
 * arbitrary (from, to, features) triples, with the invariants a caller relies on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsm.h"
#include "fuzz.h"

static void check_change(enum fsm_state from, enum fsm_state to, unsigned f)
{
        struct fsm_change c;
        enum fsm_state prev = from, n;

        fsm_classify(from, to, f, &c);
        CHECK(c.from == from && c.to == to);
        CHECK(c.nsteps <= FSM_MAX_STEPS);
        CHECK(strcmp(fsm_class_name(c.cls), "unknown") != 0);
        switch (c.cls) {
        case FSM_CLASS_SAME:
                CHECK(from == to && c.nsteps == 0);
                break;
        case FSM_CLASS_DIRECT:
                CHECK(c.nsteps == 0 && fsm_is_direct_arc(from, to, f));
                break;
        case FSM_CLASS_COMBINATION:
                CHECK(c.nsteps >= 1 && !fsm_is_direct_arc(from, to, f));
                CHECK(fsm_next_step(from, to, f, &n) == 0 && n == c.steps[0]);
                for (unsigned i = 0; i < c.nsteps; i++) {
                        CHECK(fsm_state_valid(c.steps[i], f));
                        CHECK(fsm_is_direct_arc(prev, c.steps[i], f));
                        prev = c.steps[i];
                }
                CHECK(fsm_is_direct_arc(prev, to, f));
                break;
        case FSM_CLASS_TO_ERROR:
                CHECK(to == FSM_ERROR && from != FSM_ERROR && c.nsteps == 0);
                break;
        case FSM_CLASS_RESET:
                CHECK(from == FSM_ERROR && c.nsteps == 0);
                break;
        case FSM_CLASS_IMPOSSIBLE:
                CHECK(c.nsteps == 0 && from != to);
                CHECK(fsm_next_step(from, to, f, &n) != 0 || !fsm_state_valid(from, f) ||
                      !fsm_state_valid(to, f));
                break;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        enum fsm_state s;
        unsigned f, unk;
        char *copy;
        int rc;

        /* an exact-size copy: ASan reports any read past len */
        copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        rc = fsm_state_parse(copy, size, &s);
        if (rc == 0) {
                const char *name = fsm_state_name(s);

                CHECK((unsigned)s < FSM_NSTATES);
                CHECK(fsm_state_parse(name, strlen(name), &s) == 0);
        } else {
                CHECK(rc == -EINVAL || rc == -EPROTO);
        }
        rc = fsm_features_parse(copy, size, &f, &unk);
        if (rc == 0)
                CHECK((f & ~(FSM_F_ALL | FSM_F_DIRTY_TRACKING)) == 0 && unk <= size);
        free(copy);

        if (size >= 3)
                check_change((enum fsm_state)(data[0] % (FSM_NSTATES + 2)),
                             (enum fsm_state)(data[1] % (FSM_NSTATES + 2)), data[2]);
        return 0;
}
