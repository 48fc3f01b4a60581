/* select.h - the select backend of models/loop.h (select.c, which also holds the model):
 * select(), at most FD_SETSIZE fds. */
#ifndef CB_MODELS_SELECT_H
#define CB_MODELS_SELECT_H

#include "models/loop.h"

extern const loop_backend loop_backend_select;

#endif
