/* epoll.h - the epoll backend of models/loop.h (epoll.c, which also holds the model):
 * epoll is level-triggered; loop_backend_epoll_et is the same with EPOLLET. */
#ifndef CB_MODELS_EPOLL_H
#define CB_MODELS_EPOLL_H

#include "models/loop.h"

extern const loop_backend loop_backend_epoll, loop_backend_epoll_et;

#endif
