/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch_open: what a run reads through, opened from the options: the local source, the
 * recording that wraps it (--record), the kernel log, and the message for a root that
 * cannot be opened (see batch.h).
 */
#include "batch.h"
#include "batch_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/src_rec.h"
#include "core/stuck.h"
#include "core/tree.h"
#include "engine/klog.h"
#include "remote.h"

/*
 * The local source; with --fixture the root is an offline tree whose NAME.errno sidecars
 * stand for failed reads.  A FIFO in a fixture blocks its read like a driver stuck on its
 * mailbox: the local source reads in blocking mode, and the engine's deadline applies.
 */
int batch_open_src(const char *root, bool fixture, struct src **out)
{
        return src_local_open(root, fixture ? SRC_LOCAL_ERRNO_FILES : 0, out);
}

int batch_open_rec(const struct batch_opts *o, struct src_rec **rec, struct src **s, char *msg,
                   size_t size)
{
        struct rec_writer_opts ro;
        struct rec_host h[1 + REMOTE_MAX_HOSTS] = {0};
        struct rec_opt opts[4] = {{REC_OPT_DEADLINE, ""},
                                  {REC_OPT_INTERVAL, ""},
                                  {REC_OPT_STUCK, ""},
                                  {REC_OPT_PAIR, ""}};
        struct stuck_cfg st;
        struct utsname u;
        char why[400];
        int ret;

        rec_writer_opts_default(&ro);
        ro.migtop_version = MIGTOP_VERSION;
        ro.max_bytes = o->record_max;
        if (uname(&u) == 0) {
                snprintf(h[0].name, sizeof(h[0].name), "%s", u.nodename);
                snprintf(h[0].kernel, sizeof(h[0].kernel), "%s", u.release);
        } else {
                snprintf(h[0].name, sizeof(h[0].name), "local");
        }
        snprintf(h[0].root, sizeof(h[0].root), "%s", o->root);
        /* --host: each link is a host of its own (remote_record records it) */
        remote_rec_hosts(o->hosts, o->nhosts, &h[1]);
        ro.nhosts = 1 + o->nhosts;
        ro.links = o->nhosts > 0;
        ro.hosts = h;
        /* what a replay needs to judge as this run did (blocked reads, cadences) */
        snprintf(opts[0].value, sizeof(opts[0].value), "%d",
                 o->deadline_ms > 0 ? o->deadline_ms : BATCH_DEADLINE_DEFAULT);
        snprintf(opts[1].value, sizeof(opts[1].value), "%d",
                 o->interval_ms > 0 ? o->interval_ms : BATCH_INTERVAL_DEFAULT);
        if (o->stuck)
                st = *o->stuck;
        else
                stuck_default(&st);
        ro.nopts = 2;
        if (stuck_format(&st, opts[2].value, sizeof(opts[2].value)) < sizeof(opts[2].value))
                ro.nopts++;
        /* --pair: a replay compares the same pair unless given another */
        if (o->pair_src && o->pair_dst &&
            (size_t)snprintf(opts[3].value, sizeof(opts[3].value), "%s=%s", o->pair_src,
                             o->pair_dst) < sizeof(opts[3].value))
                opts[ro.nopts++] = opts[3];
        ro.opts = opts;
        ret = src_rec_open(o->record, &ro, rec, why, sizeof(why));
        if (ret < 0) {
                snprintf(msg, size, "%s", why);
                src_close(*s);
                *s = NULL;
                return ret;
        }
        /* this host: up from the start (a later status comes with a change) */
        snprintf(why, sizeof(why), "kernel %s", h[0].kernel[0] ? h[0].kernel : "unknown");
        ret = src_rec_host(*rec, 0, REC_HOST_UP, why);
        if (ret < 0) {
                snprintf(msg, size, "recording %s: %s", o->record, strerror(-ret));
                src_rec_close(*rec);
                *rec = NULL;
                src_close(*s);
                *s = NULL;
                return ret;
        }
        if (!*s || o->nhosts)
                return 0; /* the console: later (src_rec_wrap); --host: remote_record */
        ret = src_rec_wrap(*rec, *s, 0, s);
        if (ret < 0) {
                snprintf(msg, size, "recording %s: %s", o->record, strerror(-ret));
                src_rec_close(*rec);
                *rec = NULL;
                *s = NULL;
        }
        return ret;
}

int batch_open_klog(const struct batch_opts *o, struct klog **out, char *msg, size_t size)
{
        char why[300];
        int ret;

        *out = NULL;
        if (o->no_kmsg || (o->no_local && !o->kmsg))
                return 0; /* --no-local: this host's kernel log is not the hosts' */
        if (o->kmsg)
                return klog_open(o->kmsg, out, msg, size);
        if (o->fixture || strcmp(o->root, TREE_DEFAULT_ROOT) != 0)
                return 0; /* a tree that is not this machine's: its kernel log is not ours */
        /* the implicit default: whatever is wrong with it, run on without it */
        ret = klog_open(KLOG_DEFAULT_PATH, out, why, sizeof(why));
        if (ret == -ENOMEM)
                return ret;
        if (ret < 0)
                return klog_unavailable(KLOG_DEFAULT_PATH, true, why, out);
        return 0;
}

/* ---- messages -------------------------------------------------------------------------- */

void batch_root_message(int err, const char *root, char *msg, size_t size)
{
        bool deflt = strcmp(root, TREE_DEFAULT_ROOT) == 0;
        char why[256] = "";

        switch (err) {
        case ENOENT:
                if (deflt)
                        tree_root_message(err, root, true, why, sizeof(why));
                else
                        snprintf(why, sizeof(why), "check --root");
                break;
        case EACCES:
        case EPERM:
                snprintf(why, sizeof(why), "debugfs is readable by root only: run migtop as root");
                break;
        case ENOTDIR:
                snprintf(why, sizeof(why),
                         "not a directory: --root must name the vfio debugfs directory");
                break;
        default:
                break;
        }
        snprintf(msg, size, "cannot open %s: %s%s%s", root, strerror(err), why[0] ? "; " : "", why);
}
