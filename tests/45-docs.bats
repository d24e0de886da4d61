#!/usr/bin/env bats
#
# The documentation agrees with the option table in src/main.c: --help,
# the man page and the three completion files list every option of
# `prun --list-options` and no other, each with or without an argument as
# the table says, under the same topics, with the same fixed values.  Also
# --help's layout, --version, and mandoc's lint.

# shellcheck disable=SC2154,SC2016 # bats sets output; single quotes are meant

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	DOCOPTS="$TESTS_DIR/helpers/docs-options"
	export REPO="$REPO_DIR"
}

teardown() {
	common_teardown
}

# same_as_table SOURCE [choices]: the lines docs-options prints for SOURCE
# are those it prints for the table; on a difference, show it.
same_as_table() {
	local src=$1 mode=() table=table
	[[ -n ${2:-} ]] && mode=("$2")
	[[ $src == *-topics ]] && table='table-topics'
	"$DOCOPTS" "${mode[@]}" "$table" >"$T/want" ||
		fail "docs-options $table failed"
	"$DOCOPTS" "${mode[@]}" "$src" >"$T/got" ||
		fail "docs-options ${mode[*]} $src failed"
	[[ -s $T/want || -n ${mode[*]} ]] ||
		fail "prun --list-options printed nothing"
	if ! diff -u "$T/want" "$T/got" >"$T/diff"; then
		fail "$(printf '%s disagrees with the option table (- table, + %s):\n' "$src" "$src"; tail -n +3 "$T/diff")"
	fi
}

@test "--list-options prints six tab-separated fields per option" {
	run_prun --separate-stderr --list-options
	assert_success
	assert_equal "$stderr" ""
	[[ ${#lines[@]} -ge 10 ]] || fail "only ${#lines[@]} options"
	local l
	for l in "${lines[@]}"; do
		[[ $(awk -F'\t' '{ print NF }' <<<"$l") == 6 ]] ||
			fail "not 6 fields: $l"
		[[ $l =~ ^--[a-z0-9][a-z0-9-]*$'\t'(-[[:alnum:]])?$'\t' ]] ||
			fail "bad name or short option: $l"
	done
	# It is for scripts: --help does not show it, nor does its own list.
	refute_line --regexp '^--list-options'
	run_prun --help
	refute_output --partial list-options
}

@test "--help lists every option of the table, no other" {
	same_as_table help
}

@test "--help groups options under the topics of the table" {
	same_as_table help-topics
}

@test "--help fits 80 columns and has no empty topic" {
	run_prun --separate-stderr --help
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^usage: prun '
	local l i
	for l in "${lines[@]}"; do
		[[ ${#l} -le 80 ]] || fail "longer than 80 columns: '$l'"
		[[ $l != *$'\t'* ]] || fail "a tab in: '$l'"
	done
	# A heading is followed by at least one option line.
	for ((i = 0; i < ${#lines[@]}; i++)); do
		if [[ ${lines[i]} =~ ^[A-Z][^:]*:$ ]]; then
			[[ ${lines[i + 1]:-} =~ ^\ \ (-|\ {4}--) ]] ||
				fail "empty topic: ${lines[i]}"
		fi
	done
}

@test "--help shows each option's whole help text, wrapped at column 28" {
	"$PRUN" --list-options | awk -F'\t' '{ print $1 "\t" $5 }' |
	    sort >"$T/want"
	# An option line, then continuation lines indented to column 28; the
	# help text starts at column 28, on the option's line or the next.
	"$PRUN" --help | perl -ne '
		chomp;
		if (/^  ((?:-\w, |    )(--[a-z0-9][a-z0-9-]*)(?: \S+)?)( *)(.*)/) {
			print "$o\t$h\n" if defined $o;
			($o, $h) = ($2, $4);
			die "help text not at column 28: $_\n"
			    if $h ne "" && length("  $1$3") != 28;
		} elsif (defined $o && /^ {28}(\S.*)/) {
			$h .= ($h eq "" ? "" : " ") . $1;
		} else {
			print "$o\t$h\n" if defined $o;
			undef $o;
		}
		END { print "$o\t$h\n" if defined $o }
	' | sort >"$T/got"
	if ! diff -u "$T/want" "$T/got" >"$T/diff"; then
		fail "$(printf -- '--help text differs from the table (- table, + --help):\n'; tail -n +3 "$T/diff")"
	fi
}

@test "--version prints prun and the version of src/prun.h" {
	local v
	v=$(sed -n 's/^#define PRUN_VERSION "\(.*\)"$/\1/p' "$REPO_DIR/src/prun.h")
	[[ -n $v ]] || fail "no PRUN_VERSION in src/prun.h"
	run_prun --separate-stderr --version
	assert_success
	assert_output "prun $v"
	assert_equal "$stderr" ""
	run_prun -V
	assert_output "prun $v"
}

@test "the man page documents every option of the table, no other" {
	same_as_table man
}

@test "the man page spells option arguments one way: --name=arg" {
	# ".It Fl j Ar N , Fl -jobs Ns = Ns Ar N", never "Fl -jobs Ar N".
	run grep -nE '^\.It .*Fl -[a-z0-9-]+ Ar ' "$REPO_DIR/man/prun.1"
	assert_output ""
}

@test "the man page puts each option under its --help topic" {
	same_as_table man-topics
}

# accepted NAME: prun takes option NAME (perhaps a hidden alias such as
# --lb): it may complain about a missing argument, never that it is unknown.
accepted() {
	local err
	err=$(cd "$T" && timeout 10 "$PRUN" "$1" </dev/null 2>&1 >/dev/null)
	[[ $err != *"unknown option"* && $err != *"ambiguous"* ]]
}

@test "the man page mentions no option prun does not take" {
	# Outside COMPATIBILITY (which names GNU parallel's own options),
	# every "Fl -name" must be an option of prun's.
	perl -ne '
		$skip = ($1 eq "COMPATIBILITY") if /^\.Sh (.*)/;
		next if $skip;
		print "$1\n" while /Fl -([a-z0-9][a-z0-9-]*)/g;
	' "$REPO_DIR/man/prun.1" | sort -u >"$T/used"
	[[ -s $T/used ]] || fail "no option found in the man page"
	local n bad=()
	while read -r n; do
		accepted "--$n" || bad+=("--$n")
	done <"$T/used"
	[[ ${#bad[@]} -eq 0 ]] || fail "man page mentions unknown options: ${bad[*]}"
	# The check can fail.
	! accepted --no-such-option || fail "prun accepted --no-such-option"
}

@test "the man page is clean for mandoc -Tlint -Wwarning and fits 80 columns" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint -Wwarning "$REPO_DIR/man/prun.1"
	assert_success
	assert_output ""
	run mandoc -Tascii -Owidth=80 "$REPO_DIR/man/prun.1"
	assert_success
	local l
	for l in "${lines[@]}"; do
		l=${l//?$'\b'/}
		[[ ${#l} -le 80 ]] || fail "rendered line over 80 columns: '$l'"
	done
	# The sections a reader looks for.
	local s
	for s in SYNOPSIS OPTIONS "COMMAND FILE" ENVIRONMENT FILES \
	    "EXIT STATUS" SIGNALS EXAMPLES COMPATIBILITY "SEE ALSO"; do
		grep -qx "\.Sh $s" "$REPO_DIR/man/prun.1" ||
			fail "no $s section"
	done
}

@test "the bash completion offers every option of the table, no other" {
	same_as_table bash
}

@test "the zsh completion lists every option of the table, no other" {
	same_as_table zsh
}

@test "the fish completion lists every option of the table, no other" {
	same_as_table fish
}

@test "the completions offer the fixed values the table gives" {
	command -v fish >/dev/null || skip "fish is not installed"
	same_as_table bash choices
	same_as_table zsh choices
	same_as_table fish choices
}

@test "the README mentions no option prun does not take" {
	grep -o -- '`[^`]*`' "$REPO_DIR/README.md" |
	    grep -oE -- '(^|[ `])--[a-z0-9][a-z0-9-]*' | tr -d ' `' |
	    sort -u >"$T/used"
	local n bad=()
	while read -r n; do
		case $n in --will-cite | --pipe) continue ;; esac
		accepted "$n" || bad+=("$n")
	done <"$T/used"
	[[ ${#bad[@]} -eq 0 ]] || fail "README mentions unknown options: ${bad[*]}"
}

@test "the README's Dependencies name every package make deps installs" {
	local deps p missing=()
	deps=$(sed -n '/^DEPS *=/,/^$/p' "$REPO_DIR/Makefile" |
	    sed 's/^DEPS *=//; s/\\$//')
	[[ -n $deps ]] || fail "no DEPS in the Makefile"
	sed -n '/^## Dependencies/,/^## /p' "$REPO_DIR/README.md" >"$T/deps"
	for p in $deps; do
		case $p in
		libbsd-dev) p=libbsd ;;
		parallel) p="GNU parallel" ;;
		esac
		grep -qiF -- "$p" "$T/deps" || missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] ||
		fail "README's Dependencies do not say why these are needed: ${missing[*]}"
}
