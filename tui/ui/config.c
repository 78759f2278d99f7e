/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config: parse the console's settings file (see config.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui/config.h"
#include "ui/kvfile.h"

#define CONFIG_FILE_MAX (64 * 1024)

enum config_key {
        CONFIG_INTERVAL,
        CONFIG_THEME,
        CONFIG_MOUSE,
        CONFIG_COLUMNS,
        CONFIG_STUCK,
        CONFIG_HOST,
        CONFIG_NKEYS
};

static const char *const config_keys[CONFIG_NKEYS] = {
    [CONFIG_INTERVAL] = "interval", [CONFIG_THEME] = "theme", [CONFIG_MOUSE] = "mouse",
    [CONFIG_COLUMNS] = "columns",   [CONFIG_STUCK] = "stuck", [CONFIG_HOST] = "host",
};

void config_defaults(struct config *c)
{
        memset(c, 0, sizeof(*c));
        c->interval_ms = CONFIG_INTERVAL_DEFAULT;
        snprintf(c->theme, sizeof(c->theme), "default");
        c->mouse = true;
        c->ncols = layout_default_cols(c->cols);
        stuck_default(&c->stuck);
}

static int config_interval(const char *v, int *ms, char *what, size_t whatlen)
{
        unsigned long long n = 0, mult = 1;
        const char *p = v;

        if (*p < '0' || *p > '9') {
                snprintf(what, whatlen, "'%s' is not a number of milliseconds", v);
                return -EINVAL;
        }
        while (*p >= '0' && *p <= '9') {
                n = n * 10 + (unsigned long long)(*p - '0');
                if (n > 100000000ULL) {
                        snprintf(what, whatlen, "'%s' is too large (at most %d ms)", v,
                                 CONFIG_INTERVAL_MAX);
                        return -EINVAL;
                }
                p++;
        }
        if (strcmp(p, "s") == 0)
                mult = 1000;
        else if (*p && strcmp(p, "ms") != 0) {
                snprintf(what, whatlen, "unknown unit in '%s' (milliseconds, or 'ms' or 's')", v);
                return -EINVAL;
        }
        n *= mult;
        if (n < CONFIG_INTERVAL_MIN || n > CONFIG_INTERVAL_MAX) {
                snprintf(what, whatlen, "%s is outside %d ms to %d ms", v, CONFIG_INTERVAL_MIN,
                         CONFIG_INTERVAL_MAX);
                return -EINVAL;
        }
        *ms = (int)n;
        return 0;
}

static int config_bool(const char *v, bool *b, char *what, size_t whatlen)
{
        static const char *const yes[] = {"on", "yes", "true", "1"};
        static const char *const no[] = {"off", "no", "false", "0"};

        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcasecmp(v, yes[i]) == 0) {
                        *b = true;
                        return 0;
                }
                if (strcasecmp(v, no[i]) == 0) {
                        *b = false;
                        return 0;
                }
        }
        snprintf(what, whatlen, "'%s' is not on or off", v);
        return -EINVAL;
}

static int config_columns(char *v, struct config *c, char *what, size_t whatlen)
{
        bool seen[LAYOUT_NCOLS] = {false};
        char *save = NULL;
        size_t n = 0;

        for (char *tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
                int id = layout_col_from_name(tok, strlen(tok));

                if (id < 0) {
                        size_t used;

                        snprintf(what, whatlen, "unknown column '%s' (known:", tok);
                        for (int i = 0; i < LAYOUT_NCOLS; i++) {
                                used = strlen(what);
                                snprintf(what + used, whatlen - used, "%s%s", i ? ", " : " ",
                                         layout_col_get(i)->name);
                        }
                        used = strlen(what);
                        snprintf(what + used, whatlen - used, ")");
                        return -EINVAL;
                }
                if (seen[id]) {
                        snprintf(what, whatlen, "column '%s' listed twice", tok);
                        return -EINVAL;
                }
                seen[id] = true;
                c->cols[n++] = id;
        }
        if (n == 0) {
                snprintf(what, whatlen, "no column given");
                return -EINVAL;
        }
        c->ncols = n;
        return 0;
}

int config_parse(struct config *c, const char *text, size_t len, const char *fname, char *err,
                 size_t errlen)
{
        int seen[CONFIG_NKEYS] = {0};
        struct config nc = *c;
        struct kvf f;
        char *key, *val;
        int got, lineno;

        if (!fname)
                fname = "<config>";
        got = kvf_init(&f, text, len, fname, "the config file", "key = value", "#;", NULL, err,
                       errlen);
        while (got == 0 && (got = kvf_next(&f, &key, &val, err, errlen)) == 1) {
                char what[512] = "";
                int k, ret = 0;

                got = 0;
                lineno = f.lineno;
                for (k = 0; k < CONFIG_NKEYS; k++)
                        if (strcasecmp(key, config_keys[k]) == 0)
                                break;
                if (k == CONFIG_NKEYS) {
                        kvf_errf(err, errlen,
                                 "%s:%d: unknown setting '%s' (interval, theme, mouse, columns, "
                                 "stuck, host)",
                                 fname, lineno, key);
                        return -EINVAL;
                }
                if (seen[k] && k != CONFIG_HOST) {
                        kvf_errf(err, errlen, "%s:%d: '%s' given twice (first at line %d)", fname,
                                 lineno, config_keys[k], seen[k]);
                        return -EINVAL;
                }
                seen[k] = lineno;
                if (!*val) {
                        kvf_errf(err, errlen, "%s:%d: %s: no value", fname, lineno, config_keys[k]);
                        return -EINVAL;
                }
                switch (k) {
                case CONFIG_INTERVAL:
                        ret = config_interval(val, &nc.interval_ms, what, sizeof(what));
                        break;
                case CONFIG_THEME:
                        if (strlen(val) >= sizeof(nc.theme)) {
                                snprintf(what, sizeof(what), "name longer than %d bytes",
                                         CONFIG_THEME_MAX - 1);
                                ret = -EINVAL;
                                break;
                        }
                        snprintf(nc.theme, sizeof(nc.theme), "%s", val);
                        break;
                case CONFIG_MOUSE:
                        ret = config_bool(val, &nc.mouse, what, sizeof(what));
                        break;
                case CONFIG_COLUMNS:
                        ret = config_columns(val, &nc, what, sizeof(what));
                        break;
                case CONFIG_STUCK:
                        ret = stuck_parse(&nc.stuck, val, what, sizeof(what));
                        break;
                case CONFIG_HOST:
                        if (nc.nhosts == CONFIG_HOSTS_MAX) {
                                snprintf(what, sizeof(what), "more than %d hosts",
                                         CONFIG_HOSTS_MAX);
                                ret = -EINVAL;
                        } else if (strlen(val) >= CONFIG_HOST_MAX) {
                                snprintf(what, sizeof(what), "longer than %d bytes",
                                         CONFIG_HOST_MAX - 1);
                                ret = -EINVAL;
                        } else {
                                snprintf(nc.hosts[nc.nhosts], CONFIG_HOST_MAX, "%s", val);
                                nc.host_line[nc.nhosts++] = lineno;
                        }
                        break;
                }
                if (ret < 0) {
                        kvf_errf(err, errlen, "%s:%d: %s: %s", fname, lineno, config_keys[k], what);
                        return ret;
                }
        }
        if (got < 0)
                return got;
        *c = nc;
        return 0;
}

int config_path(const char *xdg_config_home, const char *home, char *out, size_t outsz)
{
        int n;

        if (xdg_config_home && xdg_config_home[0] == '/')
                n = snprintf(out, outsz, "%s/migtop/config", xdg_config_home);
        else if (home && home[0])
                n = snprintf(out, outsz, "%s/.config/migtop/config", home);
        else
                return -ENOENT;
        if (n < 0 || (size_t)n >= outsz)
                return -ENAMETOOLONG;
        return 0;
}

int config_load(const char *path, bool must_exist, struct config *c, char *err, size_t errlen)
{
        FILE *f = fopen(path, "r");
        char *buf;
        size_t n;
        int ret;

        if (!f) {
                int e = errno;

                if (e == ENOENT && !must_exist)
                        return 0;
                kvf_errf(err, errlen, "%s: %s", path, strerror(e));
                return -e;
        }
        buf = malloc(CONFIG_FILE_MAX + 1);
        if (!buf) {
                fclose(f);
                return -ENOMEM;
        }
        n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
        if (ferror(f) || n > CONFIG_FILE_MAX) {
                kvf_errf(err, errlen, "%s: %s", path,
                         ferror(f) ? "read error" : "larger than 64 KiB");
                ret = -EINVAL;
        } else {
                ret = config_parse(c, buf, n, path, err, errlen);
        }
        fclose(f);
        free(buf);
        return ret;
}
