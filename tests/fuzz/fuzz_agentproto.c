/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_agentproto: the agent's control-line decoder and the client's message decoder on
 * arbitrary bytes, with the invariants the agent and the remote source rely on: a control
 * line is one of the known kinds with an interval in range, a focus names devices (never a
 * path) and re-encodes to the same names; every decoded path stays under
 * the root, every listed name is one component, every file fits SRC_READ_MAX; what
 * decodes re-encodes and decodes to the same content.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/agentproto.h"
#include "core/src.h"
#include "fuzz.h"

static void check_names(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                CHECK(names[i][0] && !strchr(names[i], '/') && strcmp(names[i], "..") != 0 &&
                      strcmp(names[i], ".") != 0);
}

static void check_msg(const struct ap_msg *m)
{
        for (size_t i = 0; i < m->nlists; i++) {
                CHECK(ap_path_ok(m->lists[i].path) && m->lists[i].path[0] != '/');
                check_names(m->lists[i].names, m->lists[i].n);
                check_names(m->lists[i].del, m->lists[i].ndel);
        }
        for (size_t i = 0; i < m->nfiles; i++) {
                const struct ap_file *f = &m->files[i];

                CHECK(ap_path_ok(f->path) && f->path[0] && f->path[0] != '/');
                CHECK(f->err ? !f->data : (f->data && f->len <= SRC_READ_MAX));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *s = (const char *)data;
        struct ap_msg m, m2;
        struct ap_ctl c;
        char why[160], *line;
        size_t len;

        if (ap_ctl_decode(s, size, &c, why, sizeof(why)) == 0) {
                CHECK(c.kind <= AP_CTL_FOCUS);
                CHECK(c.kind != AP_CTL_INTERVAL ||
                      (c.ms >= AP_INTERVAL_MIN && c.ms <= AP_INTERVAL_MAX));
                CHECK(size <= AP_CTL_MAX);
                CHECK(c.nfocus <= AP_FOCUS_MAX && (c.kind == AP_CTL_FOCUS || !c.nfocus));
                for (size_t i = 0; i < c.nfocus; i++) {
                        char *p = c.focus[i];

                        /* a device name, never a path */
                        CHECK(memchr(p, '\0', AP_NAME_MAX) && p[0] && !strchr(p, '/') &&
                              strcmp(p, "..") != 0 && strcmp(p, ".") != 0);
                }
                /* what decodes re-encodes within a line, to the same names */
                line = ap_ctl_encode(&c);
                if (line) {
                        struct ap_ctl c2;

                        len = strlen(line);
                        CHECK(len && len <= AP_CTL_MAX + 1 && line[len - 1] == '\n');
                        CHECK(ap_ctl_decode(line, len - 1, &c2, why, sizeof(why)) == 0);
                        CHECK(c2.kind == c.kind && c2.nfocus <= c.nfocus);
                        for (size_t i = 0; i < c2.nfocus; i++)
                                CHECK(strcmp(c2.focus[i], c.focus[i]) == 0);
                        free(line);
                }
        }
        if (ap_msg_decode(s, size, &m, why, sizeof(why)) < 0)
                return 0;
        check_msg(&m);
        line = ap_msg_encode(&m, &len);
        if (line) {
                CHECK(len && line[len - 1] == '\n' && !memchr(line, '\n', len - 1));
                CHECK(ap_msg_decode(line, len - 1, &m2, why, sizeof(why)) == 0);
                CHECK(m2.kind == m.kind && m2.nfiles == m.nfiles && m2.nlists == m.nlists &&
                      m2.nklog == m.nklog);
                for (size_t i = 0; i < m.nfiles; i++) {
                        CHECK(strcmp(m.files[i].path, m2.files[i].path) == 0);
                        CHECK(m.files[i].err == m2.files[i].err);
                        CHECK(m.files[i].len == m2.files[i].len);
                        CHECK(!m.files[i].len ||
                              memcmp(m.files[i].data, m2.files[i].data, m.files[i].len) == 0);
                }
                ap_msg_free(&m2);
                free(line);
        }
        ap_msg_free(&m);
        return 0;
}
