/*
 * target_spawn.c - the bundled HTTP target as a process of its own.
 *
 * A sweep's runs talk to a server in a separate process, so that the server's
 * CPU time is the kernel's own account of it (wait4's rusage at the end) and
 * never mixes with the runs' figures. The child gets its own process group
 * (a Ctrl-C at the terminal goes to the sweep, which then stops the server),
 * dies with the thread that started it (PR_SET_PDEATHSIG), may be bound to
 * the CPUs the runs leave free, and tells its port through a pipe. The parent
 * returns only after a real request got a real answer: "listening" is not
 * yet "serving", and a run must never measure a server still starting up.
 *
 * Waiting for the child polls wait4(WNOHANG) with short naps: valgrind does
 * not know pidfd_open, and a SIGCHLD handler would meddle with the caller's.
 */
#define _GNU_SOURCE
#include "harness/run/target_spawn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/cpus.h"
#include "harness/run/target_serve.h"

#define SPAWN_WAIT_NS 5000000000ull /* to listen and answer a first request */
#define STOP_GRACE_NS 5000000000ull /* from SIGTERM to SIGKILL */

/* The server process's stop flag: a signal handler can only talk through a
 * global, and only the child ever sets it. */
static volatile sig_atomic_t child_stop;

static void on_stop(int sig)
{
	(void)sig;
	child_stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	nanosleep(&ts, NULL);
}

/* The server process: signals of its own, bind, serve, _exit. The announce
 * line (or "error: ...") goes up the pipe `fd`. */
static _Noreturn void child_main(const void *topology, const void *cpuset, int fd, pid_t parent)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t none;
	char err[256];
	int rc = -1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent) /* it died before we asked to follow it */
		_exit(1);
	FILE *up = fdopen(fd, "w");
	if (!up)
		_exit(1);
	if (cpus_bind((hwloc_topology_t)topology, cpuset) < 0)
		snprintf(err, sizeof err, "cannot bind the server to its CPUs: %s",
			 strerror(errno));
	else
		rc = target_serve("127.0.0.1:0", &child_stop, up, err, sizeof err);
	if (rc < 0)
		fprintf(up, "error: %s\n", err);
	fclose(up);
	_exit(rc < 0 ? 1 : 0);
}

/* Wait until fd is ready for `events` or the deadline passes; > 0 if ready. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return 0;
		struct pollfd p = { fd, events, 0 };
		int rc = poll(&p, 1, (int)((deadline - now + 999999) / 1000000));
		if (rc != 0 && !(rc < 0 && errno == EINTR))
			return rc;
	}
}

/* The child's one line: "listening on HOST:PORT" or "error: ...". */
static int read_line(int fd, char *buf, size_t len, uint64_t deadline)
{
	size_t n = 0;
	while (n + 1 < len && wait_fd(fd, POLLIN, deadline) > 0) {
		ssize_t got = read(fd, buf + n, len - 1 - n);
		if (got <= 0 && !(got < 0 && errno == EINTR))
			break;
		n += got > 0 ? (size_t)got : 0;
		buf[n] = '\0';
		if (strchr(buf, '\n')) {
			*strchr(buf, '\n') = '\0';
			return 0;
		}
	}
	buf[n] = '\0';
	return -1;
}

/* One real request; 0 when it came back 200 with its one byte of body. */
static int probe(uint16_t port, uint64_t deadline)
{
	static const char req[] = "GET /work?delay_ms=0&size=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Connection: close\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	char buf[512];
	size_t n = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), soerr = 0;
	socklen_t sl = sizeof soerr;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if ((connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) ||
	    wait_fd(fd, POLLOUT, deadline) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr ||
	    send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
		close(fd);
		return -1;
	}
	while (n + 1 < sizeof buf && wait_fd(fd, POLLIN, deadline) > 0) {
		ssize_t got = recv(fd, buf + n, sizeof buf - 1 - n, 0);
		if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN))
			break;
		n += got > 0 ? (size_t)got : 0;
	}
	close(fd);
	buf[n] = '\0';
	const char *body = strstr(buf, "\r\n\r\n");
	return !strncmp(buf, "HTTP/1.1 200 ", 13) && body && body + 5 == buf + n ? 0 : -1;
}

/* Wait for the server to answer; 0, or -1 with a message. */
static int await_ready(pid_t pid, int fd, char *hostport, size_t len, char *err, size_t errlen)
{
	uint64_t deadline = now_ns() + SPAWN_WAIT_NS;
	char line[320];
	const char *colon;
	if (read_line(fd, line, sizeof line, deadline) < 0) {
		snprintf(err, errlen, "the server %s",
			 line[0] || now_ns() < deadline ? "exited before it listened"
							: "did not listen within 5 s");
		return -1;
	}
	if (!strncmp(line, "error: ", 7)) {
		snprintf(err, errlen, "%s", line + 7);
		return -1;
	}
	if (strncmp(line, "listening on ", 13) || !(colon = strrchr(line, ':'))) {
		snprintf(err, errlen, "the server said '%s'", line);
		return -1;
	}
	while (probe((uint16_t)atoi(colon + 1), deadline) < 0) {
		if (waitpid(pid, NULL, WNOHANG) != 0) {
			snprintf(err, errlen, "the server exited before it answered");
			return -1;
		}
		if (now_ns() >= deadline) {
			snprintf(err, errlen, "the server did not answer within 5 s");
			return -1;
		}
		nap_ms(10);
	}
	snprintf(hostport, len, "%s", line + 13);
	return 0;
}

int target_spawn(const void *topology, const void *cpuset, pid_t *pid, char *hostport, size_t len,
		 char *err, size_t errlen)
{
	int p[2];
	pid_t parent = getpid(), child;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot start the server: pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL); /* nothing buffered may be written twice by the child */
	child = fork();
	if (child < 0) {
		snprintf(err, errlen, "cannot start the server: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (child == 0) {
		close(p[0]);
		child_main(topology, cpuset, p[1], parent);
	}
	close(p[1]);
	setpgid(child, child); /* as the child does: whichever runs first */
	int rc = await_ready(child, p[0], hostport, len, err, errlen);
	close(p[0]);
	if (rc < 0) {
		kill(child, SIGKILL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	*pid = child;
	return 0;
}

int target_spawn_stop(pid_t pid, double *user_s, double *sys_s)
{
	struct rusage ru;
	uint64_t deadline = now_ns() + STOP_GRACE_NS;
	long nap = 1;
	pid_t r;
	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	kill(pid, SIGTERM);
	while ((r = wait4(pid, NULL, WNOHANG, &ru)) == 0 || (r < 0 && errno == EINTR)) {
		if (now_ns() >= deadline) {
			kill(pid, SIGKILL);
			while ((r = wait4(pid, NULL, 0, &ru)) < 0 && errno == EINTR)
				;
			break;
		}
		nap_ms(nap);
		nap = nap < 16 ? nap * 2 : nap;
	}
	if (r != pid)
		return -1;
	if (user_s)
		*user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	if (sys_s)
		*sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return 0;
}
