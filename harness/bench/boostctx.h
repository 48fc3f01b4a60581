/*
 * boostctx.h - Boost.Context's jump_fcontext beside our switch (boostctx.c):
 * loaded at run time, so that concbench itself never needs Boost.
 */
#ifndef CB_BENCH_BOOSTCTX_H
#define CB_BENCH_BOOSTCTX_H

#include <stddef.h>
#include <stdint.h>

/* What a row says when the library cannot be had. */
#define BOOSTCTX_MISSING "Boost.Context not installed (make deps-bench)"

typedef struct boostctx boostctx;

/* dlopen lib (NULL: $CONCBENCH_BOOST_CONTEXT, else "libboost_context.so",
 * which libboost-context-dev installs) and find jump_fcontext and
 * make_fcontext. NULL when it cannot, with BOOSTCTX_MISSING and dlerror()'s
 * reason in why. */
boostctx *boostctx_open(const char *lib, char *why, size_t len);
void boostctx_close(boostctx *b);
/* n round trips (2n switches, each one jump_fcontext one way) between the
 * caller and one context; returns the ns they took, or -1. */
int64_t boostctx_roundtrips(boostctx *b, long n);
/* n lives: make_fcontext on a stack, jump in, the context jumps back and is
 * dropped; returns the ns they took, or -1. */
int64_t boostctx_lives(boostctx *b, long n);

#endif
