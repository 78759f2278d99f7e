// SPDX-License-Identifier: GPL-2.0-only
#include "engine/history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The rings start empty and grow (1, 2, 4, ... slots, in oldest-first order) up to their
 * bound: a device that never changes state, or a file whose content never changes, costs
 * one slot or none (thousands of idle devices).  The ring, grown when full and below cap (ring
 * is then freed), or NULL without memory (ring is kept).
 */
static void *ring_grow(void *ring, size_t elem, size_t cap, size_t *alloc, size_t *head, size_t n)
{
        size_t na = *alloc ? *alloc * 2 : 1;
        unsigned char *nr;

        if (n < *alloc || *alloc >= cap)
                return ring;
        if (na > cap)
                na = cap;
        nr = calloc(na, elem);
        if (!nr)
                return NULL;
        for (size_t i = 0; i < n; i++)
                memcpy(nr + i * elem, (unsigned char *)ring + ((*head + i) % *alloc) * elem, elem);
        free(ring);
        *alloc = na;
        *head = 0;
        return nr;
}

int hist_states_init(struct hist_states *h, size_t cap)
{
        memset(h, 0, sizeof(*h));
        if (cap == 0)
                return -EINVAL;
        h->cap = cap;
        return 0;
}

void hist_states_free(struct hist_states *h)
{
        free(h->ring);
        memset(h, 0, sizeof(*h));
}

int hist_states_observe(struct hist_states *h, int64_t t_ns, enum fsm_state s, unsigned features)
{
        struct hist_change *c, *ring;

        if (!h->have_state) {
                h->have_state = 1;
                h->cur = s;
                h->cur_since_ns = t_ns;
                h->last_seen_ns = t_ns;
                return 0;
        }
        if (s == h->cur) {
                h->last_seen_ns = t_ns;
                return 0;
        }
        ring = ring_grow(h->ring, sizeof(*h->ring), h->cap, &h->alloc, &h->head, h->n);
        if (!ring) {
                /* no memory for the record: the change is still the current state */
                h->total++;
                h->cur = s;
                h->cur_since_ns = t_ns;
                h->last_seen_ns = t_ns;
                return 1;
        }
        h->ring = ring;
        if (h->n == h->alloc) {
                c = &h->ring[h->head];
                h->head = (h->head + 1) % h->alloc;
        } else {
                c = &h->ring[(h->head + h->n) % h->alloc];
                h->n++;
        }
        c->t_ns = t_ns;
        c->prev_seen_ns = h->last_seen_ns;
        fsm_classify(h->cur, s, features, &c->fsm);
        h->total++;
        if ((unsigned)c->fsm.cls <= FSM_CLASS_IMPOSSIBLE)
                h->by_class[c->fsm.cls]++;
        h->cur = s;
        h->cur_since_ns = t_ns;
        h->last_seen_ns = t_ns;
        return 1;
}

const struct hist_change *hist_states_at(const struct hist_states *h, size_t i)
{
        if (i >= h->n)
                return NULL;
        return &h->ring[(h->head + i) % h->alloc];
}

int64_t hist_states_age(const struct hist_states *h, int64_t now_ns)
{
        if (!h->have_state || now_ns < h->cur_since_ns)
                return 0;
        return now_ns - h->cur_since_ns;
}

int hist_samples_init(struct hist_samples *h, size_t cap, size_t max_bytes)
{
        memset(h, 0, sizeof(*h));
        if (cap == 0)
                return -EINVAL;
        h->cap = cap;
        h->max_bytes = max_bytes;
        return 0;
}

static void samples_drop_oldest(struct hist_samples *h)
{
        struct hist_sample *o = &h->ring[h->head];

        h->bytes -= o->len;
        if (o->ref)
                h->put(o->ref);
        else
                free(o->data);
        memset(o, 0, sizeof(*o));
        h->head = (h->head + 1) % h->alloc;
        h->n--;
}

void hist_samples_free(struct hist_samples *h)
{
        while (h->n)
                samples_drop_oldest(h);
        free(h->ring);
        memset(h, 0, sizeof(*h));
}

const struct hist_sample *hist_samples_at(const struct hist_samples *h, size_t i)
{
        if (i >= h->n)
                return NULL;
        return &h->ring[(h->head + i) % h->alloc];
}

const struct hist_sample *hist_samples_latest(const struct hist_samples *h)
{
        return h->n ? hist_samples_at(h, h->n - 1) : NULL;
}

static int sample_equal(const struct hist_sample *s, int err, const void *data, size_t len)
{
        if (s->err != err || s->len != len)
                return 0;
        return len == 0 || memcmp(s->data, data, len) == 0;
}

void hist_samples_share(struct hist_samples *h, const void *data, size_t len, void *ref,
                        void (*put)(void *ref))
{
        struct hist_sample *s = (struct hist_sample *)hist_samples_latest(h);

        if (!ref)
                return;
        if (!s || s->ref || !s->len || s->len != len || memcmp(s->data, data, len) != 0 ||
            (h->put && h->put != put)) {
                put(ref);
                return;
        }
        free(s->data);
        s->data = (unsigned char *)data;
        s->ref = ref;
        h->put = put;
}

int hist_samples_observe(struct hist_samples *h, int64_t t_ns, int err, const void *data,
                         size_t len)
{
        struct hist_sample *latest = (struct hist_sample *)hist_samples_latest(h);
        unsigned char *copy = NULL;
        struct hist_sample *s, *ring;

        if (err)
                len = 0;
        if (latest && sample_equal(latest, err, data, len)) {
                latest->last_ns = t_ns;
                return 0;
        }
        if (len) {
                copy = malloc(len);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, data, len);
        }
        if (h->n == h->cap)
                samples_drop_oldest(h);
        /* Keep at least the new sample, even if it alone exceeds max_bytes. */
        while (h->n && h->max_bytes && h->bytes + len > h->max_bytes)
                samples_drop_oldest(h);
        ring = ring_grow(h->ring, sizeof(*h->ring), h->cap, &h->alloc, &h->head, h->n);
        if (!ring) {
                free(copy);
                return -ENOMEM;
        }
        h->ring = ring;
        s = &h->ring[(h->head + h->n) % h->alloc];
        s->t_ns = t_ns;
        s->last_ns = t_ns;
        s->err = err;
        s->len = len;
        s->data = copy;
        s->ref = NULL;
        h->bytes += len;
        h->n++;
        h->total++;
        return 1;
}
