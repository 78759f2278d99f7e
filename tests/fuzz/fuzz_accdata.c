/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_accdata: acc_decode and acc_decode_registers on arbitrary bytes, the kernel line
 * classifier on the input as text, and the hisi_acc compare checks (acccheck_run through
 * pair_compare) and the diffs on an input split in two (first byte: where the source
 * ends), each side in its own exact-size buffer so that ASan sees any read past either;
 * states, stream lengths, the timeline and the PCI device ID come from the last bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/acccheck.h"
#include "core/accdata.h"
#include "core/match.h"
#include "core/pair.h"
#include "fuzz.h"

static void check_decoded(const uint8_t *buf, size_t len, const struct acc_decoded *d)
{
        CHECK(d->len == len && d->nfields <= ACC_MAX_FIELDS && d->nfields > 0);
        for (unsigned i = 0; i < d->nfields; i++) {
                const struct acc_field *f = &d->fields[i];

                CHECK(f->count >= 1 && f->count <= ACC_MAX_ELEMS);
                CHECK(f->offset + f->count * f->elem_size <= ACC_STRUCT_SIZE);
                for (unsigned k = 0; k < f->count; k++) {
                        size_t end = f->offset + (k + 1) * f->elem_size;
                        uint64_t v = 0;

                        CHECK(!!(f->valid_mask & (1u << k)) == (end <= len));
                        if (end > len) {
                                CHECK(f->value[k] == 0);
                                continue;
                        }
                        for (unsigned b = f->elem_size; b > 0; b--)
                                v = (v << 8) | buf[f->offset + k * f->elem_size + b - 1];
                        CHECK(f->value[k] == v);
                }
        }
}

/* A hisi_acc directory whose dev_data holds regs and migf_data holds stream. */
static void fake_dir(struct tree_drvdir *dir, struct drv_file files[3], struct acc_decoded dec[2],
                     uint8_t *bytes, size_t len, int64_t stream_len, bool dev_ok, bool migf_ok)
{
        memset(dir, 0, sizeof(*dir));
        memset(files, 0, 3 * sizeof(files[0]));
        dir->name = (char *)"hisi_acc";
        dir->ops = &drv_hisi_acc_ops;
        dir->nfiles = 3;
        files[0].name = "dev_data";
        files[0].status = dev_ok ? DRV_ST_OK : DRV_ST_NOT_OPENED;
        files[0].bytes = dev_ok ? bytes : NULL;
        files[0].len = dev_ok ? len : 0;
        files[0].has_fields = dev_ok;
        acc_decode_registers(bytes, len, &dec[0]);
        files[0].fields = &dec[0];
        files[1].name = "migf_data";
        files[1].status = migf_ok ? DRV_ST_OK : DRV_ST_NOT_MIGRATED;
        files[1].bytes = migf_ok ? bytes : NULL;
        files[1].len = migf_ok ? len : 0;
        files[1].has_fields = migf_ok;
        acc_decode(bytes, stream_len >= 0 && (size_t)stream_len < len ? (size_t)stream_len : len,
                   &dec[1]);
        dec[1].stream_len = stream_len;
        files[1].fields = &dec[1];
        files[2].name = "cmd_state";
        dir->files = files; /* the caller's array outlives the directory */
}

static void check_pair(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                       const uint8_t *ctl)
{
        static const int64_t lens[] = {-1, 0, 40, 100, 176, 177};
        struct tree_drvdir sd, dd;
        struct drv_file sf[3], df[3];
        struct acc_decoded sdec[2], ddec[2];
        struct tree_dev s = {.name = (char *)"s"}, d = {.name = (char *)"d"};
        struct pair_event tl[2][3];
        struct pair_side ss, ds;
        struct kmsg_rec rec;
        struct pair_result p;
        unsigned fails = 0, passes = 0, total = 0;

        fake_dir(&sd, sf, sdec, (uint8_t *)a, alen, lens[ctl[0] % 6], ctl[1] & 1, ctl[1] & 2);
        fake_dir(&dd, df, ddec, (uint8_t *)b, blen, lens[ctl[2] % 6], ctl[1] & 4, ctl[1] & 8);
        s.state = (enum fsm_state)(ctl[3] % FSM_NSTATES);
        d.state = (enum fsm_state)(ctl[4] % FSM_NSTATES);
        s.ndirs = d.ndirs = 1;
        s.dirs = &sd;
        d.dirs = &dd;
        pair_side_init(&ss, &s);
        pair_side_init(&ds, &d);
        for (unsigned k = 0; k < 2; k++)
                for (unsigned i = 0; i < 3; i++) {
                        tl[k][i].t_ns = ctl[5 + k * 3 + i] * 10;
                        tl[k][i].prev_ns = tl[k][i].t_ns - ctl[5 + i] % 7;
                        tl[k][i].from = (enum fsm_state)((ctl[5 + k + i] >> 4) % FSM_NSTATES);
                        tl[k][i].to = (enum fsm_state)((ctl[5 + k + i] & 15) % FSM_NSTATES);
                }
        ss.timeline = tl[0];
        ss.ntimeline = ctl[11] % 4;
        ss.timeline_known = ctl[11] & 4;
        ds.timeline = tl[1];
        ds.ntimeline = (ctl[11] >> 3) % 4;
        ds.timeline_known = ctl[11] & 32;
        ds.pci_device = ctl[12] & 1 ? (int)(ctl[12] | ctl[13] << 8) : -1;
        memset(&rec, 0, sizeof(rec));
        memcpy(rec.text, b, blen < sizeof(rec.text) - 1 ? blen : sizeof(rec.text) - 1);
        ds.klog = ctl[12] & 2 ? &rec : NULL;
        ds.nklog = ds.klog ? 1 : 0;
        CHECK(pair_compare(&ss, &ds, &p) == 0);
        CHECK(p.checks.n == 4);
        for (unsigned i = 0; i < p.checks.n; i++) {
                const struct check *c = &p.checks.c[i];

                CHECK(c->verdict == CHECK_PASS || c->verdict == CHECK_FAIL ||
                      c->verdict == CHECK_UNKNOWN);
                CHECK(memchr(c->reason, 0, sizeof(c->reason)) && c->reason[0]);
                CHECK(c->nmis <= CHECK_MAX_MISMATCH && c->nev <= CHECK_MAX_EVIDENCE);
                CHECK(c->verdict != CHECK_PASS || c->nmis == 0);
                fails += c->verdict == CHECK_FAIL;
                passes += c->verdict == CHECK_PASS;
                total += c->nmis;
                for (unsigned k = 0; k < c->nmis; k++)
                        CHECK(c->mis[k].field && c->mis[k].reason);
        }
        CHECK((p.match.verdict == MATCH_REJECT) == (fails > 0));
        CHECK((p.match.verdict == MATCH_ACCEPT) == (passes == p.checks.n));
        CHECK(p.match.n == (total < MATCH_MAX ? total : MATCH_MAX));
}

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
        uint8_t *q = malloc(n ? n : 1);

        if (q && n)
                memcpy(q, p, n);
        return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct acc_decoded s, d;
        struct match_field_diff fd;
        uint8_t ctl[14] = {0};
        char text[600];
        uint8_t *a, *b, map[(ACC_STRUCT_SIZE + 255 + 7) / 8];
        size_t split, alen, blen, nd;

        acc_decode(data, size, &s);
        check_decoded(data, size, &s);
        acc_decode_registers(data, size, &s);
        check_decoded(data, size, &s);
        CHECK(s.layout == ACC_LAYOUT_REGISTERS && !acc_field_find(&s, "qp_num"));
        memcpy(text, data, size < sizeof(text) - 1 ? size : sizeof(text) - 1);
        text[size < sizeof(text) - 1 ? size : sizeof(text) - 1] = '\0';
        CHECK(acccheck_line(text) <= ACCCHECK_LINE_DMA_NULL);
        if (size < 1)
                return 0;
        memcpy(ctl, data + size - (size < sizeof(ctl) ? size : sizeof(ctl)),
               size < sizeof(ctl) ? size : sizeof(ctl));
        split = data[0];
        data++;
        size--;
        alen = split < size ? split : size;
        blen = size - alen;
        a = copy_of(data, alen);
        b = copy_of(data + alen, blen);
        if (!a || !b)
                goto out;
        acc_decode(a, alen, &s);
        acc_decode(b, blen, &d);
        check_decoded(a, alen, &s);
        check_decoded(b, blen, &d);
        check_pair(a, alen, b, blen, ctl);
        match_diff_fields(&s, &d, &fd);
        CHECK(fd.n <= ACC_MAX_FIELDS);
        nd = match_diff_bytes(a, alen, b, blen, map, sizeof(map));
        CHECK(nd <= (alen > blen ? alen : blen));
        CHECK(nd >= (alen > blen ? alen - blen : blen - alen));
        if (alen == blen && memcmp(a, b, alen) == 0)
                CHECK(nd == 0 && fd.n == 0);
out:
        free(a);
        free(b);
        return 0;
}
