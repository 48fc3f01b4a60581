/*
 * child.h - the processes `concbench bench` runs beside itself (a server,
 * a load generator): started on a CPU of their own in a process group of
 * their own, dying with us, killed and reaped on every path.
 */
#ifndef CB_BENCH_CHILD_H
#define CB_BENCH_CHILD_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in seconds. */
double child_now_s(void);
/* The first two CPUs this process may use; -1 for a missing one. */
void child_two_cpus(int cpu[2]);
/* fork + exec argv on cpu (-1: anywhere), its own process group, dying
 * with us; stdout and stderr to fd (or /dev/null when fd < 0). */
pid_t child_start(char *const argv[], int cpu, int fd);
/* Kill pid's group with sig (SIGKILL after 5 s), reap it. */
void child_stop(pid_t pid, int sig);
/* Run argv on cpu, its output into out (NUL-terminated); 0 when it exited
 * 0 within limit_s, -1 else (killed when late or on *stop). */
int child_run(char *const argv[], int cpu, char *out, size_t len, double limit_s,
	      volatile sig_atomic_t *stop);
/* A free loopback port: bind port 0, read it, close (the usual small race). */
int child_free_port(void);
/* One GET of path on 127.0.0.1:port answered 200? */
int child_answers(int port, const char *path);

#endif
