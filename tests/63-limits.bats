#!/usr/bin/env bats
#
# Per-job limits through setrlimit (--no-cgroup, so the same everywhere):
# --limit-mem, --limit-cpu, --limit-procs, --limit-files.  Each is shown
# enforced by a job that goes past it, next to one that stays within it,
# and reported on stderr.

# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# awk_alloc N: a job that builds a string of 2^N bytes.
awk_alloc() {
	echo "awk 'BEGIN { s = \"x\"; for (i = 0; i < $1; i++) s = s s; print length(s) }'"
}

@test "the limits are what the jobs see" {
	run_prun --no-cgroup --limit-mem 100M --limit-cpu 7 --limit-files 50 \
	    <<<'ulimit -v; ulimit -t; ulimit -n'
	assert_success
	assert_output "$(printf '102400\n7\n50')"
}

@test "--limit-mem: a job that allocates past it fails, and prun says under which limit" {
	{
		awk_alloc 20 # 1 MiB: within
		awk_alloc 28 # 256 MiB: past
	} >"$T/jobs"
	run_prun --separate-stderr -k --no-cgroup --limit-mem 100M "$T/jobs"
	assert_equal "$status" 1
	assert_output 1048576
	[[ $stderr == *"out of memory"* ]] || fail "no allocation failure: $stderr"
	[[ $stderr =~ "prun: job 2: failed with exit "[0-9]+" under --limit-mem 100M" ]] ||
		fail "not reported: $stderr"
	[[ $stderr != *"job 1:"* ]] || fail "job 1 reported: $stderr"
}

@test "--limit-cpu: a job past its CPU time is killed by SIGXCPU, and prun says so" {
	printf '%s\n' 'echo quick' 'while :; do :; done' >"$T/jobs"
	SECONDS=0
	run_prun --separate-stderr -k --limit-cpu 1 --joblog "$T/log" "$T/jobs"
	assert_equal "$status" 1
	assert_output quick
	[[ $stderr =~ "prun: job 2: killed by SIGXCPU: its CPU time reached --limit-cpu 1" ]] ||
		fail "not reported: $stderr"
	[[ $SECONDS -lt 30 ]] || fail "took $SECONDS s"
	# The joblog shows the signal (24) or the shell's 128 + 24.
	run awk -F'\t' 'NR > 1 && $1 == 2 { print $7 "/" $8 }' "$T/log"
	[[ $output == 0/24 || $output == 152/0 ]] || fail "joblog: $output"
	assert_no_leftovers
}

@test "--limit-procs: a job that forks past it fails (run as an unused uid: root is not bound)" {
	[[ $(id -u) -eq 0 ]] || skip "needs root to run the job as another user (RLIMIT_NPROC counts all of a user's processes)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	chmod 755 "$T"
	# A uid of its own, so that no other process counts against it.
	uid=$(free_uid)
	as_other="setpriv --reuid $uid --regid $uid --clear-groups"
	{
		echo "$as_other sh -c 'sleep 0 & sleep 0 & wait; echo two'"
		echo "$as_other sh -c 'for i in \$(seq 1 20); do sleep 3 & done; wait'"
	} >"$T/jobs"
	# One at a time: the limit counts every process of the user.
	run_prun --separate-stderr -j 1 --no-cgroup --limit-procs 6 "$T/jobs"
	assert_equal "$status" 1
	assert_output two
	[[ $stderr == *"fork"* ]] || fail "no fork failure: $stderr"
	[[ $stderr =~ "prun: job 2: failed with exit "[0-9]+" under --limit-procs 6" ]] ||
		fail "not reported: $stderr"
	assert_no_leftovers
}

@test "--limit-files: a job that opens past it fails" {
	command -v bash >/dev/null || skip "bash is not installed"
	{
		echo "bash -c 'for i in \$(seq 1 5); do exec {fd}</dev/null || exit 3; done; echo five'"
		echo "bash -c 'for i in \$(seq 1 100); do exec {fd}</dev/null || exit 3; done; echo hundred'"
	} >"$T/jobs"
	run_prun --separate-stderr -k --limit-files 64 "$T/jobs"
	assert_equal "$status" 1
	assert_output five
	[[ $stderr =~ "prun: job 2: failed with exit 3 under --limit-files 64" ]] ||
		fail "not reported: $stderr"
}

@test "limits above the hard limit are refused before any job runs (not as root)" {
	[[ $(id -u) -eq 0 ]] || skip "needs root to run prun as another user"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	hard=$(ulimit -H -n)
	[[ $hard != unlimited ]] || skip "no hard limit on open files"
	uid=$(free_uid)
	public_prun
	run --separate-stderr setpriv --reuid "$uid" --regid "$uid" \
	    --clear-groups "$PUB_PRUN" --limit-files $((hard + 1)) <<<"touch '$T/ran'"
	assert_prun_error "^prun: --limit-files $((hard + 1)): above the hard limit of $hard\$"
	[[ ! -e $T/ran ]] || fail "a job ran"
}

@test "limits reject what is not a count or a duration" {
	for opt in --limit-procs --limit-files; do
		for bad in abc 0 -1 ''; do
			run_prun --separate-stderr "$opt" "$bad" <<<'true'
			assert_prun_error "^prun: $opt '.*'"
		done
	done
	for bad in abc 0 -1 ''; do
		run_prun --separate-stderr --limit-cpu "$bad" <<<'true'
		assert_prun_error "^prun: --limit-cpu '.*'"
	done
}

@test "--limit-procs binds root too, through a cgroup v1 pids.max where v2 has none" {
	[[ $(id -u) -eq 0 ]] || skip "not root: RLIMIT_NPROC binds this user"
	run_prun --help
	[[ $(tr '\n' ' ' <<<"$output" | tr -s ' ') =~ "--limit-procs goes through pids.max of a cgroup v1" ]] ||
	    skip "no cgroup v1 pids hierarchy to use here"
	mk_jobs jobs 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait' \
	    'for i in 1 2; do sleep 0.1 & done; wait; echo fits' >/dev/null
	run_prun --separate-stderr -k -j 1 --limit-procs 4 "$T/jobs"
	assert_equal "$status" 1
	assert_output fits
	[[ $stderr =~ "prun: job 1: failed with exit "[0-9]+" under --limit-procs 4" ]] ||
	    fail "no line naming the limit: $stderr"
	# Nothing of the run is left in the hierarchy.
	run find /sys/fs/cgroup/pids -maxdepth 2 -name 'prun-*'
	assert_output ""
	assert_no_leftovers
}
