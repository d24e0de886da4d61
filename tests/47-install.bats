#!/usr/bin/env bats
#
# make install puts exactly the binary, the man page and the three
# completions where bash, zsh, fish and man look for them; make uninstall
# takes them away again.

# shellcheck disable=SC2154,SC2016 # bats sets output; single quotes are meant

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# make_repo TARGET ARGS...: make in the source tree, without rebuilding
# ./prun (the suite may be running a sanitizer build of it) and without
# the make that runs this suite getting in the way.
make_repo() {
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -C "$REPO_DIR" -o prun "$@"
}

installed_files() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P %m\n' | sort)
}

@test "make install DESTDIR=... PREFIX=/usr installs the five files" {
	make_repo install DESTDIR="$T/root" PREFIX=/usr
	assert_success
	run installed_files "$T/root"
	assert_output "usr/bin/prun 755
usr/share/bash-completion/completions/prun 644
usr/share/fish/vendor_completions.d/prun.fish 644
usr/share/man/man1/prun.1 644
usr/share/zsh/vendor-completions/_prun 644"
	cmp "$REPO_DIR/man/prun.1" "$T/root/usr/share/man/man1/prun.1"
	cmp "$REPO_DIR/completions/prun.bash" \
	    "$T/root/usr/share/bash-completion/completions/prun"
	run "$T/root/usr/bin/prun" --version
	assert_success
	assert_output --regexp '^prun [0-9]'
}

@test "the install directories are the ones the shells and man search" {
	# bash-completion loads completions/NAME on demand; fish reads
	# vendor_completions.d; zsh's fpath has vendor-completions for /usr
	# and site-functions for /usr/local.
	if command -v zsh >/dev/null; then
		run zsh -f -c 'print -l $fpath'
		assert_line /usr/share/zsh/vendor-completions
		assert_line /usr/local/share/zsh/site-functions
	fi
	if command -v fish >/dev/null; then
		run fish -c 'string join \n $fish_complete_path'
		assert_line /usr/share/fish/vendor_completions.d
	fi
	make_repo install DESTDIR="$T/root" PREFIX=/usr/local
	assert_success
	run installed_files "$T/root"
	assert_output "usr/local/bin/prun 755
usr/local/share/bash-completion/completions/prun 644
usr/local/share/fish/vendor_completions.d/prun.fish 644
usr/local/share/man/man1/prun.1 644
usr/local/share/zsh/site-functions/_prun 644"
	# The installed page is found by man through its path.
	if command -v mandoc >/dev/null; then
		mandoc -Tascii "$T/root/usr/local/share/man/man1/prun.1" |
		    sed 's/.\x08//g' >"$T/page"
		grep -q 'prun - run the lines of a command file' "$T/page" ||
			fail "the installed page does not render"
	fi
}

@test "make uninstall removes what make install put there" {
	make_repo install DESTDIR="$T/root" PREFIX=/usr
	assert_success
	make_repo uninstall DESTDIR="$T/root" PREFIX=/usr
	assert_success
	run installed_files "$T/root"
	assert_output ""
}
