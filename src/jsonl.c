/*
 * The JSON event stream: one line per event, written and flushed as it
 * happens.  Strings hold whatever bytes a command had, escaped by esc.c.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"
#include "evloop.h"
#include "jsonl.h"
#include "proto.h"
#include "xmalloc.h"

struct jsonl {
	FILE *fp;
	int is_stdout;
	const char *tagstring; /* --tag/--tagstring: job_start has a "tag" */
	char host[256];
};

struct jsonl *
jsonl_open(const char *path, const char *tagstring)
{
	struct jsonl *js;
	int fd;

	js = xcalloc(1, sizeof(*js));
	js->tagstring = tagstring;
	if (strcmp(path, "-") == 0) {
		js->fp = stdout;
		js->is_stdout = 1;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd == -1)
			err(PRUN_EXIT_ERROR, "--json %s", path);
		if ((js->fp = fdopen(fd, "w")) == NULL)
			err(PRUN_EXIT_ERROR, "--json %s", path);
	}
	if (gethostname(js->host, sizeof(js->host)) == -1)
		strlcpy(js->host, "localhost", sizeof(js->host));
	js->host[sizeof(js->host) - 1] = '\0';
	return js;
}

void
jsonl_free(struct jsonl *js)
{
	if (js == NULL)
		return;
	if (js->is_stdout)
		fflush(js->fp);
	else
		fclose(js->fp);
	free(js);
}

/* A JSON string of len bytes, whatever they are. */
static void
put_str(FILE *fp, const char *s, size_t len)
{
	putc('"', fp);
	esc_write(fp, ESC_JSON, s, len, 0);
	putc('"', fp);
}

/* Seconds, from nanoseconds, to the microsecond. */
static void
put_secs(FILE *fp, uint64_t ns)
{
	fprintf(fp, "%" PRIu64 ".%06" PRIu64, ns / 1000000000u,
	    ns % 1000000000u / 1000u);
}

/* Open an event line: {"v":1,"event":"NAME","time":NOW */
static void
begin(struct jsonl *js, const char *event)
{
	fprintf(js->fp, "{\"v\":%d,\"event\":\"%s\",\"time\":", JSONL_VERSION,
	    event);
	put_secs(js->fp, ev_realtime());
}

/* Close the line and hand it on now; -1 with errno if it failed. */
static int
end(struct jsonl *js)
{
	fputs("}\n", js->fp);
	if (fflush(js->fp) == EOF || ferror(js->fp)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
jsonl_run_start(struct jsonl *js, const struct report_run *run)
{
	FILE *fp = js->fp;

	begin(js, "run_start");
	fprintf(fp, ",\"version\":\"%s\",\"jobs\":%d,\"workers\":%d",
	    PRUN_VERSION, run->jobs, run->workers);
	if (run->total >= 0)
		fprintf(fp, ",\"total\":%" PRId64, run->total);
	else
		fputs(",\"total\":null", fp);
	fputs(",\"host\":", fp);
	put_str(fp, js->host, strlen(js->host));
	fprintf(fp, ",\"pid\":%d", (int)getpid());
	return end(js);
}

/* The fields every job event starts with. */
static void
job_fields(struct jsonl *js, const struct job *j)
{
	fprintf(js->fp, ",\"seq\":%" PRIu64 ",\"slot\":%d,\"attempt\":%d",
	    j->seq, j->slot, j->attempt);
}

int
jsonl_job_start(struct jsonl *js, const struct job *j)
{
	FILE *fp = js->fp;
	char *tag;
	size_t len;

	begin(js, "job_start");
	job_fields(js, j);
	fprintf(fp, ",\"pid\":%d,\"host\":", (int)j->pid);
	put_str(fp, js->host, strlen(js->host));
	fputs(",\"command\":", fp);
	put_str(fp, j->cmd, j->cmdlen);
	if (js->tagstring != NULL) {
		tag = job_tag(j, js->tagstring, &len);
		fputs(",\"tag\":", fp);
		put_str(fp, tag, len);
		free(tag);
	}
	return end(js);
}

/* One word for how the job ended. */
static const char *
result(const struct job *j)
{
	if (j->aborted)
		return "aborted";
	if (j->lost)
		return "lost";
	if (j->stage != STAGE_RAN)
		return "not_started";
	if (j->timed_out)
		return "timeout";
	if (j->oom)
		return "oom";
	if (job_termsig(j) != 0)
		return "signal";
	return job_failed(j) ? "failed" : "ok";
}

int
jsonl_job_end(struct jsonl *js, const struct job *j, int retrying)
{
	FILE *fp = js->fp;
	const char *name;
	int sig;

	begin(js, "job_end");
	job_fields(js, j);
	fprintf(fp, ",\"result\":\"%s\"", result(j));
	if (j->stage == STAGE_RAN && !j->lost && job_termsig(j) == 0)
		fprintf(fp, ",\"exit\":%d", job_exitval(j));
	else if (j->stage != STAGE_RAN)
		fprintf(fp, ",\"exit\":%d", job_exitval(j));
	else
		fputs(",\"exit\":null", fp);
	sig = j->lost ? SIGKILL : job_termsig(j);
	if (sig != 0) {
		name = sigabbrev_np(sig);
		fprintf(fp, ",\"signal\":%d,\"signal_name\":\"SIG%s\"", sig,
		    name ? name : "?");
	} else
		fputs(",\"signal\":null,\"signal_name\":null", fp);
	fputs(",\"start\":", fp);
	put_secs(fp, j->start_real_ns);
	fputs(",\"runtime\":", fp);
	put_secs(fp, j->runtime_ns);
	fprintf(fp,
	    ",\"out_bytes\":%" PRIu64 ",\"err_bytes\":%" PRIu64 ",\"retry\":%s",
	    j->out_bytes, j->err_bytes, retrying ? "true" : "false");
	return end(js);
}

int
jsonl_job_skip(struct jsonl *js, const struct job *j, const char *why)
{
	FILE *fp = js->fp;

	begin(js, "job_skip");
	fprintf(fp, ",\"seq\":%" PRIu64 ",\"reason\":", j->seq);
	put_str(fp, why, strlen(why));
	fputs(",\"command\":", fp);
	put_str(fp, j->cmd, j->cmdlen);
	return end(js);
}

int
jsonl_run_end(struct jsonl *js, const struct report_end *e)
{
	FILE *fp = js->fp;
	const char *name;

	begin(js, "run_end");
	fprintf(fp,
	    ",\"total\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64
	    ",\"skipped\":%" PRIu64,
	    e->ok + e->failed + e->skipped, e->ok, e->failed, e->skipped);
	fputs(",\"wall\":", fp);
	put_secs(fp, e->wall_ns);
	fprintf(fp, ",\"exit\":%d", e->exit_status);
	if (e->signal != 0) {
		name = sigabbrev_np(e->signal);
		fprintf(fp, ",\"signal\":%d,\"signal_name\":\"SIG%s\"",
		    e->signal, name ? name : "?");
	} else
		fputs(",\"signal\":null,\"signal_name\":null", fp);
	fputs(",\"stopped\":", fp);
	if (e->stopped != NULL)
		put_str(fp, e->stopped, strlen(e->stopped));
	else
		fputs("null", fp);
	return end(js);
}
