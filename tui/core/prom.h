/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * prom: a writer of the Prometheus text exposition format (version 0.0.4, what
 * node_exporter's textfile collector parses) and of the OpenMetrics 1.0 text format, into
 * a growing memory buffer, and the atomic replacement of a file with it.
 *
 * A family is started with prom_family() (its # HELP and # TYPE lines), then its samples
 * follow, all together (both formats forbid interleaving families).  Names are checked
 * ([a-zA-Z_:][a-zA-Z0-9_:]*, labels [a-zA-Z_][a-zA-Z0-9_]* and not "__"-prefixed), label
 * values and help texts escaped as the formats say (label values: backslash, double
 * quote, newline; help: backslash and newline, and the double quote in OpenMetrics).
 *
 * Names are given as the sample name in both formats: a counter's ends in "_total", an
 * info family's in "_info"; in OpenMetrics the family (HELP/TYPE) name drops that suffix
 * and an info family is typed "info" (in the Prometheus format it is a gauge).
 *
 * Errors are sticky: the first one (-EINVAL for a bad name or a sample outside its family,
 * -ENOMEM) is kept in w->err and every later call is a no-op returning it.
 */
#ifndef MIGTOP_CORE_PROM_H
#define MIGTOP_CORE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum prom_fmt {
        PROM_FMT_TEXT,       /* Prometheus text format 0.0.4 */
        PROM_FMT_OPENMETRICS /* OpenMetrics 1.0 text: ends with "# EOF" */
};

enum prom_type { PROM_GAUGE, PROM_COUNTER, PROM_INFO };

#define PROM_NAME_MAX 128u

struct prom_w {
        enum prom_fmt fmt;
        char *buf; /* NUL-terminated when len > 0 */
        size_t len, cap;
        int err;                 /* 0 or the first negative errno */
        char fam[PROM_NAME_MAX]; /* the current family's sample name, "" before the first */
        enum prom_type fam_type;
        bool ended;
};

struct prom_label {
        const char *name;
        const char *value; /* NULL is written as "" (an absent label, to Prometheus) */
};

void prom_init(struct prom_w *w, enum prom_fmt fmt);
void prom_free(struct prom_w *w);

/* Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names: [a-zA-Z_][a-zA-Z0-9_]*, no "__". */
bool prom_name_valid(const char *name);
bool prom_label_name_valid(const char *name);

/*
 * Escape a label value into out (NUL-terminated); returns the length it needs (without
 * the NUL), like snprintf: out is complete when the result is < size.
 */
size_t prom_escape_label(const char *v, char *out, size_t size);

/* Start a family: its # HELP (help escaped) and # TYPE lines. */
int prom_family(struct prom_w *w, const char *name, enum prom_type type, const char *help);
/*
 * One sample of the current family: name must be its name (a counter's "_total", an info
 * family's "_info").  Values: integral ones as integers, NaN/Inf as the formats spell them.
 */
int prom_sample(struct prom_w *w, const char *name, const struct prom_label *l, size_t nl,
                double v);
int prom_sample_u64(struct prom_w *w, const char *name, const struct prom_label *l, size_t nl,
                    uint64_t v);
/* The end of the exposition ("# EOF" in OpenMetrics).  0 or w->err. */
int prom_end(struct prom_w *w);

/*
 * Replace dir/name atomically with len bytes of buf: write a temporary file in dir (not
 * named *.prom, so a textfile collector never reads it half-written), fsync it, chmod it
 * 0644, rename it over dir/name, then fsync dir.  0 or negative errno (the temporary file
 * is removed on failure).
 */
int prom_write_file(const char *dir, const char *name, const char *buf, size_t len);

#endif
