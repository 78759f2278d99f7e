#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Copies stdin to stdout without terminal control sequences, line by line (unbuffered), so
# that the VM's serial console can be echoed into a CI log: removes CSI (ESC [ ... final),
# OSC (ESC ] ... BEL or ESC \), other ESC sequences (ESC c, ESC ( B, ...) and every other
# control character except tab and newline.
LC_ALL=C exec sed -u -E \
	-e 's#\x1b\[[0-?]*[ -/]*[@-~]##g' \
	-e 's#\x1b\][^\x07\x1b]*(\x07|\x1b\\)?##g' \
	-e 's#\x1b[ -/]*[0-~]##g' \
	-e 's#[\x01-\x08\x0b-\x1f\x7f]##g'
