/*
 * report.c - the results directory and the two files every sweep leaves:
 * results.csv for spreadsheets and gnuplot, results.json for programs.
 *
 * Every file lands whole through file_write() (file.c: temp file, fsync,
 * rename, fsync of the directory), so a reader or a crash sees the previous
 * complete file or the new one, never a torn one. The rows themselves come
 * from rows.c; formats are in rows.h.
 */
#include "harness/report/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/report/file.h"
#include "harness/report/tlrows.h"

#define REP_PATHLEN 4096

struct rep_dir {
	char base[REP_PATHLEN]; /* root/name, where `latest` lives */
	char path[REP_PATHLEN]; /* base/stamp */
	char stamp[48];         /* the run directory's own name */
	char err[REP_PATHLEN + 160];
};

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

typedef struct {
	const res_run *runs;
	size_t n;
	const char *context;
} results;

static int fill_csv(FILE *f, const void *arg)
{
	const results *a = arg;
	rows_csv_header(f);
	for (size_t i = 0; i < a->n; i++)
		rows_csv_row(f, &a->runs[i]);
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
		rows_json_run(&w, &a->runs[i]);
	jw_arr_end(&w);
	jw_key(&w, "aggregates"); /* after "runs": plot/data.c reads the context up to it */
	rows_json_aggregates(&w, a->runs, a->n);
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
	if (file_write(d->path, "results.csv", fill_csv, &a, d->err, sizeof d->err) < 0 ||
	    file_write(d->path, "results.json", fill_json, &a, d->err, sizeof d->err) < 0)
		return -1;
	return 0;
}

int rep_write_text(rep_dir *d, const char *file, const char *text, size_t len)
{
	d->err[0] = '\0';
	if (!file || !*file || strchr(file, '/') || *file == '.') {
		snprintf(d->err, sizeof d->err, "%s: file name \"%s\" must be a plain name",
			 d->path, file ? file : "");
		return -1;
	}
	return file_write_text(d->path, file, text, len, d->err, sizeof d->err);
}

static int fill_tasks(FILE *f, const void *arg)
{
	rows_csv_tasks(f, arg);
	return 0;
}

typedef struct {
	const tl_buf *tl;
	uint64_t t0_ns;
} tl_arg;

static int fill_lanes(FILE *f, const void *arg)
{
	const tl_arg *a = arg;
	return tlrows_lanes(f, a->tl, a->t0_ns);
}

static int fill_events(FILE *f, const void *arg)
{
	const tl_arg *a = arg;
	return tlrows_events(f, a->tl, a->t0_ns);
}

/* tasks/<run>.lanes.csv and .events.csv beside tasks/<run>.csv (name). */
static int write_events(rep_dir *d, const char *dir, const char *name, const model_table *t,
			const tl_buf *tl)
{
	char stem[320], file[340];
	size_t len = strlen(name);
	snprintf(stem, sizeof stem, "%.*s", (int)(len > 4 ? len - 4 : len), name); /* - ".csv" */
	tl_arg a = { tl, t->t0_ns };
	snprintf(file, sizeof file, "%s.lanes.csv", stem);
	if (file_write(dir, file, fill_lanes, &a, d->err, sizeof d->err) < 0)
		return -1;
	snprintf(file, sizeof file, "%s.events.csv", stem);
	return file_write(dir, file, fill_events, &a, d->err, sizeof d->err);
}

int rep_write_tasks(rep_dir *d, const res_run *r, const model_table *t, const tl_buf *tl)
{
	char dir[REP_PATHLEN], name[320];

	d->err[0] = '\0';
	if (pathf(dir, sizeof dir, "%s/tasks", d->path) < 0)
		return set_err(d, "", d->path, ENAMETOOLONG);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return set_err(d, "cannot create ", dir, errno);
	if (rows_tasks_name(r, name, sizeof name) < 0)
		return set_err(d, "", dir, ENAMETOOLONG);
	if (file_write(dir, name, fill_tasks, t, d->err, sizeof d->err) < 0)
		return -1;
	return tl ? write_events(d, dir, name, t, tl) : 0;
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
	return file_sync_dir(d->base, d->err, sizeof d->err);
}

void rep_close(rep_dir *d)
{
	free(d);
}
