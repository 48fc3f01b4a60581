/* registry.c - the table of models. Adding a model: one file, one line here. */
#include <string.h>

#include "models/registry.h"

extern const model_kind model_sequential, model_threads, model_pool, model_fork, model_prefork,
	model_select, model_poll, model_epoll, model_uring, model_uv, model_coro, model_hybrid;

static const model_kind *const all[] = {
	&model_sequential, &model_threads, &model_pool,  &model_fork,  &model_prefork,
	&model_select,     &model_poll,    &model_epoll, &model_uring, &model_uv,
	&model_coro,       &model_hybrid,  NULL,
};

const model_kind *const *model_all(void)
{
	return all;
}

const model_kind *model_find(const char *name)
{
	for (const model_kind *const *m = all; *m; m++)
		if (strcmp((*m)->name, name) == 0)
			return *m;
	return NULL;
}
