#!/usr/bin/env bats
#
# Scale: the command file is streamed, job output is spooled, and the
# supervisor's memory stays flat in the number of jobs, of lines and of
# bytes of output.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2030,SC2031,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	# Under AddressSanitizer (make check SANITIZE=1) freed memory sits in a
	# quarantine that grows with every free: that would measure ASan, not
	# prun.  A plain build ignores the variable.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
	export ASAN_OPTIONS
}

teardown() {
	common_teardown
}

@test "a job printing 1 GB keeps prun's peak RSS under 50 MB" {
	jobs="$(mk_jobs gig.jobs 'head -c 1073741824 /dev/zero')"
	mkdir "$T/tmp"
	set +e
	env "PRUN_TEST_MARK=$MARK" TMPDIR="$T/tmp" timeout -k 5 300 \
	    in-session "$SIDS" /usr/bin/time -f %M -o "$T/rss" \
	    "$PRUN" -j 1 "$jobs" 2>"$ERR" 3>&- | wc -c >"$T/count"
	codes=("${PIPESTATUS[@]}")
	set -e
	assert_equal "${codes[0]}" 0
	assert_equal "$(cat "$T/count")" 1073741824
	rss="$(tail -n 1 "$T/rss")"
	[[ $rss -lt 51200 ]] || fail "peak RSS $rss KiB for 1 GB of output"
	assert_no_leftovers
}

@test "peak RSS is the same within 1 MB for 2,000 and 20,000 jobs" {
	yes true | head -n 2000 >"$T/small.jobs"
	yes true | head -n 20000 >"$T/large.jobs"
	PRUN_TIMEOUT=300 prun_rss "$T/rss.small" -j 2 "$T/small.jobs"
	assert_equal "$status" 0
	PRUN_TIMEOUT=300 prun_rss "$T/rss.large" -j 2 "$T/large.jobs"
	assert_equal "$status" 0
	small="$(tail -n 1 "$T/rss.small")"
	large="$(tail -n 1 "$T/rss.large")"
	[[ $((large - small)) -le 1024 ]] ||
		fail "peak RSS $small KiB for 2,000 jobs, $large KiB for 20,000"
	assert_no_leftovers
}

# slow_feed stdin|dash|file: prun reads commands from a fifo, on stdin, as
# "-" or as a file argument, fed one line at a time; each job must start
# before the next line is written and before the pipe is closed.
slow_feed() {
	local fifo="$T/fifo" w i
	mkfifo "$fifo"
	# Held open for reading and writing, so that no open blocks.
	exec {w}<>"$fifo"
	case $1 in
	stdin) start_prun_bg -j 2 <"$fifo" {w}>&- ;;
	dash) start_prun_bg -j 4 - <"$fifo" {w}>&- ;;
	file) start_prun_bg -j 2 "$fifo" </dev/null {w}>&- ;;
	esac
	for i in 1 2 3; do
		echo "echo job-$i; touch '$T/started.$i'" >&"$w"
		wait_for_file "$T/started.$i"
		kill -0 "$PRUN_PID" || fail "prun exited before its input ended"
	done
	exec {w}>&-
	wait_prun
	assert_equal "$status" 0
	assert_equal "$(sort "$OUT")" $'job-1\njob-2\njob-3'
	assert_no_leftovers
}

@test "commands arriving slowly on stdin start before the pipe is closed" {
	slow_feed stdin
}

@test "commands arriving slowly through '-' start before the pipe is closed" {
	slow_feed dash
}

@test "a command file that is a pipe is streamed too" {
	slow_feed file
}

@test "a 1,000,000-line file starts its first jobs before it is read, in flat memory" {
	{
		echo "touch '$T/s1'; waitfor '$T/release' 60"
		echo "touch '$T/s2'; waitfor '$T/release' 60"
	} >"$T/two.jobs"
	cp "$T/two.jobs" "$T/million.jobs"
	yes '# padding, a comment line of thirty bytes' | head -n 999998 \
	    >>"$T/million.jobs"
	assert_equal "$(wc -l <"$T/million.jobs")" 1000000
	size="$(stat -c %s "$T/million.jobs")"

	BG_TIME="$T/rss.million" start_prun_bg -j 2 "$T/million.jobs" </dev/null
	wait_for_file "$T/s1"
	wait_for_file "$T/s2"
	# Both jobs run: prun must still have the file open, not far in.
	pid="$(pgrep -P "$PRUN_PID")"
	[[ -n $pid ]] || fail "prun's pid not found"
	pos=
	for fd in /proc/"$pid"/fd/*; do
		if [[ $(readlink "$fd") == "$T/million.jobs" ]]; then
			pos="$(awk '$1 == "pos:" { print $2 }' "/proc/$pid/fdinfo/${fd##*/}")"
		fi
	done
	touch "$T/release"
	[[ -n $pos ]] || fail "prun does not hold the command file open while its first jobs run"
	[[ $pos -lt $((size / 4)) ]] ||
		fail "prun had read $pos of $size bytes before its first jobs ran"
	wait_prun 120
	assert_equal "$status" 0

	rm -f "$T/release" "$T/s1" "$T/s2"
	BG_TIME="$T/rss.two" start_prun_bg -j 2 "$T/two.jobs" </dev/null
	wait_for_file "$T/s1"
	wait_for_file "$T/s2"
	touch "$T/release"
	wait_prun
	assert_equal "$status" 0
	two="$(tail -n 1 "$T/rss.two")"
	million="$(tail -n 1 "$T/rss.million")"
	[[ $((million - two)) -le 1024 ]] ||
		fail "peak RSS $two KiB for 2 lines, $million KiB for 1,000,000"
	assert_no_leftovers
}
