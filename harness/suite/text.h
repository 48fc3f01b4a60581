/*
 * text.h - what a suite file may hold, byte by byte, and how a message shows
 * what it may not (text.c). A suite file is UTF-8 text: a NUL byte would end
 * the text early (the rest of the file silently unread), and a control byte
 * or a stray byte a terminal would act on (ESC, the 8-bit CSI) would reach
 * the terminal through any message or report that echoes the file.
 */
#ifndef CB_SUITE_TEXT_H
#define CB_SUITE_TEXT_H

#include <stddef.h>

/* The first byte of line (n bytes, without its newline) a suite file may
 * not hold: its offset, with what it is in why ("a NUL byte", "control byte
 * \x1b", "byte \x9b (not UTF-8)"); or n when the line is clean. Tabs are
 * text; a CR only as the line's last byte (CRLF line ends). */
size_t text_check(const char *line, size_t n, char *why, size_t whylen);

/* src into dst (cut at len, always NUL-terminated) with each byte that is
 * not printable UTF-8 text shown as \xNN, so a message never echoes a
 * terminal control. */
void text_escape(char *dst, size_t len, const char *src);

#endif
