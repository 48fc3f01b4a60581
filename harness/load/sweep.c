/* sweep.c - one load run per step (see sweep.h). */
#include "harness/load/sweep.h"

#include <stdlib.h>

#include "harness/load/table.h"

int load_sweep(const load_sweep_cfg *s, FILE *f, FILE *diag, load_step **steps, size_t *n)
{
	size_t nr = s->nrates ? s->nrates : 1, total = s->nconns * nr;
	int rc = 0, wrote = 1;

	*n = 0;
	*steps = calloc(total, sizeof **steps);
	if (!*steps) {
		fprintf(diag, "concbench load: out of memory for %zu steps\n", total);
		return 1;
	}
	for (size_t i = 0; i < total && rc != 130; i++) {
		load_cfg c = s->base;
		load_result r;
		char err[256];
		const char *failed = NULL;

		if (s->base.stop && *s->base.stop) { /* Ctrl-C between two steps */
			rc = 130;
			break;
		}

		c.conns = (unsigned)s->conns[i / nr];
		c.threads = s->threads < c.conns ? s->threads : c.conns;
		c.rate = s->nrates ? s->rates[i % nr] : 0;
		if (total > 1) {
			fprintf(f, "%sstep %zu of %zu: %u connection%s", i ? "\n" : "", i + 1,
				total, c.conns, c.conns == 1 ? "" : "s");
			if (c.rate > 0)
				fprintf(f, ", --rate %g", c.rate);
			fprintf(f, "\n");
		}
		if (load_result_init(&r, c.exact) < 0) {
			fprintf(diag, "concbench load: out of memory for the histograms\n");
			rc = 1;
			break;
		}
		if (load_run(&c, &r, err, sizeof err) < 0) {
			failed = err;
			fprintf(diag, "concbench load: step %zu: %s\n", i + 1, err);
		} else {
			load_table(f, s->url, &c, &r, s->spectrum);
		}
		fflush(f);
		load_step_fill(&(*steps)[i], (unsigned)i + 1, s->url, &c, &r, failed);
		*n = i + 1;
		if (r.interrupted)
			rc = 130;
		else if (!failed && !r.ok)
			fprintf(diag, "concbench load: step %zu: no request succeeded: nothing "
				      "measured (errors above)\n",
				i + 1);
		if (!r.interrupted && (failed || !r.ok))
			rc = 1;
		load_result_free(&r);
		if (s->out && wrote && load_out_write(s->out, *steps, *n) < 0) {
			fprintf(diag, "concbench load: %s\n", load_out_error(s->out));
			wrote = 0; /* once is enough; the table is on f anyway */
			if (rc != 130)
				rc = 1;
		}
	}
	if (*n > 1)
		load_table_steps(f, *steps, *n);
	return rc;
}
