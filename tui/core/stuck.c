// SPDX-License-Identifier: GPL-2.0-only
/*
 * stuck: per-state time-in-state thresholds (see stuck.h for the defaults and why).
 */
#include "stuck.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define STUCK_MS_NS 1000000LL

void stuck_default(struct stuck_cfg *c)
{
        memset(c, 0, sizeof(*c));
        c->ms[FSM_STOP_COPY] = 60000;
        c->ms[FSM_RESUMING] = 60000;
        c->ms[FSM_PRE_COPY] = 60000;
        c->ms[FSM_PRE_COPY_P2P] = 60000;
        c->ms[FSM_RUNNING_P2P] = 60000;
}

void stuck_unset(struct stuck_cfg *c)
{
        for (int s = 0; s < FSM_NSTATES; s++)
                c->ms[s] = -1;
}

void stuck_merge(struct stuck_cfg *base, const struct stuck_cfg *over)
{
        for (int s = 0; s < FSM_NSTATES; s++)
                if (over->ms[s] >= 0)
                        base->ms[s] = over->ms[s];
}

/* A state named by len bytes at p (case ignored), or -1.  "Invalid" is not a state. */
static int stuck_state(const char *p, size_t len)
{
        for (int s = 0; s < FSM_INVALID; s++) {
                const char *n = fsm_state_name((enum fsm_state)s);

                if (strlen(n) == len && strncasecmp(n, p, len) == 0)
                        return s;
        }
        return -1;
}

/* Seconds with at most 3 decimals, len bytes at p, into ms.  0 or -EINVAL. */
static int stuck_seconds(const char *p, size_t len, int64_t *ms)
{
        int64_t whole = 0, frac = 0;
        size_t i = 0, nd = 0, nf = 0;

        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, nd++) {
                whole = whole * 10 + (p[i] - '0');
                if (whole > STUCK_MAX_S)
                        return -EINVAL;
        }
        if (i < len && p[i] == '.') {
                for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++, nf++) {
                        if (nf >= 3)
                                return -EINVAL;
                        frac = frac * 10 + (p[i] - '0');
                }
                if (!nf)
                        return -EINVAL;
        }
        if (i != len || !nd)
                return -EINVAL;
        for (; nf < 3; nf++)
                frac *= 10;
        if (whole == STUCK_MAX_S && frac)
                return -EINVAL;
        *ms = whole * 1000 + frac;
        return 0;
}

static bool stuck_blank(char ch)
{
        return ch == ' ' || ch == '\t';
}

static void stuck_names(char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = '\0';
        for (int s = 0; s < FSM_INVALID && n < size; s++)
                n += (size_t)snprintf(buf + n, size - n, "%s%s", s ? ", " : "",
                                      fsm_state_name((enum fsm_state)s));
}

int stuck_parse(struct stuck_cfg *c, const char *spec, char *err, size_t errlen)
{
        struct stuck_cfg t = *c;
        const char *p = spec ? spec : "";
        char names[160];

        if (!*p) {
                snprintf(err, errlen, "empty; expected STATE=SECONDS[,STATE=SECONDS...]");
                return -EINVAL;
        }
        for (;;) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                const char *eq, *v;
                size_t nlen, vlen;
                int s;
                int64_t ms;

                /* blanks around an entry and around its '=' are fine (a config file) */
                while (len && stuck_blank(*p)) {
                        p++;
                        len--;
                }
                while (len && stuck_blank(p[len - 1]))
                        len--;
                eq = memchr(p, '=', len);
                if (!eq) {
                        snprintf(err, errlen, "'%.*s': expected STATE=SECONDS (e.g. RESUMING=60)",
                                 (int)len, p);
                        return -EINVAL;
                }
                nlen = (size_t)(eq - p);
                while (nlen && stuck_blank(p[nlen - 1]))
                        nlen--;
                v = eq + 1;
                vlen = len - (size_t)(v - p);
                while (vlen && stuck_blank(*v)) {
                        v++;
                        vlen--;
                }
                s = stuck_state(p, nlen);
                if (s < 0) {
                        stuck_names(names, sizeof(names));
                        snprintf(err, errlen, "'%.*s': unknown state '%.*s' (one of %s)", (int)len,
                                 p, (int)nlen, p, names);
                        return -EINVAL;
                }
                if (stuck_seconds(v, vlen, &ms) < 0) {
                        snprintf(err, errlen,
                                 "'%.*s': SECONDS must be a number from 0 to %lld with at most 3 "
                                 "decimals (0: never stuck)",
                                 (int)len, p, (long long)STUCK_MAX_S);
                        return -EINVAL;
                }
                t.ms[s] = ms;
                if (!end)
                        break;
                p = end + 1;
        }
        *c = t;
        return 0;
}

bool stuck_eval(const struct stuck_cfg *c, enum fsm_state s, int64_t age_ns, int64_t *over_ms)
{
        int64_t thr;

        if (over_ms)
                *over_ms = 0;
        if ((unsigned)s >= FSM_NSTATES || c->ms[s] <= 0)
                return false;
        thr = c->ms[s] * STUCK_MS_NS;
        if (age_ns <= thr)
                return false;
        if (over_ms)
                *over_ms = (age_ns - thr) / STUCK_MS_NS;
        return true;
}

int64_t stuck_deadline_ns(const struct stuck_cfg *c, enum fsm_state s, int64_t since_ns)
{
        if ((unsigned)s >= FSM_NSTATES || c->ms[s] <= 0)
                return INT64_MAX;
        /* stuck_eval() wants age beyond the threshold: the next nanosecond */
        return since_ns + c->ms[s] * STUCK_MS_NS + 1;
}

size_t stuck_fmt_dur(int64_t ms, char *buf, size_t size)
{
        int64_t s = ms / 1000;

        if (ms < 0)
                ms = s = 0;
        if (s < 60) {
                if (ms % 1000)
                        return (size_t)snprintf(buf, size, "%lld.%llds", (long long)s,
                                                (long long)(ms % 1000 / 100));
                return (size_t)snprintf(buf, size, "%llds", (long long)s);
        }
        if (s < 3600)
                return (size_t)snprintf(buf, size, "%lldm%02llds", (long long)(s / 60),
                                        (long long)(s % 60));
        return (size_t)snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600),
                                (long long)(s % 3600 / 60));
}

size_t stuck_format(const struct stuck_cfg *c, char *buf, size_t size)
{
        size_t n = 0;
        char tmp[32];

        if (size)
                buf[0] = '\0';
        for (int s = 0; s < FSM_INVALID; s++) {
                int len;

                if (c->ms[s] <= 0)
                        continue;
                if (c->ms[s] % 1000)
                        snprintf(tmp, sizeof(tmp), "%lld.%03lld", (long long)(c->ms[s] / 1000),
                                 (long long)(c->ms[s] % 1000));
                else
                        snprintf(tmp, sizeof(tmp), "%lld", (long long)(c->ms[s] / 1000));
                len = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0, "%s%s=%s",
                               n ? "," : "", fsm_state_name((enum fsm_state)s), tmp);
                n += (size_t)len;
        }
        return n;
}
