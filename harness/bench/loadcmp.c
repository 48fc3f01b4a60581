/*
 * loadcmp.c - `concbench bench`'s load rows: concbench load beside wrk.
 *
 * A load generator's figures mean something only beside a known one's,
 * measured against the same server in the same run: so for each server
 * (nginx with one worker serving a 4 KiB file, then the bundled target's
 * 4 KiB /work) wrk and `concbench load` take turns, -c 100 -t 1 -d 3s each,
 * rep after rep, and the table gives the medians and the ratios ours / wrk.
 * Both run as processes of their own (ours is this very binary), so neither
 * gets an advantage from sharing our address space; the server is bound to
 * the first allowed CPU and the load generators to the second (when there
 * is one), so client and server do not take turns on one core.
 *
 * Everything started here is killed and reaped on every path: the
 * children get their own process group and die with us (PR_SET_PDEATHSIG),
 * nginx runs as one process (master_process off) from a temp dir it never
 * writes outside of, removed at the end. Speed is reported, never asserted.
 */
#define _GNU_SOURCE
#include "harness/bench/loadcmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/bench/bench.h"
#include "harness/bench/loadparse.h"
#include "harness/run/cpus.h"
#include "harness/run/stats.h"
#include "harness/run/target_spawn.h"

#define TOOL_LIMIT_S 30 /* a 3 s run that takes longer is stuck: killed */

typedef struct {
	const char *server, *tool;
	double rps[BENCH_MAX_REPS], p50[BENCH_MAX_REPS], p99[BENCH_MAX_REPS];
	int n, failed;
	unsigned long long digest; /* ours: of every body of every rep */
} cmp_row;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first two CPUs this process may use; -1 for a missing one. */
static void two_cpus(int cpu[2])
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
static pid_t start(char *const argv[], int cpu, int fd)
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
static void stop_child(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);
	double end = now_s() + 5;
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (now_s() > end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		usleep(10000);
	}
}

/* Run argv on cpu, its output into out (NUL-terminated); 0 when it exited
 * 0 within TOOL_LIMIT_S, -1 else (killed when late or on *stop). */
static int run_tool(char *const argv[], int cpu, char *out, size_t len,
		    volatile sig_atomic_t *stop)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = start(argv, cpu, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	size_t n = 0;
	double end = now_s() + TOOL_LIMIT_S;
	int late = 0;
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		if (*stop || now_s() > end) {
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
		stop_child(pid, SIGKILL);
	else if (waitpid(pid, &status, 0) < 0)
		return -1;
	return !late && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A free loopback port: bind port 0, read it, close (the usual small race). */
static int free_port(void)
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
static int answers(int port, const char *path)
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

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* nginx from a temp dir of its own on a free port, bound to cpu: 0 with
 * *pid and url set, or -1 with a message (nothing left running). */
static int nginx_start(const char *nginx, char *dir, int cpu, pid_t *pid, char *url, size_t ulen,
		       char *err, size_t elen)
{
	char path[512], conf[4096];
	int port = free_port();
	if (port < 0 || snprintf(path, sizeof path, "%s/www", dir) >= (int)sizeof path ||
	    mkdir(path, 0700) < 0) {
		snprintf(err, elen, "cannot prepare %s: %s", dir, strerror(errno));
		return -1;
	}
	char page[4096];
	memset(page, 'x', sizeof page);
	snprintf(path, sizeof path, "%s/www/index.html", dir);
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(page, 1, sizeof page, f) == sizeof page;
	ok = (f && fclose(f) == 0) && ok;
	int cl = loadparse_nginx_conf(conf, sizeof conf, dir, port);
	snprintf(path, sizeof path, "%s/nginx.conf", dir);
	f = ok && cl < (int)sizeof conf ? fopen(path, "w") : NULL;
	ok = f && fputs(conf, f) >= 0;
	if (!(f && fclose(f) == 0 && ok)) {
		snprintf(err, elen, "cannot write %.200s: %s", path, strerror(errno));
		return -1;
	}
	char prefix[512], elog[512];
	snprintf(prefix, sizeof prefix, "%s/", dir);
	snprintf(elog, sizeof elog, "%s/error.log", dir);
	char *argv[] = { (char *)nginx, "-p", prefix, "-c", path, "-e", elog, NULL };
	*pid = start(argv, cpu, -1);
	if (*pid < 0) {
		snprintf(err, elen, "cannot fork: %s", strerror(errno));
		return -1;
	}
	for (double end = now_s() + 5; now_s() < end; usleep(20000)) {
		if (answers(port, "/index.html")) {
			snprintf(url, ulen, "http://127.0.0.1:%d/index.html", port);
			return 0;
		}
		int st;
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			snprintf(err, elen, "nginx exited at start (see its log, %.200s)", elog);
			return -1;
		}
	}
	stop_child(*pid, SIGKILL);
	snprintf(err, elen, "nginx did not answer within 5 s (its log: %.200s)", elog);
	return -1;
}

static void add(cmp_row *r, int ok, const loadparse_fig *f)
{
	/* ours checks every body: a rep whose bodies differ from the last
	 * rep's (another file served) is not the same test */
	if (ok && f->digest && r->digest && f->digest != r->digest)
		ok = 0;
	if (!ok) {
		r->failed++;
		return;
	}
	if (f->digest)
		r->digest = f->digest;
	r->rps[r->n] = f->rps;
	r->p50[r->n] = f->p50_s;
	r->p99[r->n++] = f->p99_s;
}

/* reps turns of wrk then ours against url, from cpu. */
static void measure(cmp_row r[2], const char *wrk, const char *self, const char *url, int cpu,
		    int reps, volatile sig_atomic_t *stop)
{
	static char out[65536];
	char *wargv[] = { (char *)wrk, "-t1", "-c100", "-d3s", "--latency", (char *)url, NULL };
	char *oargv[] = { (char *)self, "load", (char *)url, "-c",	     "100", "-t",
			  "1",		"-d",	"3s",	     "--check-body", NULL };
	for (int k = 0; k < reps && !*stop; k++) {
		loadparse_fig f;
		add(&r[0], run_tool(wargv, cpu, out, sizeof out, stop) == 0 &&
				   loadparse_wrk(out, &f) == 0, &f);
		add(&r[1], run_tool(oargv, cpu, out, sizeof out, stop) == 0 &&
				   loadparse_ours(out, &f) == 0, &f);
		if (isatty(2))
			fprintf(stderr, "\r\033[Kbench: load rows, %s %d/%d", r[0].server, k + 1,
				reps);
	}
	if (isatty(2))
		fprintf(stderr, "\r\033[K");
}

/* Row i's median of what (an offset into cmp_row: rps, p50 or p99). */
static double med(const cmp_row *r, const double *what)
{
	double t[BENCH_MAX_REPS];
	memcpy(t, what, sizeof(double) * (size_t)r->n);
	return r->n ? stats_median(t, (size_t)r->n) : -1;
}

static void print_row(FILE *out, FILE *csv, const cmp_row *r, const cmp_row *wrk)
{
	double rps = med(r, r->rps), p50 = med(r, r->p50), p99 = med(r, r->p99);
	char xr[16] = "-", xp[16] = "-", runs[64];
	if (wrk && r->n && wrk->n) {
		snprintf(xr, sizeof xr, "%.2f", rps / med(wrk, wrk->rps));
		snprintf(xp, sizeof xp, "%.2f", p50 / med(wrk, wrk->p50));
	}
	snprintf(runs, sizeof runs, "%d ok, %d failed", r->n, r->failed);
	if (r->digest) /* every body of every rep: one digest */
		snprintf(runs + strlen(runs), sizeof runs - strlen(runs), ", body %016llx",
			 r->digest);
	if (!r->n)
		fprintf(out, "  %-16s %-15s %10s %9s %9s %8s %7s  %s\n", r->server, r->tool, "-",
			"-", "-", "-", "-", runs);
	else
		fprintf(out, "  %-16s %-15s %10.0f %9.3f %9.3f %8s %7s  %s\n", r->server, r->tool,
			rps, p50 * 1e3, p99 * 1e3, xr, xp, runs);
	char digest[24] = "";
	if (r->digest)
		snprintf(digest, sizeof digest, "%016llx", r->digest);
	fprintf(csv, "%s,%s,%d,%d,%.1f,%.6f,%.6f,%s,%s,%s\n", r->server, r->tool, r->n, r->failed,
		rps, p50, p99, wrk ? xr : "", wrk ? xp : "", digest);
}

/* nginx on PATH, or where Debian puts it: /usr/sbin, which an ordinary
 * user's PATH leaves out. */
static int find_nginx(char *buf, size_t len)
{
	if (loadparse_which("nginx", buf, len) == 0)
		return 0;
	snprintf(buf, len, "/usr/sbin/nginx");
	return access(buf, X_OK);
}

int bench_loadcmp(FILE *out, FILE *csv, const char *self, int reps, volatile sig_atomic_t *stop)
{
	char wrk[512], nginx[512], err[512], url[128], dir[] = "/tmp/concbench-nginx-XXXXXX";
	int cpu[2], done[2] = { 0, 0 };
	fprintf(csv, "server,tool,runs_ok,runs_failed,rps_median,p50_s_median,p99_s_median,"
		     "rps_ratio_to_wrk,p50_ratio_to_wrk,body_digest\n");
	fprintf(out, "\nload generators side by side: wrk and concbench load, -c 100 -t 1 -d 3s,\n"
		     "taking turns against the same server (4 KiB replies)\n");
	if (loadparse_which("wrk", wrk, sizeof wrk) < 0) {
		fprintf(out, "  skipped: wrk is not on PATH (make bench installs wrk and nginx-light)\n");
		return 0;
	}
	if (find_nginx(nginx, sizeof nginx) < 0) {
		fprintf(out, "  skipped: nginx is not on PATH nor in /usr/sbin (make bench installs "
			     "wrk and nginx-light)\n");
		return 0;
	}
	two_cpus(cpu);
	char where[32] = "the same CPU";
	if (cpu[1] >= 0)
		snprintf(where, sizeof where, "CPU %d", cpu[1]);
	fprintf(out, "(median of %d reps; the server on CPU %d, the load generators on %s;\n"
		     "x = concbench load / wrk)\n", reps, cpu[0], where);
	static const char *const names[4][2] = { { "nginx 1 worker", "wrk" },
						 { "nginx 1 worker", "concbench load" },
						 { "concbench serve", "wrk" },
						 { "concbench serve", "concbench load" } };
	cmp_row rows[4];
	memset(rows, 0, sizeof rows);
	for (int i = 0; i < 4; i++)
		rows[i].server = names[i][0], rows[i].tool = names[i][1];
	int lcpu = cpu[1] >= 0 ? cpu[1] : cpu[0];
	pid_t pid;
	if (!mkdtemp(dir)) {
		fprintf(out, "  nginx rows skipped: cannot make a temp dir: %s\n", strerror(errno));
	} else {
		if (nginx_start(nginx, dir, cpu[0], &pid, url, sizeof url, err, sizeof err) < 0) {
			fprintf(out, "  nginx rows skipped: %s\n", err);
		} else {
			measure(rows, wrk, self, url, lcpu, reps, stop);
			stop_child(pid, SIGTERM);
			done[0] = 1;
		}
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	cpus_plan pl;
	char list[16], hp[64];
	snprintf(list, sizeof list, "%d", cpu[0]);
	if (cpus_choose(&pl, cpu[0] >= 0 ? list : NULL, err, sizeof err) < 0)
		cpus_free(&pl), cpus_choose(&pl, NULL, err, sizeof err);
	if (*stop) {
	} else if (target_spawn(pl.topo, pl.run, &pid, hp, sizeof hp, err, sizeof err) < 0) {
		fprintf(out, "  concbench serve rows skipped: %s\n", err);
	} else {
		snprintf(url, sizeof url, "http://%s/work?size=4096", hp);
		measure(rows + 2, wrk, self, url, lcpu, reps, stop);
		target_spawn_stop(pid, NULL, NULL);
		done[1] = 1;
	}
	cpus_free(&pl);
	fprintf(out, "  %-16s %-15s %10s %9s %9s %8s %7s  %s\n", "server", "tool", "req/s",
		"p50 ms", "p99 ms", "req/s x", "p50 x", "runs");
	for (int i = 0; i < 4; i++)
		if (done[i / 2])
			print_row(out, csv, &rows[i], i & 1 ? &rows[i - 1] : NULL);
	return 0;
}
