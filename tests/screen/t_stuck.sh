# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/screen/run.sh (its helpers: t, fix, mig, set_state, see, keys...).
# Issue 12 items 12 and 13: a device in one state beyond its --stuck threshold is marked in
# the list ("STOP_COPY!") and explained in the detail view; with two destinations in
# RESUMING the suggested pair names the right one (not the first in list order) and says
# on what evidence.

# A second destination, 0000:5e:00.1 (before $DST in list order): a copy of $DST.
stuck_second_dst() {
	D2=0000:5e:00.1
	cp -r "$root/$DST" "$root/$D2"
}

if t "stuck: the list marks the device, the detail says for how long, leaving clears it"; then
	fix pair-ok
	set_state "$SRC" STOP_COPY
	mig 120 40 -d 200 --stuck STOP_COPY=1
	see "$SRC +STOP_COPY "
	see "$SRC +STOP_COPY! "
	see_not "$DST +STOP!"
	# the mark in the theme's warning style, not the row's (on a row not selected)
	keys Down
	if wait_cond styled_apart "STOP_COPY!" "$SRC"; then ok; else bad "STOP_COPY! not styled apart"; fi
	keys Up
	keys Enter
	see "stuck: in STOP_COPY for [0-9.]+s \(threshold 1s\)"
	keys Escape
	set_state "$SRC" STOP
	see_not "STOP_COPY!"
	see "$SRC +STOP "
	alive
fi

if t "suggested pair: by timing, the destination whose RESUMING began after STOP_COPY"; then
	fix pair-ok
	stuck_second_dst
	# no migf_data on either destination (never migrated): timing is all there is
	for d in "$D2" "$DST"; do
		rm "$root/$d/migration/hisi_acc/migf_data"
		echo EAGAIN >"$root/$d/migration/hisi_acc/migf_data.errno"
	done
	mig 160 40 -d 200
	see "$DST +STOP "
	# a destination left in RESUMING from before (first in list order) ...
	set_state "$D2" RESUMING
	see "$D2 +RESUMING"
	sleep 1
	# ... then the migration: the source saves, the right destination starts resuming
	set_state "$SRC" STOP_COPY
	see "$SRC +STOP_COPY"
	set_state "$DST" RESUMING
	see "suggested pair: $SRC -> $DST \(by timing: RESUMING began [0-9]+\.[0-9] s after STOP_COPY\); c compares"
	see_not "suggested pair: $SRC -> $D2"
	alive
fi

if t "suggested pair: by content (migf_data headers equal) over timing"; then
	fix pair-ok
	stuck_second_dst
	# $D2's last stream came from another source (a V1 save): a different header
	"$FIXGEN" "$root.v1" pair-v1 >/dev/null
	cp "$root.v1/$SRC/migration/hisi_acc/migf_data" "$root/$D2/migration/hisi_acc/migf_data"
	mig 160 40 -d 200
	see "$DST +STOP "
	# $DST (a retry: its migf_data holds what $SRC sent) resumes first, $D2 right after the
	# source's STOP_COPY: timing alone would pick $D2
	set_state "$DST" RESUMING
	see "$DST +RESUMING"
	sleep 1
	set_state "$SRC" STOP_COPY
	see "$SRC +STOP_COPY"
	set_state "$D2" RESUMING
	see "$D2 +RESUMING"
	see "suggested pair: $SRC -> $DST \(by content: migf_data headers equal\); c compares"
	# c takes the suggestion: the compare view has $DST as the destination
	keys c
	see "$DST"
	see_not "suggested pair"
	alive
fi
