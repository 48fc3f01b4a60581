/*
 * text.c - the bytes a suite file may hold, and \xNN for the ones a message
 * must not echo raw (see text.h). Printable means: a byte from ' ' to '~', or
 * a well-formed UTF-8 sequence (no overlong form, no surrogate, nothing past
 * U+10FFFF) that does not encode a C1 control (U+0080..U+009F, which some
 * terminals obey as they obey ESC).
 */
#include "harness/suite/text.h"

#include <stdio.h>

/* The length of the printable character at s (n bytes left), or 0. */
static size_t printable(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */

	if (c >= 0x20 && c < 0x7f)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		lo = c == 0xc2 ? 0xa0 : 0x80; /* C2 80..C2 9F: U+0080..U+009F, C1 */
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80; /* E0 80..E0 9F: overlong */
		hi = c == 0xed ? 0x9f : 0xbf; /* ED A0..ED BF: surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80; /* F0 80..F0 8F: overlong */
		hi = c == 0xf4 ? 0x8f : 0xbf; /* F4 90..: past U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return len;
}

size_t text_check(const char *line, size_t n, char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)line;

	for (size_t i = 0; i < n;) {
		size_t k = printable(s + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		if (s[i] == '\t' || (s[i] == '\r' && i + 1 == n)) {
			i++;
			continue;
		}
		if (s[i] == 0)
			snprintf(why, whylen, "a NUL byte");
		else if (s[i] < 0x80)
			snprintf(why, whylen, "control byte \\x%02x", s[i]);
		else if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			snprintf(why, whylen, "control character U+00%02X", s[i + 1]);
		else
			snprintf(why, whylen, "byte \\x%02x (not UTF-8 text)", s[i]);
		return i;
	}
	return n;
}

void text_escape(char *dst, size_t len, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, left = 0;

	if (!len)
		return;
	while (s[left])
		left++;
	while (*s) {
		size_t k = printable(s, left);
		size_t need = k ? k : 4;
		if (o + need >= len)
			break;
		if (k) {
			for (size_t j = 0; j < k; j++)
				dst[o++] = (char)s[j];
		} else {
			snprintf(dst + o, len - o, "\\x%02x", *s);
			o += 4;
			k = 1;
		}
		s += k;
		left -= k;
	}
	dst[o] = '\0';
}
