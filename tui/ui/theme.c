/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * theme: theme files, search path, inheritance and colour degradation (see theme.h).
 * Pure data: the UI turns resolved styles into curses pairs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ui/kvfile.h"
#include "ui/theme.h"

#ifndef MIGTOP_DATADIR
#define MIGTOP_DATADIR "/usr/local/share/migtop"
#endif

#define THEME_FILE_MAX   (64 * 1024)
#define THEME_DEPTH_MAX  8
#define THEME_TOKENS_MAX 16

static const char *const theme_names[THEME_NELEMS] = {
    [THEME_NORMAL] = "normal",
    [THEME_HEADER] = "header",
    [THEME_FOOTER] = "footer",
    [THEME_TITLE] = "title",
    [THEME_BORDER] = "border",
    [THEME_LIST_HEADER] = "list.header",
    [THEME_LIST_ROW] = "list.row",
    [THEME_LIST_SELECTED] = "list.selected",
    [THEME_STATE_RUNNING] = "state.running",
    [THEME_STATE_STOP] = "state.stop",
    [THEME_STATE_STOP_COPY] = "state.stop_copy",
    [THEME_STATE_RESUMING] = "state.resuming",
    [THEME_STATE_P2P] = "state.p2p",
    [THEME_STATE_PRE_COPY] = "state.pre_copy",
    [THEME_STATE_ERROR] = "state.error",
    [THEME_STATE_INVALID] = "state.invalid",
    [THEME_STATUS_OK] = "status.ok",
    [THEME_STATUS_WARN] = "status.warn",
    [THEME_STATUS_ERROR] = "status.error",
    [THEME_STATUS_BLOCKED] = "status.blocked",
    [THEME_STATUS_ABSENT] = "status.absent",
    [THEME_DIFF_BYTE] = "diff.byte",
    [THEME_DIFF_FIELD] = "diff.field",
    [THEME_HEX_OFFSET] = "hex.offset",
    [THEME_VERDICT_ACCEPT] = "verdict.accept",
    [THEME_VERDICT_REJECT] = "verdict.reject",
    [THEME_HELP] = "help",
    [THEME_HELP_KEY] = "help.key",
    [THEME_MESSAGE] = "message",
};

/* Attributes an element gets when colours alone would have carried its meaning. */
static const unsigned theme_standout[THEME_NELEMS] = {
    [THEME_HEADER] = THEME_A_REVERSE,
    [THEME_FOOTER] = THEME_A_REVERSE,
    [THEME_TITLE] = THEME_A_BOLD,
    [THEME_LIST_HEADER] = THEME_A_BOLD | THEME_A_UNDERLINE,
    [THEME_LIST_SELECTED] = THEME_A_REVERSE,
    [THEME_STATE_ERROR] = THEME_A_BOLD | THEME_A_REVERSE,
    [THEME_STATE_INVALID] = THEME_A_BOLD | THEME_A_UNDERLINE,
    [THEME_STATUS_ERROR] = THEME_A_BOLD,
    [THEME_STATUS_BLOCKED] = THEME_A_UNDERLINE,
    [THEME_DIFF_BYTE] = THEME_A_REVERSE | THEME_A_BOLD,
    [THEME_DIFF_FIELD] = THEME_A_BOLD | THEME_A_UNDERLINE,
    [THEME_VERDICT_ACCEPT] = THEME_A_BOLD,
    [THEME_VERDICT_REJECT] = THEME_A_REVERSE | THEME_A_BOLD,
    [THEME_HELP_KEY] = THEME_A_BOLD,
    [THEME_MESSAGE] = THEME_A_BOLD,
};

/* The built-in dark theme; themes/default.theme says the same in the file format. */
#define S(f, b, a)                                                                                 \
        {                                                                                          \
                (f), (b), (a)                                                                      \
        }
#define D THEME_COLOR_DEFAULT
#define I THEME_COLOR_INHERIT
static const struct theme_style theme_dark[THEME_NELEMS] = {
    [THEME_NORMAL] = S(D, D, 0),
    [THEME_HEADER] = S(15, 4, THEME_A_BOLD),
    [THEME_FOOTER] = S(0, 6, 0),
    [THEME_TITLE] = S(14, I, THEME_A_BOLD),
    [THEME_BORDER] = S(8, I, 0),
    [THEME_LIST_HEADER] = S(0, 2, THEME_A_BOLD),
    [THEME_LIST_ROW] = S(I, I, 0),
    [THEME_LIST_SELECTED] = S(0, 14, 0),
    [THEME_STATE_RUNNING] = S(10, I, 0),
    [THEME_STATE_STOP] = S(11, I, 0),
    [THEME_STATE_STOP_COPY] = S(13, I, THEME_A_BOLD),
    [THEME_STATE_RESUMING] = S(14, I, THEME_A_BOLD),
    [THEME_STATE_P2P] = S(6, I, 0),
    [THEME_STATE_PRE_COPY] = S(5, I, 0),
    [THEME_STATE_ERROR] = S(15, 1, THEME_A_BOLD),
    [THEME_STATE_INVALID] = S(9, I, THEME_A_BOLD | THEME_A_UNDERLINE),
    [THEME_STATUS_OK] = S(2, I, 0),
    [THEME_STATUS_WARN] = S(3, I, 0),
    [THEME_STATUS_ERROR] = S(9, I, THEME_A_BOLD),
    [THEME_STATUS_BLOCKED] = S(11, I, THEME_A_UNDERLINE),
    [THEME_STATUS_ABSENT] = S(8, I, 0),
    [THEME_DIFF_BYTE] = S(11, 1, THEME_A_BOLD),
    [THEME_DIFF_FIELD] = S(11, I, THEME_A_BOLD | THEME_A_UNDERLINE),
    [THEME_HEX_OFFSET] = S(8, I, 0),
    [THEME_VERDICT_ACCEPT] = S(0, 2, THEME_A_BOLD),
    [THEME_VERDICT_REJECT] = S(15, 1, THEME_A_BOLD),
    [THEME_HELP] = S(I, I, 0),
    [THEME_HELP_KEY] = S(14, I, THEME_A_BOLD),
    [THEME_MESSAGE] = S(11, I, THEME_A_BOLD),
};
#undef S
#undef D
#undef I

/* xterm's 16 colours. */
static const uint8_t theme_pal16[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};
static const uint8_t theme_cube[6] = {0, 95, 135, 175, 215, 255};

static const struct {
        const char *name;
        unsigned attr;
} theme_attrs[] = {
    {"bold", THEME_A_BOLD},
    {"underline", THEME_A_UNDERLINE},
    {"reverse", THEME_A_REVERSE},
    {"dim", THEME_A_DIM},
    {"standout", THEME_A_STANDOUT},
    {"italic", THEME_A_ITALIC},
    {"none", 0},
};

static const char *const theme_colour_names[8] = {"black", "red",     "green", "yellow",
                                                  "blue",  "magenta", "cyan",  "white"};

const char *theme_elem_name(enum theme_elem e)
{
        if ((unsigned)e >= THEME_NELEMS)
                return NULL;
        return theme_names[e];
}

int theme_elem_from_name(const char *name, size_t len)
{
        for (int i = 0; i < THEME_NELEMS; i++)
                if (strlen(theme_names[i]) == len && strncasecmp(theme_names[i], name, len) == 0)
                        return i;
        return -EINVAL;
}

enum theme_elem theme_elem_for_state(enum fsm_state s)
{
        switch (s) {
        case FSM_ERROR:
                return THEME_STATE_ERROR;
        case FSM_STOP:
                return THEME_STATE_STOP;
        case FSM_RUNNING:
                return THEME_STATE_RUNNING;
        case FSM_STOP_COPY:
                return THEME_STATE_STOP_COPY;
        case FSM_RESUMING:
                return THEME_STATE_RESUMING;
        case FSM_RUNNING_P2P:
        case FSM_PRE_COPY_P2P:
                return THEME_STATE_P2P;
        case FSM_PRE_COPY:
                return THEME_STATE_PRE_COPY;
        case FSM_INVALID:
        default:
                return THEME_STATE_INVALID;
        }
}

void theme_builtin(struct theme *t)
{
        memset(t, 0, sizeof(*t));
        snprintf(t->name, sizeof(t->name), "default");
        memcpy(t->st, theme_dark, sizeof(t->st));
}

bool theme_elem_must_stand_out(enum theme_elem e)
{
        return (unsigned)e < THEME_NELEMS && theme_standout[e] != 0;
}

/* ---- parsing ------------------------------------------------------------------------ */

static int theme_hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Parse a decimal 0..255 made only of digits; -1 otherwise. */
static int theme_index(const char *s)
{
        int v = 0;

        if (!*s || strlen(s) > 3)
                return -1;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -1;
                v = v * 10 + (*s - '0');
        }
        return v <= 255 ? v : -1;
}

/* 0 and *c, or -EINVAL when tok is not a colour. */
static int theme_parse_color(const char *tok, theme_color *c)
{
        const char *base = tok;
        int bright = 0, v;

        if (strcmp(tok, "-") == 0 || strcasecmp(tok, "default") == 0) {
                *c = THEME_COLOR_DEFAULT;
                return 0;
        }
        if (tok[0] == '#') {
                unsigned rgb = 0;

                if (strlen(tok) != 7)
                        return -EINVAL;
                for (int i = 1; i < 7; i++) {
                        int h = theme_hexval(tok[i]);

                        if (h < 0)
                                return -EINVAL;
                        rgb = rgb << 4 | (unsigned)h;
                }
                *c = (theme_color)(THEME_COLOR_RGB_FLAG | rgb);
                return 0;
        }
        if (strncasecmp(tok, "colour", 6) == 0)
                base = tok + 6;
        else if (strncasecmp(tok, "color", 5) == 0)
                base = tok + 5;
        v = theme_index(base);
        if (v >= 0) {
                *c = v;
                return 0;
        }
        if (strcasecmp(tok, "gray") == 0 || strcasecmp(tok, "grey") == 0) {
                *c = 8;
                return 0;
        }
        if (strncasecmp(tok, "bright", 6) == 0) {
                bright = 8;
                tok += 6;
                if (*tok == '-' || *tok == '_')
                        tok++;
        }
        for (int i = 0; i < 8; i++) {
                if (strcasecmp(tok, theme_colour_names[i]) == 0) {
                        *c = i + bright;
                        return 0;
                }
        }
        return -EINVAL;
}

static int theme_parse_attr(const char *tok, unsigned *a)
{
        for (size_t i = 0; i < sizeof(theme_attrs) / sizeof(theme_attrs[0]); i++) {
                if (strcasecmp(tok, theme_attrs[i].name) == 0) {
                        *a |= theme_attrs[i].attr;
                        return 0;
                }
        }
        return -EINVAL;
}

/* Parse "FG BG attr attr" (any order of attrs; colours fg then bg). */
static int theme_parse_style(char *val, struct theme_style *st, char *what, size_t whatlen)
{
        int ncolors = 0, ntok = 0;
        char *save = NULL;

        st->fg = st->bg = THEME_COLOR_INHERIT;
        st->attrs = 0;
        for (char *tok = strtok_r(val, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
                theme_color c;

                ntok++;
                if (theme_parse_attr(tok, &st->attrs) == 0)
                        continue;
                if (theme_parse_color(tok, &c) == 0) {
                        if (ncolors == 2) {
                                snprintf(what, whatlen,
                                         "third colour '%s' (only foreground and background)", tok);
                                return -EINVAL;
                        }
                        if (ncolors++ == 0)
                                st->fg = c;
                        else
                                st->bg = c;
                        continue;
                }
                if (tok[0] == '#')
                        snprintf(what, whatlen, "bad colour '%s' (want #rrggbb)", tok);
                else if (theme_index(tok) < 0 && tok[0] >= '0' && tok[0] <= '9')
                        snprintf(what, whatlen, "colour index '%s' out of range 0-255", tok);
                else
                        snprintf(what, whatlen, "'%s' is neither a colour nor an attribute", tok);
                return -EINVAL;
        }
        if (ntok == 0) {
                snprintf(what, whatlen, "no colour or attribute given");
                return -EINVAL;
        }
        return 0;
}

static bool theme_name_ok(const char *s)
{
        if (!*s || *s == '.' || strlen(s) >= THEME_NAME_MAX)
                return false;
        for (; *s; s++) {
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
                        return false;
        }
        return true;
}

int theme_parse(struct theme *t, const char *text, size_t len, const char *fname, char *inherits,
                char *err, size_t errlen)
{
        int seen[THEME_NELEMS] = {0}, inherits_line = 0, got, lineno;
        struct kvf f;
        char *key, *val;

        if (inherits)
                inherits[0] = '\0';
        if (!fname)
                fname = "<theme>";
        got = kvf_init(&f, text, len, fname, "a theme file", "element = colours attributes", "#",
                       ";", err, errlen);
        while (got == 0 && (got = kvf_next(&f, &key, &val, err, errlen)) == 1) {
                char what[160];
                struct theme_style st;
                int e;

                got = 0;
                lineno = f.lineno;
                if (!*key) {
                        kvf_errf(err, errlen, "%s:%d: missing element name before '='", fname,
                                 lineno);
                        return -EINVAL;
                }
                if (strcasecmp(key, "description") == 0)
                        continue;
                if (strcasecmp(key, "inherits") == 0) {
                        if (inherits_line) {
                                kvf_errf(err, errlen, "%s:%d: second 'inherits' (first at line %d)",
                                         fname, lineno, inherits_line);
                                return -EINVAL;
                        }
                        if (!theme_name_ok(val)) {
                                kvf_errf(err, errlen, "%s:%d: bad theme name '%s' after 'inherits'",
                                         fname, lineno, val);
                                return -EINVAL;
                        }
                        inherits_line = lineno;
                        if (inherits)
                                snprintf(inherits, THEME_NAME_MAX, "%s", val);
                        continue;
                }
                e = theme_elem_from_name(key, strlen(key));
                if (e < 0) {
                        kvf_errf(err, errlen, "%s:%d: unknown element '%s'", fname, lineno, key);
                        return -EINVAL;
                }
                if (seen[e]) {
                        kvf_errf(err, errlen, "%s:%d: '%s' given twice (first at line %d)", fname,
                                 lineno, theme_names[e], seen[e]);
                        return -EINVAL;
                }
                seen[e] = lineno;
                if (theme_parse_style(val, &st, what, sizeof(what)) < 0) {
                        kvf_errf(err, errlen, "%s:%d: %s: %s", fname, lineno, theme_names[e], what);
                        return -EINVAL;
                }
                t->st[e] = st;
                t->set[e] = true;
        }
        return got < 0 ? got : 0;
}

/* ---- finding and loading ------------------------------------------------------------ */

static void theme_add_dir(struct theme_dirs *d, const char *a, const char *b)
{
        int n;

        if (d->n >= THEME_MAX_DIRS)
                return;
        n = snprintf(d->dir[d->n], THEME_PATH_MAX, "%s%s", a, b);
        if (n > 0 && n < THEME_PATH_MAX)
                d->n++;
}

void theme_search_dirs(const struct theme_paths *p, struct theme_dirs *d)
{
        d->n = 0;
        if (p->xdg_config_home && p->xdg_config_home[0] == '/')
                theme_add_dir(d, p->xdg_config_home, "/migtop/themes");
        else if (p->home && p->home[0])
                theme_add_dir(d, p->home, "/.config/migtop/themes");
        if (p->datadir && p->datadir[0])
                theme_add_dir(d, p->datadir, "/themes");
        if (p->exe_dir && p->exe_dir[0])
                theme_add_dir(d, p->exe_dir, "/../themes");
}

void theme_paths_from_env(struct theme_paths *p, const char *exe_dir)
{
        p->xdg_config_home = getenv("XDG_CONFIG_HOME");
        p->home = getenv("HOME");
        p->datadir = MIGTOP_DATADIR;
        p->exe_dir = exe_dir;
}

static bool theme_is_file(const char *path)
{
        struct stat sb;

        return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int theme_find(const char *name, const struct theme_paths *p, char *path, size_t pathsz, char *err,
               size_t errlen)
{
        struct theme_dirs d;
        size_t used = 0;

        if (strchr(name, '/')) {
                if (!theme_is_file(name)) {
                        kvf_errf(err, errlen, "theme file %s: %s", name, strerror(ENOENT));
                        return -ENOENT;
                }
                if ((size_t)snprintf(path, pathsz, "%s", name) >= pathsz)
                        return -ENAMETOOLONG;
                return 0;
        }
        if (!theme_name_ok(name)) {
                kvf_errf(err, errlen,
                         "bad theme name '%s' (letters, digits, '.', '_', '-'; or a path)", name);
                return -EINVAL;
        }
        theme_search_dirs(p, &d);
        for (size_t i = 0; i < d.n; i++) {
                int n = snprintf(path, pathsz, "%s/%s.theme", d.dir[i], name);

                if (n > 0 && (size_t)n < pathsz && theme_is_file(path))
                        return 0;
        }
        kvf_errf(err, errlen, "theme '%s' not found in:", name);
        for (size_t i = 0; err && i < d.n; i++) {
                used = strlen(err);
                if (used + 1 < errlen)
                        snprintf(err + used, errlen - used, " %s", d.dir[i]);
        }
        return -ENOENT;
}

static int theme_read(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
        FILE *f = fopen(path, "r");
        size_t n;

        if (!f) {
                int e = errno;

                kvf_errf(err, errlen, "%s: %s", path, strerror(e));
                return -e;
        }
        *buf = malloc(THEME_FILE_MAX + 1);
        if (!*buf) {
                fclose(f);
                return -ENOMEM;
        }
        n = fread(*buf, 1, THEME_FILE_MAX + 1, f);
        if (ferror(f) || n > THEME_FILE_MAX) {
                kvf_errf(err, errlen, "%s: %s", path,
                         ferror(f) ? "read error" : "larger than 64 KiB");
                fclose(f);
                free(*buf);
                *buf = NULL;
                return -EINVAL;
        }
        fclose(f);
        *len = n;
        return 0;
}

/* The theme name a path or name stands for: basename without ".theme". */
static void theme_set_name(struct theme *t, const char *name)
{
        const char *b = strrchr(name, '/');
        size_t n;

        b = b ? b + 1 : name;
        n = strlen(b);
        if (n > 6 && strcmp(b + n - 6, ".theme") == 0)
                n -= 6;
        if (n >= sizeof(t->name))
                n = sizeof(t->name) - 1;
        memcpy(t->name, b, n);
        t->name[n] = '\0';
}

int theme_load(const char *name, const struct theme_paths *p, struct theme *t, char *err,
               size_t errlen)
{
        char *paths[THEME_DEPTH_MAX] = {NULL}, *bufs[THEME_DEPTH_MAX] = {NULL};
        size_t lens[THEME_DEPTH_MAX];
        char cur[THEME_PATH_MAX], parent[THEME_NAME_MAX];
        struct theme scratch;
        int n = 0, ret = 0;

        snprintf(cur, sizeof(cur), "%s", name);
        /* walk the chain child -> root, checking each file on the way */
        for (;;) {
                char path[THEME_PATH_MAX];

                ret = theme_find(cur, p, path, sizeof(path), err, errlen);
                if (ret == -ENOENT && strcmp(cur, "default") == 0) {
                        ret = 0; /* the built-in theme is the root */
                        break;
                }
                if (ret < 0)
                        goto out;
                for (int i = 0; i < n; i++) {
                        if (strcmp(paths[i], path) == 0) {
                                kvf_errf(err, errlen, "%s: 'inherits' loops back to %s",
                                         paths[n - 1], path);
                                ret = -ELOOP;
                                goto out;
                        }
                }
                if (n == THEME_DEPTH_MAX) {
                        kvf_errf(err, errlen, "%s: more than %d levels of 'inherits'", path,
                                 THEME_DEPTH_MAX);
                        ret = -ELOOP;
                        goto out;
                }
                paths[n] = strdup(path);
                if (!paths[n]) {
                        ret = -ENOMEM;
                        goto out;
                }
                ret = theme_read(path, &bufs[n], &lens[n], err, errlen);
                if (ret < 0)
                        goto out_n;
                theme_builtin(&scratch);
                ret = theme_parse(&scratch, bufs[n], lens[n], path, parent, err, errlen);
                if (ret < 0)
                        goto out_n;
                n++;
                if (!parent[0])
                        break;
                snprintf(cur, sizeof(cur), "%s", parent);
        }
        theme_builtin(t);
        for (int i = n - 1; i >= 0; i--) {
                ret = theme_parse(t, bufs[i], lens[i], paths[i], NULL, err, errlen);
                if (ret < 0)
                        goto out;
        }
        theme_set_name(t, name);
        goto out;
out_n:
        n++;
out:
        for (int i = 0; i < n; i++) {
                free(paths[i]);
                free(bufs[i]);
        }
        return ret;
}

/* ---- colour depth and degradation --------------------------------------------------- */

enum theme_depth theme_depth_pick(int colors, const char *colorterm, const char *no_color,
                                  bool no_color_opt)
{
        if (no_color_opt || (no_color && no_color[0]))
                return THEME_DEPTH_MONO;
        if (colors >= 256 && colorterm &&
            (strcasecmp(colorterm, "truecolor") == 0 || strcasecmp(colorterm, "24bit") == 0))
                return THEME_DEPTH_TRUE;
        if (colors >= 256)
                return THEME_DEPTH_256;
        if (colors >= 16)
                return THEME_DEPTH_16;
        if (colors >= 8)
                return THEME_DEPTH_8;
        return THEME_DEPTH_MONO;
}

static int theme_dist(int r1, int g1, int b1, int r2, int g2, int b2)
{
        int dr = r1 - r2, dg = g1 - g2, db = b1 - b2;

        /* weighted towards the eye's sensitivity to green */
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

static int theme_cube_level(int v)
{
        if (v < 48)
                return 0;
        if (v < 115)
                return 1;
        return (v - 35) / 40;
}

int theme_rgb_to_256(uint8_t r, uint8_t g, uint8_t b)
{
        int qr = theme_cube_level(r), qg = theme_cube_level(g), qb = theme_cube_level(b);
        int avg = (r + g + b) / 3, gi, gv;
        int dc, dg;

        gi = avg > 238 ? 23 : avg < 8 ? 0 : (avg - 3) / 10;
        if (gi > 23)
                gi = 23;
        gv = 8 + 10 * gi;
        dc = theme_dist(r, g, b, theme_cube[qr], theme_cube[qg], theme_cube[qb]);
        dg = theme_dist(r, g, b, gv, gv, gv);
        if (dg < dc)
                return 232 + gi;
        return 16 + 36 * qr + 6 * qg + qb;
}

int theme_rgb_to_16(uint8_t r, uint8_t g, uint8_t b)
{
        int best = 0, bestd = -1;

        for (int i = 0; i < 16; i++) {
                int d =
                    theme_dist(r, g, b, theme_pal16[i][0], theme_pal16[i][1], theme_pal16[i][2]);

                if (bestd < 0 || d < bestd) {
                        best = i;
                        bestd = d;
                }
        }
        return best;
}

void theme_256_to_rgb(int idx, uint8_t *r, uint8_t *g, uint8_t *b)
{
        if (idx < 0 || idx > 255)
                idx = 0;
        if (idx < 16) {
                *r = theme_pal16[idx][0];
                *g = theme_pal16[idx][1];
                *b = theme_pal16[idx][2];
        } else if (idx < 232) {
                idx -= 16;
                *r = theme_cube[idx / 36];
                *g = theme_cube[idx / 6 % 6];
                *b = theme_cube[idx % 6];
        } else {
                *r = *g = *b = (uint8_t)(8 + 10 * (idx - 232));
        }
}

int theme_256_to_16(int idx)
{
        uint8_t r, g, b;

        if (idx >= 0 && idx < 16)
                return idx;
        theme_256_to_rgb(idx, &r, &g, &b);
        return theme_rgb_to_16(r, g, b);
}

static void theme_color_rgb(theme_color c, uint8_t *r, uint8_t *g, uint8_t *b)
{
        if (THEME_IS_RGB(c)) {
                *r = (uint8_t)(c >> 16);
                *g = (uint8_t)(c >> 8);
                *b = (uint8_t)c;
        } else {
                theme_256_to_rgb(c, r, g, b);
        }
}

theme_color theme_color_degrade(theme_color c, enum theme_depth d, bool *bright)
{
        uint8_t r, g, b;
        int i;

        if (bright)
                *bright = false;
        if (c < 0 || d == THEME_DEPTH_MONO)
                return THEME_COLOR_DEFAULT;
        if (d == THEME_DEPTH_TRUE)
                return c;
        if (d == THEME_DEPTH_256) {
                if (!THEME_IS_RGB(c))
                        return c;
                theme_color_rgb(c, &r, &g, &b);
                return theme_rgb_to_256(r, g, b);
        }
        if (THEME_IS_RGB(c)) {
                theme_color_rgb(c, &r, &g, &b);
                i = theme_rgb_to_16(r, g, b);
        } else {
                i = theme_256_to_16(c);
        }
        if (d == THEME_DEPTH_8 && i >= 8) {
                i -= 8;
                if (bright)
                        *bright = true;
        }
        return i;
}

bool theme_style_distinct(const struct theme_style *a, const struct theme_style *b)
{
        return a->fg != b->fg || a->bg != b->bg || ((a->attrs ^ b->attrs) & THEME_A_VISIBLE);
}

/* A readable foreground on bg at depth d. */
static theme_color theme_contrast(theme_color bg, enum theme_depth d)
{
        uint8_t r, g, b;

        theme_color_rgb(bg, &r, &g, &b);
        if (299 * r + 587 * g + 114 * b > 128 * 1000)
                return 0;
        return d == THEME_DEPTH_8 ? 7 : 15;
}

static void theme_resolve_one(const struct theme_style *in, const struct theme_style *normal,
                              enum theme_depth d, struct theme_style *out)
{
        theme_color fg = in->fg == THEME_COLOR_INHERIT ? normal->fg : in->fg;
        theme_color bg = in->bg == THEME_COLOR_INHERIT ? normal->bg : in->bg;
        bool bright = false;

        if (fg == THEME_COLOR_INHERIT)
                fg = THEME_COLOR_DEFAULT;
        if (bg == THEME_COLOR_INHERIT)
                bg = THEME_COLOR_DEFAULT;
        out->attrs = in->attrs;
        out->fg = theme_color_degrade(fg, d, &bright);
        out->bg = theme_color_degrade(bg, d, NULL);
        if (bright)
                out->attrs |= THEME_A_BOLD;
        if (out->fg == out->bg && out->fg != THEME_COLOR_DEFAULT && fg != bg)
                out->fg = theme_contrast(out->bg, d);
}

void theme_resolve(const struct theme *t, enum theme_depth d, struct theme_style *out)
{
        static const struct theme_style plain = {THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0};

        theme_resolve_one(&t->st[THEME_NORMAL], &plain, d, &out[THEME_NORMAL]);
        for (int e = 1; e < THEME_NELEMS; e++)
                theme_resolve_one(&t->st[e], &t->st[THEME_NORMAL], d, &out[e]);
        for (int e = 0; e < THEME_NELEMS; e++) {
                struct theme_style *s = &out[e];

                if (!theme_standout[e])
                        continue;
                if (theme_style_distinct(s, &out[THEME_NORMAL]) &&
                    theme_style_distinct(s, &out[THEME_LIST_ROW]))
                        continue;
                s->attrs |= theme_standout[e];
                if (!theme_style_distinct(s, &out[THEME_NORMAL]) ||
                    !theme_style_distinct(s, &out[THEME_LIST_ROW]))
                        s->attrs ^= THEME_A_REVERSE;
        }
}
