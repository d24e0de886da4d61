/*
 * proto.h: the supervisor <-> worker wire protocol.
 *
 * Owns the frame format, the message types, PROTO_VERSION and the pure
 * encoders and decoders.  Nothing here does I/O: bytes in, structs out, so
 * the decoder can be unit-tested and fuzzed on its own.
 *
 * A frame is an 8-byte header followed by `len` payload bytes:
 *
 *	u16 type | u16 flags | u32 len | payload[len]
 *
 * All integers are little-endian whatever the host, so the protocol runs
 * over any byte stream (a socketpair today, `ssh host prun --worker`
 * later).  A frame longer than PRUN_MAX_FRAME, of an unknown type, or
 * whose payload is not exactly the size its type demands is rejected.
 *
 * Messages (w = worker, s = supervisor):
 *
 *	HELLO    w->s  u32 version, u32 pid, u32 slot
 *	JOB      s->w  u64 seq, u32 slot, u32 outmode, u32 attempt,
 *	               u32 flags, i32 nice,
 *	               u64 lim_mem, u64 lim_cpu, u64 lim_procs, u64 lim_files,
 *	               u32 shell_len, shell[shell_len], command[rest]
 *
 *	STARTED  w->s  u64 seq, u32 pid, u64 start_real_ns
 *	DONE     w->s  u64 seq, i32 wstatus, i32 spawn_errno,
 *	               u64 start_real_ns, u64 runtime_ns,
 *	               u64 out_bytes, u64 err_bytes, u32 fdmask, u32 stage,
 *	               u32 dflags
 *
 * In JOB, outmode is an enum prun_outmode.  Its flags: JOB_DIRECT says
 * the worker may exec a command that has no shell syntax directly,
 * without the shell (direct.h); JOB_F_NICE that the job runs at niceness
 * `nice` (absolute, -20..19); JOB_F_LAST that no job will follow, so
 * the worker exits once it has sent DONE, unasked.  The lim_* fields are
 * the job's resource limits, 0 for none: memory in bytes, CPU time in
 * seconds, processes and open files in number.  The worker applies them
 * its own way (a cgroup of the job's own where it has one, else setrlimit
 * in the child before exec), so a frame means the same whatever the
 * worker's machine offers.
 *
 * In DONE, dflags bit 0 (DONE_F_OOM) says the kernel's OOM killer killed
 * a process of the job in its memory-limited cgroup; bit 1
 * (DONE_F_SPOOL_FULL) that the spools' file system had no free block left
 * when the job ended, so a write of the job may have failed and its
 * output may be incomplete.
 * In DONE, stage is 0 when the job ran (wstatus is its wait status), or
 * says where starting it failed with spawn_errno: 1 creating a spool file,
 * 2 creating a pipe, 3 forking, 4 executing the shell, 5 applying its
 * limits (its cgroup, niceness or rlimits).
 *	OUTPUT   w->s  u64 seq, u32 stream (1 or 2), data[rest]
 *	KILL     s->w  u64 seq, u32 signal
 *	SHUTDOWN s->w  (empty)
 *
 * On a Unix-domain socket a DONE frame may carry the job's spooled stdout
 * and stderr as passed file descriptors (SCM_RIGHTS on the frame's first
 * byte); fdmask bit 0 says stdout's is attached, bit 1 stderr's.  Over a
 * plain byte stream fdmask is 0 and the output arrives in OUTPUT frames
 * before DONE.  STARTED may likewise carry the read end of a pipe for
 * --line-buffer (fdmask in the header's flags).
 *
 * Bump PROTO_VERSION whenever any of this changes.
 */
#ifndef PRUN_PROTO_H
#define PRUN_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 5
#define PROTO_HDR_LEN 8

enum proto_type {
	MSG_HELLO = 1,
	MSG_JOB,
	MSG_STARTED,
	MSG_DONE,
	MSG_OUTPUT,
	MSG_KILL,
	MSG_SHUTDOWN,
	MSG_MAX
};

/* JOB's flags. */
#define JOB_DIRECT 0x1 /* exec a command without shell syntax directly */
#define JOB_F_NICE 0x2 /* run at msg_job.nice */
#define JOB_F_LAST 0x4 /* exit after this job's DONE */

#define PROTO_FD_OUT 0x1
#define PROTO_FD_ERR 0x2

#define DONE_F_OOM 0x1 /* DONE: the OOM killer killed part of the job */
#define DONE_F_SPOOL_FULL 0x2 /* DONE: its output may be incomplete */

struct proto_hdr {
	uint16_t type;
	uint16_t flags;
	uint32_t len;
};

struct msg_hello {
	uint32_t version;
	uint32_t pid;
	uint32_t slot;
};

struct msg_job {
	uint64_t seq;
	uint32_t slot;
	uint32_t outmode; /* enum prun_outmode */
	uint32_t attempt;
	uint32_t flags; /* JOB_DIRECT, JOB_F_NICE, JOB_F_LAST */
	int32_t nice;
	uint64_t lim_mem; /* bytes; 0: no limit */
	uint64_t lim_cpu; /* seconds */
	uint64_t lim_procs; /* processes */
	uint64_t lim_files; /* open files */
	const char *shell; /* points into the frame; not NUL-terminated */
	uint32_t shell_len;
	const char *cmd; /* likewise */
	uint32_t cmd_len;
};

struct msg_started {
	uint64_t seq;
	uint32_t pid;
	uint64_t start_real_ns;
};

struct msg_done {
	uint64_t seq;
	int32_t wstatus;
	int32_t spawn_errno;
	uint64_t start_real_ns;
	uint64_t runtime_ns;
	uint64_t out_bytes;
	uint64_t err_bytes;
	uint32_t fdmask;
	uint32_t stage;
	uint32_t dflags; /* DONE_F_* */
};

enum done_stage {
	STAGE_RAN,
	STAGE_SPOOL,
	STAGE_PIPE,
	STAGE_FORK,
	STAGE_EXEC,
	STAGE_LIMIT,
	STAGE_MAX
};

struct msg_output {
	uint64_t seq;
	uint32_t stream;
	const unsigned char *data;
	uint32_t len;
};

struct msg_kill {
	uint64_t seq;
	uint32_t signal;
};

/* A growable byte buffer for frames read or yet to be written. */
struct framebuf {
	unsigned char *buf;
	size_t size;
	size_t rpos; /* first unconsumed byte */
	size_t wpos; /* end of valid data */
};

void fb_init(struct framebuf *);
void fb_free(struct framebuf *);
unsigned char *fb_reserve(struct framebuf *, size_t);
void fb_commit(struct framebuf *, size_t);
size_t fb_len(const struct framebuf *);
void fb_consume(struct framebuf *, size_t);

/*
 * Find the next whole frame in [p, p+len).  Returns 1 and fills *hdr and
 * *payload when one is there, 0 when more bytes are needed, and -1 with
 * *errstr set when the bytes can never become a valid frame.
 */
int proto_frame(const unsigned char *, size_t, struct proto_hdr *,
    const unsigned char **, const char **);

/* Decoders: 0 on success, -1 with *errstr set on a malformed payload. */
int proto_dec_hello(const unsigned char *, size_t, struct msg_hello *,
    const char **);
int proto_dec_job(const unsigned char *, size_t, struct msg_job *,
    const char **);
int proto_dec_started(const unsigned char *, size_t, struct msg_started *,
    const char **);
int proto_dec_done(const unsigned char *, size_t, struct msg_done *,
    const char **);
int proto_dec_output(const unsigned char *, size_t, struct msg_output *,
    const char **);
int proto_dec_kill(const unsigned char *, size_t, struct msg_kill *,
    const char **);

/* Encoders append one whole frame to the buffer. */
void proto_enc_hello(struct framebuf *, const struct msg_hello *);
void proto_enc_job(struct framebuf *, const struct msg_job *);
void proto_enc_started(struct framebuf *, const struct msg_started *, uint16_t);
void proto_enc_done(struct framebuf *, const struct msg_done *);
void proto_enc_output(struct framebuf *, const struct msg_output *);
void proto_enc_kill(struct framebuf *, const struct msg_kill *);
void proto_enc_shutdown(struct framebuf *);

#endif
