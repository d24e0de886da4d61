/*
 * Per-job limits: cgroup v2 where prun may make cgroups, setrlimit(2)
 * otherwise.
 *
 * cgroup v2 lets a cgroup with processes in it hand controllers to its
 * children only when it is the root of the hierarchy.  So prun uses a
 * cgroup of its own only where it is alone in its cgroup (a delegated
 * scope, e.g. `systemd-run --user --scope -p Delegate=yes prun ...`), or
 * in the root.  When alone, it first moves itself into a leaf, prun.PID,
 * so that the cgroup may enable the memory and pids controllers for its
 * children, and moves back at the end.  Job cgroups go in prun-PID/:
 *
 *	CG/				prun's cgroup
 *	CG/prun.PID/			prun and its workers (when not the root)
 *	CG/prun-PID/job<seq>		one per running job
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "limits.h"
#include "xmalloc.h"

struct cgprobe {
	char dir[PATH_MAX]; /* prun's cgroup */
	int found; /* a cgroup v2 hierarchy we are in */
	int writable;
	int is_root;
	int alone;
	int memory, pids; /* controllers offered to us */
	char why[PATH_MAX + 128]; /* why it can't be used, when it can't */
};

struct cgroup_run {
	char dir[PATH_MAX]; /* prun's cgroup */
	char leaf[PATH_MAX + 32]; /* where prun moved itself, or "" */
	char jobs[PATH_MAX + 32]; /* where job cgroups go */
	char enabled[64]; /* controllers prun enabled in dir, "+memory..." */
	int memory, pids;
	char pids1[PATH_MAX + 64]; /* cgroup v1 pids dir for the jobs, or "" */
};

/* Where a cgroup v1 hierarchy with the pids controller is mounted. */
#define PIDS1_MOUNT "/sys/fs/cgroup/pids"

static int
read_text(const char *path, char *buf, size_t size)
{
	return fd_read_file(path, buf, size) == -1 ? -1 : 0;
}

static int
write_text(const char *path, const char *s)
{
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Is word a whole space-separated word of s? */
static int
has_word(const char *s, const char *word)
{
	size_t len = strlen(word);
	const char *p = s;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == s || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
			return 1;
		p += len;
	}
	return 0;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*d++ = *s;
	}
	*d = '\0';
}

/* The first cgroup2 mount: its mount point and its root within the tree. */
static int
cgroup2_mount(char *mnt, size_t mlen, char *root, size_t rlen)
{
	char *line = NULL, *f[5], *sep, *save;
	size_t cap = 0;
	FILE *fp;
	int i, found = 0;

	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (!found && getline(&line, &cap, fp) != -1) {
		if ((sep = strstr(line, " - cgroup2 ")) == NULL)
			continue;
		*sep = '\0';
		f[0] = strtok_r(line, " ", &save);
		for (i = 1; i < 5 && f[i - 1] != NULL; i++)
			f[i] = strtok_r(NULL, " ", &save);
		if (i < 5 || f[4] == NULL)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		if (strlcpy(mnt, f[4], mlen) >= mlen ||
		    strlcpy(root, f[3], rlen) >= rlen)
			continue;
		found = 1;
	}
	free(line);
	fclose(fp);
	return found ? 0 : -1;
}

/* Our cgroup v2 path from /proc/self/cgroup's "0::PATH" line. */
static int
own_cgroup(char *path, size_t len)
{
	char buf[8192], *p, *nl;

	if (read_text("/proc/self/cgroup", buf, sizeof(buf)) == -1)
		return -1;
	for (p = buf; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (strncmp(p, "0::", 3) == 0)
			return strlcpy(path, p + 3, len) < len ? 0 : -1;
	}
	return -1;
}

/* Only read: what cgroup v2 offers prun here. */
static void
cg_probe(struct cgprobe *pr)
{
	char mnt[PATH_MAX], root[PATH_MAX], rel[PATH_MAX], path[PATH_MAX * 2];
	char buf[4096], *p;
	const char *r;
	int n = 0;

	memset(pr, 0, sizeof(*pr));
	if (cgroup2_mount(mnt, sizeof(mnt), root, sizeof(root)) == -1) {
		snprintf(pr->why, sizeof(pr->why), "no cgroup v2 is mounted");
		return;
	}
	if (own_cgroup(rel, sizeof(rel)) == -1) {
		snprintf(pr->why, sizeof(pr->why),
		    "prun is in no cgroup v2 (/proc/self/cgroup)");
		return;
	}
	/* A mount of a subtree shows paths below its root. */
	r = rel;
	if (strcmp(root, "/") != 0 && strncmp(rel, root, strlen(root)) == 0)
		r = rel + strlen(root);
	if ((size_t)snprintf(pr->dir, sizeof(pr->dir), "%s%s",
		strcmp(mnt, "/") == 0 ? "" : mnt,
		strcmp(r, "/") == 0 ? "" : r) >= sizeof(pr->dir)) {
		snprintf(pr->why, sizeof(pr->why), "cgroup path too long");
		return;
	}
	pr->found = 1;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", pr->dir);
	if (read_text(path, buf, sizeof(buf)) == 0) {
		pr->memory = has_word(buf, "memory");
		pr->pids = has_word(buf, "pids");
	}
	snprintf(path, sizeof(path), "%s/cgroup.type", pr->dir);
	pr->is_root = access(path, F_OK) == -1;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", pr->dir);
	pr->writable = access(pr->dir, W_OK) == 0 && access(path, W_OK) == 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", pr->dir);
	if (read_text(path, buf, sizeof(buf)) == 0) {
		for (p = buf; *p != '\0'; p++)
			if (*p == '\n')
				n++;
		pr->alone = n == 1 && strtol(buf, NULL, 10) == (long)getpid();
	}
	if (!pr->writable)
		snprintf(pr->why, sizeof(pr->why),
		    "cgroup %s is not delegated to prun (not writable)",
		    pr->dir);
	else if (!pr->is_root && !pr->alone)
		snprintf(pr->why, sizeof(pr->why),
		    "cgroup %s has other processes than prun (run prun alone "
		    "in a delegated cgroup, e.g. with systemd-run --scope -p "
		    "Delegate=yes)",
		    pr->dir);
	else if (!pr->memory && !pr->pids)
		snprintf(pr->why, sizeof(pr->why),
		    "cgroup %s offers neither the memory nor the pids "
		    "controller",
		    pr->dir);
}

void
limits_describe(char *buf, size_t len)
{
	struct cgprobe pr;
	const char *root;

	cg_probe(&pr);
	/* RLIMIT_NPROC never stops root's forks: say so where it is used. */
	root = "";
	if (pr.why[0] != '\0' || !pr.pids) {
		if (access(PIDS1_MOUNT "/cgroup.procs", W_OK) == 0)
			root =
			    " --limit-procs goes through pids.max of a cgroup "
			    "v1 under " PIDS1_MOUNT ".";
		else if (geteuid() == 0)
			root = " As root, --limit-procs (RLIMIT_NPROC) binds "
			       "nothing.";
	}
	if (pr.why[0] != '\0') {
		snprintf(buf, len,
		    "setrlimit(2) enforces every limit here: %s.%s", pr.why,
		    root);
		return;
	}
	snprintf(buf, len,
	    "a cgroup per job under %s enforces %s%s%s here; "
	    "setrlimit(2) the others.%s",
	    pr.dir, pr.memory ? "--limit-mem (memory.max)" : "",
	    pr.memory && pr.pids ? " and " : "",
	    pr.pids ? "--limit-procs (pids.max)" : "", root);
}

static int
test_any(void)
{
	const char *s = getenv(LIMITS_TEST_CGROUP_ENV);

	return s != NULL && strcmp(s, "1") == 0;
}

/* Move process pid (0: the caller) into cgroup dir. */
static int
cg_join(const char *dir, pid_t pid)
{
	char path[PATH_MAX * 2], num[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(num, sizeof(num), "%d", (int)pid);
	return write_text(path, num);
}

/* Remove the job cgroups left in dir, then dir. */
static void
rm_jobs_dir(const char *dir)
{
	char path[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			rmdir(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void
cg_undo(struct cgroup_run *cg)
{
	char path[PATH_MAX * 2], minus[64], *p;

	if (cg->jobs[0] != '\0')
		rm_jobs_dir(cg->jobs);
	if (cg->enabled[0] != '\0') {
		strlcpy(minus, cg->enabled, sizeof(minus));
		for (p = minus; *p != '\0'; p++)
			if (*p == '+')
				*p = '-';
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control",
		    cg->dir);
		write_text(path, minus);
	}
	if (cg->leaf[0] != '\0') {
		cg_join(cg->dir, getpid());
		rmdir(cg->leaf);
	}
	if (cg->pids1[0] != '\0')
		rm_jobs_dir(cg->pids1);
}

/*
 * Where cgroup v2 has no pids controller but a v1 pids hierarchy is
 * mounted (as on hosts that keep pids on v1), make a cgroup for the jobs
 * beside prun's own there: the one way --limit-procs binds root, whom
 * RLIMIT_NPROC never stops.  0, or -1 when there is none to use.
 */
static int
pids1_setup(struct cgroup_run *cg)
{
	char line[PATH_MAX + 64], rel[PATH_MAX], path[PATH_MAX * 2];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/cgroup.procs", PIDS1_MOUNT);
	if (access(path, W_OK) == -1)
		return -1;
	rel[0] = '\0';
	if ((fp = fopen("/proc/self/cgroup", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *c = strstr(line, ":pids:");

		if (c == NULL)
			continue;
		strlcpy(rel, c + 6, sizeof(rel));
		rel[strcspn(rel, "\n")] = '\0';
		break;
	}
	fclose(fp);
	if (rel[0] != '/')
		return -1;
	snprintf(cg->pids1, sizeof(cg->pids1), "%s%s/prun-%d", PIDS1_MOUNT,
	    strcmp(rel, "/") == 0 ? "" : rel, (int)getpid());
	if (mkdir(cg->pids1, 0755) == -1) {
		cg->pids1[0] = '\0';
		return -1;
	}
	return 0;
}

static struct cgroup_run *
cg2_run_new(const struct prun_opts *o)
{
	struct cgroup_run *cg;
	struct cgprobe pr;
	char path[PATH_MAX * 2], sub[4096], want[64];
	const char *step;

	if (o->no_cgroup || (o->limit_mem == 0 && o->limit_procs == 0))
		return NULL;
	cg_probe(&pr);
	if (!pr.found || !pr.writable || (!pr.is_root && !pr.alone))
		return NULL;
	cg = xcalloc(1, sizeof(*cg));
	cg->memory = o->limit_mem > 0 && pr.memory;
	cg->pids = o->limit_procs > 0 && pr.pids;
	if (!cg->memory && !cg->pids && !test_any()) {
		free(cg);
		return NULL;
	}
	strlcpy(cg->dir, pr.dir, sizeof(cg->dir));
	snprintf(want, sizeof(want), "%s%s%s", cg->memory ? "+memory" : "",
	    cg->memory && cg->pids ? " " : "", cg->pids ? "+pids" : "");

	if (!pr.is_root) {
		step = "making prun's own leaf";
		snprintf(cg->leaf, sizeof(cg->leaf), "%s/prun.%d", cg->dir,
		    (int)getpid());
		if (mkdir(cg->leaf, 0755) == -1) {
			cg->leaf[0] = '\0';
			goto fail;
		}
		step = "moving prun into its leaf";
		if (cg_join(cg->leaf, getpid()) == -1)
			goto fail;
	}
	/* Enable what is not enabled yet, and remember it to undo. */
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg->dir);
	sub[0] = '\0';
	read_text(path, sub, sizeof(sub));
	snprintf(cg->enabled, sizeof(cg->enabled), "%s%s%s",
	    cg->memory && !has_word(sub, "memory") ? "+memory" : "",
	    cg->memory && !has_word(sub, "memory") && cg->pids &&
		    !has_word(sub, "pids") ?
		" " :
		"",
	    cg->pids && !has_word(sub, "pids") ? "+pids" : "");
	step = "enabling controllers";
	if (cg->enabled[0] != '\0' && write_text(path, cg->enabled) == -1) {
		cg->enabled[0] = '\0';
		goto fail;
	}
	step = "making the jobs' cgroup";
	snprintf(cg->jobs, sizeof(cg->jobs), "%s/prun-%d", cg->dir,
	    (int)getpid());
	if (mkdir(cg->jobs, 0755) == -1) {
		cg->jobs[0] = '\0';
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg->jobs);
	step = "enabling controllers for the jobs";
	if (want[0] != '\0' && write_text(path, want) == -1)
		goto fail;
	return cg;
fail:
	warn("cgroup %s: %s (limits go through setrlimit)", cg->dir, step);
	cg_undo(cg);
	free(cg);
	return NULL;
}

struct cgroup_run *
cgroup_run_new(const struct prun_opts *o)
{
	struct cgroup_run *cg;

	cg = cg2_run_new(o);
	if (o->no_cgroup || o->limit_procs == 0 || (cg != NULL && cg->pids))
		return cg;
	if (cg == NULL) {
		cg = xcalloc(1, sizeof(*cg));
		if (pids1_setup(cg) == -1) {
			free(cg);
			return NULL;
		}
	} else
		pids1_setup(cg);
	return cg;
}

void
cgroup_run_env(const struct cgroup_run *cg, struct limits_env *env)
{
	memset(env, 0, sizeof(*env));
	if (cg == NULL)
		return;
	env->cgdir = cg->jobs[0] != '\0' ? cg->jobs : NULL;
	env->cg_memory = cg->memory;
	env->cg_pids = cg->pids;
	env->pids1dir = cg->pids1[0] != '\0' ? cg->pids1 : NULL;
}

void
cgroup_run_free(struct cgroup_run *cg)
{
	if (cg == NULL)
		return;
	cg_undo(cg);
	free(cg);
}

static void
add_rl(struct job_limits *lim, int res, uint64_t soft, uint64_t hard)
{
	lim->rl_res[lim->nrl] = res;
	lim->rl[lim->nrl].rlim_cur = (rlim_t)soft;
	lim->rl[lim->nrl].rlim_max = (rlim_t)hard;
	lim->nrl++;
}

static int
cg_set(const char *dir, const char *file, uint64_t v, int optional)
{
	char path[PATH_MAX * 2], num[32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(num, sizeof(num), "%" PRIu64, v);
	if (write_text(path, num) == -1)
		return optional && errno == ENOENT ? 0 : -1;
	return 0;
}

/* Job seq's cgroup in the v1 pids hierarchy, with pids.max set. */
static int
pids1_prepare(const struct limits_env *env, const struct msg_job *m,
    struct job_limits *lim)
{
	char path[PATH_MAX * 2];

	snprintf(lim->cg1path, sizeof(lim->cg1path), "%s/job%" PRIu64 ".%d",
	    env->pids1dir, m->seq, (int)getpid());
	if (mkdir(lim->cg1path, 0755) == -1 && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/cgroup.procs", lim->cg1path);
	if (cg_set(lim->cg1path, "pids.max", m->lim_procs, 0) == -1 ||
	    (lim->cg1_procs_fd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		rmdir(lim->cg1path);
		goto fail;
	}
	return 0;
fail:
	lim->cg1path[0] = '\0';
	return -1;
}

int
limits_prepare(const struct limits_env *env, const struct msg_job *m,
    struct job_limits *lim)
{
	char path[PATH_MAX * 2];
	int use_mem, use_pids, e;

	memset(lim, 0, sizeof(*lim));
	lim->cg_procs_fd = -1;
	lim->cg1_procs_fd = -1;
	if (m->flags & JOB_F_NICE) {
		lim->nice_set = 1;
		lim->nice = m->nice;
	}
	use_mem = env->cgdir != NULL && env->cg_memory && m->lim_mem > 0;
	use_pids = env->cgdir != NULL && env->cg_pids && m->lim_procs > 0;
	if (m->lim_mem > 0 && !use_mem)
		add_rl(lim, RLIMIT_AS, m->lim_mem, m->lim_mem);
	if (m->lim_cpu > 0)
		add_rl(lim, RLIMIT_CPU, m->lim_cpu, m->lim_cpu + 1);
	if (m->lim_procs > 0 && !use_pids &&
	    (env->pids1dir == NULL || pids1_prepare(env, m, lim) == -1))
		add_rl(lim, RLIMIT_NPROC, m->lim_procs, m->lim_procs);
	if (m->lim_files > 0)
		add_rl(lim, RLIMIT_NOFILE, m->lim_files, m->lim_files);
	if (env->cgdir == NULL || (m->lim_mem == 0 && m->lim_procs == 0))
		return 0;

	snprintf(lim->cgpath, sizeof(lim->cgpath), "%s/job%" PRIu64, env->cgdir,
	    m->seq);
	if (mkdir(lim->cgpath, 0755) == -1) {
		if (errno != EEXIST)
			goto fail;
		/* A cgroup of an earlier try that could not be removed. */
		snprintf(lim->cgpath, sizeof(lim->cgpath),
		    "%s/job%" PRIu64 ".%d.%ld", env->cgdir, m->seq,
		    (int)getpid(), (long)time(NULL));
		if (mkdir(lim->cgpath, 0755) == -1)
			goto fail;
	}
	if (use_mem) {
		lim->cg_memory = 1;
		if (cg_set(lim->cgpath, "memory.max", m->lim_mem, 0) == -1 ||
		    cg_set(lim->cgpath, "memory.swap.max", 0, 1) == -1)
			goto fail_rm;
	}
	if (use_pids && cg_set(lim->cgpath, "pids.max", m->lim_procs, 0) == -1)
		goto fail_rm;
	snprintf(path, sizeof(path), "%s/cgroup.procs", lim->cgpath);
	if ((lim->cg_procs_fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		goto fail_rm;
	return 0;
fail_rm:
	e = errno;
	rmdir(lim->cgpath);
	errno = e;
fail:
	lim->cgpath[0] = '\0';
	return -1;
}

/* "oom_kill N" in the cgroup's memory.events. */
static int
oom_killed(const char *dir)
{
	char path[PATH_MAX * 2], buf[1024], *p;

	snprintf(path, sizeof(path), "%s/memory.events", dir);
	if (read_text(path, buf, sizeof(buf)) == -1)
		return 0;
	for (p = buf; (p = strstr(p, "oom_kill ")) != NULL; p++)
		if (p == buf || p[-1] == '\n')
			return strtoull(p + 9, NULL, 10) > 0;
	return 0;
}

uint32_t
limits_finish(struct job_limits *lim)
{
	struct timespec ts = { 0, 1000000 };
	char path[PATH_MAX * 2];
	uint32_t flags = 0;
	int i;

	if (lim->cg_procs_fd != -1) {
		close(lim->cg_procs_fd);
		lim->cg_procs_fd = -1;
	}
	if (lim->cg1_procs_fd != -1) {
		close(lim->cg1_procs_fd);
		lim->cg1_procs_fd = -1;
	}
	/* The job and all it left are reaped: its v1 cgroup empties soon. */
	for (i = 0; lim->cg1path[0] != '\0' && i < 200 &&
	     rmdir(lim->cg1path) == -1 && errno == EBUSY;
	     i++)
		nanosleep(&ts, NULL);
	lim->cg1path[0] = '\0';
	if (lim->cgpath[0] == '\0')
		return 0;
	if (lim->cg_memory && oom_killed(lim->cgpath))
		flags |= DONE_F_OOM;
	/* Whatever is still in it goes; rmdir waits for the last exit. */
	snprintf(path, sizeof(path), "%s/cgroup.kill", lim->cgpath);
	for (i = 0; i < 200 && rmdir(lim->cgpath) == -1 && errno == EBUSY;
	     i++) {
		if (i == 0)
			write_text(path, "1");
		nanosleep(&ts, NULL);
	}
	lim->cgpath[0] = '\0';
	return flags;
}
