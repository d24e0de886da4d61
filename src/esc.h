/*
 * esc.h: arbitrary bytes written as XML 1.0 text or attribute values, or as
 * the inside of a JSON string.
 *
 * Owns nothing: it writes to the stdio stream it is given and keeps no
 * state between calls.  Whatever the bytes, the result is well-formed:
 *
 * - Invalid UTF-8 becomes U+FFFD, one per maximal ill-formed subsequence
 *   (the Unicode standard's recommended practice).
 * - XML: < > & (and " in attributes) become entities, so "]]>" can never
 *   appear; control characters that XML 1.0 forbids (C0 other than TAB, LF
 *   and CR) become their Unicode control pictures U+2400..U+241F, and the
 *   non-characters U+FFFE and U+FFFF become U+FFFD.  CR (and TAB and LF in
 *   attributes) are written as character references, so that a parser's
 *   line-end and attribute normalisation keeps them.
 * - JSON: " and \ are escaped, control characters become \b \f \n \r \t or
 *   \u00XX; everything else valid is passed on as UTF-8.
 */
#ifndef PRUN_ESC_H
#define PRUN_ESC_H

#include <stdio.h>
#include <sys/types.h>

enum esc_kind {
	ESC_XML_TEXT, /* element content */
	ESC_XML_ATTR, /* a double-quoted attribute value */
	ESC_JSON /* the inside of a JSON string */
};

/*
 * Write s[0..len) escaped.  With `more`, an incomplete UTF-8 sequence at
 * the end is left unwritten for the next call (the return value says how
 * many bytes were consumed); without, everything is consumed.
 */
size_t esc_write(FILE *, enum esc_kind, const void *, size_t, int);

/*
 * Write the bytes of fd from offset off on, len of them, escaped; never
 * moves fd's file offset (pread).  With skip_partial, continuation bytes at
 * the very start (a cut in the middle of a character) are dropped.
 * Returns -1 with errno set when reading failed.
 */
int esc_write_fd(FILE *, enum esc_kind, int, off_t, off_t, int);

#endif
