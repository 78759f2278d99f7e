/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_kv: kv_parse() on arbitrary text, with the invariants the views rely on: keys are
 * never empty, nothing contains a newline, line numbers increase, every key is found.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/kv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct kv_list l;
        unsigned prev = 0, nl = 0;
        uint64_t v;

        for (size_t i = 0; i < size; i++)
                nl += data[i] == '\n';
        if (kv_parse((const char *)data, size, 1, &l) < 0)
                return 0;
        CHECK(l.n <= nl + 1);
        for (size_t i = 0; i < l.n; i++) {
                const struct kv *k = &l.items[i];
                int ret;

                CHECK(k->key[0] != '\0');
                CHECK(!strchr(k->key, '\n') && !strchr(k->value, '\n'));
                CHECK(k->line > prev && k->line <= nl + 1);
                prev = k->line;
                CHECK(kv_get(&l, k->key) != NULL);
                ret = kv_get_u64(&l, k->key, &v);
                CHECK(ret == 0 || ret == -EINVAL);
        }
        if (l.bad_line)
                CHECK(l.why && l.why[0] && l.bad_line <= nl + 1);
        kv_list_free(&l);
        return 0;
}
