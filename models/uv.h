/* uv.h - the "uv" model (uv.c): the resumable tasks on libuv's own loop,
 * built when pkg-config finds libuv (libuv1-dev; the Makefile then defines
 * CB_HAVE_UV). Without it the model is still listed and each run is a limit. */
#ifndef CB_MODELS_UV_H
#define CB_MODELS_UV_H

#include <stddef.h>

/* Was concbench built with libuv? 0, or -1 with why in words ("uv
 * unavailable (built without libuv1-dev ...)"), as a run would report it. */
int uvmodel_available(char *why, size_t len);

#endif
