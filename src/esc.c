/*
 * Escaping for the reports: bytes of unknown encoding made into valid XML
 * 1.0 character data or JSON string contents.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

/*
 * Decode one UTF-8 sequence at p (n > 0 bytes available).  Returns its
 * length (> 0) with *cp set; 0 when p holds the valid start of a sequence
 * that n cuts short; or minus the length of the maximal ill-formed
 * subsequence found there.
 */
static int
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned int c = p[0], lo = 0x80, hi = 0xbf;
	uint32_t v;
	int need, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)
		return -1;
	if (c < 0xe0) {
		need = 1;
		v = c & 0x1f;
	} else if (c < 0xf0) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c < 0xf5) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= n)
			return 0;
		if (p[i] < lo || p[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
		v = v << 6 | (p[i] & 0x3f);
	}
	*cp = v;
	return need + 1;
}

/* Write a control picture (U+2400 + c) for the C0 control c. */
static void
put_picture(FILE *fp, unsigned int c)
{
	uint32_t u = 0x2400 + c;

	putc((int)(0xe0 | u >> 12), fp);
	putc((int)(0x80 | (u >> 6 & 0x3f)), fp);
	putc((int)(0x80 | (u & 0x3f)), fp);
}

/* Escape one code point that needs it; 0 if it can be written as is. */
static int
put_special(FILE *fp, enum esc_kind kind, uint32_t c)
{
	static const char hex[] = "0123456789abcdef";

	if (kind == ESC_JSON) {
		switch (c) {
		case '"':
			fputs("\\\"", fp);
			return 1;
		case '\\':
			fputs("\\\\", fp);
			return 1;
		case '\b':
			fputs("\\b", fp);
			return 1;
		case '\f':
			fputs("\\f", fp);
			return 1;
		case '\n':
			fputs("\\n", fp);
			return 1;
		case '\r':
			fputs("\\r", fp);
			return 1;
		case '\t':
			fputs("\\t", fp);
			return 1;
		default:
			if (c >= 0x20)
				return 0;
			fputs("\\u00", fp);
			putc(hex[c >> 4], fp);
			putc(hex[c & 0xf], fp);
			return 1;
		}
	}
	switch (c) {
	case '<':
		fputs("&lt;", fp);
		return 1;
	case '>':
		fputs("&gt;", fp);
		return 1;
	case '&':
		fputs("&amp;", fp);
		return 1;
	case '"':
		if (kind != ESC_XML_ATTR)
			return 0;
		fputs("&quot;", fp);
		return 1;
	case '\r':
		fputs("&#13;", fp);
		return 1;
	case '\n':
	case '\t':
		if (kind != ESC_XML_ATTR)
			return 0;
		fputs(c == '\n' ? "&#10;" : "&#9;", fp);
		return 1;
	case 0xfffe:
	case 0xffff:
		fputs(REPLACEMENT, fp);
		return 1;
	default:
		if (c >= 0x20)
			return 0;
		put_picture(fp, c);
		return 1;
	}
}

size_t
esc_write(FILE *fp, enum esc_kind kind, const void *buf, size_t len, int more)
{
	const unsigned char *s = buf, *run = s;
	size_t i = 0;
	uint32_t c = 0;
	int n;

	while (i < len) {
		/* The common case: printable ASCII with no meaning. */
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '<' && s[i] != '>' &&
		    s[i] != '&' && s[i] != '"' && s[i] != '\\') {
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &c);
		if (n == 0 && more)
			break;
		if (n == 0)
			n = -(int)(len - i);
		if (n > 0 && c >= 0x80 && c != 0xfffe && c != 0xffff) {
			i += (size_t)n;
			continue;
		}
		fwrite(run, 1, (size_t)(s + i - run), fp);
		if (n < 0) {
			if (kind == ESC_JSON)
				fputs("\\ufffd", fp);
			else
				fputs(REPLACEMENT, fp);
			i += (size_t)-n;
		} else {
			if (!put_special(fp, kind, c))
				fwrite(s + i, 1, (size_t)n, fp);
			i += (size_t)n;
		}
		run = s + i;
	}
	fwrite(run, 1, (size_t)(s + i - run), fp);
	return i;
}

int
esc_write_fd(FILE *fp, enum esc_kind kind, int fd, off_t off, off_t len,
    int skip_partial)
{
	unsigned char buf[65536];
	size_t have = 0, used, want;
	ssize_t n;
	int eof = 0;

	while (len > 0 || have > 0) {
		want = sizeof(buf) - have;
		if ((off_t)want > len)
			want = (size_t)len;
		n = 0;
		if (want > 0 && !eof) {
			n = pread(fd, buf + have, want, off);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (n == 0)
				eof = 1; /* the file shrank */
		}
		off += n;
		len -= n;
		have += (size_t)n;
		if (eof)
			len = 0;
		used = 0;
		if (skip_partial) {
			while (used < have && used < 3 &&
			    (buf[used] & 0xc0) == 0x80)
				used++;
			if (used < have || len == 0)
				skip_partial = 0;
		}
		used += esc_write(fp, kind, buf + used, have - used, len > 0);
		have -= used;
		if (have > 0)
			memmove(buf, buf + used, have);
	}
	return 0;
}
