/*
 * file.c - whole files: the atomic writer and slurp (see file.h).
 *
 * The temp file is ".NAME.tmp-PID-SEQ" beside the target, created with
 * O_EXCL so two writers never share one; the leading dot keeps it out of a
 * plain `ls` for the moment it exists. A failure at any step removes it.
 */
#include "harness/report/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILE_PATHLEN 4096

/* "<what><path>: <strerror(e)>" into err; -1. */
static int fail(char *err, size_t errlen, const char *what, const char *path, int e)
{
	snprintf(err, errlen, "%s%s: %s", what, path, strerror(e));
	return -1;
}

/* dir/name into buf, or -1 rather than a path cut short. */
static int join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A new temp file beside dir/name: its fd, or -1 with err set. */
static int temp_open(const char *dir, const char *name, char *tmp, size_t len, char *err,
		     size_t errlen)
{
	for (int seq = 0; seq < 100; seq++) {
		int n = snprintf(tmp, len, "%s/.%s.tmp-%ld-%d", dir, name, (long)getpid(), seq);
		if (n < 0 || (size_t)n >= len)
			return fail(err, errlen, "", dir, ENAMETOOLONG);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : fail(err, errlen, "cannot create ", tmp, errno);
	}
	return fail(err, errlen, "cannot create ", tmp, EEXIST);
}

/* Fill the temp file and make it durable: 0 or an errno value. */
static int fill_sync(int fd, file_fill_fn *fill, const void *arg)
{
	FILE *f = fdopen(fd, "w");
	int e;
	if (!f) {
		e = errno;
		close(fd);
		return e;
	}
	errno = 0;
	e = fill(f, arg);
	if (!e && ferror(f))
		e = errno ? errno : EIO;
	if (!e && fflush(f) != 0)
		e = errno;
	if (!e && fsync(fileno(f)) != 0)
		e = errno;
	if (fclose(f) != 0 && !e) /* a full disk may show up only here */
		e = errno;
	return e;
}

int file_write(const char *dir, const char *name, file_fill_fn *fill, const void *arg, char *err,
	       size_t errlen)
{
	char dst[FILE_PATHLEN], tmp[FILE_PATHLEN];
	if (join(dst, sizeof dst, dir, name) < 0)
		return fail(err, errlen, "", dir, ENAMETOOLONG);
	int fd = temp_open(dir, name, tmp, sizeof tmp, err, errlen);
	if (fd < 0)
		return -1;
	int e = fill_sync(fd, fill, arg);
	if (!e && rename(tmp, dst) != 0)
		e = errno;
	if (e) {
		unlink(tmp);
		return fail(err, errlen, "cannot write ", dst, e);
	}
	return file_sync_dir(dir, err, errlen);
}

typedef struct {
	const char *text;
	size_t len;
} text_arg;

static int fill_text(FILE *f, const void *arg)
{
	const text_arg *a = arg;
	fwrite(a->text, 1, a->len, f);
	return 0;
}

int file_write_text(const char *dir, const char *name, const char *text, size_t len, char *err,
		    size_t errlen)
{
	text_arg a = { text, len };
	return file_write(dir, name, fill_text, &a, err, errlen);
}

int file_sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;
	if (fd < 0)
		return fail(err, errlen, "cannot sync ", dir, errno);
	if (fsync(fd) != 0 && errno != EINVAL)
		e = errno;
	close(fd);
	return e ? fail(err, errlen, "cannot sync ", dir, e) : 0;
}

char *file_slurp(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;
	size_t cap = 8192, n = 0;
	char *buf = NULL;
	if (fd < 0) {
		fail(err, errlen, "", path, errno);
		return NULL;
	}
	for (ssize_t k = 1; k > 0 && !e;) {
		if (!buf || cap - n < 2) {
			size_t want = buf ? 2 * cap : cap;
			char *g = want < cap ? NULL : realloc(buf, want);
			if (!g) {
				e = ENOMEM;
				break;
			}
			buf = g;
			cap = want;
		}
		k = read(fd, buf + n, cap - 1 - n);
		if (k > 0 && (n += (size_t)k) > max)
			e = EFBIG; /* /dev/zero or a runaway file: stop before memory runs out */
		else if (k < 0 && errno != EINTR)
			e = errno;
		else if (k < 0)
			k = 1; /* interrupted: read again */
	}
	close(fd);
	if (e) {
		free(buf);
		if (e == ENOMEM)
			snprintf(err, errlen, "%s: out of memory", path);
		else if (e == EFBIG)
			snprintf(err, errlen, "%s: too big (over %zu bytes)", path, max);
		else
			fail(err, errlen, "", path, e);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
