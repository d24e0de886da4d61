/*
 * Shell-free commands: recognise command lines that a shell would only
 * split on blanks and exec, and split them the same way.
 */
#include <string.h>

#include "direct.h"

/* Words that mean something to sh (or bash) in command position. */
static const char *const shell_words[] = { ".", ":", "[", "[[", "]]", "{", "}",
	"!", "alias", "bg", "break", "case", "cd", "command", "continue",
	"declare", "do", "done", "echo", "elif", "else", "esac", "eval", "exec",
	"exit", "export", "false", "fc", "fg", "fi", "for", "function",
	"getopts", "hash", "if", "in", "jobs", "kill", "let", "local", "printf",
	"pwd", "read", "readonly", "return", "select", "set", "shift", "source",
	"test", "then", "time", "times", "trap", "true", "type", "typeset",
	"ulimit", "umask", "unalias", "unset", "until", "wait", "while", NULL };

/* Bytes that may stand in a word without the shell changing anything. */
static int
plain(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("%+,-./:=@_", c) != NULL;
}

int
direct_split(const char *cmd, size_t len, char *buf, char **argv)
{
	size_t i = 0;
	char *p = buf;
	int n = 0, k;

	while (i < len) {
		if (cmd[i] == ' ' || cmd[i] == '\t') {
			i++;
			continue;
		}
		if (n == DIRECT_MAX_ARGS)
			return 0;
		argv[n++] = p;
		for (; i < len && cmd[i] != ' ' && cmd[i] != '\t'; i++) {
			if (!plain((unsigned char)cmd[i]))
				return 0;
			*p++ = cmd[i];
		}
		*p++ = '\0';
	}
	argv[n] = NULL;
	if (n == 0 || strchr(argv[0], '=') != NULL)
		return 0;
	for (k = 0; shell_words[k] != NULL; k++)
		if (strcmp(argv[0], shell_words[k]) == 0)
			return 0;
	return n;
}
