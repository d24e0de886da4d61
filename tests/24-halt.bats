#!/usr/bin/env bats
#
# --halt and --halt-on-error: stop early, with GNU parallel's exit
# statuses (compared with the real one).

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# Ten jobs, one at a time: failures with distinct statuses among successes.
ten_jobs() {
	mk_jobs ten 'exit 0' 'exit 4' 'exit 0' 'exit 5' 'exit 6' 'exit 0' \
	    'exit 7' 'exit 0' 'exit 0' 'kill -9 $$'
}

# gnu_statuses FILE POLICY...: GNU parallel's exit status for each POLICY
# on FILE, one a line.  GNU parallel spends most of a short run waiting, so
# the runs go side by side, each in a session of its own (GNU parallel
# signals its process group when it halts).
gnu_statuses() {
	local f=$1 i=0 pol
	shift
	for pol in "$@"; do
		(
			st=0
			SHELL=/bin/sh setsid -w timeout 60 parallel --will-cite -j 1 \
			    --halt "$pol" <"$f" >/dev/null 2>&1 || st=$?
			echo "$st" >"$T/gnu.$i"
		) &
		i=$((i + 1))
	done
	wait
	for ((i = 0; i < $#; i++)); do
		cat "$T/gnu.$i"
	done
}

# compare_halt OPTION FILE POLICY...: prun with OPTION POLICY exits as GNU
# parallel with --halt POLICY, for each POLICY.
compare_halt() {
	local opt=$1 f=$2 _ci=0 pol want bad=()
	shift 2
	mapfile -t want < <(gnu_statuses "$f" "$@")
	# (bats' run may change a variable named i: the index is _ci.)
	for pol in "$@"; do
		run_prun -j 1 "$opt" "$pol" "$f"
		[[ $status == "${want[_ci]}" ]] ||
			bad+=("$opt $pol: prun $status, GNU parallel ${want[_ci]}")
		_ci=$((_ci + 1))
	done
	[[ ${#bad[@]} -eq 0 ]] || fail "$(printf '%s\n' "${bad[@]}")"
}

@test "every --halt form exits as GNU parallel's does" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	compare_halt --halt "$(ten_jobs)" never now,fail=1 soon,fail=1 \
	    now,fail=2 soon,fail=3 now,fail=20% soon,fail=30% soon,fail=90% \
	    now,success=1 soon,success=3 now,success=50% now,success=20 \
	    now,done=1 soon,done=3 now,done=50% soon,done=100%
}

@test "the older spellings exit as GNU parallel's do" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	compare_halt --halt "$(ten_jobs)" 0 1 2 -1 -2 30%
	compare_halt --halt-on-error "$(ten_jobs)" 0 1 2 -1 -2 30%
}

@test "fail=1 exits with the failing job's status, or 128 + its signal" {
	jobs=$(mk_jobs j 'true' 'exit 42' 'touch ran')
	run_prun -j 1 --halt now,fail=1 "$jobs"
	assert_equal "$status" 42
	assert [ ! -e "$T/ran" ]
	jobs=$(mk_jobs k 'kill -9 $$' 'touch ran')
	run_prun -j 1 --halt soon,fail=1 "$jobs"
	assert_equal "$status" 137
	assert [ ! -e "$T/ran" ]
}

@test "now stops the running jobs at once; they are not logged" {
	jobs=$(mk_jobs j "sleep 30 # $MARK" "sleep 0.2; exit 3" "touch '$T/ran'")
	SECONDS=0
	run_prun --separate-stderr -j 2 --halt now,fail=1 --joblog "$T/log" \
	    "$jobs"
	[[ $SECONDS -lt 10 ]] || fail "took $SECONDS s"
	assert_equal "$status" 3
	assert_no_leftovers
	assert [ ! -e "$T/ran" ]
	assert_equal "$(tail -n +2 "$T/log" | cut -f1,7)" $'2\t3'
	assert_equal "${stderr_lines[-1]}" "prun: 1 of 1 job failed: 2"
}

@test "soon lets the running jobs finish, and starts no new one" {
	jobs=$(mk_jobs j "sleep 1; echo finished" "exit 3" "touch '$T/ran'")
	run_prun -j 2 --halt soon,fail=1 --joblog "$T/log" "$jobs"
	assert_equal "$status" 3
	assert_line "finished"
	assert [ ! -e "$T/ran" ]
	assert_equal "$(tail -n +2 "$T/log" | sort -n | cut -f1,7)" \
	    $'1\t0\n2\t3'
}

@test "success=N and done=N stop after that many" {
	jobs=$(mk_jobs j 'true' 'false' 'true' "touch '$T/ran'")
	run_prun -j 1 --halt now,success=2 "$jobs"
	assert_equal "$status" 0
	assert [ ! -e "$T/ran" ]
	run_prun -j 1 --halt soon,done=3 "$jobs"
	assert_equal "$status" 1
	assert [ ! -e "$T/ran" ]
}

@test "a percentage counts all the jobs, also from a pipe" {
	# 2 of 10 failing is 20%: the halt comes with job 4, job 5 never runs.
	run_prun -j 1 --halt now,fail=20% <<-EOF
		true
		exit 1
		true
		exit 1
		touch '$T/ran'
		true
		true
		true
		true
		true
	EOF
	assert_equal "$status" 20
	assert [ ! -e "$T/ran" ]
}

@test "--halt: bad values give one line and exit 255" {
	jobs=$(mk_jobs j 'touch ran')
	for bad in '' bogus now soon now,fail now,fail= now,fail=x \
	    later,fail=1 now,oops=1 now,fail=0 now,fail=101% now,fail=-1 \
	    'now,fail=1 ' 3 -3; do
		run_prun --separate-stderr --halt "$bad" "$jobs"
		assert_prun_error '^prun: --halt'
		run_prun --separate-stderr --halt-on-error "$bad" "$jobs"
		assert_prun_error '^prun: --halt-on-error'
	done
	assert [ ! -e "$T/ran" ]
}
