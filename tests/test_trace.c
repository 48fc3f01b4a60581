/*
 * test_trace.c - trace.json from the fixture directory (tests/fixtures/
 * timeline): valid JSON in the object form, every event with the fields
 * its phase needs (ph, name, pid, tid, ts; dur on X), M events naming every
 * process and every track an event is on, X events of one track never
 * partly overlapping, the GIL hand-offs, the GIL holder and ready-queue
 * counters, task tracks of a small loop, the dropped events marked; and no
 * trace.json where no run has state events.
 *
 * The test reads the events back with a small parser of its own (the
 * project writes JSON but never needs to read it), keeping each event's
 * top-level fields and args.name.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "harness/plot/trace.h"
#include "harness/report/csvread.h"
#include "harness/report/jsoncheck.h"

#define FIX "tests/fixtures/timeline"

typedef struct {
	char ph[4], name[96], s[4], cat[16], argname[96];
	double pid, tid, ts, dur;
} tev;

static const char *p; /* the parser's place */

static void ws(void)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
}

/* A string into out (escapes kept as they are: enough here). */
static void str(char *out, size_t len)
{
	size_t k = 0;
	assert_int_equal(*p, '"');
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if (k + 1 < len)
			out[k++] = *p;
	}
	assert_int_equal(*p, '"');
	p++;
	if (len)
		out[k] = '\0';
}

static void skip_value(void)
{
	ws();
	if (*p == '"') {
		str(NULL, 0);
	} else if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		for (p++, ws(); *p != close; ws()) {
			if (close == '}') {
				str(NULL, 0);
				ws();
				assert_int_equal(*p++, ':');
			}
			skip_value();
			ws();
			if (*p == ',')
				p++, ws();
		}
		p++;
	} else {
		p += strcspn(p, ",}] \n");
	}
}

static void event(tev *e)
{
	memset(e, 0, sizeof *e);
	e->pid = e->tid = e->ts = e->dur = NAN;
	ws();
	assert_int_equal(*p++, '{');
	for (ws(); *p != '}'; ws()) {
		char key[32];
		str(key, sizeof key);
		ws();
		assert_int_equal(*p++, ':');
		ws();
		char *sv = !strcmp(key, "ph")     ? e->ph
			   : !strcmp(key, "name") ? e->name
			   : !strcmp(key, "s")    ? e->s
			   : !strcmp(key, "cat")  ? e->cat
						  : NULL;
		double *nv = !strcmp(key, "pid")   ? &e->pid
			     : !strcmp(key, "tid") ? &e->tid
			     : !strcmp(key, "ts")  ? &e->ts
			     : !strcmp(key, "dur") ? &e->dur
						   : NULL;
		if (sv) {
			str(sv, 96);
		} else if (nv) {
			*nv = strtod(p, (char **)&p);
		} else if (!strcmp(key, "args") && *p == '{') {
			const char *a = strstr(p, "\"name\": \""), *end = strchr(p, '}');
			if (a && a < end) {
				p = a + 8;
				str(e->argname, sizeof e->argname);
			}
			p = strchr(p, '}') + 1;
		} else {
			skip_value();
		}
		ws();
		if (*p == ',')
			p++;
	}
	p++;
}

static tev *parse(const char *text, size_t *n)
{
	static tev ev[4096];
	*n = 0;
	p = strstr(text, "\"traceEvents\"");
	assert_non_null(p);
	p = strchr(p, '[') + 1;
	for (ws(); *p != ']'; ws()) {
		assert_true(*n < 4096);
		event(&ev[(*n)++]);
		ws();
		if (*p == ',')
			p++;
	}
	return ev;
}

static char *write_trace(char *dir, size_t len)
{
	res_run *runs;
	size_t n;
	char err[512], cmd[600];
	snprintf(dir, len, "/tmp/cb-trace-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "cp -r " FIX "/. '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(csv_read_results(FIX "/results.csv", &runs, &n, err, sizeof err), 0);
	if (plot_trace(dir, runs, n, stderr, err, sizeof err) != 1)
		fail_msg("%s", err);
	free(runs);
	snprintf(cmd, sizeof cmd, "%s/trace.json", dir);
	char *text = file_slurp(cmd, 1 << 26, NULL, err, sizeof err);
	assert_non_null(text);
	return text;
}

static int named(const tev *ev, size_t n, const char *what, double pid, double tid)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ev[i].ph, "M") && !strcmp(ev[i].name, what) && ev[i].pid == pid &&
		    (isnan(tid) || ev[i].tid == tid) && ev[i].argname[0])
			return 1;
	return 0;
}

static void test_fields_and_names(void **state)
{
	char dir[64], err[256];
	char *text = write_trace(dir, sizeof dir);
	assert_int_equal(json_check(text, strlen(text), err, sizeof err), 0);
	assert_non_null(strstr(text, "\"displayTimeUnit\": \"ms\""));
	assert_non_null(strstr(text, "\"otherData\""));
	size_t n;
	tev *ev = parse(text, &n);
	assert_true(n > 300);
	for (size_t i = 0; i < n; i++) {
		const tev *e = &ev[i];
		assert_true(e->ph[0] && e->name[0] && isfinite(e->pid) && isfinite(e->tid));
		if (strchr("XiC", e->ph[0]))
			assert_true(isfinite(e->ts));
		if (e->ph[0] == 'X')
			assert_true(isfinite(e->dur) && e->dur >= 0 && e->cat[0]);
		if (e->ph[0] == 'i')
			assert_string_equal(e->s, "t");
		if (e->ph[0] == 'X' || e->ph[0] == 'i') { /* its process and track named */
			assert_true(named(ev, n, "process_name", e->pid, NAN));
			if (!named(ev, n, "thread_name", e->pid, e->tid))
				fail_msg("pid %g tid %g has no thread_name", e->pid, e->tid);
		}
	}
	/* the runs, as results.csv lists them */
	const char *procs[] = { "threads+gil C=3 rep 1 fib:n=30", "threads C=3 rep 1 fib:n=30",
				"epoll C=4 rep 1 sleep:ms=20", "coro C=4 rep 1 sleep:ms=20",
				"hybrid C=4 rep 1 mixed:delay_ms=5,fib=30" };
	for (size_t k = 0; k < N_ELEMS(procs); k++) {
		size_t i = 0;
		while (i < n && (strcmp(ev[i].name, "process_name") || ev[i].pid != k + 1))
			i++;
		assert_true(i < n);
		assert_string_equal(ev[i].argname, procs[k]);
	}
	free(text);
	snprintf(err, sizeof err, "rm -rf '%s'", dir);
	assert_int_equal(system(err), 0);
}

/* X events of one track: each starts at or after the last one's end. */
static void test_nesting(void **state)
{
	char dir[64], cmd[128];
	char *text = write_trace(dir, sizeof dir);
	size_t n, checked = 0;
	tev *ev = parse(text, &n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const tev *a = &ev[i], *b = &ev[j];
			if (a->ph[0] != 'X' || b->ph[0] != 'X' || a->pid != b->pid ||
			    a->tid != b->tid)
				continue;
			int apart =
				b->ts >= a->ts + a->dur - 1e-6 || a->ts >= b->ts + b->dur - 1e-6;
			int inside = (b->ts >= a->ts && b->ts + b->dur <= a->ts + a->dur) ||
				     (a->ts >= b->ts && a->ts + a->dur <= b->ts + b->dur);
			if (!apart && !inside)
				fail_msg("pid %g tid %g: %s at %g+%g overlaps %s at %g+%g", a->pid,
					 a->tid, a->name, a->ts, a->dur, b->name, b->ts, b->dur);
			checked++;
		}
	assert_true(checked > 1000);
	free(text);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static size_t count(const tev *ev, size_t n, const char *ph, double pid, const char *name)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += !strcmp(ev[i].ph, ph) && ev[i].pid == pid && strstr(ev[i].name, name);
	return k;
}

static void test_what_it_shows(void **state)
{
	char dir[64], cmd[128];
	char *text = write_trace(dir, sizeof dir);
	size_t n;
	tev *ev = parse(text, &n);
	/* threads+gil: six hand-offs, the holder counter, runs named by task */
	assert_int_equal(count(ev, n, "i", 1, "handoff"), 6);
	assert_true(count(ev, n, "C", 1, "GIL holder") >= 9);
	assert_int_equal(count(ev, n, "X", 1, "run task 2"), 3);
	assert_true(count(ev, n, "X", 1, "gil") >= 6);
	/* plain threads: no GIL counter */
	assert_int_equal(count(ev, n, "C", 2, "GIL holder"), 0);
	/* epoll: a track per task, the ready queue counted */
	assert_true(named(ev, n, "thread_name", 3, 1));
	for (int t = 0; t < 8; t++) {
		char name[16];
		snprintf(name, sizeof name, "task %d", t);
		size_t i = 0;
		while (i < n && (strcmp(ev[i].name, "thread_name") || ev[i].pid != 3 ||
				 strcmp(ev[i].argname, name)))
			i++;
		assert_true(i < n);
	}
	assert_true(count(ev, n, "C", 3, "ready queue (loop 4244)") > 0);
	/* hybrid: worker 2's buffer filled at 20 ms */
	size_t i = 0;
	while (i < n && !(ev[i].pid == 5 && strstr(ev[i].name, "120 events dropped")))
		i++;
	assert_true(i < n);
	assert_string_equal(ev[i].ph, "i");
	assert_true(ev[i].tid == 3 && ev[i].ts == 20000);
	free(text);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Results without state events: no trace.json. */
static void test_none(void **state)
{
	res_run *runs;
	size_t n;
	char err[256];
	assert_int_equal(
		csv_read_results("tests/fixtures/plot-fib/results.csv", &runs, &n, err, sizeof err),
		0);
	assert_int_equal(plot_trace("tests/fixtures/plot-fib", runs, n, stderr, err, sizeof err),
			 0);
	assert_int_equal(access("tests/fixtures/plot-fib/trace.json", F_OK), -1);
	free(runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_and_names),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_what_it_shows),
		cmocka_unit_test(test_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
