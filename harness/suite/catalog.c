/*
 * catalog.c - where suites come from. The Makefile compiles the files of
 * harness/suite/builtin into a table (suite_builtin[], suite_nbuiltin), so
 * an installed binary carries them; a name that is not a built-in is read
 * as a file, and a directory as all its .suite files.
 */
#define _GNU_SOURCE
#include "harness/suite/catalog.h"
#include "harness/report/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The table the Makefile generates from the files in harness/suite/builtin. */
struct suite_text {
	const char *name, *text;
};
extern const struct suite_text suite_builtin[];
extern const unsigned suite_nbuiltin;

/* The built-ins in version order (L2 before L11). */
static const struct suite_text *builtin_at(size_t i)
{
	if (i >= suite_nbuiltin)
		return NULL;
	const struct suite_text *pick = NULL;
	/* the i-th smallest: few suites, no table to keep */
	for (size_t k = 0; k < suite_nbuiltin; k++) {
		size_t below = 0;
		for (size_t j = 0; j < suite_nbuiltin; j++)
			if (strverscmp(suite_builtin[j].name, suite_builtin[k].name) < 0)
				below++;
		if (below == i)
			pick = &suite_builtin[k];
	}
	return pick;
}

size_t catalog_builtin_count(void)
{
	return suite_nbuiltin;
}
const char *catalog_builtin_name(size_t i)
{
	const struct suite_text *t = builtin_at(i);
	return t ? t->name : NULL;
}
const char *catalog_builtin_text(size_t i)
{
	const struct suite_text *t = builtin_at(i);
	return t ? t->text : NULL;
}

int catalog_load(const char *name_or_file, suite *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < catalog_builtin_count(); i++)
		if (!strcmp(name_or_file, catalog_builtin_name(i))) {
			char file[128];
			snprintf(file, sizeof file, "harness/suite/builtin/%s.suite", name_or_file);
			return suite_parse(catalog_builtin_text(i), file, s, err, errlen);
		}
	if (access(name_or_file, F_OK) != 0 && !strchr(name_or_file, '/') &&
	    !strstr(name_or_file, ".suite")) {
		snprintf(err, errlen, "no built-in suite or file '%s' (see: concbench list suites)",
			 name_or_file);
		return -1;
	}
	size_t len;
	char *text = file_slurp(name_or_file, SUITE_MAX_FILE, &len, err, errlen);
	if (!text)
		return -1;
	int rc = suite_parse_bytes(text, len, name_or_file, s, err, errlen);
	free(text);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

int catalog_load_dir(const char *dir, suite **out, size_t *n, char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	char *names[256];
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(d)) && nn < 256) {
		size_t l = strlen(e->d_name);
		if (l <= 6 || strcmp(e->d_name + l - 6, ".suite") != 0 || e->d_name[0] == '.')
			continue;
		if (!(names[nn] = strdup(e->d_name)))
			break;
		nn++;
	}
	closedir(d);
	qsort(names, nn, sizeof *names, cmp_str);
	int rc = 0;
	suite *s = calloc(nn ? nn : 1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (size_t i = 0; i < nn; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (rc == 0 && catalog_load(path, &s[i], err, errlen) < 0)
			rc = -1;
		free(names[i]);
	}
	if (rc < 0) {
		free(s);
		return -1;
	}
	*out = s;
	*n = nn;
	return 0;
}
