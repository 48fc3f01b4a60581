/* poll.h - the poll backend of models/loop.h (poll.c, which also holds the model):
 * poll(), an array of pollfd. */
#ifndef CB_MODELS_POLL_H
#define CB_MODELS_POLL_H

#include "models/loop.h"

extern const loop_backend loop_backend_poll;

#endif
