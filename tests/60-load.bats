#!/usr/bin/env bats
#
# --load: jobs start only while the machine's load is below MAX.  The load
# comes from a fake /proc (PRUN_TEST_PROCDIR, meant for tests) so that the
# test decides it: loadavg's runnable count, and pressure/cpu.

# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	FAKE="$T/proc"
	mkdir -p "$FAKE/pressure"
	export PRUN_TEST_PROCDIR="$FAKE"
}

teardown() {
	[[ -n ${PUMP_PID:-} ]] && kill "$PUMP_PID" 2>/dev/null
	common_teardown
}

# set_runnable N: the fake loadavg says N tasks are runnable (prun, reading
# it, is one of them).
set_runnable() {
	printf '0.00 0.00 0.00 %s/200 4242\n' "$1" >"$FAKE/loadavg.new"
	mv "$FAKE/loadavg.new" "$FAKE/loadavg"
}

stderr_has() {
	grep -q -- "$1" "$ERR"
}

@test "--load holds jobs while the load is not below MAX, says why, and starts them when it drops" {
	set_runnable 9
	printf '%s\n' "touch '$T/ran.1'" "touch '$T/ran.2'" >"$T/jobs"
	start_prun_bg --load 3 "$T/jobs" </dev/null
	# Nothing runs, and within a few seconds prun says why.
	wait_until 10 stderr_has 'waiting to start jobs: the load is 8, --load is 3'
	[[ ! -e $T/ran.1 && ! -e $T/ran.2 ]] || fail "a job ran above --load"
	set_runnable 2
	wait_prun 30
	assert_equal "$status" 0
	[[ -e $T/ran.1 && -e $T/ran.2 ]] || fail "the jobs did not run"
	assert_equal "$(grep -c 'waiting to start' "$ERR")" 1
	assert_no_leftovers
}

@test "--load counts the jobs it starts before the next reading" {
	# 1 runnable (prun itself): a load of 0.  --load 3 lets 3 jobs start
	# at once however many workers wait, until a fresh reading says more.
	set_runnable 1
	mkdir "$T/up"
	for i in 1 2 3 4 5 6; do
		echo "touch '$T/up/$i'; waitfor '$T/go' 30"
	done >"$T/jobs"
	start_prun_bg -j 6 --load 3 "$T/jobs" </dev/null
	# The fake load never shows the jobs: the count is kept from one
	# reading to the next (100 ms apart), so after a reading more start.
	wait_for_count "$T/up" 6 10
	touch "$T/go"
	wait_prun 30
	assert_equal "$status" 0
	# The fourth started a reading later than the first: not at once.
	run bash -c 'for f in "$1"/*; do stat -c %.3Y "$f"; done | sort -n |
	    awk "NR == 1 { a = \$1 } NR == 4 { print (\$1 - a >= 0.05) ? \"apart\" : \"together\" }"' \
	    _ "$T/up"
	assert_output apart
	assert_no_leftovers
}

@test "--load N% is a share of the online CPUs" {
	# 100% of NCPU CPUs: NCPU + 1 runnable (with prun) is a load of NCPU.
	set_runnable $((NCPU + 1))
	echo "touch '$T/ran'" >"$T/jobs"
	start_prun_bg --load 100% "$T/jobs" </dev/null
	wait_until 10 stderr_has "the load is $NCPU, --load is $NCPU"
	[[ ! -e $T/ran ]] || fail "a job ran at 100% load"
	set_runnable "$NCPU"
	wait_prun 30
	assert_equal "$status" 0
	[[ -e $T/ran ]] || fail "the job did not run"
}

@test "--load: CPU pressure in /proc/pressure/cpu holds jobs even at a low runnable count" {
	set_runnable 1
	local total=1000
	printf 'some avg10=100.00 avg60=90.00 avg300=50.00 total=%s\n' \
	    "$total" >"$FAKE/pressure/cpu"
	# Tasks wait for a CPU all the time: the stall total grows faster
	# than the clock, between any two of prun's readings (see tests/bin/pump).
	pump "$FAKE/pressure/cpu" \
	    'some avg10=100.00 avg60=90.00 avg300=50.00 total=%d\n' \
	    $((total + 1000000)) 1000000 3>&- &
	PUMP_PID=$!
	echo "touch '$T/ran'" >"$T/jobs"
	start_prun_bg --load "$NCPU" "$T/jobs" </dev/null
	wait_until 10 stderr_has '% CPU pressure), --load is'
	[[ ! -e $T/ran ]] || fail "a job ran under full CPU pressure"
	kill "$PUMP_PID"
	wait "$PUMP_PID" 2>/dev/null || true
	PUMP_PID=
	wait_prun 30
	assert_equal "$status" 0
	[[ -e $T/ran ]] || fail "the job did not run once the pressure went"
}

@test "--load without a readable loadavg does not hold jobs forever" {
	rm -f "$FAKE/loadavg"
	run_prun --load 1 <<<'echo ran'
	assert_success
	assert_output ran
}

@test "--load rejects what is not a load, before any job runs" {
	for bad in 0 -1 abc 5%% '' 1x; do
		run_prun --separate-stderr --load "$bad" <<<"touch '$T/ran'"
		assert_prun_error "^prun: --load '.*': not a load"
	done
	[[ ! -e $T/ran ]] || fail "a job ran"
}
