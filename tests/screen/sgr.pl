#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-only
# sgr.pl: read `tmux capture-pane -p -e` output (text with SGR escape sequences) and tell
# what attributes each visible character carries.
#
#   sgr.pl plain  FILE        the text without escapes (one line per screen line)
#   sgr.pl attrs  FILE        per character, its attribute mask as one hex digit:
#                             1 bold, 2 underline, 4 reverse, 8 any colour set
#   sgr.pl hexdiff FILE A B   for every hex row "00000000: xx xx ..." on screen (the colon
#                             may be a blank): the masks and texts of bytes A and B, one
#                             "00000000: maskA maskB textA textB" line per row
#   sgr.pl colours FILE       the distinct colour parameters used, one per line (sorted)
use strict;
use warnings;

binmode(STDOUT, ':encoding(UTF-8)');

my ($mode, $file, @arg) = @ARGV;
open(my $fh, '<:encoding(UTF-8)', $file) or die "sgr.pl: $file: $!\n";

my %colours;

# Split one captured line into (text, masks); attributes carry over between lines as the
# terminal's do (capture-pane -e only emits changes).
my ($bold, $ul, $rev, $fg, $bg) = (0, 0, 0, 0, 0);

sub sgr {
	my @p = split(/;/, $_[0], -1);
	@p = (0) unless @p;
	while (@p) {
		my $c = shift(@p);
		$c = 0 if $c eq '';
		if ($c == 0) {
			($bold, $ul, $rev, $fg, $bg) = (0, 0, 0, 0, 0);
		} elsif ($c == 1) {
			$bold = 1;
		} elsif ($c == 4) {
			$ul = 1;
		} elsif ($c == 7) {
			$rev = 1;
		} elsif ($c == 22) {
			$bold = 0;
		} elsif ($c == 24) {
			$ul = 0;
		} elsif ($c == 27) {
			$rev = 0;
		} elsif ($c == 38 || $c == 48) {
			my $k = shift(@p) // 5;
			my @v = $k == 2 ? splice(@p, 0, 3) : (shift(@p) // 0);
			$colours{"$c;$k;" . join(';', @v)} = 1;
			if ($c == 38) { $fg = 1 } else { $bg = 1 }
		} elsif ($c == 39) {
			$fg = 0;
		} elsif ($c == 49) {
			$bg = 0;
		} elsif (($c >= 30 && $c <= 37) || ($c >= 90 && $c <= 97)) {
			$colours{$c} = 1;
			$fg = 1;
		} elsif (($c >= 40 && $c <= 47) || ($c >= 100 && $c <= 107)) {
			$colours{$c} = 1;
			$bg = 1;
		}
	}
}

sub mask {
	return sprintf('%x', $bold | ($ul << 1) | ($rev << 2) | (($fg || $bg) ? 8 : 0));
}

my (@text, @masks);
while (my $line = <$fh>) {
	chomp($line);
	my ($t, $m) = ('', '');
	while (length($line)) {
		if ($line =~ s/^\e\[([0-9;:]*)m//) {
			(my $p = $1) =~ tr/:/;/;
			sgr($p);
		} elsif ($line =~ s/^\e\[[0-9;?]*[A-Za-z]//) {
		} elsif ($line =~ s/^\e[()][0-9A-Za-z]//) {
		} elsif ($line =~ s/^\e.//) {
		} elsif ($line =~ s/^([\x0e\x0f])//) {
		} else {
			$line =~ s/^(.)//s;
			$t .= $1;
			$m .= mask();
		}
	}
	push(@text, $t);
	push(@masks, $m);
}

if ($mode eq 'plain') {
	print "$_\n" for @text;
} elsif ($mode eq 'attrs') {
	print "$_\n" for @masks;
} elsif ($mode eq 'colours') {
	print "$_\n" for sort keys %colours;
} elsif ($mode eq 'hexdiff') {
	my ($a, $b) = @arg;
	for my $i (0 .. $#text) {
		# "00000010: 08 00 ..." as the kernel dumps it, or "00000010  08 00 ..."
		while ($text[$i] =~ /([0-9a-f]{8})[: ]((?: (?:[0-9a-f]{2}|  )){16})/g) {
			my $start = $-[2];
			my $ca = $start + 1 + 3 * $a;
			my $cb = $start + 1 + 3 * $b;
			printf("%s: %s %s %s %s\n", $1, substr($masks[$i], $ca, 1),
			       substr($masks[$i], $cb, 1), substr($text[$i], $ca, 2),
			       substr($text[$i], $cb, 2));
		}
	}
} else {
	die "sgr.pl: unknown mode $mode\n";
}
