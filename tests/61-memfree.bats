#!/usr/bin/env bats
#
# --memfree: jobs start only while more than SIZE of memory is available;
# below half of it the youngest job is stopped and run again later.  The
# first test asks the real machine for more memory than it has; the others
# read a fake /proc (PRUN_TEST_PROCDIR, meant for tests).

# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

stderr_has() {
	grep -q -- "$1" "$ERR"
}

started_twice() {
	[[ $(grep -c "^start $1\$" "$T/log") -eq 2 ]]
}

# set_avail KB: the fake meminfo's MemAvailable.
set_avail() {
	printf 'MemTotal:       99999999 kB\nMemAvailable:   %s kB\n' "$1" \
	    >"$FAKE/meminfo.new"
	mv "$FAKE/meminfo.new" "$FAKE/meminfo"
}

@test "--memfree above the machine's memory starts no job, says why within seconds, and --deadline ends the run" {
	echo "touch '$T/ran'" >"$T/jobs"
	SECONDS=0
	start_prun_bg --memfree 1P --deadline 3 "$T/jobs" </dev/null
	wait_until 5 stderr_has 'waiting to start jobs: .* of memory available, --memfree asks for more than 1P'
	[[ ! -e $T/ran ]] || fail "a job ran without the memory"
	wait_prun 30
	# Cut short by the deadline: not a success, though no job failed.
	[[ $status -ge 1 && $status -le 100 ]] || fail "exit status $status"
	[[ ! -e $T/ran ]] || fail "a job ran without the memory"
	grep -q -- '--deadline' "$ERR" || fail "no word of the deadline: $(cat "$ERR")"
	[[ $SECONDS -lt 20 ]] || fail "the deadline took $SECONDS s to stop the run"
	assert_no_leftovers
}

@test "--memfree below the machine's memory runs the jobs without a word" {
	run_prun --separate-stderr --memfree 1M <<<'echo ran'
	assert_success
	assert_output ran
	assert_equal "$stderr" ""
}

@test "--memfree: below half of SIZE the youngest job is stopped and run again later" {
	FAKE="$T/proc"
	mkdir -p "$FAKE"
	export PRUN_TEST_PROCDIR="$FAKE"
	set_avail 5000000
	mkdir "$T/up"
	for i in 1 2 3; do
		echo "echo start \$PRUN_SEQ >>'$T/log'; touch '$T/up/$i'; waitfor '$T/go' 60; echo done \$PRUN_SEQ"
	done >"$T/jobs"
	start_prun_bg -k -j 3 --memfree 2G "$T/jobs" </dev/null
	wait_for_count "$T/up" 3 10
	# 0.5G available: less than half of 2G.
	set_avail 500000
	wait_until 10 stderr_has 'stopping job 3, to run again later: 488M of memory available, less than half of --memfree 2G'
	set_avail 5000000
	# Job 3 starts again, from the start, once memory is back.
	wait_until 10 started_twice 3
	touch "$T/go"
	wait_prun 30
	assert_equal "$status" 0
	# Each job's output once, in order: that of the stopped try is
	# dropped, and the rerun keeps its place.
	run cat "$OUT"
	assert_output "$(printf 'done 1\ndone 2\ndone 3')"
	assert_no_leftovers
}

@test "--memfree: jobs wait while memory is short and start when it is back" {
	FAKE="$T/proc"
	mkdir -p "$FAKE"
	export PRUN_TEST_PROCDIR="$FAKE"
	set_avail 1000
	echo "touch '$T/ran'" >"$T/jobs"
	start_prun_bg --memfree 1G "$T/jobs" </dev/null
	wait_until 10 stderr_has 'waiting to start jobs: 1000K of memory available, --memfree asks for more than 1G'
	[[ ! -e $T/ran ]] || fail "a job ran without the memory"
	set_avail 2000000
	wait_prun 30
	assert_equal "$status" 0
	[[ -e $T/ran ]] || fail "the job did not run"
}

@test "--memfree and --limit-mem reject what is not a size, before any job runs" {
	for opt in --memfree --limit-mem; do
		for bad in abc 1X -5 0 '' 1GG 0.1; do
			run_prun --separate-stderr "$opt" "$bad" <<<"touch '$T/ran'"
			assert_prun_error "^prun: $opt '.*': (not a size|too small)"
		done
	done
	[[ ! -e $T/ran ]] || fail "a job ran"
}
