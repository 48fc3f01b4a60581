/*
 * loadcmp.c - `concbench bench`'s load rows: concbench load beside wrk.
 *
 * A load generator's figures mean something only beside a known one's,
 * measured against the same server in the same run: so for each server
 * (nginx with one worker serving a 4 KiB file, then the bundled target's
 * 4 KiB /work; nginx serving 17 bytes, then serve:work=null on epoll, whose
 * answer is 17 bytes too) wrk and `concbench load` take turns, -c 100 -t 1 -d 3s each,
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
#include "harness/bench/child.h"
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

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* Write size bytes of 'x' to dir/www/name; 0 or -1. */
static int write_page(const char *dir, const char *name, size_t size)
{
	char path[512], page[4096];
	if (size > sizeof page ||
	    snprintf(path, sizeof path, "%s/www/%s", dir, name) >= (int)sizeof path)
		return -1;
	memset(page, 'x', size);
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(page, 1, size, f) == size;
	return (f && fclose(f) == 0) && ok ? 0 : -1;
}

/* nginx from a temp dir of its own on a free port, bound to cpu, serving
 * /4k.html (4 KiB, the bundled target's /work?size=4096) and /17.html (17
 * bytes, as many as serve:work=null answers): 0 with *pid and *port set,
 * or -1 with a message (nothing left running). */
static int nginx_start(const char *nginx, char *dir, int cpu, pid_t *pid, int *port, char *err,
		       size_t elen)
{
	char path[512], conf[4096];
	*port = child_free_port();
	if (*port < 0 || snprintf(path, sizeof path, "%s/www", dir) >= (int)sizeof path ||
	    mkdir(path, 0700) < 0) {
		snprintf(err, elen, "cannot prepare %s: %s", dir, strerror(errno));
		return -1;
	}
	int ok = write_page(dir, "4k.html", 4096) == 0 && write_page(dir, "17.html", 17) == 0;
	int cl = loadparse_nginx_conf(conf, sizeof conf, dir, *port);
	snprintf(path, sizeof path, "%s/nginx.conf", dir);
	FILE *f = ok && cl < (int)sizeof conf ? fopen(path, "w") : NULL;
	ok = f && fputs(conf, f) >= 0;
	if (!(f && fclose(f) == 0 && ok)) {
		snprintf(err, elen, "cannot write %.200s: %s", path, strerror(errno));
		return -1;
	}
	char prefix[512], elog[512];
	snprintf(prefix, sizeof prefix, "%s/", dir);
	snprintf(elog, sizeof elog, "%s/error.log", dir);
	char *argv[] = { (char *)nginx, "-p", prefix, "-c", path, "-e", elog, NULL };
	*pid = child_start(argv, cpu, -1);
	if (*pid < 0) {
		snprintf(err, elen, "cannot fork: %s", strerror(errno));
		return -1;
	}
	for (double end = child_now_s() + 5; child_now_s() < end; usleep(20000)) {
		if (child_answers(*port, "/17.html"))
			return 0;
		int st;
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			snprintf(err, elen, "nginx exited at start (see its log, %.200s)", elog);
			return -1;
		}
	}
	child_stop(*pid, SIGKILL);
	snprintf(err, elen, "nginx did not answer within 5 s (its log: %.200s)", elog);
	return -1;
}

/* `self serve -m epoll --work null` on a free port, bound to cpu: 0 with
 * *pid and *port set once it answers, or -1 with a message. */
static int serve_null_start(const char *self, int cpu, pid_t *pid, int *port, char *err,
			    size_t elen)
{
	char listen[32];
	*port = child_free_port();
	snprintf(listen, sizeof listen, "127.0.0.1:%d", *port);
	char *argv[] = { (char *)self, "serve", "-m",       "epoll", "-c", "1024",
			 "--work",     "null",  "--listen", listen,  NULL };
	if (*port < 0 || (*pid = child_start(argv, cpu, -1)) < 0) {
		snprintf(err, elen, "cannot start %s serve: %s", self, strerror(errno));
		return -1;
	}
	for (double end = child_now_s() + 5; child_now_s() < end; usleep(20000)) {
		if (child_answers(*port, "/work?seed=0"))
			return 0;
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			snprintf(err, elen, "%s serve -m epoll --work null exited at start", self);
			return -1;
		}
	}
	child_stop(*pid, SIGKILL);
	snprintf(err, elen, "%s serve did not answer within 5 s", self);
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
	char *oargv[] = { (char *)self, "load", (char *)url, "-c",           "100", "-t",
			  "1",          "-d",   "3s",        "--check-body", NULL };
	for (int k = 0; k < reps && !*stop; k++) {
		loadparse_fig f;
		add(&r[0],
		    child_run(wargv, cpu, out, sizeof out, TOOL_LIMIT_S, stop) == 0 &&
			    loadparse_wrk(out, &f) == 0,
		    &f);
		add(&r[1],
		    child_run(oargv, cpu, out, sizeof out, TOOL_LIMIT_S, stop) == 0 &&
			    loadparse_ours(out, &f) == 0,
		    &f);
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

/* The servers, in the order they run; each is measured by wrk, then by
 * ours. The pairs (nginx, ours) serve bodies of the same size. */
enum { S_NGINX_4K, S_TARGET, S_NGINX_17, S_NULL, NSERVERS };
static const char *const server_name[NSERVERS] = { "nginx 4 KiB", "concbench serve", "nginx 17 B",
						   "serve work=null" };

/* "serve work=null / nginx 17 B" and the like: req/s of row a over row b,
 * under each tool. */
static void print_vs(FILE *out, FILE *csv, const cmp_row *a, const cmp_row *b)
{
	for (int t = 0; t < 2; t++) {
		if (!a[t].n || !b[t].n)
			continue;
		double x = med(&a[t], a[t].rps) / med(&b[t], b[t].rps);
		fprintf(out, "  %s / %s, under %s: req/s x %.2f\n", a[t].server, b[t].server,
			a[t].tool, x);
		fprintf(csv, "%s / %s,%s,,,%.3f,,,,,\n", a[t].server, b[t].server, a[t].tool, x);
	}
}

int bench_loadcmp(FILE *out, FILE *csv, const char *self, int reps, volatile sig_atomic_t *stop)
{
	char wrk[512], nginx[512], err[512], url[128], dir[] = "/tmp/concbench-nginx-XXXXXX";
	int cpu[2], done[NSERVERS] = { 0 }, port;
	fprintf(csv, "server,tool,runs_ok,runs_failed,rps_median,p50_s_median,p99_s_median,"
		     "rps_ratio_to_wrk,p50_ratio_to_wrk,body_digest\n");
	fprintf(out, "\nload generators side by side: wrk and concbench load, -c 100 -t 1 -d 3s,\n"
		     "taking turns against the same server (4 KiB, then 17-byte replies)\n");
	if (loadparse_which("wrk", wrk, sizeof wrk) < 0) {
		fprintf(out,
			"  skipped: wrk is not on PATH (make bench installs wrk and nginx-light)\n");
		return 0;
	}
	if (find_nginx(nginx, sizeof nginx) < 0) {
		fprintf(out,
			"  skipped: nginx is not on PATH nor in /usr/sbin (make bench installs "
			"wrk and nginx-light)\n");
		return 0;
	}
	child_two_cpus(cpu);
	char where[32] = "the same CPU";
	if (cpu[1] >= 0)
		snprintf(where, sizeof where, "CPU %d", cpu[1]);
	fprintf(out,
		"(median of %d reps; the server on CPU %d, the load generators on %s;\n"
		"x = concbench load / wrk)\n",
		reps, cpu[0], where);
	cmp_row rows[2 * NSERVERS];
	memset(rows, 0, sizeof rows);
	for (int i = 0; i < 2 * NSERVERS; i++)
		rows[i].server = server_name[i / 2],
		rows[i].tool = i & 1 ? "concbench load" : "wrk";
	int lcpu = cpu[1] >= 0 ? cpu[1] : cpu[0];
	pid_t pid;
	if (!mkdtemp(dir)) {
		fprintf(out, "  nginx rows skipped: cannot make a temp dir: %s\n", strerror(errno));
	} else {
		if (nginx_start(nginx, dir, cpu[0], &pid, &port, err, sizeof err) < 0) {
			fprintf(out, "  nginx rows skipped: %s\n", err);
		} else {
			snprintf(url, sizeof url, "http://127.0.0.1:%d/4k.html", port);
			measure(rows + 2 * S_NGINX_4K, wrk, self, url, lcpu, reps, stop);
			snprintf(url, sizeof url, "http://127.0.0.1:%d/17.html", port);
			measure(rows + 2 * S_NGINX_17, wrk, self, url, lcpu, reps, stop);
			child_stop(pid, SIGTERM);
			done[S_NGINX_4K] = done[S_NGINX_17] = 1;
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
		measure(rows + 2 * S_TARGET, wrk, self, url, lcpu, reps, stop);
		target_spawn_stop(pid, NULL, NULL);
		done[S_TARGET] = 1;
	}
	cpus_free(&pl);
	if (*stop) {
	} else if (serve_null_start(self, cpu[0], &pid, &port, err, sizeof err) < 0) {
		fprintf(out, "  serve work=null rows skipped: %s\n", err);
	} else {
		snprintf(url, sizeof url, "http://127.0.0.1:%d/work?seed=0", port);
		measure(rows + 2 * S_NULL, wrk, self, url, lcpu, reps, stop);
		child_stop(pid, SIGTERM);
		done[S_NULL] = 1;
	}
	fprintf(out, "  %-16s %-15s %10s %9s %9s %8s %7s  %s\n", "server", "tool", "req/s",
		"p50 ms", "p99 ms", "req/s x", "p50 x", "runs");
	for (int i = 0; i < 2 * NSERVERS; i++)
		if (done[i / 2])
			print_row(out, csv, &rows[i], i & 1 ? &rows[i - 1] : NULL);
	if (done[S_TARGET] && done[S_NGINX_4K])
		print_vs(out, csv, rows + 2 * S_TARGET, rows + 2 * S_NGINX_4K);
	if (done[S_NULL] && done[S_NGINX_17])
		print_vs(out, csv, rows + 2 * S_NULL, rows + 2 * S_NGINX_17);
	return 0;
}
