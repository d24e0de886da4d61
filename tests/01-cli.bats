#!/usr/bin/env bats
#
# The command line: --help, --version, option spellings, and the one-line
# error and exit status 255 for every kind of bad input, before any job runs.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2030,SC2031,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	# A command file that leaves a trace if any of its jobs ever runs.
	GOOD="$(mk_jobs good.jobs "touch '$T/ran'")"
}

teardown() {
	common_teardown
}

# refused PATTERN ARGS...: prun ARGS is refused with a one-line error that
# matches PATTERN, and no job of good.jobs ran.
refused() {
	local pattern=$1
	shift
	run_prun --separate-stderr "$@" </dev/null
	assert_prun_error "$pattern"
	assert [ ! -e "$T/ran" ]
	assert_no_leftovers
}

@test "--help prints usage on stdout and exits 0" {
	run_prun --separate-stderr --help
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp '[Uu]sage'
	assert_output --partial 'prun'
	for opt in --jobs --keep-order --shell --help --version; do
		assert_output --partial -- "$opt"
	done
}

@test "--help runs no job and does not read stdin" {
	# shellcheck disable=SC2094 # prun must not read it
	run_prun --separate-stderr --help "$GOOD" <"$GOOD"
	assert_success
	assert [ ! -e "$T/ran" ]
	assert_no_leftovers
}

@test "--version prints 'prun VERSION' on stdout and exits 0" {
	run_prun --separate-stderr --version
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^prun [0-9]+(\.[0-9]+)*'
}

@test "-j N, -jN, --jobs N and --jobs=N are accepted" {
	for spelling in "-j 2" "-j2" "--jobs 2" "--jobs=2"; do
		rm -f "$T/ran"
		# shellcheck disable=SC2086 # split the spelling on purpose
		run_prun $spelling "$GOOD"
		assert_success
		assert [ -e "$T/ran" ]
	done
	assert_no_leftovers
}

@test "options may follow the file names" {
	jobs="$(mk_jobs order.jobs 'echo one' 'echo two' 'echo three')"
	run_prun "$jobs" -j 3 -k
	assert_success
	assert_output $'one\ntwo\nthree'
	assert_no_leftovers
}

@test "an unknown long option is refused and named" {
	refused 'bogus' --bogus "$GOOD"
}

@test "an unknown option after the file names is refused" {
	refused 'bogus' "$GOOD" --bogus
}

@test "an unknown short option is refused and named" {
	refused "Z" -Z "$GOOD"
}

@test "-j abc is refused" {
	refused 'abc' -j abc "$GOOD"
}

@test "-j 1.5x is refused" {
	refused '1\.5x' -j 1.5x "$GOOD"
}

@test "-j '' (empty) is refused" {
	refused '(-j|jobs|empty|invalid)' -j '' "$GOOD"
}

@test "-j without a value is refused" {
	refused '(-j|jobs|argument|requires)' "$GOOD" -j
}

@test "--jobs=abc is refused" {
	refused 'abc' --jobs=abc "$GOOD"
}

@test "-j with other malformed numbers is refused" {
	for bad in 1x x1 0x10 2.0 -- '+' '-' '%' '5%%' 'abc%' '+x' '-x' 1e3; do
		run_prun --separate-stderr -j "$bad" "$GOOD" </dev/null
		assert_prun_error '.'
	done
	assert [ ! -e "$T/ran" ]
}

@test "a missing file is refused and named" {
	refused 'no-such\.jobs' "$T/no-such.jobs"
}

@test "a missing file after a good one is refused before any job runs" {
	refused 'missing\.jobs' "$GOOD" "$T/missing.jobs"
}

@test "a directory is refused and named" {
	mkdir "$T/somedir"
	refused 'somedir' "$GOOD" "$T/somedir"
}

@test "an unreadable file is refused and named" {
	if [[ $(id -u) -ne 0 ]]; then
		mk_jobs secret.jobs 'true' >/dev/null
		chmod 000 "$T/secret.jobs"
		refused 'secret\.jobs' "$GOOD" "$T/secret.jobs"
		return
	fi
	# root reads any file, so run prun as another user, from a directory
	# it may enter (the bats scratch directory is private to root).
	local d uid
	uid=$(free_uid)
	d="$(mktemp -d /tmp/prun-unreadable.XXXXXX)"
	chmod 755 "$d"
	cp "$PRUN" "$d/prun"
	printf 'touch %s/ran\n' "$d" >"$d/good.jobs"
	printf 'true\n' >"$d/secret.jobs"
	chmod 644 "$d/good.jobs"
	chmod 000 "$d/secret.jobs"
	chmod 777 "$d"
	run --separate-stderr env "PRUN_TEST_MARK=$MARK" timeout 60 \
	    setpriv --reuid="$uid" --regid="$uid" --clear-groups \
	    "$d/prun" "$d/good.jobs" "$d/secret.jobs" </dev/null
	local ran=no
	[[ -e $d/ran ]] && ran=yes
	rm -rf "$d"
	assert_prun_error 'secret\.jobs'
	assert_equal "$ran" no
	assert_no_leftovers
}
