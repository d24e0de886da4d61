/*
 * Unit tests for direct.c: which command lines may skip the shell, and
 * how they split.
 */
#include <string.h>

#include "direct.h"
#include "tap.h"

/* Split cmd; compare the words with want (space-joined), or "" for none. */
static int
splits_as(const char *cmd, const char *want)
{
	char buf[256], got[256], *argv[DIRECT_MAX_ARGS + 1];
	int n, i;

	n = direct_split(cmd, strlen(cmd), buf, argv);
	got[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, argv[i]);
	}
	if (n > 0 && argv[n] != NULL)
		return 0;
	return strcmp(got, want) == 0;
}

int
main(void)
{
	static const char *needs_shell[] = { "echo hi", "true", "false",
		"cd /tmp", "exit 3", "test -f x", "[ -f x ]", "FOO=1 env",
		"ls *.c", "ls ?", "ls [ab]", "cat ~/x", "echo $HOME", "a 'b'",
		"a \"b\"", "a\\ b", "a;b", "a|b", "a&", "a>b", "a<b", "(a)",
		"a `b`", "a # c", "{ a; }", "! a", "a {b,c}", "if x", "for i",
		"while x", "time x", "exec x", ". x", ": x", "kill 1", "wait",
		"read x", "ulimit -n", "printf x", "a\tb\x01", "", "   ",
		"caf\xc3\xa9", NULL };
	int i;

	tap_ok(splits_as("/bin/true", "/bin/true"), "a path alone");
	tap_ok(splits_as("gzip -9 -k file.txt", "gzip -9 -k file.txt"),
	    "options and a file name");
	tap_ok(splits_as("  a \t b  ", "a b"), "blanks around and between");
	tap_ok(splits_as("cc -DX=1 -o a.out a.c", "cc -DX=1 -o a.out a.c"),
	    "= after the first word is plain");
	tap_ok(splits_as("curl -u a:b user@host:80/x%20y,z+w",
		   "curl -u a:b user@host:80/x%20y,z+w"),
	    "URL-ish punctuation");
	for (i = 0; needs_shell[i] != NULL; i++) {
		char what[128];

		snprintf(what, sizeof(what), "needs a shell: '%s'",
		    needs_shell[i]);
		tap_ok(splits_as(needs_shell[i], ""), what);
	}
	return tap_done();
}
