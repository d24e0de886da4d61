#!/usr/bin/env bats
#
# The make jobserver: prun under a real `make -j2` takes a token for each
# job beyond its first and gives every one back (GNU make checks the count
# when it exits and complains of any missing); --jobserver-serve gives
# jobs a jobserver so that a make in a job shares prun's -j.  Jobs log
# their start and end; the most that ever ran at once is counted from
# the log.

# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	command -v make >/dev/null || skip "GNU make is not installed"
	unset MAKEFLAGS MAKELEVEL MFLAGS
	# A job of the whole build: log its start and end around a sleep.
	cat >"$T/slow" <<'EOF2'
#!/bin/sh
echo "s $(date +%s%N) $1" >>"$LOG"
sleep "${2:-0.3}"
echo "e $(date +%s%N) $1" >>"$LOG"
EOF2
	chmod +x "$T/slow"
	export LOG="$T/log"
	: >"$LOG"
}

teardown() {
	common_teardown
}

# most_at_once: the most jobs of the log that ran at the same time.
most_at_once() {
	sort -k2,2n "$LOG" | awk '
		$1 == "s" { if (++n > m) m = n }
		$1 == "e" { n-- }
		END { print m + 0 }'
}

# run_make ARGS...: make in $T, prun on PATH, stderr apart.
run_make() {
	run --separate-stderr env "PRUN_TEST_MARK=$MARK" \
	    timeout -k 5 120 make --no-print-directory -C "$T" "$@"
}

@test "under make -j2, prun and the rest of the build never run more than 2 jobs, and every token goes back" {
	for i in 1 2 3 4 5 6; do echo "'$T/slow' p$i"; done >"$T/jobs"
	cat >"$T/Makefile" <<'EOF2'
all: p o1 o2 o3
p:
	+@prun -j 4 jobs
o1 o2 o3:
	@./slow $@
EOF2
	run_make -j2
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(grep -c '^e ' "$LOG")" 9
	assert_equal "$(most_at_once)" 2
	assert_no_leftovers
}

@test "tokens go back when a job times out and when its worker is killed -9" {
	{
		echo "'$T/slow' a"
		echo 'sleep 30'
		echo 'kill -9 $PPID'
		echo "'$T/slow' b"
		echo "'$T/slow' c"
		echo "'$T/slow' d"
	} >"$T/jobs"
	cat >"$T/Makefile" <<'EOF2'
all: p o1 o2
p:
	+@prun -j 3 --timeout 1 jobs; echo "prun exited $$?" >prun.status
o1 o2:
	@./slow $@ 1
EOF2
	run_make -j3
	assert_success
	# prun says what happened to its jobs; make says nothing.
	[[ $stderr == *"timed out"* ]] || fail "no timeout: $stderr"
	[[ $stderr == *"died while running job 3"* ]] || fail "no lost worker: $stderr"
	[[ $stderr != *INTERNAL* && $stderr != *jobserver* ]] || fail "make complains: $stderr"
	assert_equal "$(cat "$T/prun.status")" "prun exited 2"
	[[ $(most_at_once) -le 3 ]] || fail "$(most_at_once) at once under make -j3"
	assert_no_leftovers
}

@test "--jobserver-serve: a make in a job shares prun's -j" {
	mkdir "$T/sub"
	cat >"$T/sub/Makefile" <<'EOF2'
all: t1 t2 t3 t4
t1 t2 t3 t4:
	@../slow $(CURDIR)$@
EOF2
	printf '%s\n' 'make -s -C sub' 'make -s -C sub' >"$T/jobs"
	run_prun --separate-stderr -j 3 --jobserver-serve "$T/jobs"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(grep -c '^e ' "$LOG")" 8
	# Two makes, each with its own slot and one token between them.
	assert_equal "$(most_at_once)" 3
	assert_no_leftovers
}

@test "--jobserver-serve: the jobs see -jN and descriptors 4 and 5 in MAKEFLAGS" {
	run_prun -j 3 --jobserver-serve <<<'echo "$MAKEFLAGS"; test -p /dev/fd/4 && test -p /dev/fd/5 && echo pipes'
	assert_success
	assert_output "$(printf '%s\n%s' '-j3 --jobserver-auth=4,5' pipes)"
	MAKEFLAGS='k -j8 -- V=1' run_prun -j 2 --jobserver-serve <<<'echo "$MAKEFLAGS"'
	assert_success
	assert_output 'k -j2 --jobserver-auth=4,5 -- V=1'
}

@test "--no-jobserver ignores make's: all the jobs run at once" {
	mkdir "$T/up"
	for i in 1 2 3 4; do echo "touch '$T/up/$i'; waitcount '$T/up' 4 20"; done >"$T/jobs"
	cat >"$T/Makefile" <<'EOF2'
all:
	+@prun -j 4 --no-jobserver jobs
EOF2
	run_make -j2
	assert_success
	assert_equal "$stderr" ""
}

@test "a jobserver that MAKEFLAGS names but prun can't use" {
	# Descriptors that are not open: a warning, and the run goes on.
	MAKEFLAGS=' -j2 --jobserver-auth=97,98' run_prun --separate-stderr <<<'echo ran'
	assert_success
	assert_output ran
	assert_equal "$stderr" "prun: make's jobserver descriptors 97,98 named in MAKEFLAGS are not open (mark the make rule with '+'); running without it"
	# --jobserver makes it an error, as it does no jobserver at all.
	MAKEFLAGS=' -j2 --jobserver-auth=97,98' run_prun --separate-stderr --jobserver <<<"touch '$T/ran'"
	assert_prun_error "^prun: make's jobserver descriptors 97,98"
	run_prun --separate-stderr --jobserver <<<"touch '$T/ran'"
	assert_prun_error "^prun: --jobserver: MAKEFLAGS names no jobserver"
	MAKEFLAGS='--jobserver-auth=x,y' run_prun --separate-stderr --jobserver <<<"touch '$T/ran'"
	assert_prun_error "^prun: malformed --jobserver-auth in MAKEFLAGS"
	[[ ! -e $T/ran ]] || fail "a job ran"
}

@test "make 4.4's fifo jobserver: a token per job beyond the first" {
	mkfifo "$T/fifo"
	exec 7<>"$T/fifo"
	printf '+' >&7 # make -j2: one token
	for i in 1 2 3 4; do echo "'$T/slow' f$i"; done >"$T/jobs"
	MAKEFLAGS=" -j2 --jobserver-auth=fifo:$T/fifo" run_prun -j 4 "$T/jobs"
	assert_success
	assert_equal "$(most_at_once)" 2
	# The token is back.
	run timeout 5 dd bs=1 count=1 status=none <&7
	exec 7<&-
	assert_output '+'
}

# token_back_while_running END: under a fifo jobserver of one token (make
# -j2), job 1 runs until the test lets it go; job 2 takes the token, then
# ends by END.  The token must be back in the fifo while job 1 still runs,
# not only when prun exits.
token_back_while_running() {
	mkfifo "$T/fifo"
	exec 7<>"$T/fifo"
	printf '+' >&7
	{
		echo "waitfor '$T/release' 30; touch '$T/j1.done'"
		echo "touch '$T/j2.started'; $1"
	} >"$T/jobs"
	MAKEFLAGS=" -j2 --jobserver-auth=fifo:$T/fifo" start_prun_bg -j 2 "$T/jobs" </dev/null
	wait_for_file "$T/j2.started"
	run timeout 10 dd bs=1 count=1 status=none <&7
	assert_output '+'
	[[ ! -e $T/j1.done ]] || fail "job 1 ended first"
	printf '+' >&7
	touch "$T/release"
	wait_prun 30
	exec 7<&-
}

@test "a token goes back as soon as its job ends" {
	token_back_while_running 'true'
	assert_equal "$status" 0
	assert_no_leftovers
}

@test "a token goes back when the job's worker is killed -9" {
	token_back_while_running 'kill -9 $PPID'
	assert_equal "$status" 1
	grep -q 'died while running job 2' "$ERR" || fail "$(cat "$ERR")"
	assert_no_leftovers
}
