/*
 * child.c - the processes `concbench bench` runs beside itself (child.h).
 * A child gets its own process group, so that killing it kills what it
 * forked, and PR_SET_PDEATHSIG, so that it never outlives us.
 */
#define _GNU_SOURCE
#include "harness/bench/child.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double child_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first two CPUs this process may use; -1 for a missing one. */
void child_two_cpus(int cpu[2])
{
	cpu_set_t set;
	cpu[0] = cpu[1] = -1;
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return;
	for (int c = 0, k = 0; c < CPU_SETSIZE && k < 2; c++)
		if (CPU_ISSET(c, &set))
			cpu[k++] = c;
}

/* fork + exec argv on cpu (-1: anywhere), its own process group, dying
 * with us; stdout and stderr to fd (or /dev/null when fd < 0). */
pid_t child_start(char *const argv[], int cpu, int fd)
{
	pid_t parent = getpid(), pid = fork();
	if (pid != 0)
		return pid;
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof set, &set);
	}
	int out = fd >= 0 ? fd : open("/dev/null", O_WRONLY);
	dup2(out, 1);
	dup2(out, 2);
	execv(argv[0], argv);
	_exit(127);
}

/* Kill pid's group, reap it. */
void child_stop(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);
	double end = child_now_s() + 5;
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (child_now_s() > end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		usleep(10000);
	}
}

/* Run argv on cpu, its output into out (NUL-terminated); 0 when it exited
 * 0 within limit_s, -1 else (killed when late or on *stop). */
int child_run(char *const argv[], int cpu, char *out, size_t len, double limit_s,
	      volatile sig_atomic_t *stop)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = child_start(argv, cpu, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	size_t n = 0;
	double end = child_now_s() + limit_s;
	int late = 0;
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		if (*stop || child_now_s() > end) {
			late = 1;
			break;
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		ssize_t k = read(p[0], out + n, len - 1 - n);
		if (k <= 0 && !(k < 0 && errno == EINTR))
			break;
		if (k > 0)
			n += (size_t)k;
		if (n == len - 1) /* more than we keep: drain the rest */
			n = len / 2;
	}
	out[n] = 0;
	close(p[0]);
	int status = 0;
	if (late)
		child_stop(pid, SIGKILL);
	else if (waitpid(pid, &status, 0) < 0)
		return -1;
	return !late && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A free loopback port: bind port 0, read it, close (the usual small race). */
int child_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* One GET of path on port answered 200? */
int child_answers(int port, const char *path)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 1, 0 };
	char buf[64];
	int ok = 0, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	int n = snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, buf, (size_t)n) == n &&
	    read(fd, buf, 12) == 12)
		ok = !memcmp(buf, "HTTP/1.1 200", 12);
	close(fd);
	return ok;
}
