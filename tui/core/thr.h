/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * thr: the threads migtop starts (readers, the recording's flusher, a remote link's
 * feeder) never take a signal.  Batch modes read SIGINT/SIGTERM/SIGHUP from a signalfd,
 * which sees a signal only when every thread blocks it: a thread started before the
 * main thread blocked them (a --record or --host source is opened first) would take
 * SIGTERM's default action and end the process without its last records and lines.
 */
#ifndef MIGTOP_CORE_THR_H
#define MIGTOP_CORE_THR_H
#include <pthread.h>

/* pthread_create() with every signal blocked in the new thread.  0 or a positive errno. */
int thr_start(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

#endif
