#!/usr/bin/env bats
#
# --noswap (from a fake /proc/vmstat, PRUN_TEST_PROCDIR), --nice and --pin,
# seen from inside the jobs.

# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	[[ -n ${PUMP_PID:-} ]] && kill "$PUMP_PID" 2>/dev/null
	common_teardown
}

stderr_has() {
	grep -q -- "$1" "$ERR"
}

@test "--noswap holds jobs while the machine swaps in and out, and starts them when it stops" {
	FAKE="$T/proc"
	mkdir -p "$FAKE"
	export PRUN_TEST_PROCDIR="$FAKE"
	printf 'pgfault 1\npswpin 100\npswpout 100\n' >"$FAKE/vmstat"
	# The counters must move between any two of prun's samples, the first
	# only 0.1 s apart: see tests/bin/pump.
	pump "$FAKE/vmstat" 'pgfault 1\npswpin %1$d\npswpout %1$d\n' 105 5 3>&- &
	PUMP_PID=$!
	echo "touch '$T/ran'" >"$T/jobs"
	start_prun_bg --noswap "$T/jobs" </dev/null
	wait_until 10 stderr_has 'waiting to start jobs: the machine is swapping (.* pages in, .* out in a second), --noswap'
	[[ ! -e $T/ran ]] || fail "a job ran while swapping"
	kill "$PUMP_PID"
	wait "$PUMP_PID" 2>/dev/null || true
	PUMP_PID=
	wait_prun 30
	assert_equal "$status" 0
	[[ -e $T/ran ]] || fail "the job did not run once swapping stopped"
}

@test "--noswap: swapping out alone is not swapping in and out" {
	FAKE="$T/proc"
	mkdir -p "$FAKE"
	export PRUN_TEST_PROCDIR="$FAKE"
	printf 'pswpin 5\npswpout 100\n' >"$FAKE/vmstat"
	run_prun --noswap <<<'echo ran'
	assert_success
	assert_output ran
}

# The niceness of the job's own process, from /proc/self/stat (field 19).
@test "--nice N: jobs run with N added to prun's niceness, pipelines too" {
	base=$(cut -d' ' -f19 /proc/self/stat)
	want=$((base + 5 > 19 ? 19 : base + 5))
	run_prun -k --nice 5 <<'EOF2'
cut -d' ' -f19 /proc/self/stat
true | cut -d' ' -f19 /proc/self/stat
sh -c 'cut -d" " -f19 /proc/self/stat'
EOF2
	assert_success
	assert_output "$(printf '%s\n%s\n%s' "$want" "$want" "$want")"
}

@test "--nice clamps at 19, and without it jobs keep prun's niceness" {
	base=$(cut -d' ' -f19 /proc/self/stat)
	run_prun --nice 40 <<<"cut -d' ' -f19 /proc/self/stat"
	assert_success
	assert_output 19
	run_prun <<<"cut -d' ' -f19 /proc/self/stat"
	assert_success
	assert_output "$base"
}

@test "--nice -N needs the privilege to raise priority: refused before any job runs" {
	if ! command -v setpriv >/dev/null; then
		skip "setpriv (util-linux) is not installed"
	fi
	[[ $(id -u) -eq 0 ]] || skip "needs root to run prun as another user"
	chmod 755 "$T"
	uid=$(free_uid)
	public_prun
	run --separate-stderr setpriv --reuid "$uid" --regid "$uid" \
	    --clear-groups --inh-caps=-all "$PUB_PRUN" --nice -5 <<<"touch '$T/ran'"
	assert_prun_error "^prun: --nice -5: cannot raise the jobs' priority to niceness -?[0-9]+: Permission denied"
	[[ ! -e $T/ran ]] || fail "a job ran"
}

@test "--nice rejects what is not a number" {
	for bad in abc 1.5 '' 99999; do
		run_prun --separate-stderr --nice "$bad" <<<'true'
		assert_prun_error "^prun: --nice '.*'"
	done
}

# The CPU a job may run on, from its Cpus_allowed_list.
@test "--pin binds each worker slot to one CPU, round robin, as the jobs see it" {
	cpus=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
	mapfile -t allowed < <(taskset -c -p $$ | sed 's/.*: //' | tr ',' '\n' |
	    awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }')
	n=${#allowed[@]}
	j=$((n + 1))
	mkdir "$T/up"
	for i in $(seq 1 "$j"); do
		echo "echo \$PRUN_SLOT \$(awk '/^Cpus_allowed_list/ { print \$2 }' /proc/self/status); touch '$T/up/$i'; waitcount '$T/up' $j 30"
	done >"$T/jobs"
	run_prun -j "$j" --pin "$T/jobs"
	assert_success
	assert_equal "${#lines[@]}" "$j"
	for line in "${lines[@]}"; do
		read -r slot cpu <<<"$line"
		assert_equal "$cpu" "${allowed[$(((slot - 1) % n))]}"
	done
	# Without --pin, jobs may run on every CPU prun may.
	run_prun <<<"awk '/^Cpus_allowed_list/ { print \$2 }' /proc/self/status"
	assert_success
	assert_output "$cpus"
}

@test "--pin picks among the CPUs prun may use" {
	last=$(taskset -c -p $$ | sed 's/.*: //' | tr ',' '\n' | tail -n 1 |
	    sed 's/.*-//')
	run env "PRUN_TEST_MARK=$MARK" taskset -c "$last" "$PRUN" -j 2 --pin <<'EOF2'
awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status
awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status
EOF2
	assert_success
	assert_output "$(printf '%s\n%s' "$last" "$last")"
}
