/*
 * The JUnit XML report: one <testsuite> for the run, one <testcase> per
 * job, in the dialect Jenkins (xunit's junit-10.xsd), GitLab and the
 * common readers take.  A job that failed has a <failure> (it ran and
 * failed: exit status, signal, timeout) or an <error> (it could not be
 * started, or its worker died); a job the run did not get to has a
 * <skipped>.  Output goes in <system-out>/<system-err>, its last
 * JUNIT_OUTPUT_MAX bytes, with a note when the start was cut.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "esc.h"
#include "fd.h"
#include "junit.h"
#include "proto.h"
#include "xmalloc.h"

#define NAME_MAX_BYTES 4096 /* of a command, as a testcase name */

struct junit {
	char *path;
	char *tmppath;
	int tmpfd; /* FILE.tmp, the document being made */
	int direct; /* FILE is no regular file: written in place at the end */
	int bodyfd; /* spool of <testcase> elements */
	FILE *body;
	char *suite; /* the suite's name, also each testcase's classname */
	const char *tagstring; /* names the testcases, if given */
	char host[256];
	int jobs;
	uint64_t start_real_ns;
	uint64_t tests, failures, errors, skipped;
};

/* The suite is named after the command files, or "prun" for stdin. */
static char *
suite_name(const struct prun_opts *o)
{
	char *s = NULL, *t;
	int i;

	for (i = 0; i < o->nfiles; i++) {
		if (strcmp(o->files[i], "-") == 0)
			continue;
		if (s == NULL)
			s = xstrdup(o->files[i]);
		else {
			xasprintf(&t, "%s %s", s, o->files[i]);
			free(s);
			s = t;
		}
	}
	return s != NULL ? s : xstrdup("prun");
}

struct junit *
junit_open(const char *path, const struct prun_opts *o)
{
	struct junit *ju;
	struct stat st;
	char *real;

	if (*path == '\0')
		errx(PRUN_EXIT_ERROR, "--junit '': empty file name");
	if (strcmp(path, "-") == 0)
		errx(PRUN_EXIT_ERROR,
		    "--junit -: give a file name (the report is written when "
		    "the run ends)");
	ju = xcalloc(1, sizeof(*ju));
	ju->tmpfd = -1;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		errx(PRUN_EXIT_ERROR, "--junit %s: Is a directory", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/*
		 * /dev/null, a FIFO...: never replaced by a rename, written
		 * in place when the run ends.
		 */
		if (access(path, W_OK) == -1)
			err(PRUN_EXIT_ERROR, "--junit %s", path);
		ju->direct = 1;
		ju->path = xstrdup(path);
	} else {
		/* A symlink's target is replaced, not the symlink. */
		if ((real = realpath(path, NULL)) != NULL)
			ju->path = real;
		else
			ju->path = xstrdup(path);
		xasprintf(&ju->tmppath, "%s.tmp", ju->path);
		ju->tmpfd = open(ju->tmppath,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (ju->tmpfd == -1)
			err(PRUN_EXIT_ERROR, "--junit %s", ju->tmppath);
	}
	if ((ju->bodyfd = fd_spool_open(o->tmpdir)) == -1 ||
	    (ju->body = fdopen(ju->bodyfd, "w")) == NULL) {
		if (ju->tmppath != NULL)
			unlink(ju->tmppath);
		err(PRUN_EXIT_ERROR, "--junit %s: spool file in %s", path,
		    o->tmpdir);
	}
	ju->suite = suite_name(o);
	ju->tagstring = o->tagstring;
	if (gethostname(ju->host, sizeof(ju->host)) == -1)
		strlcpy(ju->host, "localhost", sizeof(ju->host));
	ju->host[sizeof(ju->host) - 1] = '\0';
	return ju;
}

void
junit_free(struct junit *ju)
{
	if (ju == NULL)
		return;
	if (ju->body != NULL)
		fclose(ju->body);
	if (ju->tmpfd != -1) {
		close(ju->tmpfd);
		unlink(ju->tmppath); /* not finished: leave no half report */
	}
	free(ju->path);
	free(ju->tmppath);
	free(ju->suite);
	free(ju);
}

void
junit_run_start(struct junit *ju, const struct report_run *run)
{
	ju->jobs = run->jobs;
	ju->start_real_ns = run->start_real_ns;
}

static void
put_attr(FILE *fp, const char *name, const char *s, size_t len)
{
	fprintf(fp, " %s=\"", name);
	esc_write(fp, ESC_XML_ATTR, s, len, 0);
	putc('"', fp);
}

static void
put_secs(FILE *fp, const char *name, uint64_t ns)
{
	fprintf(fp, " %s=\"%" PRIu64 ".%03" PRIu64 "\"", name, ns / 1000000000u,
	    ns % 1000000000u / 1000000u);
}

/* <testcase name=... classname=... time=...> */
static void
testcase_open(struct junit *ju, const struct job *j, uint64_t ns)
{
	char *name;
	size_t len;

	name = job_title(j, ju->tagstring, &len);
	fputs("    <testcase", ju->body);
	if (len > NAME_MAX_BYTES) {
		/* Cut on a character boundary, and say so. */
		len = NAME_MAX_BYTES;
		while (len > 0 && ((unsigned char)name[len] & 0xc0) == 0x80)
			len--;
		fputs(" name=\"", ju->body);
		esc_write(ju->body, ESC_XML_ATTR, name, len, 0);
		fputs("...\"", ju->body);
	} else
		put_attr(ju->body, "name", name, len);
	free(name);
	put_attr(ju->body, "classname", ju->suite, strlen(ju->suite));
	put_secs(ju->body, "time", ns);
	fputs(">\n", ju->body);
}

/*
 * The tail of a spool, escaped: its last JUNIT_OUTPUT_MAX bytes, after a
 * note saying how much was left out when that is not all of it.
 */
static int
put_tail(FILE *fp, int fd, uint64_t len)
{
	uint64_t from = 0;

	if (len > JUNIT_OUTPUT_MAX) {
		from = len - JUNIT_OUTPUT_MAX;
		fprintf(fp,
		    "[prun: output cut: the first %" PRIu64 " of %" PRIu64
		    " bytes are not shown]\n",
		    from, len);
	}
	return esc_write_fd(fp, ESC_XML_TEXT, fd, (off_t)from,
	    (off_t)(len - from), from > 0);
}

static int
put_output(FILE *fp, const char *elem, int fd, uint64_t len)
{
	if (fd == -1 || len == 0)
		return 0;
	fprintf(fp, "      <%s>", elem);
	if (put_tail(fp, fd, len) == -1)
		return -1;
	fprintf(fp, "</%s>\n", elem);
	return 0;
}

/* The <failure> or <error> of a job that failed. */
static int
put_failure(struct junit *ju, const struct job *j)
{
	const char *elem = "failure", *type;
	char msg[256];

	job_describe(j, msg, sizeof(msg));
	if (j->lost) {
		elem = "error";
		type = "lost";
		ju->errors++;
	} else if (j->stage != STAGE_RAN) {
		elem = "error";
		type = "not-started";
		ju->errors++;
	} else {
		type = j->oom           ? "oom" :
		    j->timed_out        ? "timeout" :
		    job_termsig(j) != 0 ? "signal" :
					  "exit";
		ju->failures++;
	}
	fprintf(ju->body, "      <%s", elem);
	put_attr(ju->body, "message", msg, strlen(msg));
	fprintf(ju->body, " type=\"%s\">", type);
	if (j->errfd != -1 && j->err_bytes > 0) {
		if (put_tail(ju->body, j->errfd, j->err_bytes) == -1)
			return -1;
	} else
		esc_write(ju->body, ESC_XML_TEXT, msg, strlen(msg), 0);
	fprintf(ju->body, "</%s>\n", elem);
	return 0;
}

/* -1 with errno if the spool can't be written. */
static int
body_ok(struct junit *ju)
{
	if (ferror(ju->body)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* <skipped message="..."/> */
static void
put_skipped(struct junit *ju, const char *msg)
{
	ju->skipped++;
	fputs("      <skipped", ju->body);
	put_attr(ju->body, "message", msg, strlen(msg));
	fputs("/>\n", ju->body);
}

/*
 * A job that ran: passed, failed, or cut short by --halt now (skipped,
 * as it is left out of the joblog: it did not run to its end).
 */
int
junit_job_end(struct junit *ju, const struct job *j)
{
	char how[128], msg[160];

	ju->tests++;
	testcase_open(ju, j, j->runtime_ns);
	if (j->aborted) {
		job_describe(j, how, sizeof(how));
		snprintf(msg, sizeof(msg), "stopped: %s", how);
		put_skipped(ju, msg);
	} else if (job_failed(j) && put_failure(ju, j) == -1)
		return -1;
	if (put_output(ju->body, "system-out", j->outfd, j->out_bytes) == -1 ||
	    put_output(ju->body, "system-err", j->errfd, j->err_bytes) == -1)
		return -1;
	fputs("    </testcase>\n", ju->body);
	return body_ok(ju);
}

/* A job the run did not get to. */
int
junit_job_skip(struct junit *ju, const struct job *j, const char *why)
{
	char msg[256];

	ju->tests++;
	testcase_open(ju, j, 0);
	snprintf(msg, sizeof(msg), "not run: %s", why);
	put_skipped(ju, msg);
	fputs("    </testcase>\n", ju->body);
	return body_ok(ju);
}

static void
put_property(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, "      <property name=\"%s\"", name);
	put_attr(fp, "value", value, strlen(value));
	fputs("/>\n", fp);
}

/* Everything before the testcases: the counts are known only now. */
static void
put_header(struct junit *ju, FILE *fp, const struct report_end *e)
{
	char stamp[64], buf[64];
	time_t t = (time_t)(ju->start_real_ns / 1000000000u);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
	fputs("<testsuites", fp);
	put_attr(fp, "name", ju->suite, strlen(ju->suite));
	fprintf(fp,
	    " tests=\"%" PRIu64 "\" failures=\"%" PRIu64 "\" errors=\"%" PRIu64
	    "\"",
	    ju->tests, ju->failures, ju->errors);
	put_secs(fp, "time", e->wall_ns);
	fputs(">\n  <testsuite", fp);
	put_attr(fp, "name", ju->suite, strlen(ju->suite));
	fprintf(fp,
	    " tests=\"%" PRIu64 "\" failures=\"%" PRIu64 "\" errors=\"%" PRIu64
	    "\" skipped=\"%" PRIu64 "\"",
	    ju->tests, ju->failures, ju->errors, ju->skipped);
	put_secs(fp, "time", e->wall_ns);
	fprintf(fp, " timestamp=\"%s\"", stamp);
	put_attr(fp, "hostname", ju->host, strlen(ju->host));
	fputs(">\n    <properties>\n", fp);
	put_property(fp, "prun.version", PRUN_VERSION);
	snprintf(buf, sizeof(buf), "%d", ju->jobs);
	put_property(fp, "prun.jobs", buf);
	snprintf(buf, sizeof(buf), "%d", e->exit_status);
	put_property(fp, "prun.exit", buf);
	if (e->stopped != NULL)
		put_property(fp, "prun.stopped", e->stopped);
	fputs("    </properties>\n", fp);
}

int
junit_finish(struct junit *ju, const struct report_end *e)
{
	struct stat st;
	FILE *fp;
	int fd;

	if (fflush(ju->body) == EOF || body_ok(ju) == -1)
		return -1;
	if (fstat(ju->bodyfd, &st) == -1)
		return -1;
	if (ju->direct)
		fd = open(ju->path, O_WRONLY | O_CLOEXEC);
	else
		fd = dup(ju->tmpfd);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	put_header(ju, fp, e);
	if (fflush(fp) == EOF ||
	    fd_copy_all(ju->bodyfd, fd, st.st_size) == -1) {
		fclose(fp);
		return -1;
	}
	fputs("  </testsuite>\n</testsuites>\n", fp);
	if (fclose(fp) == EOF)
		return -1;
	if (ju->direct)
		return 0;
	if (close(ju->tmpfd) == -1) {
		ju->tmpfd = -1;
		unlink(ju->tmppath);
		return -1;
	}
	ju->tmpfd = -1;
	if (rename(ju->tmppath, ju->path) == -1) {
		unlink(ju->tmppath);
		return -1;
	}
	return 0;
}
