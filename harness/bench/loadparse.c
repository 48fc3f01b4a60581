/*
 * loadparse.c - the parts of bench's load rows that can be tested without a
 * server: reading two load generators' printed figures, the nginx config.
 *
 * wrk prints its times glued to their unit ("1.10ms", "456.00us") and
 * concbench load with a space ("55.7 us", "1.64 ms"); one reader takes
 * both. A figure that is missing fails the parse rather than becoming a
 * zero: a row of zeros would read as a measurement.
 */
#define _GNU_SOURCE
#include "harness/bench/loadparse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "1.10ms", "55.7 us", "2.00s", "1.5m" as seconds; -1 when not a time. */
static double parse_time(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	static const struct {
		const char *name;
		double scale;
	} u[] = { { "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 }, { "m", 60 },
		  { "h", 3600 } };
	for (size_t k = 0; k < sizeof u / sizeof *u; k++) {
		size_t n = strlen(u[k].name);
		if (!strncmp(end, u[k].name, n) && !isalpha((unsigned char)end[n]))
			return v * u[k].scale;
	}
	return -1;
}

/* The text after the first line that starts (after blanks) with key, or
 * NULL. */
static const char *after_key(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p = l;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, key, n))
			return p + n;
	}
	return NULL;
}

static double time_after(const char *text, const char *key)
{
	const char *p = after_key(text, key);
	if (!p)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	return parse_time(p);
}

static double number_after(const char *text, const char *key)
{
	const char *p = after_key(text, key);
	char *end;
	if (!p)
		return -1;
	double v = strtod(p, &end);
	return end == p ? -1 : v;
}

static int check(const loadparse_fig *f)
{
	return f->rps > 0 && f->p50_s >= 0 && f->p99_s >= 0 ? 0 : -1;
}

int loadparse_wrk(const char *text, loadparse_fig *f)
{
	f->digest = 0;
	f->rps = number_after(text, "Requests/sec:");
	f->p50_s = time_after(text, "50% ");
	f->p99_s = time_after(text, "99% ");
	return check(f);
}

int loadparse_ours(const char *text, loadparse_fig *f)
{
	unsigned long long e[5];
	const char *errs = strstr(text, "\n  errors ");
	const char *dig = strstr(text, "same bytes: digest ");

	f->rps = number_after(text, "rate ");
	f->p50_s = time_after(text, "p50 ");
	f->p99_s = time_after(text, "p99 ");
	f->digest = dig ? strtoull(dig + 19, NULL, 16) : 0;
	if (!errs || sscanf(errs, "\n  errors connect %llu, timeout %llu, reset %llu, status %llu, "
				  "body %llu",
			    &e[0], &e[1], &e[2], &e[3], &e[4]) != 5 ||
	    e[0] + e[1] + e[2] + e[3] + e[4])
		return -1;
	return check(f);
}

int loadparse_nginx_conf(char *buf, size_t len, const char *dir, int port)
{
	return snprintf(buf, len,
			"# written by concbench bench: one worker, two small files, nothing outside\n"
			"# this directory\n"
			"worker_processes 1;\n"
			"daemon off;\n"
			"master_process off;\n"
			"error_log %s/error.log;\n"
			"pid %s/nginx.pid;\n"
			"events { worker_connections 1024; }\n"
			"http {\n"
			"\taccess_log off;\n"
			"\tclient_body_temp_path %s/tmp-body;\n"
			"\tproxy_temp_path %s/tmp-proxy;\n"
			"\tfastcgi_temp_path %s/tmp-fastcgi;\n"
			"\tuwsgi_temp_path %s/tmp-uwsgi;\n"
			"\tscgi_temp_path %s/tmp-scgi;\n"
			"\tkeepalive_requests 1000000;\n"
			"\tserver {\n"
			"\t\tlisten 127.0.0.1:%d;\n"
			"\t\troot %s/www;\n"
			"\t}\n"
			"}\n",
			dir, dir, dir, dir, dir, dir, dir, port, dir);
}

int loadparse_which(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	if (!path || strchr(name, '/'))
		return -1;
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 &&
		    snprintf(buf, len, "%.*s/%s", (int)n, path, name) < (int)len &&
		    access(buf, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -1;
}
