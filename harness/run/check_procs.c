/*
 * check_procs.c - who else used the CPU while the machine was checked: every
 * process's utime + stime from /proc/PID/stat before and after, the largest
 * differences kept. A process born during the window counts whole (a
 * compiler, a test); ours is left out, and our own short-lived children are
 * reaped before the second snapshot.
 */
#include "harness/run/check_procs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int stat_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -1;
}

size_t check_procs_read(check_procs_snap **out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *e;
	char path[64], line[1024];
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		char *close_paren;
		unsigned long long ut, st;
		if (stat_line(path, line, sizeof line) < 0 || !(close_paren = strrchr(line, ')')) ||
		    sscanf(close_paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &ut, &st) != 2)
			continue;
		if (n == cap) {
			check_procs_snap *p =
				realloc(*out, (cap = cap ? 2 * cap : 256) * sizeof *p);
			if (!p)
				break;
			*out = p;
		}
		char *open = strchr(line, '(');
		int len = open ? (int)(close_paren - open - 1) : 0;
		snprintf((*out)[n].comm, sizeof(*out)[n].comm, "%.*s", len, open ? open + 1 : "");
		(*out)[n].pid = pid;
		(*out)[n++].ticks = (long long)(ut + st);
	}
	closedir(d);
	return n;
}

void check_procs_top(check_result *r, const check_procs_snap *a, size_t na,
		     const check_procs_snap *b, size_t nb, double wall_s)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	r->ntop = 0;
	for (size_t i = 0; i < nb && wall_s > 0 && hz > 0; i++) {
		size_t j = 0;
		while (j < na && a[j].pid != b[i].pid)
			j++;
		long long dt = b[i].ticks - (j < na ? a[j].ticks : 0);
		double pct = 100.0 * (double)dt / hz / wall_s;
		if (dt <= 0) /* (one born in the window counts whole: a compiler, a test) */
			continue;
		if (r->ntop == CHECK_TOP && pct <= r->top[CHECK_TOP - 1].cpu_pct)
			continue;
		int k = r->ntop < CHECK_TOP ? r->ntop++ : CHECK_TOP - 1;
		for (; k > 0 && r->top[k - 1].cpu_pct < pct; k--)
			r->top[k] = r->top[k - 1];
		r->top[k] = (check_proc){ .pid = b[i].pid, .cpu_pct = pct };
		snprintf(r->top[k].comm, sizeof r->top[k].comm, "%s", b[i].comm);
	}
}
