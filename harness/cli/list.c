/*
 * list.c - `concbench list [models|workloads|suites]`: what there is to run,
 * with every parameter's default and range, read from the registries.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/suite/catalog.h"
#include "models/model.h"
#include "workloads/workload.h"
#include "models/registry.h"
#include "workloads/registry.h"

static void list_workloads(FILE *f)
{
	fprintf(f, "workloads (NAME:key=value,...):\n");
	for (const wl_kind *const *w = wl_all(); *w; w++) {
		fprintf(f, "  %-8s %-3s  %s\n", (*w)->name, (*w)->cls, (*w)->summary);
		for (const char *h = (*w)->help; h && *h;
		     h += strcspn(h, "\n") + !!h[strcspn(h, "\n")])
			fprintf(f, "      %.*s\n", (int)strcspn(h, "\n"), h);
		for (const wl_param_def *d = (*w)->params; d && d->name; d++) {
			char range[80];
			if (d->type == WL_ENUM)
				snprintf(range, sizeof range, "%s", d->choices);
			else if (d->type == WL_STR)
				snprintf(range, sizeof range, "text");
			else
				snprintf(range, sizeof range, "%lld..%lld%s", (long long)d->min,
					 (long long)d->max,
					 d->force_max ? " (more with --force)" : "");
			fprintf(f, "      %-10s default %-8s %s%s; %s\n", d->name, d->def, range,
				d->per_task ? " (a|b|...: per task)" : "", d->help);
		}
	}
}

/* What a model flag does, for the list. */
static const char *flag_help(const char *flag)
{
	if (!strcmp(flag, "gil"))
		return "emulate CPython's GIL: one lock held while a task computes, let go "
		       "while it waits, handed over after gil_interval_ms";
	return "";
}

static void list_models(FILE *f)
{
	fprintf(f, "models (NAME[+FLAG][:key=value,...]):\n");
	for (const model_kind *const *m = model_all(); *m; m++) {
		fprintf(f, "  %-10s %s\n", (*m)->name, (*m)->summary);
		for (const char *const *fl = (*m)->flags; fl && *fl; fl++)
			fprintf(f, "      +%-9s %s\n", *fl, flag_help(*fl));
		for (const model_opt_def *d = (*m)->opts; d && d->name; d++)
			fprintf(f, "      %-10s default %-8s %lld..%lld; %s\n", d->name, d->def,
				(long long)d->min, (long long)d->max, d->help);
	}
}

/* The built-in suites, each with its claim and expectations. */
static int list_suites(void)
{
	char err[512];
	suite *s = malloc(sizeof *s);
	if (!s)
		return 1;
	int rc = 0;
	printf("suites (concbench suite NAME [--quick]; concbench reproduce runs them all):\n");
	for (size_t i = 0; i < catalog_builtin_count(); i++) {
		if (catalog_load(catalog_builtin_name(i), s, err, sizeof err) < 0) {
			rc = cli_fail("list", 1, "%s", err);
			continue;
		}
		printf("  %-6s %s\n", s->name, s->claim);
		if (s->book[0])
			printf("         book: %s\n", s->book);
		for (int k = 0; k < s->nex; k++)
			printf("         expect %s\n", s->ex[k].text);
	}
	free(s);
	return rc;
}

static void list_usage(FILE *f)
{
	fprintf(f, "usage: concbench list [models|workloads|suites]\n\n"
		   "Lists the models and workloads with their parameters, defaults and ranges.\n");
}

int cli_list(int argc, char **argv, volatile sig_atomic_t *stop)
{
	const char *what = argc > 1 ? argv[1] : "all";
	if (argc > 2)
		return cli_fail("list", 2, "unexpected argument '%s'", argv[2]);
	if (cli_is_help(what)) {
		list_usage(stdout);
		return 0;
	}
	if (!strcmp(what, "suites"))
		return list_suites();
	int models = !strcmp(what, "models") || !strcmp(what, "all");
	int wls = !strcmp(what, "workloads") || !strcmp(what, "all");
	if (!models && !wls)
		return cli_fail("list", 2, "unknown list '%s' (models, workloads, suites)", what);
	if (models)
		list_models(stdout);
	if (models && wls)
		putchar('\n');
	if (wls)
		list_workloads(stdout);
	return 0;
}
