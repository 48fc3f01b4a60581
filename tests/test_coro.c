/* test_coro.c - the coroutine switch keeps registers, FP modes and alignment; stacks are reused. */
/* A switch keeps every callee-saved register and each coroutine's own FP control state (rounding
 * mode), keeps the stack aligned, survives a million round trips, and the pool reuses stacks.
 * The coro model on top: test_coro_model.c. */
#define _GNU_SOURCE
#include <fenv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "models/coroutine.h"

static int memcheck(void)
{
	return getenv("CB_MEMCHECK") != NULL;
}

/* ---- callee-saved registers survive a round trip ---- */

/* regs_roundtrip(from, to, out, seed): load seed+1, seed+2, ... into every
 * callee-saved register, coroutine_switch(from, to), and store what they hold
 * when the switch returns into out[]. Written in assembly so that nothing
 * but the switch stands between the loads and the stores. */
void regs_roundtrip(coroutine *from, coroutine *to, uint64_t *out, uint64_t seed);
#if defined(__x86_64__)
#define NREGS 6 /* rbx rbp r12 r13 r14 r15 */
__asm__(".text\n"
	".globl regs_roundtrip\n"
	".type regs_roundtrip, @function\n"
	"regs_roundtrip:\n"
	"	pushq %rbp; pushq %rbx; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"	pushq %rdx\n" /* out; also makes rsp 16-aligned for the call */
	"	leaq 1(%rcx), %rbx; leaq 2(%rcx), %rbp; leaq 3(%rcx), %r12\n"
	"	leaq 4(%rcx), %r13; leaq 5(%rcx), %r14; leaq 6(%rcx), %r15\n"
	"	call coroutine_switch@PLT\n"
	"	popq %rdx\n"
	"	movq %rbx, 0(%rdx); movq %rbp, 8(%rdx); movq %r12, 16(%rdx)\n"
	"	movq %r13, 24(%rdx); movq %r14, 32(%rdx); movq %r15, 40(%rdx)\n"
	"	popq %r15; popq %r14; popq %r13; popq %r12; popq %rbx; popq %rbp\n"
	"	ret\n"
	".size regs_roundtrip, .-regs_roundtrip\n");
#elif defined(__aarch64__)
#define NREGS 19 /* x19-x29, d8-d15 */
__asm__(".text\n"
	".globl regs_roundtrip\n"
	".type regs_roundtrip, %function\n"
	"regs_roundtrip:\n"
	"	stp x29, x30, [sp, #-176]!\n"
	"	stp x19, x20, [sp, #16]\n	stp x21, x22, [sp, #32]\n"
	"	stp x23, x24, [sp, #48]\n	stp x25, x26, [sp, #64]\n"
	"	stp x27, x28, [sp, #80]\n	stp d8, d9, [sp, #96]\n"
	"	stp d10, d11, [sp, #112]\n	stp d12, d13, [sp, #128]\n"
	"	stp d14, d15, [sp, #144]\n	str x2, [sp, #160]\n"
	"	add x19, x3, #1\n	add x20, x3, #2\n	add x21, x3, #3\n"
	"	add x22, x3, #4\n	add x23, x3, #5\n	add x24, x3, #6\n"
	"	add x25, x3, #7\n	add x26, x3, #8\n	add x27, x3, #9\n"
	"	add x28, x3, #10\n	add x29, x3, #11\n"
	"	add x9, x3, #12\n	fmov d8, x9\n	add x9, x3, #13\n	fmov d9, x9\n"
	"	add x9, x3, #14\n	fmov d10, x9\n	add x9, x3, #15\n	fmov d11, x9\n"
	"	add x9, x3, #16\n	fmov d12, x9\n	add x9, x3, #17\n	fmov d13, x9\n"
	"	add x9, x3, #18\n	fmov d14, x9\n	add x9, x3, #19\n	fmov d15, x9\n"
	"	bl coroutine_switch\n"
	"	ldr x2, [sp, #160]\n"
	"	stp x19, x20, [x2, #0]\n	stp x21, x22, [x2, #16]\n"
	"	stp x23, x24, [x2, #32]\n	stp x25, x26, [x2, #48]\n"
	"	stp x27, x28, [x2, #64]\n	str x29, [x2, #80]\n"
	"	stp d8, d9, [x2, #88]\n	stp d10, d11, [x2, #104]\n"
	"	stp d12, d13, [x2, #120]\n	stp d14, d15, [x2, #136]\n"
	"	ldp x19, x20, [sp, #16]\n	ldp x21, x22, [sp, #32]\n"
	"	ldp x23, x24, [sp, #48]\n	ldp x25, x26, [sp, #64]\n"
	"	ldp x27, x28, [sp, #80]\n	ldp d8, d9, [sp, #96]\n"
	"	ldp d10, d11, [sp, #112]\n	ldp d12, d13, [sp, #128]\n"
	"	ldp d14, d15, [sp, #144]\n"
	"	ldp x29, x30, [sp], #176\n"
	"	ret\n"
	".size regs_roundtrip, .-regs_roundtrip\n");
#endif

typedef struct {
	coroutine *self, *main;
	uint64_t out[32];
} regs_ctx;

static void regs_co(void *arg)
{
	regs_ctx *x = arg;
	regs_roundtrip(x->self, x->main, x->out, 0xc0c0000000000000u);
}

static void test_callee_saved(void **state)
{
#ifdef NREGS
	coroutine_pool *p = coroutine_pool_new(16 << 10);
	regs_ctx x = { .main = coroutine_main(p) };
	uint64_t out[32] = { 0 };

	x.self = coroutine_create(p, regs_co, &x);
	assert_non_null(x.self);
	regs_roundtrip(x.main, x.self, out, 0x5a5a000000000000u); /* co loads its own */
	coroutine_switch(x.main, x.self);                         /* co ends */
	assert_true(coroutine_done(x.self));
	for (int k = 0; k < NREGS; k++) {
		assert_int_equal(out[k], 0x5a5a000000000000u + (uint64_t)k + 1);
		assert_int_equal(x.out[k], 0xc0c0000000000000u + (uint64_t)k + 1);
	}
	coroutine_free(x.self);
	coroutine_pool_free(p);
#else
	skip();
#endif
}

/* ---- each coroutine keeps its own FP control state ---- */

static const int modes[] = { FE_TONEAREST, FE_UPWARD, FE_DOWNWARD };
#define NMODES 3

/* 1/3 rounds differently in each mode: SSE (MXCSR) or FPCR for double, the
 * x87 control word for long double on x86-64. Not inlined: without
 * FENV_ACCESS the compiler may move a division across fesetround(). */
__attribute__((noinline)) static double third(void)
{
	volatile double a = 1.0, b = 3.0;
	return a / b;
}

__attribute__((noinline)) static long double lthird(void)
{
	volatile long double a = 1.0L, b = 3.0L;
	return a / b;
}

typedef struct {
	coroutine *a, *b, *main;
	double want[NMODES];
	long double lwant[NMODES];
	int bad;
} fenv_ctx;

static void fenv_check(fenv_ctx *x, int m)
{
	x->bad += fegetround() != modes[m];
	x->bad += x->want[1] != x->want[2] && third() != x->want[m];
#if defined(__x86_64__) || defined(__i386__)
	x->bad += x->lwant[1] != x->lwant[2] && lthird() != x->lwant[m];
	/* MXCSR itself, which fegetround() does not read and valgrind's
	 * divisions ignore: its rounding bits 13-14 are the x87 CW's 10-11 */
	unsigned csr;
	__asm__ volatile("stmxcsr %0" : "=m"(csr));
	x->bad += (int)(csr >> 13 & 3) != (modes[m] >> 10 & 3);
#endif
}

static void fenv_a(void *arg)
{
	fenv_ctx *x = arg;
	fesetround(FE_UPWARD);
	coroutine_switch(x->a, x->b);
	fenv_check(x, 1);
	coroutine_switch(x->a, x->b);
	fenv_check(x, 1);
}

static void fenv_b(void *arg)
{
	fenv_ctx *x = arg;
	fenv_check(x, 0); /* a new coroutine starts with its creator's mode */
	fesetround(FE_DOWNWARD);
	coroutine_switch(x->b, x->a);
	fenv_check(x, 2);
	coroutine_switch(x->b, x->a);
}

static void test_fenv_per_coroutine(void **state)
{
	coroutine_pool *p = coroutine_pool_new(16 << 10);
	fenv_ctx x = { .main = coroutine_main(p) };

	for (int m = 0; m < NMODES; m++) {
		assert_int_equal(fesetround(modes[m]), 0);
		x.want[m] = third();
		x.lwant[m] = lthird();
	}
	/* Valgrind rounds every division to nearest: then only fegetround()
	 * shows the mode. */
	if (x.want[1] == x.want[2])
		print_message("rounding modes do not change arithmetic here: checked "
			      "fegetround() only\n");
	fesetround(FE_TONEAREST);
	x.a = coroutine_create(p, fenv_a, &x);
	x.b = coroutine_create(p, fenv_b, &x);
	coroutine_switch(x.main, x.a); /* a, b, a, b, a ends */
	fenv_check(&x, 0);
	coroutine_switch(x.main, x.b); /* b ends */
	fenv_check(&x, 0);
	assert_int_equal(x.bad, 0);
	assert_true(coroutine_done(x.a) && coroutine_done(x.b));
	coroutine_free(x.a);
	coroutine_free(x.b);
	coroutine_pool_free(p);
}

/* ---- the stack is aligned as the ABI wants at every call ---- */

__attribute__((noinline)) static void aligned_co(void *arg)
{
	char buf[64];
	int *bad = arg;
	/* printf's varargs spill vector registers with aligned stores. */
	snprintf(buf, sizeof buf, "%.3f %.3Lf", 1.5, (long double)2.25);
	*bad += strcmp(buf, "1.500 2.250") != 0;
	*bad += (uintptr_t)__builtin_frame_address(0) % 16 != 0;
}

static void test_stack_aligned(void **state)
{
	coroutine_pool *p = coroutine_pool_new(16 << 10);
	int bad = 0;
	coroutine *c = coroutine_create(p, aligned_co, &bad);
	coroutine_switch(coroutine_main(p), c);
	assert_true(coroutine_done(c));
	assert_int_equal(bad, 0);
	coroutine_free(c);
	coroutine_pool_free(p);
}

/* ---- a million round trips ---- */

typedef struct {
	coroutine *a, *b, *main;
	long n, count, bad;
	int stop;
} pp_ctx;

static void ping(void *arg)
{
	pp_ctx *x = arg;
	for (long mine = 1; mine <= x->n; mine++) {
		x->count++;
		coroutine_switch(x->a, x->b);
		x->bad += x->count != 2 * mine; /* mine lives in a register */
	}
	x->stop = 1;
}

static void pong(void *arg)
{
	pp_ctx *x = arg;
	for (long mine = 1; !x->stop; mine++) {
		x->count++;
		coroutine_switch(x->b, x->a);
		x->bad += !x->stop && x->count != 2 * mine + 1;
	}
}

static void test_ping_pong(void **state)
{
	coroutine_pool *p = coroutine_pool_new(16 << 10);
	pp_ctx x = { .main = coroutine_main(p), .n = memcheck() ? 10000 : 1000000 };

	x.a = coroutine_create(p, ping, &x);
	x.b = coroutine_create(p, pong, &x);
	coroutine_switch(x.main, x.a); /* returns when ping ends */
	coroutine_switch(x.main, x.b); /* pong sees stop and ends */
	assert_int_equal(x.count, 2 * x.n);
	assert_int_equal(x.bad, 0);
	assert_true(coroutine_done(x.a) && coroutine_done(x.b));
	coroutine_free(x.a);
	coroutine_free(x.b);
	coroutine_pool_free(p);
}

/* ---- stacks come back to the pool ---- */

typedef struct {
	coroutine *self, *main;
	long *ran;
} slot_ctx;

static void park_once(void *arg)
{
	slot_ctx *s = arg;
	(*s->ran)++;
	coroutine_switch(s->self, s->main);
	(*s->ran)++;
}

static void test_pool_reuse(void **state)
{
	enum { ALIVE = 5, TOTAL = 10000 };
	coroutine_pool *p = coroutine_pool_new(16 << 10);
	slot_ctx s[ALIVE] = { { 0 } };
	long ran = 0;

	for (int i = 0; i < TOTAL + ALIVE; i++) {
		slot_ctx *x = &s[i % ALIVE];
		if (x->self) { /* the slot's last coroutine: let it end */
			coroutine_switch(x->main, x->self);
			assert_true(coroutine_done(x->self));
			coroutine_free(x->self);
			x->self = NULL;
		}
		if (i >= TOTAL)
			continue;
		*x = (slot_ctx){ coroutine_create(p, park_once, x), coroutine_main(p), &ran };
		assert_non_null(x->self);
		coroutine_switch(x->main, x->self); /* runs to its park */
	}
	assert_int_equal(ran, 2 * TOTAL);
	assert_int_equal(coroutine_pool_mapped(p), ALIVE);
	assert_int_equal(coroutine_pool_stack_size(p), 16 << 10);
	coroutine_pool_free(p);
}

/* reserve() carves its stacks from the pool's arena ahead of need; stacks
 * made later come from the arena too (freed with the pool, a munmap a
 * chunk). How few mappings that is: test_corostack.c. */
static void test_reserve_arena(void **state)
{
	enum { K = 8 };
	coroutine_pool *p = coroutine_pool_new(16 << 10);
	slot_ctx s[K + 1] = { { 0 } };
	long ran = 0;

	assert_int_equal(coroutine_pool_reserve(p, K, 0), K);
	assert_int_equal(coroutine_pool_mapped(p), K);
	for (int i = 0; i <= K; i++) {
		s[i] = (slot_ctx){ coroutine_create(p, park_once, &s[i]), coroutine_main(p), &ran };
		assert_non_null(s[i].self);
		/* the first K were reserved, the one past them is new: all from the arena */
		assert_true(coroutine_pool_in_arena(p, s[i].self));
		coroutine_switch(s[i].main, s[i].self);
	}
	assert_int_equal(coroutine_pool_mapped(p), K + 1);
	for (int i = 0; i < K; i++) {
		coroutine_switch(s[i].main, s[i].self);
		assert_true(coroutine_done(s[i].self));
	}
	coroutine_switch(s[K].main, s[K].self);
	assert_int_equal(ran, 2 * (K + 1));
	/* a second reserve adds to the same arena */
	assert_int_equal(coroutine_pool_reserve(p, 2, 0), 2);
	assert_int_equal(coroutine_pool_mapped(p), K + 3);
	for (int i = 0; i <= K; i++)
		coroutine_free(s[i].self);
	coroutine_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callee_saved),  cmocka_unit_test(test_fenv_per_coroutine),
		cmocka_unit_test(test_stack_aligned), cmocka_unit_test(test_ping_pong),
		cmocka_unit_test(test_pool_reuse),    cmocka_unit_test(test_reserve_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
