#!/usr/bin/env bats
#
# Limits through cgroup v2: one cgroup per job, memory.max and pids.max, an
# OOM kill reported as such.  The test makes a cgroup of its own at the
# root of the cgroup v2 hierarchy and runs prun alone in it, as a delegated
# scope would.  Where that can't be done (not root, no cgroup v2, or the
# memory and pids controllers held by cgroup v1) the tests say why and
# skip; prun then uses setrlimit, as 63-limits.bats shows.

# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	CG=
	cat >"$T/in-cg" <<'EOF2'
#!/bin/sh
# in-cg DIR COMMAND...: move into cgroup DIR, then exec COMMAND there.
echo $$ >"$1/cgroup.procs" || exit 99
shift
exec "$@"
EOF2
	chmod +x "$T/in-cg"
}

teardown() {
	local d
	if [[ -n $CG && -d $CG ]]; then
		# Children first; kill whatever a failed test left in them.
		find "$CG" -depth -type d | while read -r d; do
			[[ -w $d/cgroup.kill ]] && echo 1 >"$d/cgroup.kill" 2>/dev/null
			rmdir "$d" 2>/dev/null || true
		done
	fi
	common_teardown
}

# cg_root: the cgroup v2 mount point, or skip saying why there is none.
cg_root() {
	local mnt
	mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[[ -n $mnt ]] || skip "no cgroup v2 is mounted"
	[[ $(id -u) -eq 0 ]] || skip "making a cgroup for the test needs root"
	[[ -w $mnt/cgroup.subtree_control ]] ||
		skip "cgroup v2 at $mnt is not writable"
	echo "$mnt"
}

# make_cg [CONTROLLER...]: make the test's cgroup at the root of cgroup v2,
# with the controllers enabled for it; skip saying why when it can't be.
make_cg() {
	local root c
	root=$(cg_root) || return
	for c in "$@"; do
		grep -qw "$c" "$root/cgroup.controllers" ||
			skip "cgroup v2 at $root offers no $c controller (controllers: $(cat "$root/cgroup.controllers"); $c is likely bound to cgroup v1)"
		echo "+$c" >"$root/cgroup.subtree_control" ||
			skip "cannot enable the $c controller in $root"
	done
	CG="$root/prun-test-$$-$BATS_TEST_NUMBER"
	mkdir "$CG" || skip "cannot make a cgroup in $root"
}

# prun_in_cg ARGS...: run prun alone in the test's cgroup.
prun_in_cg() {
	run --separate-stderr env "PRUN_TEST_MARK=$MARK" \
	    timeout -k 5 60 "$T/in-cg" "$CG" "$PRUN" "$@"
}

assert_cg_clean() {
	run find "$CG" -mindepth 1 -type d
	assert_output ""
	run cat "$CG/cgroup.procs"
	assert_output ""
}

@test "--help says which mechanism enforces the limits here" {
	run "$PRUN" --help
	assert_success
	[[ $output =~ "Limits: "(a cgroup per job under|setrlimit\(2\) enforces every limit here: ) ]] ||
		fail "no mechanism in --help: $(grep -A3 'Limits:' <<<"$output")"
}

@test "--limit-mem in a cgroup: past memory.max the OOM killer strikes, reported as such" {
	make_cg memory
	{
		echo "awk 'BEGIN { s = \"x\"; for (i = 0; i < 20; i++) s = s s; print length(s) }'"
		echo "awk 'BEGIN { s = \"x\"; for (i = 0; i < 29; i++) s = s s; print length(s) }'"
	} >"$T/jobs"
	prun_in_cg -k --limit-mem 64M --joblog "$T/log" --json "$T/events" "$T/jobs"
	assert_equal "$status" 1
	assert_output 1048576
	[[ $stderr =~ "prun: job 2: killed by the OOM killer: its memory reached --limit-mem 64M (cgroup memory.max)" ]] ||
		fail "not reported: $stderr"
	run awk -F'\t' 'NR > 1 && $1 == 2 { print $8 }' "$T/log"
	assert_output 9
	run grep -c '"result":"oom"' "$T/events"
	assert_output 1
	assert_cg_clean
}

@test "--limit-procs in a cgroup: past pids.max forks fail, for root too" {
	make_cg pids
	{
		echo "sh -c 'sleep 0 & sleep 0 & wait; echo two'"
		echo "sh -c 'for i in \$(seq 1 20); do sleep 3 & done; wait'"
	} >"$T/jobs"
	prun_in_cg -k --limit-procs 6 "$T/jobs"
	assert_equal "$status" 1
	assert_output two
	[[ $stderr == *"fork"* ]] || fail "no fork failure: $stderr"
	assert_cg_clean
	assert_no_leftovers
}

@test "each job runs in a cgroup of its own, removed after it; prun moves back" {
	make_cg
	# No controller is needed to see where jobs run: the test switch
	# makes job cgroups even without one.
	printf '%s\n' 'grep "^0::" /proc/self/cgroup' 'grep "^0::" /proc/self/cgroup' >"$T/jobs"
	PRUN_TEST_CGROUP_ANY=1 prun_in_cg -k -j 2 --limit-procs 1000 "$T/jobs"
	assert_success
	rel=${CG#"$(cg_root)"}
	[[ ${lines[0]} =~ ^0::$rel/prun-[0-9]+/job1$ ]] || fail "job 1 in ${lines[0]}"
	[[ ${lines[1]} =~ ^0::$rel/prun-[0-9]+/job2$ ]] || fail "job 2 in ${lines[1]}"
	assert_equal "$stderr" ""
	assert_cg_clean
}

@test "no job cgroup when prun is not alone in its cgroup, nor with --no-cgroup: setrlimit, without a word" {
	make_cg
	rel=${CG#"$(cg_root)"}
	PRUN_TEST_CGROUP_ANY=1 prun_in_cg --no-cgroup --limit-procs 1000 <<<'grep "^0::" /proc/self/cgroup'
	assert_success
	assert_output "0::$rel"
	assert_equal "$stderr" ""
	# Another process shares the cgroup: prun must not move it.
	"$T/in-cg" "$CG" sleep 30 3>&- &
	other=$!
	wait_until 10 grep -qx "$other" "$CG/cgroup.procs"
	PRUN_TEST_CGROUP_ANY=1 prun_in_cg --limit-procs 1000 <<<'grep "^0::" /proc/self/cgroup; ulimit -p; grep ":pids:" /proc/self/cgroup'
	kill "$other"
	wait "$other" 2>/dev/null || true
	assert_success
	assert_equal "${lines[0]}" "0::$rel"
	# A cgroup v1 pids hierarchy, where there is one, enforces it instead.
	if [[ ! ${lines[2]:-} =~ :pids:.*/prun-[0-9]+/job ]]; then
		assert_equal "${lines[1]}" 1000
	fi
	assert_equal "$stderr" ""
}
