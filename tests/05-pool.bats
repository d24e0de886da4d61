#!/usr/bin/env bats
#
# The prefork pool: -j and its forms, PRUN_SEQ and PRUN_SLOT, worker count
# and titles, process groups and stdin of jobs, the socketpair, dynamic
# dispatch, and an event loop that neither busy-waits nor stalls.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2030,SC2031,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# probe_run EXPECTED OPTIONS...: run 2*EXPECTED+1 probe jobs (tests/bin/probe;
# PROBE_JOBS of them if set) through prun with OPTIONS, and check that
# exactly EXPECTED of them ran at once at the most, and that their PRUN_SLOT
# values were 1..EXPECTED.
probe_run() {
	local want=$1 n i
	shift
	n=${PROBE_JOBS:-$((2 * want + 1))}
	rm -rf "$T/p"
	mkdir "$T/p"
	for i in $(seq 1 "$n"); do echo "probe '$T/p' $want"; done >"$T/probe.jobs"
	run_prun "$@" "$T/probe.jobs"
	assert_success
	# shellcheck disable=SC2012 # the names are sequence numbers
	assert_equal "$(ls "$T/p/count" | wc -l)" "$n"
	assert_equal "$(cat "$T/p/count"/* | sort -n | tail -n 1)" "$want"
	# The first EXPECTED jobs ran at the same time, each on its own slot.
	assert_equal "$(for i in $(seq 1 "$want"); do cat "$T/p/slot/$i"; done | sort -n)" \
	    "$(seq 1 "$want")"
	# No job ran on a slot outside 1..EXPECTED.
	run awk -v max="$want" '!($1 >= 1 && $1 <= max && $1 == int($1)) { print FILENAME ": " $0 }' \
	    "$T/p/slot"/*
	assert_output ""
}

@test "-j N runs N jobs at once and never more" {
	for j in 1 2 3 5; do
		probe_run "$j" -j "$j"
	done
	assert_no_leftovers
}

@test "concurrency never exceeds -j: start and stop times of 40 jobs" {
	mkdir "$T/log"
	for i in $(seq 1 40); do
		echo "date +%s%N >'$T/log/$i.start'; sleep 0.02; date +%s%N >'$T/log/$i.stop'"
	done >"$T/ts.jobs"
	run_prun -j 3 "$T/ts.jobs"
	assert_success
	# Sweep the recorded intervals: +1 at a start, -1 at a stop.  Each
	# interval lies inside its job's real lifetime, so the sweep can only
	# undercount: a maximum above 3 means prun ran more than 3 jobs at once.
	run sh -c 'for f in "$1"/*.start; do
		i=${f%.start}
		echo "$(cat "$f") 1"
		echo "$(cat "$i.stop") -1"
	done | sort -k1,1n -k2,2n | awk "{ c += \$2; if (c > m) m = c } END { print m }"' \
	    sh "$T/log"
	assert_success
	[[ $output -ge 1 && $output -le 3 ]] ||
		fail "up to $output jobs ran at once with -j 3"
	assert_no_leftovers
}

@test "--jobs N is -j N" {
	probe_run 2 --jobs 2
	probe_run 3 --jobs=3
}

@test "default -j is the number of online CPUs" {
	probe_run "$NCPU"
}

@test "-j N% is a percentage of the CPUs, at least 1" {
	probe_run "$NCPU" -j 100%
	probe_run $((NCPU * 2)) -j 200%
	probe_run $((NCPU * 3)) -j 300%
	probe_run 1 -j 1%
	if ((NCPU % 2 == 0)); then
		probe_run $((NCPU / 2)) -j 50%
	fi
	assert_no_leftovers
}

@test "-j +N and -j -N are relative to the CPUs, at least 1" {
	probe_run $((NCPU + 1)) -j +1
	probe_run $((NCPU + 3)) -j +3
	probe_run 1 -j -$((NCPU + 5))
	probe_run 1 -j -"$NCPU"
	if ((NCPU > 1)); then
		probe_run $((NCPU - 1)) -j -1
	fi
	assert_no_leftovers
}

@test "-j 0 runs as many jobs at once as there are" {
	PROBE_JOBS=30 probe_run 30 -j 0
	assert_no_leftovers
}

@test "the last -j wins, as in GNU parallel" {
	probe_run 2 -j 0 -j 2
	probe_run 3 -j 1 --jobs 3
	assert_no_leftovers
}

@test "PRUN_SEQ numbers the jobs, each once; PRUN_SLOT stays within 1..N" {
	for i in $(seq 1 50); do
		echo "echo \$PRUN_SEQ \$PRUN_SLOT line-$i"
	done >"$T/env.jobs"
	run_prun -j 3 "$T/env.jobs"
	assert_success
	got="$output"
	assert_equal "$(awk '{ print $1 }' <<<"$got" | sort -n)" "$(seq 1 50)"
	# PRUN_SEQ is the line's place in the input.
	run awk '$3 != "line-" $1 { print "bad seq: " $0 }' <<<"$got"
	assert_output ""
	run awk '!($2 == 1 || $2 == 2 || $2 == 3) { print "bad slot: " $0 }' <<<"$got"
	assert_output ""
	run_prun -j 1 "$T/env.jobs"
	assert_success
	assert_equal "$(awk '{ print $2 }' <<<"$output" | sort -u)" 1
	assert_no_leftovers
}

@test "PRUN_SLOT values of jobs running at once are distinct" {
	probe_run 4 -j 4
}

@test "workers are forked once and reused: 30 jobs, 2 workers" {
	for i in $(seq 1 30); do
		echo 'echo "$PPID $(ps -o ppid= -p $PPID) $(ps -o args= -p $PPID)"'
	done >"$T/ppid.jobs"
	run_prun -j 2 "$T/ppid.jobs"
	assert_success
	assert_equal "${#lines[@]}" 30
	workers="$(awk '{ print $1 }' <<<"$output" | sort -u)"
	supervisors="$(awk '{ print $2 }' <<<"$output" | sort -u)"
	assert_equal "$(wc -l <<<"$workers")" 2
	assert_equal "$(wc -l <<<"$supervisors")" 1
	# A job's parent is a worker titled "prun: worker ...", whose parent is
	# the supervisor, which is not a worker.
	run grep -v ' prun: worker ' <<<"$output"
	assert_output ""
	run grep -xF -e "$supervisors" <<<"$workers"
	assert_failure
	assert_no_leftovers
}

# worker_pids PID: pids of the children of PID titled "prun: worker".
worker_pids() {
	ps -o pid=,args= --ppid "$1" | awk '$2 == "prun:" && $3 == "worker" { print $1 }'
}

# blocking_jobs N: write $T/block.jobs of N jobs that each mark themselves
# started in $T/started and then wait for $T/release.
blocking_jobs() {
	mkdir -p "$T/started"
	for i in $(seq 1 "$1"); do
		echo "touch '$T/started/$i'; waitfor '$T/release' 60"
	done >"$T/block.jobs"
}

@test "workers are titled 'prun: worker N: job M' while jobs run" {
	blocking_jobs 2
	start_prun_bg -j 2 "$T/block.jobs" </dev/null
	wait_for_count "$T/started" 2
	run ps -o args= --ppid "$PRUN_PID"
	titles="$(grep '^prun: worker' <<<"$output" | sort)"
	assert_equal "$(wc -l <<<"$titles")" 2
	run sed -n 's/^prun: worker \([0-9]*\).*job \([0-9]*\).*/\1 \2/p' <<<"$titles"
	assert_equal "${#lines[@]}" 2
	# Worker numbers are slots 1 and 2; job numbers are the two jobs.
	assert_equal "$(awk '{ print $1 }' <<<"$output" | sort -n | tr '\n' ' ')" "1 2 "
	assert_equal "$(awk '{ print $2 }' <<<"$output" | sort -n | tr '\n' ' ')" "1 2 "
	touch "$T/release"
	wait_prun
	assert_equal "$status" 0
	assert_no_leftovers
}

@test "worker titles are exact, however long the path prun was started by" {
	local long="$T/a/rather/long/directory/path/for/the/binary/under/test"
	mkdir -p "$long"
	cp "$PRUN" "$long/prun"
	blocking_jobs 2
	PRUN="$long/prun" start_prun_bg -j 2 "$T/block.jobs" </dev/null
	wait_for_count "$T/started" 2
	run ps -o args= --ppid "$PRUN_PID"
	# Anchored at both ends: no padding, no stray '.' after the title.
	assert_equal "$(grep -c -x 'prun: worker [12]: job [12]' <<<"$output")" 2
	touch "$T/release"
	wait_prun
	assert_equal "$status" 0
	assert_no_leftovers
}

@test "never more workers than jobs for a short file" {
	blocking_jobs 2
	for j in 8 0; do
		rm -rf "$T/started" "$T/release"
		mkdir "$T/started"
		start_prun_bg -j "$j" "$T/block.jobs" </dev/null
		wait_for_count "$T/started" 2
		run worker_pids "$PRUN_PID"
		[[ ${#lines[@]} -eq 2 ]] ||
			fail "-j $j with 2 jobs: ${#lines[@]} workers"
		touch "$T/release"
		wait_prun
		assert_equal "$status" 0
	done
	assert_no_leftovers
}

@test "each job runs in its own process group" {
	for i in 1 2 3; do
		echo 'echo "$$ $(ps -o pgid= -p $$ | tr -d " ") $(ps -o pgid= -p $PPID | tr -d " ")"'
	done >"$T/pg.jobs"
	run_prun -j 3 "$T/pg.jobs"
	assert_success
	assert_equal "${#lines[@]}" 3
	# pid == pgid for each job, and not the group of its worker.
	run awk '$1 != $2 || $2 == $3 { print "shared group: " $0 }' <<<"$output"
	assert_output ""
	assert_no_leftovers
}

@test "a job signalling its whole process group hits only itself" {
	jobs="$(mk_jobs kill0.jobs 'kill -TERM 0; sleep 5' 'echo a' 'echo b' 'echo c')"
	run_prun --separate-stderr -k -j 2 "$jobs"
	assert_failure 1
	assert_output $'a\nb\nc'
	assert_no_leftovers
}

@test "jobs get stdin from /dev/null and do not eat the command list" {
	printf 'cat\necho second\nreadlink /proc/self/fd/0\ncat; echo fourth\n' >"$T/in.jobs"
	run_prun -k -j 1 <"$T/in.jobs"
	assert_success
	assert_output $'second\n/dev/null\nfourth'
	run_prun -k -j 2 - <"$T/in.jobs"
	assert_success
	assert_output $'second\n/dev/null\nfourth'
	# With a file argument too, while prun's own stdin is an open pipe.
	mkfifo "$T/fifo"
	exec {hold}<>"$T/fifo"
	run_prun -k -j 2 "$T/in.jobs" <"$T/fifo"
	exec {hold}>&-
	assert_success
	assert_output $'second\n/dev/null\nfourth'
	assert_no_leftovers
}

@test "dynamic dispatch: with -j 2 the short jobs all run beside the long one" {
	# Job 1 lasts until jobs 2..11 are done, so they must all run on the
	# other worker: a round robin would give some of them to job 1's worker.
	mkdir "$T/done"
	echo "waitcount '$T/done' 10 && echo long \$PRUN_SLOT" >"$T/dd.jobs"
	for i in $(seq 2 11); do
		echo "echo short \$PRUN_SLOT; touch '$T/done/$i'"
	done >>"$T/dd.jobs"
	run_prun -j 2 "$T/dd.jobs"
	assert_success
	assert_equal "${#lines[@]}" 11
	long="$(awk '$1 == "long" { print $2 }' <<<"$output")"
	short="$(awk '$1 == "short" { print $2 }' <<<"$output" | sort -u)"
	assert_equal "$(wc -l <<<"$short")" 1
	[[ $long != "$short" ]] || fail "long and short jobs shared slot $long"
	assert_no_leftovers
}

@test "a job printing without pause does not stall the other workers" {
	# Job 1 prints until prun has printed job 12's output, so prun must
	# hear from the other worker while job 1 keeps talking.
	echo "while ! grep -qx out-12 '$OUT'; do echo tick; sleep 0.01; done" >"$T/chat.jobs"
	for i in $(seq 2 12); do echo "echo out-$i"; done >>"$T/chat.jobs"
	PRUN_TIMEOUT=30 prun_files -j 2 "$T/chat.jobs"
	assert_equal "$status" 0
	assert_equal "$(grep -c '^out-' "$OUT")" 11
	assert_equal "$(tail -n 1 "$OUT")" tick
	assert_no_leftovers
}

@test "workers talk to the supervisor over sockets with no path" {
	blocking_jobs 2
	start_prun_bg -j 2 "$T/block.jobs" </dev/null
	wait_for_count "$T/started" 2
	run worker_pids "$PRUN_PID"
	assert_equal "${#lines[@]}" 2
	inodes=()
	for p in "$PRUN_PID" "${lines[@]}"; do
		for fd in /proc/"$p"/fd/*; do
			l="$(readlink "$fd" 2>/dev/null)" || continue
			[[ $l =~ ^socket:\[([0-9]+)\]$ ]] && inodes+=("${BASH_REMATCH[1]}")
		done
	done
	# Every socket they hold is a Unix-domain one (in /proc/net/unix)
	# with no name, in the file system or abstract.
	[[ ${#inodes[@]} -ge 2 ]] || fail "only ${#inodes[@]} sockets found"
	for ino in "${inodes[@]}"; do
		row="$(awk -v i="$ino" '$7 == i' /proc/net/unix)"
		[[ -n $row ]] || fail "socket $ino is not a Unix-domain socket"
		[[ $(awk '{ print NF }' <<<"$row") -eq 7 ]] ||
			fail "socket $ino has a name: $row"
	done
	touch "$T/release"
	wait_prun
	assert_equal "$status" 0
	assert_no_leftovers
}

@test "the supervisor and workers do not busy-wait while jobs run" {
	blocking_jobs 2
	start_prun_bg -j 2 "$T/block.jobs" </dev/null
	wait_for_count "$T/started" 2
	mapfile -t pids < <(echo "$PRUN_PID"; worker_pids "$PRUN_PID")
	[[ ${#pids[@]} -eq 3 ]] || fail "expected 2 workers: ${pids[*]}"
	ticks() {
		local p sum=0 f
		for p in "${pids[@]}"; do
			read -ra f <<<"$(sed 's/.*) //' "/proc/$p/stat")"
			# utime and stime, fields 14 and 15 of stat (11, 12 here).
			sum=$((sum + f[11] + f[12]))
		done
		echo "$sum"
	}
	before="$(ticks)"
	# Watching for a busy loop takes some time of quiet.
	sleep 1
	after="$(ticks)"
	touch "$T/release"
	wait_prun
	assert_equal "$status" 0
	hz="$(getconf CLK_TCK)"
	[[ $((after - before)) -le $((hz / 20)) ]] ||
		fail "prun used $((after - before)) of $hz ticks in 1 s while idle"
	assert_no_leftovers
}
