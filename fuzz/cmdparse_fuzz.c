/*
 * libFuzzer harness for cmdparse(), the command-file parser.
 *
 * The input's first byte picks a read size; the rest is a command file.
 * It is parsed twice, whole and in pieces of that size the way
 * cmdfile_next() feeds it, and the two must give the same commands and
 * errors.  Each command must be non-empty, free of NUL and newline bytes,
 * and every call must consume no more than it was given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdfile.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse all of [data, data+len) fed chunk bytes at a time; the results. */
static void
parse(const uint8_t *data, size_t len, size_t chunk, struct framebuf *res)
{
	struct framebuf in, out;
	struct cmdparse_res r;
	size_t fed = 0, n, avail;
	int eof = 0, rc;
	char *copy;

	fb_init(&in);
	fb_init(&out);
	for (;;) {
		out.rpos = out.wpos = 0;
		/* An exact copy, so reading past the end is caught. */
		avail = fb_len(&in);
		copy = malloc(avail ? avail : 1);
		if (copy == NULL)
			abort();
		if (avail > 0)
			memcpy(copy, in.buf + in.rpos, avail);
		rc = cmdparse(copy, avail, eof, &out, &r);
		free(copy);
		if (r.consumed > avail)
			abort();
		fb_consume(&in, r.consumed);
		if (rc == 1) {
			if (fb_len(&out) == 0 ||
			    memchr(out.buf + out.rpos, '\n', fb_len(&out)) ||
			    memchr(out.buf + out.rpos, '\0', fb_len(&out)))
				abort();
			memcpy(fb_reserve(res, fb_len(&out) + 1),
			    out.buf + out.rpos, fb_len(&out));
			res->buf[res->wpos + fb_len(&out)] = '\0';
			fb_commit(res, fb_len(&out) + 1);
			continue;
		}
		if (rc == -1) {
			if (r.errstr == NULL || r.consumed == 0)
				abort();
			memcpy(fb_reserve(res, 2), "!", 2);
			fb_commit(res, 2);
			continue;
		}
		if (rc != 0)
			abort();
		if (eof)
			break;
		if (fed == len) {
			eof = 1;
			continue;
		}
		n = len - fed < chunk ? len - fed : chunk;
		memcpy(fb_reserve(&in, n), data + fed, n);
		fb_commit(&in, n);
		fed += n;
	}
	if (fb_len(&in) != 0)
		abort(); /* bytes left unparsed at eof */
	fb_free(&in);
	fb_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct framebuf whole, pieces;
	size_t chunk;

	if (len < 1)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	data++;
	len--;
	fb_init(&whole);
	fb_init(&pieces);
	parse(data, len, len + 1, &whole);
	parse(data, len, chunk, &pieces);
	if (fb_len(&whole) != fb_len(&pieces) ||
	    (fb_len(&whole) > 0 &&
		memcmp(whole.buf, pieces.buf, fb_len(&whole)) != 0))
		abort();
	fb_free(&whole);
	fb_free(&pieces);
	return 0;
}
