// SPDX-License-Identifier: GPL-2.0-only
#include "core/thr.h"

#include <signal.h>

int thr_start(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
        sigset_t all, old;
        int ret;

        /* the new thread inherits the mask of the one creating it */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        ret = pthread_create(t, attr, fn, arg);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return ret;
}
