/* test_file.c - the atomic writer and slurp: round trip, failures leave the target be. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "harness/report/file.h"

static int setup_tmp(void **state)
{
	static char tmpl[64];
	strcpy(tmpl, "/tmp/cb_test_file.XXXXXX");
	if (!mkdtemp(tmpl))
		return -1;
	*state = tmpl;
	return 0;
}

/* The directory holds only plain files here: remove them, then it. */
static int teardown_tmp(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", (const char *)*state);
	return system(cmd) == 0 ? 0 : -1;
}

static int fill_numbers(FILE *f, const void *arg)
{
	for (int i = 0; i < *(const int *)arg; i++)
		fprintf(f, "%d\n", i);
	return 0;
}

static int fill_refuses(FILE *f, const void *arg)
{
	fputs("half a file", f);
	return EPROTO;
}

static void test_round_trip(void **state)
{
	const char *dir = *state;
	char err[256] = "", path[256];
	size_t len = 99;
	int n = 3000;

	snprintf(path, sizeof path, "%s/a.txt", dir);
	assert_int_equal(file_write_text(dir, "a.txt", "one\0two", 7, err, sizeof err), 0);
	char *got = file_slurp(path, 1 << 20, &len, err, sizeof err);
	assert_non_null(got);
	assert_int_equal(len, 7);
	assert_memory_equal(got, "one\0two", 8); /* the NUL after the end too */
	free(got);

	/* rewritten whole, bigger than slurp's first buffer */
	assert_int_equal(file_write(dir, "a.txt", fill_numbers, &n, err, sizeof err), 0);
	got = file_slurp(path, 1 << 20, NULL, err, sizeof err);
	assert_non_null(got);
	assert_true(strlen(got) > 8192);
	assert_true(strncmp(got, "0\n1\n2\n", 6) == 0);
	assert_non_null(strstr(got, "\n2999\n"));
	free(got);

	/* an empty file is an empty string, not a failure */
	assert_int_equal(file_write_text(dir, "empty", "", 0, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/empty", dir);
	got = file_slurp(path, 1 << 20, &len, err, sizeof err);
	assert_non_null(got);
	assert_int_equal(len, 0);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(file_sync_dir(dir, err, sizeof err), 0);
}

static void test_failures_leave_target(void **state)
{
	const char *dir = *state;
	char err[512] = "", path[512], missing[256];
	struct stat st;

	snprintf(path, sizeof path, "%s/keep.txt", dir);
	assert_int_equal(file_write_text(dir, "keep.txt", "old\n", 4, err, sizeof err), 0);

	/* the fill function fails: the old content stays, no temp file */
	assert_int_equal(file_write(dir, "keep.txt", fill_refuses, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot write "));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(EPROTO)));
	char *got = file_slurp(path, 1 << 20, NULL, err, sizeof err);
	assert_non_null(got);
	assert_string_equal(got, "old\n");
	free(got);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = keep.txt", dir);
	assert_int_equal(system(cmd), 0);

	/* into a directory that does not exist: an error naming it */
	snprintf(missing, sizeof missing, "%s/no/such", dir);
	assert_int_equal(file_write_text(missing, "x", "x", 1, err, sizeof err), -1);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, strerror(ENOENT)));
	snprintf(path, sizeof path, "%s/x", missing);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(file_sync_dir(missing, err, sizeof err), -1);
	assert_non_null(strstr(err, missing));
}

static void test_slurp_errors(void **state)
{
	const char *dir = *state;
	char err[256] = "", path[256];

	snprintf(path, sizeof path, "%s/absent.txt", dir);
	assert_null(file_slurp(path, 1 << 20, NULL, err, sizeof err));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));

	/* a directory opens but cannot be read */
	assert_null(file_slurp(dir, 1 << 20, NULL, err, sizeof err));
	assert_non_null(strstr(err, dir));
	assert_non_null(strstr(err, strerror(EISDIR)));

	/* an endless file stops at the limit instead of eating memory */
	assert_null(file_slurp("/dev/zero", 4096, NULL, err, sizeof err));
	assert_non_null(strstr(err, "/dev/zero: too big (over 4096 bytes)"));
	size_t len = 0;
	char *got = file_slurp("/dev/zero", 0, &len, err, sizeof err);
	assert_null(got);
	/* exactly at the limit is fine */
	snprintf(path, sizeof path, "%s/four.txt", dir);
	assert_int_equal(file_write_text(dir, "four.txt", "abcd", 4, err, sizeof err), 0);
	got = file_slurp(path, 4, &len, err, sizeof err);
	assert_non_null(got);
	assert_int_equal(len, 4);
	assert_string_equal(got, "abcd");
	free(got);
	assert_null(file_slurp(path, 3, NULL, err, sizeof err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_failures_leave_target, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_slurp_errors, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests_name("file", tests, NULL, NULL);
}
