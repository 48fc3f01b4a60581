/* registry.h - every model by name (the table is registry.c's). */
#ifndef CB_MODELS_REGISTRY_H
#define CB_MODELS_REGISTRY_H

#include "models/model.h"

/* The model called name ("threads"; no options), or NULL. */
const model_kind *model_find(const char *name);
/* Every model, NULL-terminated, in the order `list` shows them. */
const model_kind *const *model_all(void);

#endif
