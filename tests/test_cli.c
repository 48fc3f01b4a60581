/*
 * test_cli.c - the concbench binary as a user meets it: exit codes, messages
 * that name the bad argument, a real sweep's files, limits, and Ctrl-C.
 *
 * The binary's path comes from $CONCBENCH (tests/run.sh sets it).
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/model.h"

typedef struct {
	int code; /* exit code, or 128+signal */
	char out[65536], err[8192];
} result;

static char tmpdir[64];

/* Start concbench with args; its stdout and stderr come back through pipes. */
static pid_t start(const char *const *args, int *outfd, int *errfd)
{
	const char *bin = getenv("CONCBENCH");
	assert_non_null(bin);
	int o[2], e[2];
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	assert_int_equal(pipe2(e, O_CLOEXEC), 0);
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
static void drain(int outfd, int errfd, result *r, const char *until)
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

static int finish(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static result *run(const char *const *args)
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

static void test_basics(void **st)
{
	result *r = RUN("--version");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "concbench "));
	r = RUN("--help");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "run"));
	const char *cmds[] = { "run", "list", "topo", "bench", "serve" };
	for (size_t i = 0; i < N_ELEMS(cmds); i++) {
		r = RUN(cmds[i], "--help");
		assert_int_equal(r->code, 0);
		assert_non_null(strstr(r->out, "usage: concbench"));
	}
	r = RUN("list");
	assert_int_equal(r->code, 0);
	for (const char *const *n =
		     (const char *const[]){ "sequential", "threads", "pool", "fork", "prefork",
					    "fib", "hash", "sleep", "spin", "null", NULL };
	     *n; n++)
		assert_non_null(strstr(r->out, *n));
	/* the flags a model takes, under it: threads has +gil, fork has none */
	const char *th = strstr(r->out, "\n  threads "), *fk = strstr(r->out, "\n  fork ");
	assert_non_null(th);
	assert_non_null(fk);
	const char *flag = strstr(th, "      +gil ");
	assert_true(flag && flag < strstr(th, "\n  pool "));
	assert_true(strstr(fk, "      +gil ") == NULL ||
		    strstr(fk, "      +gil ") > strstr(fk, "\n  hybrid "));
	r = RUN("topo");
	assert_int_equal(r->code, 0);
	assert_true(strlen(r->out) > 0);
	r = run((const char *const[]){ NULL });
	assert_int_equal(r->code, 2);
}

static void test_usage_errors(void **st)
{
	USAGE("unknown command 'frobnicate'", "frobnicate");
	USAGE("'nope'", "list", "nope");
	USAGE("-w", "run");
	USAGE("unknown workload 'nope'", "run", "-w", "nope");
	USAGE("unknown parameter 'x'", "run", "-w", "fib:x=1");
	USAGE("'abc'", "run", "-w", "fib:n=abc");
	USAGE("--force", "run", "-w", "fib:n=50");
	USAGE("unknown model 'bogus'", "run", "-w", "null", "-m", "bogus");
	USAGE("-n", "run", "-w", "null", "-n", "0");
	USAGE("-n", "run", "-w", "null", "-n", "-3");
	USAGE("-n", "run", "-w", "null", "-n", "many");
	USAGE("-c", "run", "-w", "null", "-c", "0");
	USAGE("-c", "run", "-w", "null", "-c", "8..2");
	USAGE("--reps", "run", "-w", "null", "--reps", "0");
	USAGE("--bogus", "run", "-w", "null", "--bogus");
	USAGE("-n", "run", "-w", "null", "-n");
	USAGE("--cpus", "run", "-w", "null", "-m", "sequential", "-n", "1", "-c", "1", "-o", tmpdir,
	      "--cpus", "4096");
	USAGE("--cpus", "run", "-w", "null", "-m", "sequential", "-n", "1", "-c", "1", "-o", tmpdir,
	      "--cpus", "zero");
}

/* Count lines and collect the status and digest columns of a results.csv. */
static int csv_rows(const char *path, char statuses[][64], char digests[][20], int max)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[2048];
	int rows = -1;
	while (fgets(line, sizeof line, f)) {
		if (rows >= 0 && rows < max) {
			/* status is field 8; quoted fields hold commas, so walk quotes */
			int field = 1, q = 0;
			char *s = line, *status = NULL;
			for (; *s; s++) {
				if (*s == '"')
					q = !q;
				else if (*s == ',' && !q && ++field == 8)
					status = s + 1;
			}
			assert_non_null(status);
			snprintf(statuses[rows], 64, "%.*s", (int)strcspn(status, ","), status);
			char *last = strrchr(line, ',');
			snprintf(digests[rows], 20, "%.*s", (int)strcspn(last + 1, "\r\n"),
				 last + 1);
		}
		rows++;
	}
	fclose(f);
	return rows;
}

static void path_in(char *buf, size_t len, const char *name, const char *file)
{
	snprintf(buf, len, "%s/%s/latest/%s", tmpdir, name, file);
}

static void test_sweep_files(void **st)
{
	result *r = RUN("run", "-w", "fib:n=15", "-m", "all", "-n", "4", "-c", "1,3", "--reps", "2",
			"-o", tmpdir, "--name", "sweep", "--timeline");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "summary"));
	assert_non_null(strstr(r->out, "prefork"));
	int models = 0;
	for (const model_kind *const *k = model_all(); *k; k++) {
		assert_non_null(strstr(r->out, (*k)->name));
		models++;
	}
	int want = models * 2 * 2; /* every model x 2 concurrency values x 2 reps */
	char p[256], statuses[128][64], digests[128][20];
	path_in(p, sizeof p, "sweep", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 128), want);
	for (int i = 0; i < want; i++) {
		assert_string_equal(statuses[i], "ok");
		assert_string_equal(digests[i], digests[0]); /* one digest for every model */
	}
	path_in(p, sizeof p, "sweep", "results.json");
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_true(sb.st_size > 100);
	path_in(p, sizeof p, "sweep", "tasks");
	DIR *d = opendir(p);
	assert_non_null(d);
	int files = 0;
	for (struct dirent *e; (e = readdir(d));)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, want);
}

/* A thread limit mid-sweep marks that run and the sweep goes on. */
static void test_limit(void **st)
{
	setenv("CONCBENCH_FAULT_SPAWN", "2", 1);
	result *r = RUN("run", "-w", "null", "-m", "threads,sequential", "-n", "6", "-c", "3",
			"--reps", "1", "-o", tmpdir, "--name", "limit");
	unsetenv("CONCBENCH_FAULT_SPAWN");
	assert_int_equal(r->code, 1);
	char p[256], statuses[4][64], digests[4][20];
	path_in(p, sizeof p, "limit", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 4), 2);
	assert_non_null(strstr(statuses[0], "limit: pthread_create EAGAIN"));
	assert_string_equal(statuses[1], "ok");
}

/* Ctrl-C: the finished runs are kept, the sweep is marked partial, exit 130. */
static void test_interrupt(void **st)
{
	int o, e;
	static result r;
	memset(&r, 0, sizeof r);
	pid_t pid = start((const char *const[]){ "run", "-w", "sleep:ms=100", "-m", "sequential",
						 "-n", "2", "-c", "1", "--reps", "100", "-o",
						 tmpdir, "--name", "intr", NULL },
			  &o, &e);
	drain(o, e, &r, "rep 2 "); /* two runs finished */
	kill(pid, SIGINT);
	drain(o, e, &r, NULL);
	assert_int_equal(finish(pid), 130);
	assert_non_null(strstr(r.err, "interrupted"));
	char p[256], statuses[128][64], digests[128][20];
	path_in(p, sizeof p, "intr", "results.csv");
	int rows = csv_rows(p, statuses, digests, 128);
	assert_true(rows >= 3 && rows < 100);
	assert_string_equal(statuses[0], "ok");
	assert_string_equal(statuses[1], "ok");
	assert_string_equal(statuses[rows - 1], "partial");
	/* nothing left behind: no child of ours remains */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Warm-ups are dropped; model order rotates from rep to rep. */
static void test_warmup_and_order(void **st)
{
	result *r = RUN("run", "-w", "null", "-m", "sequential,pool,prefork", "-n", "3", "-c", "2",
			"--reps", "2", "--warmup", "2", "-o", tmpdir, "--name", "order");
	assert_int_equal(r->code, 0);
	char p[256];
	path_in(p, sizeof p, "order", "results.csv");
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	char line[1024], order[8][16];
	int n = -1;
	while (fgets(line, sizeof line, f)) {
		if (n >= 0 && n < 8) /* model is the second column; suite is empty */
			snprintf(order[n], sizeof order[n], "%.*s", (int)strcspn(line + 1, ","),
				 line + 1);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 6); /* 3 models x 2 reps; the 6 warm-ups are gone */
	const char *want[] = { "sequential", "pool", "prefork", "pool", "prefork", "sequential" };
	for (int i = 0; i < 6; i++)
		assert_string_equal(order[i], want[i]);
}

/* --cpus binds every task of the run: with one CPU, all start there. */
static void test_cpus(void **st)
{
	result *r = RUN("run", "-w", "spin:us=200", "-m", "threads,prefork", "-n", "6", "-c", "3",
			"--reps", "1", "--cpus", "0", "--timeline", "-o", tmpdir, "--name", "pin");
	assert_int_equal(r->code, 0);
	char p[256];
	path_in(p, sizeof p, "pin", "tasks");
	DIR *d = opendir(p);
	assert_non_null(d);
	int files = 0, tasks = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char f[600], line[256];
		snprintf(f, sizeof f, "%s/%s", p, e->d_name);
		FILE *fp = fopen(f, "r");
		assert_non_null(fp);
		assert_non_null(fgets(line, sizeof line, fp)); /* header */
		while (fgets(line, sizeof line, fp)) {
			/* task,submit_s,start_s,end_s,worker,cpu,... */
			char *c = line;
			for (int k = 0; k < 5; k++)
				c = strchr(c, ',') + 1;
			assert_int_equal(atoi(c), 0);
			tasks++;
		}
		fclose(fp);
		files++;
	}
	closedir(d);
	assert_int_equal(files, 2);
	assert_int_equal(tasks, 12);
	path_in(p, sizeof p, "pin", "results.json");
	FILE *fp = fopen(p, "r");
	char buf[65536];
	size_t len = fread(buf, 1, sizeof buf - 1, fp);
	buf[len] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, "\"cpus\": \"0\""));
}

/* A run past --timeout is killed and reported; the sweep still ends. */
static void test_timeout(void **st)
{
	result *r = RUN("run", "-w", "sleep:ms=5000", "-m", "fork", "-n", "2", "-c", "2", "--reps",
			"1", "--timeout", "1", "-o", tmpdir, "--name", "slow");
	assert_int_equal(r->code, 1);
	char p[256], statuses[2][64], digests[2][20];
	path_in(p, sizeof p, "slow", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 2), 1);
	assert_string_equal(statuses[0], "error: timed out after 1 s");
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* http with no url: the sweep starts the bundled target, every model gets the
 * same bodies (one digest), and the target's CPU time lands in the context. */
static void test_http_bundled(void **st)
{
	result *r = RUN("run", "-w", "http:delay_ms=20,size=2k", "-m", "all", "-n", "10", "-c", "5",
			"--reps", "1", "-o", tmpdir, "--name", "web");
	assert_int_equal(r->code, 0);
	int models = 0;
	for (const model_kind *const *k = model_all(); *k; k++)
		models++;
	char p[256], statuses[64][64], digests[64][20];
	path_in(p, sizeof p, "web", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 64), models);
	for (int i = 0; i < models; i++) {
		assert_string_equal(statuses[i], "ok");
		assert_string_equal(digests[i], digests[0]);
	}
	path_in(p, sizeof p, "web", "results.json");
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	static char buf[1 << 17];
	size_t len = fread(buf, 1, sizeof buf - 1, fp);
	buf[len] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, "\"target_server\""));
	assert_non_null(strstr(buf, "\"cpu_user_s\": "));
	assert_null(strstr(buf, "\"cpu_user_s\": null"));
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* the target was reaped */
}

/* Every model x every workload in one sweep: one run digest per workload. */
static void test_every_model_every_workload(void **st)
{
	result *r = RUN("run", "-w", "fib:n=12", "-w", "hash:bytes=4k,rounds=2", "-w", "sleep:ms=5",
			"-w", "spin:us=100", "-w", "null", "-w", "http:delay_ms=5,size=300", "-w",
			"mixed:delay_ms=5,size=100,fib=10", "-m", "all", "-n", "6", "-c", "3",
			"--reps", "1", "-o", tmpdir, "--name", "everything");
	assert_int_equal(r->code, 0);
	int models = 0;
	for (const model_kind *const *k = model_all(); *k; k++)
		models++;
	char p[256], statuses[256][64], digests[256][20];
	path_in(p, sizeof p, "everything", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 256), 7 * models);
	for (int w = 0; w < 7; w++)
		for (int i = 0; i < models; i++) {
			assert_string_equal(statuses[w * models + i], "ok");
			assert_string_equal(digests[w * models + i], digests[w * models]);
		}
	assert_string_not_equal(digests[0], digests[models]); /* fib is not hash */
}

/* A server that is not there fails the task with a clear status, exit 1. */
static void test_http_refused(void **st)
{
	result *r = RUN("run", "-w", "http:url=http://127.0.0.1:9/x,timeout_ms=2000", "-m",
			"sequential,epoll", "-n", "2", "-c", "2", "--reps", "1", "-o", tmpdir,
			"--name", "refused");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->out, "Connection refused"));
	r = RUN("serve", "--listen", "nonsense");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->err, "nonsense"));
	USAGE("--bogus", "serve", "--bogus");
}

static int setup(void **st)
{
	strcpy(tmpdir, "/tmp/cb-cli-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_sweep_files),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_warmup_and_order),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_http_bundled),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_every_model_every_workload),
	};
	return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
