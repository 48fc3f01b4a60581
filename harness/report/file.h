/*
 * file.h - whole files on disk: written atomically, read in one piece.
 *
 * file_write() is the project's one way to put a file on disk: the content
 * goes to a temp file in the target's own directory, which is flushed,
 * fsync'd and closed, then renamed over the target, and the directory is
 * fsync'd so the rename lasts too. Every step is checked, so a full disk is
 * an error with a reason, never a short file. rename() within a directory is
 * atomic: a reader, or a crash, sees the old complete file or the new one.
 */
#ifndef CB_FILE_H
#define CB_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Writes a file's content to f: 0, or an errno value for a failure the
 * stream cannot show (write errors are read from the stream afterwards). */
typedef int file_fill_fn(FILE *f, const void *arg);

/* Write dir/name atomically with what fill(f, arg) puts in f. 0, or -1 with
 * err holding "cannot write DIR/NAME: <strerror>" ("cannot create TEMP: ..."
 * when the temp file cannot be made); the target is then untouched and no
 * temp file is left behind. */
int file_write(const char *dir, const char *name, file_fill_fn *fill, const void *arg, char *err,
	       size_t errlen);
/* The same, with text[0..len) as the content. */
int file_write_text(const char *dir, const char *name, const char *text, size_t len, char *err,
		    size_t errlen);
/* fsync a directory, so renames in it survive a crash. File systems that
 * cannot sync a directory (EINVAL) are not an error. 0, or -1 with err
 * holding "cannot sync DIR: <strerror>". */
int file_sync_dir(const char *dir, char *err, size_t errlen);

/* The whole of path (at most max bytes) in a malloc'd buffer with a NUL after
 * the last byte; its length (not counting the NUL) in *len when len is not
 * NULL. NULL with err holding "PATH: <strerror>", "PATH: too big (over MAX
 * bytes)" or "PATH: out of memory". */
char *file_slurp(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
