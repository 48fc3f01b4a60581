/*
 * clirun.h - run the concbench binary from a test: its exit code, stdout and
 * stderr, a scratch results root (setup/teardown), and a results.csv's rows.
 *
 * The binary's path comes from $CONCBENCH (tests/run.sh sets it).
 */
#ifndef CB_CLIRUN_H
#define CB_CLIRUN_H

#include "tests/testutil.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
	int code; /* exit code, or 128+signal */
	char out[65536], err[8192];
} result;

static char tmpdir[64];

/* Start concbench with args; its stdout and stderr come back through pipes. */
static inline pid_t start(const char *const *args, int *outfd, int *errfd)
{
	const char *bin = getenv("CONCBENCH");
	assert_non_null(bin);
	int o[2], e[2];
	assert_int_equal(pipe(o), 0);
	assert_int_equal(pipe(e), 0);
	for (int k = 0; k < 2; k++) /* only the child's dup2() copies survive exec */
		assert_true(fcntl(o[k], F_SETFD, FD_CLOEXEC) == 0 &&
			    fcntl(e[k], F_SETFD, FD_CLOEXEC) == 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		char *argv[64];
		int k = 0;
		argv[k++] = (char *)bin;
		for (; args[k - 1]; k++)
			argv[k] = (char *)args[k - 1];
		argv[k] = NULL;
		execv(bin, argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	*outfd = o[0];
	*errfd = e[0];
	return pid;
}

/* Read both pipes until EOF (or until `until` shows up on stdout). */
static inline void drain(int outfd, int errfd, result *r, const char *until)
{
	size_t no = strlen(r->out), ne = strlen(r->err);
	struct pollfd p[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (until && strstr(r->out, until))
			return;
		assert_true(poll(p, 2, 60000) > 0); /* a hang fails the test */
		for (int k = 0; k < 2; k++) {
			if (p[k].fd < 0 || !p[k].revents)
				continue;
			char *buf = k ? r->err : r->out;
			size_t *len = k ? &ne : &no;
			size_t cap = k ? sizeof r->err : sizeof r->out;
			ssize_t got = read(p[k].fd, buf + *len, cap - 1 - *len);
			if (got <= 0) {
				close(p[k].fd);
				p[k].fd = -1;
			} else {
				*len += (size_t)got;
				buf[*len] = '\0';
			}
		}
	}
}

static inline int finish(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline result *run(const char *const *args)
{
	static result r;
	int o, e;
	memset(&r, 0, sizeof r);
	pid_t pid = start(args, &o, &e);
	drain(o, e, &r, NULL);
	r.code = finish(pid);
	return &r;
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

/* Expect exit 2 and a message naming `needle`. */
#define USAGE(needle, ...)                                                                         \
	do {                                                                                       \
		result *r_ = RUN(__VA_ARGS__);                                                     \
		assert_int_equal(r_->code, 2);                                                     \
		assert_non_null(strstr(r_->err, needle));                                          \
		assert_string_equal(r_->out, "");                                                  \
	} while (0)

/* Count lines and collect the status and digest columns of a results.csv. */
/* Fields are counted from 1; quoted fields hold commas, so walk quotes. The
 * start of field k of line, or NULL. */
static inline const char *csv_field(const char *line, int k)
{
	int field = 1, q = 0;
	for (const char *s = line; *s && field < k; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == ',' && !q && ++field == k)
			return s + 1;
	}
	return k == 1 ? line : NULL;
}

/* The status (column 8) and digest (column 25) of each row of a results.csv. */
static inline int csv_rows(const char *path, char statuses[][64], char digests[][20], int max)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[2048];
	int rows = -1;
	while (fgets(line, sizeof line, f)) {
		if (rows >= 0 && rows < max) {
			const char *status = csv_field(line, 8), *digest = csv_field(line, 25);
			assert_non_null(status);
			assert_non_null(digest);
			snprintf(statuses[rows], 64, "%.*s", (int)strcspn(status, ","), status);
			snprintf(digests[rows], 20, "%.*s", (int)strcspn(digest, ",\r\n"), digest);
		}
		rows++;
	}
	fclose(f);
	return rows;
}

static inline void path_in(char *buf, size_t len, const char *name, const char *file)
{
	snprintf(buf, len, "%s/%s/latest/%s", tmpdir, name, file);
}

static inline int setup(void **st)
{
	strcpy(tmpdir, "/tmp/cb-cli-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int teardown(void **st)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
