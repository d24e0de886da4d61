/*
 * Unit tests of the command-file reader: the pure parser cmdparse() on
 * fixed inputs, the same input fed whole and in small pieces (streaming
 * must not change what is read), and cmdfile_next() on real files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prun.h"
#include "cmdfile.h"
#include "proto.h"
#include "tap.h"

/*
 * Parse all of input, handing cmdparse at most chunk new bytes at a time
 * as cmdfile_next does, and write the commands to res separated by '|',
 * an error as "!E", with the line numbers when lines is set.
 */
static void
parse_all(const char *input, size_t len, size_t chunk, int lines, char *res,
    size_t reslen)
{
	struct framebuf in, out;
	struct cmdparse_res r;
	size_t fed = 0, w = 0;
	unsigned long lineno = 0;
	int eof = 0, rc;

	fb_init(&in);
	fb_init(&out);
	res[0] = '\0';
	for (;;) {
		out.rpos = out.wpos = 0;
		rc = cmdparse((const char *)in.buf + in.rpos, fb_len(&in), eof,
		    &out, &r);
		fb_consume(&in, r.consumed);
		if (rc == 1) {
			w += (size_t)snprintf(res + w, reslen - w, "%s",
			    w ? "|" : "");
			if (lines)
				w += (size_t)snprintf(res + w, reslen - w,
				    "%lu:", lineno + r.first + 1);
			w += (size_t)snprintf(res + w, reslen - w, "%.*s",
			    (int)fb_len(&out),
			    (const char *)out.buf + out.rpos);
			lineno += r.lines;
			continue;
		}
		lineno += r.lines;
		if (rc == -1) {
			w += (size_t)snprintf(res + w, reslen - w, "%s!E",
			    w ? "|" : "");
			continue;
		}
		if (eof)
			break;
		if (fed == len) {
			eof = 1;
			continue;
		}
		{
			size_t n = len - fed < chunk ? len - fed : chunk;

			memcpy(fb_reserve(&in, n), input + fed, n);
			fb_commit(&in, n);
			fed += n;
		}
	}
	fb_free(&in);
	fb_free(&out);
}

struct pcase {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen */
	const char *want;
	int lines;
};

static const struct pcase pcases[] = {
	{ "one line", "echo a\n", 0, "echo a", 0 },
	{ "no final newline", "echo a\necho b", 0, "echo a|echo b", 0 },
	{ "blank lines and comments skipped",
	    "\n  \n# c\n\t# c2\necho a\n\n#x\necho b\n", 0, "5:echo a|8:echo b",
	    1 },
	{ "a '#' inside a command is kept", "echo a # b\n", 0, "echo a # b",
	    0 },
	{ "CRLF endings", "echo a\r\necho b\r\n", 0, "echo a|echo b", 0 },
	{ "only CR before LF is dropped", "echo a\r\r\n", 0, "echo a\r", 0 },
	{ "backslash joins lines", "echo a \\\nb \\\nc\necho d\n", 0,
	    "1:echo a b c|4:echo d", 1 },
	{ "two backslashes do not join", "echo a\\\\\necho b\n", 0,
	    "echo a\\\\|echo b", 0 },
	{ "three backslashes join", "echo a\\\\\\\nb\n", 0, "echo a\\\\b", 0 },
	{ "join with CRLF", "echo a\\\r\nb\r\n", 0, "echo ab", 0 },
	{ "join at end of input", "echo a\\", 0, "echo a", 0 },
	{ "join ending in blanks runs nothing", "  \\\n \n", 0, "", 0 },
	{ "join of a blank then a command", " \\\necho x\n", 0, " echo x", 0 },
	{ "NUL byte rejects its line only", "echo a\nec\0ho\necho b\n", 19,
	    "echo a|!E|echo b", 0 },
	{ "NUL byte in a joined line", "echo a\\\nb\0\necho c\n", 17,
	    "!E|echo c", 0 },
	{ "control bytes and escapes kept", "printf '\x1b[31m\x01'\n", 0,
	    "printf '\x1b[31m\x01'", 0 },
	{ "empty input", "", 0, "", 0 },
	{ "only comments", "#a\n#b", 0, "", 0 },
	{ "comment after join continues", "echo a\\\n#b\n", 0, "echo a#b", 0 },
};

static void
test_cmdparse(void)
{
	char whole[512], piece[512], msg[160];
	size_t i, len, chunk;
	int same;

	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *c = &pcases[i];

		len = c->len ? c->len : strlen(c->in);
		parse_all(c->in, len, len + 1, c->lines, whole, sizeof(whole));
		snprintf(msg, sizeof(msg), "cmdparse: %s", c->name);
		if (!tap_ok(strcmp(whole, c->want) == 0, msg))
			printf("# got '%s', want '%s'\n", whole, c->want);
		same = 1;
		for (chunk = 1; chunk <= 4; chunk++) {
			parse_all(c->in, len, chunk, c->lines, piece,
			    sizeof(piece));
			if (strcmp(piece, whole) != 0)
				same = 0;
		}
		snprintf(msg, sizeof(msg),
		    "cmdparse: %s, fed 1-4 bytes at a time", c->name);
		tap_ok(same, msg);
	}
}

/* Without eof, an unfinished line is not returned and nothing is lost. */
static void
test_incomplete(void)
{
	struct framebuf out;
	struct cmdparse_res r;
	int rc;

	fb_init(&out);
	rc = cmdparse("# c\n\necho a", 11, 0, &out, &r);
	tap_ok(rc == 0 && r.consumed == 5 && r.lines == 2 && fb_len(&out) == 0,
	    "cmdparse: skipped lines are consumed, a partial one is not");
	rc = cmdparse("echo a\\\nech", 11, 0, &out, &r);
	tap_ok(rc == 0 && r.consumed == 0 && fb_len(&out) == 0,
	    "cmdparse: a partial join is kept whole for the next call");
	rc = cmdparse("echo a\\\nech", 11, 1, &out, &r);
	tap_ok(rc == 1 && r.consumed == 11 && fb_len(&out) == 9 &&
		memcmp(out.buf + out.rpos, "echo aech", 9) == 0,
	    "cmdparse: at eof the partial join is a command");
	/* Found by fuzzing: a blank join at eof hid every line after it. */
	out.rpos = out.wpos = 0;
	rc = cmdparse(" \\\n\n \\\n\necho b\n", 15, 1, &out, &r);
	tap_ok(rc == 1 && r.consumed == 15 && r.first == 4 && r.lines == 5 &&
		fb_len(&out) == 6 &&
		memcmp(out.buf + out.rpos, "echo b", 6) == 0,
	    "cmdparse: a command after a blank join at eof is returned");
	fb_free(&out);
}

static char *
write_tmp(const char *dir, const char *name, const char *data, size_t len)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", dir, name) == -1)
		abort();
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

static void
test_files(void)
{
	char dir[] = "/tmp/prun-unit.XXXXXX", errbuf[256], res[4096];
	char *files[3], *big;
	struct cmdfile *cf;
	struct cmdline line;
	size_t w = 0, biglen;
	int r, n = 0, errors = 0;

	if (mkdtemp(dir) == NULL)
		abort();
	files[0] = write_tmp(dir, "a", "echo 1\n#c\necho 2", 16);
	files[1] = write_tmp(dir, "b", "", 0);
	files[2] = write_tmp(dir, "c", "\necho 3\\\n x\n", 12);
	cf = cmdfile_open(files, 3);
	res[0] = '\0';
	while (
	    (r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf))) != CMD_EOF) {
		if (r != CMD_OK) {
			errors++;
			break;
		}
		w += (size_t)snprintf(res + w, sizeof(res) - w, "%s%s:%lu:%s",
		    n++ ? "|" : "", strrchr(line.file, '/') + 1, line.lineno,
		    line.cmd);
	}
	tap_ok(errors == 0 &&
		strcmp(res, "a:1:echo 1|a:3:echo 2|c:2:echo 3 x") == 0,
	    "cmdfile: three files, with their names and line numbers");
	if (errors || strcmp(res, "a:1:echo 1|a:3:echo 2|c:2:echo 3 x") != 0)
		printf("# got '%s'\n", res);
	tap_ok(cmdfile_all_regular(cf), "cmdfile: all inputs are regular");
	cmdfile_close(cf);

	/* Found by fuzzing: blank joins before the last line lost it. */
	free(files[0]);
	files[0] = write_tmp(dir, "a", " \\\n\n \\\n\necho b\n", 15);
	cf = cmdfile_open(files, 1);
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_OK && strcmp(line.cmd, "echo b") == 0 &&
		line.lineno == 5,
	    "cmdfile: a line after two blank joins is read");
	cmdfile_close(cf);

	/* A line over the limit is an error naming file and line, then EOF. */
	biglen = PRUN_MAX_CMD + 100;
	big = malloc(biglen + 20);
	if (big == NULL)
		abort();
	memcpy(big, "echo a\n", 7);
	memset(big + 7, 'x', biglen);
	memcpy(big + 7 + biglen, "\necho b\n", 8);
	free(files[0]);
	files[0] = write_tmp(dir, "big", big, biglen + 15);
	cf = cmdfile_open(files, 1);
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_OK && strcmp(line.cmd, "echo a") == 0,
	    "cmdfile: the line before a huge one is read");
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_ERROR &&
		strstr(errbuf, "big:2: line longer than") != NULL,
	    "cmdfile: a line over the limit is an error naming it");
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_EOF,
	    "cmdfile: nothing is read after an over-long line");
	cmdfile_close(cf);

	/* Over the limit by far more than one read: the same error. */
	biglen = PRUN_MAX_CMD + 300000;
	big = realloc(big, biglen + 20);
	if (big == NULL)
		abort();
	memset(big + 7, 'y', biglen);
	memcpy(big + 7 + biglen, "\necho b\n", 8);
	free(files[0]);
	files[0] = write_tmp(dir, "big", big, biglen + 15);
	cf = cmdfile_open(files, 1);
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_ERROR &&
		strstr(errbuf, "big:2: line longer than") != NULL,
	    "cmdfile: a line far over the limit is the same error");
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_EOF, "cmdfile: and nothing is read after it");
	cmdfile_close(cf);
	free(big);

	/* A NUL byte: an error for that line, the next line still runs. */
	free(files[0]);
	files[0] = write_tmp(dir, "nul", "a\0b\necho ok\n", 12);
	cf = cmdfile_open(files, 1);
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_ERROR && strstr(errbuf, "nul:1: NUL byte") != NULL,
	    "cmdfile: a NUL byte is an error naming file and line");
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_OK && strcmp(line.cmd, "echo ok") == 0 &&
		line.lineno == 2,
	    "cmdfile: the line after it is read");
	cmdfile_close(cf);

	for (n = 0; n < 3; n++) {
		unlink(files[n]);
		free(files[n]);
	}
	unlink(strcat(strcpy(res, dir), "/a"));
	unlink(strcat(strcpy(res, dir), "/big"));
	rmdir(dir);
}

/* A pipe: CMD_AGAIN until bytes come, never a blocking read. */
static void
test_pipe(void)
{
	char errbuf[256];
	struct cmdfile *cf;
	struct cmdline line;
	int p[2], saved, r;

	if (pipe(p) == -1 || (saved = dup(0)) == -1)
		abort();
	dup2(p[0], 0);
	close(p[0]);
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	cf = cmdfile_open(NULL, 0);
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_AGAIN, "cmdfile: an empty pipe says CMD_AGAIN");
	if (write(p[1], "echo p", 6) != 6)
		abort();
	cmdfile_readable(cf);
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_AGAIN, "cmdfile: an unfinished line waits");
	close(p[1]);
	cmdfile_readable(cf);
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_OK && strcmp(line.cmd, "echo p") == 0,
	    "cmdfile: at EOF the last line is returned");
	r = cmdfile_next(cf, &line, errbuf, sizeof(errbuf));
	tap_ok(r == CMD_EOF, "cmdfile: then EOF");
	cmdfile_close(cf);
	dup2(saved, 0);
	close(saved);
}

int
main(void)
{
	test_cmdparse();
	test_incomplete();
	test_files();
	test_pipe();
	return tap_done();
}
