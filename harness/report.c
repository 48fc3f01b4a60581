/*
 * report.c - the results directory and the two files every sweep leaves:
 * results.csv for spreadsheets and gnuplot, results.json for programs.
 *
 * Every file is written whole to a temp name in its own directory, flushed,
 * fsync'd, closed (each step checked: a full disk shows up at fclose) and
 * renamed over the old one. rename() within a directory is atomic, so a
 * reader or a crash sees the previous complete file or the new one, never a
 * torn one. Formats are described in report.h.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../workloads/workload.h"

#define REP_PATHLEN 4096

struct rep_dir {
	char base[REP_PATHLEN]; /* root/name, where `latest` lives */
	char path[REP_PATHLEN]; /* base/stamp */
	char stamp[48];         /* the run directory's own name */
	char err[REP_PATHLEN + 160];
};

/* The columns of results.csv and the keys of a results.json run, in order;
 * one table so the two files cannot drift apart. Append, never insert. */
enum { C_TEXT, C_SIZE, C_UINT, C_INT, C_SEC, C_RATE, C_COUNT, C_HEX };
static const struct column {
	const char *name;
	int type;
	size_t off, cap;
} cols[] = {
/* clang-format off */
#define COL(f, type) { #f, type, offsetof(res_run, f), sizeof(((res_run *)0)->f) }
	COL(suite, C_TEXT), COL(model, C_TEXT), COL(workload, C_TEXT), COL(params, C_TEXT),
	COL(tasks, C_SIZE), COL(concurrency, C_UINT), COL(rep, C_INT), COL(status, C_TEXT),
	COL(makespan_s, C_SEC), COL(throughput_per_s, C_RATE),
	COL(lat_mean_s, C_SEC), COL(lat_p50_s, C_SEC), COL(lat_p90_s, C_SEC),
	COL(lat_p99_s, C_SEC), COL(lat_max_s, C_SEC),
	COL(svc_mean_s, C_SEC), COL(svc_p50_s, C_SEC), COL(svc_p99_s, C_SEC),
	COL(cpu_user_s, C_SEC), COL(cpu_sys_s, C_SEC),
	COL(ctx_voluntary, C_COUNT), COL(ctx_involuntary, C_COUNT), COL(max_rss_kib, C_COUNT),
	COL(errors, C_SIZE), COL(digest, C_HEX),
#undef COL
	/* clang-format on */
};
#define NCOLS (sizeof cols / sizeof cols[0])

/* Seconds: fixed point to the ns, trailing zeros dropped; "" if not finite. */
static const char *fmt_s(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		return "";
	snprintf(buf, len, "%.9f", v);
	char *e = buf + strlen(buf);
	while (e > buf && e[-1] == '0')
		*--e = '\0';
	if (e > buf && e[-1] == '.')
		*--e = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	return buf;
}

/* Column c of r as CSV text (not quoted); text columns return r's bytes. */
static const char *cell(const res_run *r, const struct column *c, char *buf, size_t len)
{
	const void *p = (const char *)r + c->off;
	double v;
	long n;

	switch (c->type) {
	case C_TEXT: return p;
	case C_SIZE: snprintf(buf, len, "%zu", *(const size_t *)p); break;
	case C_UINT: snprintf(buf, len, "%u", *(const unsigned *)p); break;
	case C_INT: snprintf(buf, len, "%d", *(const int *)p); break;
	case C_SEC: return fmt_s(buf, len, *(const double *)p);
	case C_RATE:
		v = *(const double *)p;
		snprintf(buf, len, "%.9g", v);
		return isfinite(v) ? buf : "";
	case C_COUNT: /* negative: the runner had no count to give */
		n = *(const long *)p;
		snprintf(buf, len, "%ld", n);
		return n < 0 ? "" : buf;
	case C_HEX: snprintf(buf, len, "%016" PRIx64, *(const uint64_t *)p); break;
	}
	return buf;
}

/* A text field of at most cap bytes, quoted only when RFC 4180 needs it. */
static void csv_text(FILE *f, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap), plain = 0;
	while (plain < n && !strchr(",\"\r\n", s[plain]))
		plain++;
	if (plain == n) {
		fwrite(s, 1, n, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

int rep_csv_header(FILE *f)
{
	for (size_t i = 0; i < NCOLS; i++)
		fprintf(f, "%s%c", cols[i].name, i + 1 < NCOLS ? ',' : '\n');
	return ferror(f) ? -1 : 0;
}

int rep_csv_row(FILE *f, const res_run *r)
{
	char buf[48];
	for (size_t i = 0; i < NCOLS; i++) {
		const char *s = cell(r, &cols[i], buf, sizeof buf);
		csv_text(f, s, cols[i].type == C_TEXT ? cols[i].cap : sizeof buf);
		putc(i + 1 < NCOLS ? ',' : '\n', f);
	}
	return ferror(f) ? -1 : 0;
}

int rep_json_run(jw *w, const res_run *r)
{
	char buf[48];

	jw_obj_begin(w);
	for (size_t i = 0; i < NCOLS; i++) {
		const struct column *c = &cols[i];
		const void *p = (const char *)r + c->off;
		const char *s = cell(r, c, buf, sizeof buf);
		jw_key(w, c->name);
		if (c->type == C_TEXT)
			jw_strn(w, s, strnlen(s, c->cap));
		else if (c->type == C_HEX)
			jw_str(w, s);
		else if (!*s)
			jw_null(w); /* as the CSV cell is empty */
		else if (c->type == C_SEC || c->type == C_RATE)
			jw_double(w, *(const double *)p);
		else
			jw_raw(w, s); /* an integer, already formatted */
	}
	return jw_obj_end(w);
}

/* ---- the results directory ---- */

/* snprintf for paths: -1 rather than a path cut short. */
static int pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The message rep_error() returns: "cannot create results/x: Permission denied". */
static int set_err(rep_dir *d, const char *what, const char *path, int err)
{
	snprintf(d->err, sizeof d->err, "%s%s: %s", what, path, strerror(err));
	return -1;
}

/* mkdir -p d->base: every missing component, 0777 less the umask. */
static int mkdir_p(rep_dir *d)
{
	char buf[REP_PATHLEN];

	memcpy(buf, d->base, sizeof buf);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return set_err(d, "cannot create ", buf, errno);
		if (!(*p = c))
			return 0;
	}
}

static int check_name(const char *name, char *err, size_t errlen)
{
	const char *why = NULL;
	if (!name || !*name)
		why = "is empty";
	else if (strchr(name, '/'))
		why = "must be one directory name, without '/'";
	else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		why = "cannot be \".\" or \"..\"";
	if (why)
		snprintf(err, errlen, "results name \"%s\" %s", name ? name : "", why);
	return why ? -1 : 0;
}

rep_dir *rep_open_at(const char *root, const char *name, time_t when, char *err, size_t errlen)
{
	char stamp[32];
	struct tm tm;
	rep_dir *d;

	if (check_name(name, err, errlen) < 0)
		return NULL;
	if (!(d = calloc(1, sizeof *d))) {
		snprintf(err, errlen, "results directory: %s", strerror(ENOMEM));
		return NULL;
	}
	if (!root || !*root)
		root = ".";
	gmtime_r(&when, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (pathf(d->base, sizeof d->base, "%s/%s", root, name) < 0)
		set_err(d, "", root, ENAMETOOLONG);
	else if (mkdir_p(d) == 0)
		/* Two sweeps started in the same second get -2, -3 ...; mkdir
		 * is the test-and-set, so concurrent processes cannot collide. */
		for (int k = 1; k < 10000; k++) {
			snprintf(d->stamp, sizeof d->stamp, k == 1 ? "%s" : "%s-%d", stamp, k);
			if (pathf(d->path, sizeof d->path, "%s/%s", d->base, d->stamp) < 0) {
				set_err(d, "", d->base, ENAMETOOLONG);
				break;
			}
			if (mkdir(d->path, 0777) == 0)
				return d;
			if (errno != EEXIST) {
				set_err(d, "cannot create ", d->path, errno);
				break;
			}
		}
	snprintf(err, errlen, "%s", *d->err ? d->err : "too many run directories this second");
	free(d);
	return NULL;
}

rep_dir *rep_open(const char *root, const char *name, char *err, size_t errlen)
{
	return rep_open_at(root, name, time(NULL), err, errlen);
}

const char *rep_path(const rep_dir *d)
{
	return d->path;
}

const char *rep_error(const rep_dir *d)
{
	return d->err;
}

/* Writes a file's content: 0, or an errno value for a failure the stream
 * cannot show (write errors are read from the stream afterwards). */
typedef int (*fill_fn)(FILE *f, const void *arg);

/* dir/file, atomically: see the top of this file. */
static int write_atomic(rep_dir *d, const char *dir, const char *file, fill_fn fill,
			const void *arg)
{
	char dst[REP_PATHLEN], tmp[REP_PATHLEN];
	int fd = -1, e;

	if (pathf(dst, sizeof dst, "%s/%s", dir, file) < 0)
		return set_err(d, "", dir, ENAMETOOLONG);
	for (int seq = 0; fd < 0 && seq < 100; seq++) {
		if (pathf(tmp, sizeof tmp, "%s/.%s.tmp-%ld-%d", dir, file, (long)getpid(), seq) < 0)
			return set_err(d, "", dst, ENAMETOOLONG);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			return set_err(d, "cannot create ", tmp, errno);
	}
	if (fd < 0)
		return set_err(d, "cannot create ", tmp, EEXIST);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		close(fd);
		goto fail;
	}
	errno = 0;
	e = fill(f, arg);
	if (!e && ferror(f))
		e = errno ? errno : EIO;
	if (!e && fflush(f) != 0)
		e = errno;
	if (!e && fsync(fileno(f)) != 0)
		e = errno;
	if (fclose(f) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, dst) != 0)
		e = errno;
	if (!e)
		return 0;
fail:
	unlink(tmp);
	return set_err(d, "cannot write ", dst, e ? e : EIO);
}

/* Make the renames durable too; some file systems refuse to fsync a
 * directory, which is no reason to fail a run. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

typedef struct {
	const res_run *runs;
	size_t n;
	const char *context;
} results;

static int fill_csv(FILE *f, const void *arg)
{
	const results *a = arg;
	rep_csv_header(f);
	for (size_t i = 0; i < a->n; i++)
		rep_csv_row(f, &a->runs[i]);
	return 0;
}

static int fill_json(FILE *f, const void *arg)
{
	const results *a = arg;
	jw w;

	jw_init(&w, f);
	jw_obj_begin(&w);
	jw_kv_int(&w, "schema", 1);
	jw_key(&w, "context");
	jw_raw(&w, a->context);
	jw_key(&w, "runs");
	jw_arr_begin(&w);
	for (size_t i = 0; i < a->n; i++)
		rep_json_run(&w, &a->runs[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	return jw_done(&w) < 0 ? w.err : 0;
}

int rep_write(rep_dir *d, const res_run *runs, size_t n, const char *context_json)
{
	results a = { runs, n, context_json ? context_json : "{}" };
	char why[96] = "";

	d->err[0] = '\0';
	if (json_check(a.context, strlen(a.context), why, sizeof why) < 0 ||
	    a.context[strspn(a.context, " \t\r\n")] != '{') {
		snprintf(d->err, sizeof d->err, "%s/results.json: context is not a JSON object%s%s",
			 d->path, *why ? ": " : "", why);
		return -1;
	}
	if (write_atomic(d, d->path, "results.csv", fill_csv, &a) < 0 ||
	    write_atomic(d, d->path, "results.json", fill_json, &a) < 0)
		return -1;
	sync_dir(d->path);
	return 0;
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

int rep_write_text(rep_dir *d, const char *file, const char *text, size_t len)
{
	text_arg a = { text, len };

	d->err[0] = '\0';
	if (!file || !*file || strchr(file, '/') || *file == '.') {
		snprintf(d->err, sizeof d->err, "%s: file name \"%s\" must be a plain name",
			 d->path, file ? file : "");
		return -1;
	}
	if (write_atomic(d, d->path, file, fill_text, &a) < 0)
		return -1;
	sync_dir(d->path);
	return 0;
}

/* Keep [A-Za-z0-9._+-] of at most max bytes of s; anything else becomes '-',
 * so '_' stays free to separate the parts of a file name. */
static void sanitize(char *dst, const char *s, size_t max)
{
	size_t i;
	for (i = 0; i < max && s[i]; i++) {
		char c = s[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || strchr("._+-", c);
		dst[i] = keep ? c : '-';
	}
	dst[i] = '\0';
}

int rep_tasks_name(const res_run *r, char *buf, size_t len)
{
	char model[sizeof r->model + 1], wl[sizeof r->workload + 1], params[64];

	sanitize(model, r->model, sizeof r->model);
	sanitize(wl, r->workload, sizeof r->workload);
	/* Parameters tell fib:n=27 from fib:n=30; long ones are cut, with a
	 * hash of the whole so that names stay distinct and under NAME_MAX. */
	size_t plen = strnlen(r->params, sizeof r->params);
	if (plen < 48) {
		sanitize(params, r->params, plen);
	} else {
		sanitize(params, r->params, 39);
		snprintf(params + 39, sizeof params - 39, "-%08" PRIx64,
			 wl_digest_bytes(r->params, plen) >> 32);
	}
	int n = snprintf(buf, len, "%s_%s%s%s_n%zu_c%u_r%d.csv", model, wl, *params ? "-" : "",
			 params, r->tasks, r->concurrency, r->rep);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int fill_tasks(FILE *f, const void *arg)
{
	const model_table *t = arg;
	char s[48], e[48];

	fputs("task,submit_s,start_s,end_s,worker,cpu,runs,err\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const model_task *k = &t->task[i];
		unsigned runs = atomic_load(&k->runs);
		if (runs == 0) { /* never started: no times, no lane */
			fprintf(f, "%zu,0,,,,,0,%d\n", i, (int)k->err);
			continue;
		}
		fmt_s(s, sizeof s, (double)(int64_t)(k->start_ns - t->t0_ns) / 1e9);
		fmt_s(e, sizeof e, (double)(int64_t)(k->end_ns - t->t0_ns) / 1e9);
		fprintf(f, "%zu,0,%s,%s,%d,", i, s, e, (int)k->worker);
		if (k->cpu >= 0)
			fprintf(f, "%d", (int)k->cpu);
		fprintf(f, ",%u,%d\n", runs, (int)k->err);
	}
	return 0;
}

int rep_write_tasks(rep_dir *d, const res_run *r, const model_table *t)
{
	char dir[REP_PATHLEN], name[320];

	d->err[0] = '\0';
	if (pathf(dir, sizeof dir, "%s/tasks", d->path) < 0)
		return set_err(d, "", d->path, ENAMETOOLONG);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return set_err(d, "cannot create ", dir, errno);
	if (rep_tasks_name(r, name, sizeof name) < 0)
		return set_err(d, "", dir, ENAMETOOLONG);
	if (write_atomic(d, dir, name, fill_tasks, t) < 0)
		return -1;
	sync_dir(dir);
	return 0;
}

int rep_finish(rep_dir *d)
{
	char link[REP_PATHLEN], tmp[REP_PATHLEN];

	d->err[0] = '\0';
	if (pathf(link, sizeof link, "%s/latest", d->base) < 0 ||
	    pathf(tmp, sizeof tmp, "%s/.latest.tmp-%ld", d->base, (long)getpid()) < 0)
		return set_err(d, "", d->base, ENAMETOOLONG);
	/* A new link under a temp name, renamed over the old: readers always
	 * find a `latest`, and it is never half-updated. */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return set_err(d, "cannot remove ", tmp, errno);
	if (symlink(d->stamp, tmp) < 0)
		return set_err(d, "cannot create ", tmp, errno);
	if (rename(tmp, link) < 0) {
		int e = errno;
		unlink(tmp);
		return set_err(d, "cannot replace ", link, e);
	}
	sync_dir(d->base);
	return 0;
}

void rep_close(rep_dir *d)
{
	free(d);
}
