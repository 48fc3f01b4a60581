/* result.c - a load run's figures: made, freed, merged across threads (see result.h). */
#include "harness/load/result.h"

#include <string.h>

int load_result_init(load_result *r, int exact)
{
	memset(r, 0, sizeof *r);
	if (load_hist_init(&r->corrected, exact) == 0 &&
	    load_hist_init(&r->uncorrected, exact) == 0 && load_hist_init(&r->send_delay, 0) == 0)
		return 0;
	load_result_free(r);
	return -1;
}

void load_result_free(load_result *r)
{
	load_hist_free(&r->corrected);
	load_hist_free(&r->uncorrected);
	load_hist_free(&r->send_delay);
}

int load_result_merge(load_result *dst, const load_result *src)
{
	dst->ok += src->ok;
	dst->bytes += src->bytes;
	dst->unfinished += src->unfinished;
	dst->unsent += src->unsent;
	dst->interrupted |= src->interrupted;
	for (int k = 0; k < LOAD_ERR_KINDS; k++) {
		if (!dst->errors[k] && src->errors[k])
			memcpy(dst->first_error[k], src->first_error[k],
			       sizeof dst->first_error[k]);
		dst->errors[k] += src->errors[k];
	}
	int a = load_hist_merge(&dst->corrected, &src->corrected);
	int b = load_hist_merge(&dst->uncorrected, &src->uncorrected);
	int c = load_hist_merge(&dst->send_delay, &src->send_delay);
	return a || b || c ? -1 : 0;
}

uint64_t load_result_errors(const load_result *r)
{
	uint64_t n = 0;
	for (int k = 0; k < LOAD_ERR_KINDS; k++)
		n += r->errors[k];
	return n;
}
