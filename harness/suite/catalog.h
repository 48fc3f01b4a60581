/*
 * catalog.h - where suites come from: the built-ins compiled into the
 * binary (the .suite files of harness/suite/builtin), a suite file, or every
 * .suite file of a directory.
 */
#ifndef CB_CATALOG_H
#define CB_CATALOG_H

#include <stddef.h>

#include "harness/suite/suite.h"

/* A built-in suite by name (L5), or else a file by path. 0, or -1 with err. */
int catalog_load(const char *name_or_file, suite *s, char *err, size_t errlen);
/* Every *.suite file of dir, sorted by name, into a malloc'd array; 0 or -1. */
int catalog_load_dir(const char *dir, suite **out, size_t *n, char *err, size_t errlen);
/* The built-in suites, in version order (L2 before L11). */
size_t catalog_builtin_count(void);
const char *catalog_builtin_name(size_t i);
const char *catalog_builtin_text(size_t i);

#endif
