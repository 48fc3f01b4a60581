/*
 * test_coro.c - the coroutine core and the coro model.
 *
 * The core: a switch keeps every callee-saved register and each coroutine's
 * own FP control state (rounding mode), keeps the stack aligned, survives a
 * million round trips, and reuses stacks from its pool. The model: runs every
 * task exactly once with the same run digest as sequential, resumes a
 * coroutine from readiness or its deadline, turns a stack overflow into a
 * clean message and exit 70, and names vm.max_map_count when stacks run out.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "model_fixture.h"

#include "../models/coro.h"

extern const model_kind model_coro, model_sequential;

#ifndef MANY_IDLE
#define MANY_IDLE 100000 /* -DMANY_IDLE=... to try the test where maps are few */
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

static int memcheck(void)
{
	return getenv("CB_MEMCHECK") != NULL;
}

/* ---- callee-saved registers survive a round trip ---- */

/* regs_roundtrip(from, to, out, seed): load seed+1, seed+2, ... into every
 * callee-saved register, coro_switch(from, to), and store what they hold
 * when the switch returns into out[]. Written in assembly so that nothing
 * but the switch stands between the loads and the stores. */
void regs_roundtrip(coro *from, coro *to, uint64_t *out, uint64_t seed);
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
	"	call coro_switch@PLT\n"
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
	"	bl coro_switch\n"
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
	coro *self, *main;
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
	coro_pool *p = coro_pool_new(0);
	regs_ctx x = { .main = coro_main(p) };
	uint64_t out[32] = { 0 };

	x.self = coro_create(p, regs_co, &x);
	assert_non_null(x.self);
	regs_roundtrip(x.main, x.self, out, 0x5a5a000000000000u); /* co loads its own */
	coro_switch(x.main, x.self);                              /* co ends */
	assert_true(coro_done(x.self));
	for (int k = 0; k < NREGS; k++) {
		assert_int_equal(out[k], 0x5a5a000000000000u + (uint64_t)k + 1);
		assert_int_equal(x.out[k], 0xc0c0000000000000u + (uint64_t)k + 1);
	}
	coro_free(x.self);
	coro_pool_free(p);
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
	coro *a, *b, *main;
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
#endif
}

static void fenv_a(void *arg)
{
	fenv_ctx *x = arg;
	fesetround(FE_UPWARD);
	coro_switch(x->a, x->b);
	fenv_check(x, 1);
	coro_switch(x->a, x->b);
	fenv_check(x, 1);
}

static void fenv_b(void *arg)
{
	fenv_ctx *x = arg;
	fenv_check(x, 0); /* a new coroutine starts with its creator's mode */
	fesetround(FE_DOWNWARD);
	coro_switch(x->b, x->a);
	fenv_check(x, 2);
	coro_switch(x->b, x->a);
}

static void test_fenv_per_coroutine(void **state)
{
	coro_pool *p = coro_pool_new(0);
	fenv_ctx x = { .main = coro_main(p) };

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
	x.a = coro_create(p, fenv_a, &x);
	x.b = coro_create(p, fenv_b, &x);
	coro_switch(x.main, x.a); /* a, b, a, b, a ends */
	fenv_check(&x, 0);
	coro_switch(x.main, x.b); /* b ends */
	fenv_check(&x, 0);
	assert_int_equal(x.bad, 0);
	assert_true(coro_done(x.a) && coro_done(x.b));
	coro_free(x.a);
	coro_free(x.b);
	coro_pool_free(p);
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
	coro_pool *p = coro_pool_new(0);
	int bad = 0;
	coro *c = coro_create(p, aligned_co, &bad);
	coro_switch(coro_main(p), c);
	assert_true(coro_done(c));
	assert_int_equal(bad, 0);
	coro_free(c);
	coro_pool_free(p);
}

/* ---- a million round trips ---- */

typedef struct {
	coro *a, *b, *main;
	long n, count, bad;
	int stop;
} pp_ctx;

static void ping(void *arg)
{
	pp_ctx *x = arg;
	for (long mine = 1; mine <= x->n; mine++) {
		x->count++;
		coro_switch(x->a, x->b);
		x->bad += x->count != 2 * mine; /* mine lives in a register */
	}
	x->stop = 1;
}

static void pong(void *arg)
{
	pp_ctx *x = arg;
	for (long mine = 1; !x->stop; mine++) {
		x->count++;
		coro_switch(x->b, x->a);
		x->bad += !x->stop && x->count != 2 * mine + 1;
	}
}

static void test_ping_pong(void **state)
{
	coro_pool *p = coro_pool_new(0);
	pp_ctx x = { .main = coro_main(p), .n = memcheck() ? 10000 : 1000000 };

	x.a = coro_create(p, ping, &x);
	x.b = coro_create(p, pong, &x);
	coro_switch(x.main, x.a); /* returns when ping ends */
	coro_switch(x.main, x.b); /* pong sees stop and ends */
	assert_int_equal(x.count, 2 * x.n);
	assert_int_equal(x.bad, 0);
	assert_true(coro_done(x.a) && coro_done(x.b));
	coro_free(x.a);
	coro_free(x.b);
	coro_pool_free(p);
}

/* ---- stacks come back to the pool ---- */

typedef struct {
	coro *self, *main;
	long *ran;
} slot_ctx;

static void park_once(void *arg)
{
	slot_ctx *s = arg;
	(*s->ran)++;
	coro_switch(s->self, s->main);
	(*s->ran)++;
}

static void test_pool_reuse(void **state)
{
	enum { ALIVE = 5, TOTAL = 10000 };
	coro_pool *p = coro_pool_new(16 << 10);
	slot_ctx s[ALIVE] = { { 0 } };
	long ran = 0;

	for (int i = 0; i < TOTAL + ALIVE; i++) {
		slot_ctx *x = &s[i % ALIVE];
		if (x->self) { /* the slot's last coroutine: let it end */
			coro_switch(x->main, x->self);
			assert_true(coro_done(x->self));
			coro_free(x->self);
			x->self = NULL;
		}
		if (i >= TOTAL)
			continue;
		*x = (slot_ctx){ coro_create(p, park_once, x), coro_main(p), &ran };
		assert_non_null(x->self);
		coro_switch(x->main, x->self); /* runs to its park */
	}
	assert_int_equal(ran, 2 * TOTAL);
	assert_int_equal(coro_pool_mapped(p), ALIVE);
	assert_int_equal(coro_pool_stack_size(p), 16 << 10);
	coro_pool_free(p);
}

/* ---- the model: workloads and specs made by hand ---- */

static void wl_make(wl_spec *w, const char *name, const char *key, int64_t val)
{
	char err[WL_ERRLEN];
	memset(w, 0, sizeof *w);
	w->kind = wl_find(name);
	assert_non_null(w->kind);
	for (const wl_param_def *d = w->kind->params; d && d->name; d++) {
		int mine = key && strcmp(key, d->name) == 0;
		w->p[w->nparams].def = d;
		w->p[w->nparams].num = mine ? val : strtoll(d->def, NULL, 10);
		snprintf(w->p[w->nparams].text, sizeof w->p[0].text, "%s", d->def);
		w->nparams++;
	}
	assert_int_equal(wl_prepare(w, err, sizeof err), 0);
}

static void coro_spec(model_spec *m, const model_kind *k, int64_t stack)
{
	memset(m, 0, sizeof *m);
	m->kind = k;
	snprintf(m->text, sizeof m->text, "%s", k->name);
	if (stack) {
		m->o[0].def = &k->opts[0]; /* coro's one option: stack */
		m->o[0].num = stack;
		m->nopts = 1;
	}
}

static uint64_t run_digest(const model_table *t)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < t->n; i++)
		acc = wl_run_digest_add(acc, i, t->task[i].digest);
	return acc;
}

/* Every task once, on a lane below C, with no error; returns the digest. */
static uint64_t run_checked(const model_kind *k, const wl_spec *w, size_t n, unsigned c)
{
	model_spec m;
	int rc;
	coro_spec(&m, k, 0);
	model_table *t = run_spec(&m, w, n, c, &rc);
	if (rc != MODEL_OK)
		fail_msg("%s n=%zu c=%u: rc %d: %s / %s", k->name, n, c, rc, t->why, t->msg);
	assert_int_equal(atomic_load(&t->nerr), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(atomic_load(&t->task[i].runs), 1);
		assert_true(t->task[i].worker >= 0 && t->task[i].worker < (int)c);
		assert_true(t->task[i].end_ns >= t->task[i].start_ns);
	}
	uint64_t d = run_digest(t);
	model_table_free(t);
	return d;
}

/* The coro model agrees with sequential at each C in cs (0-terminated). */
static void same_as_sequential(const char *name, const char *key, int64_t val, size_t n,
			       const unsigned *cs)
{
	wl_spec w;
	wl_make(&w, name, key, val);
	uint64_t want = run_checked(&model_sequential, &w, n, 1);
	for (; *cs; cs++)
		assert_int_equal(run_checked(&model_coro, &w, n, *cs), want);
	wl_release(&w);
}

static void test_model_sleep(void **state)
{
	size_t n = memcheck() ? 100 : 1000;
	const unsigned cs[] = { (unsigned)n, 7, 0 };
	size_t fds = count_dir("/proc/self/fd");
	struct sigaction sa0, sa1;
	stack_t ss0, ss1;

	sigaction(SIGSEGV, NULL, &sa0);
	sigaltstack(NULL, &ss0);
	same_as_sequential("sleep", "ms", 5, n, cs); /* sequential: n * 5 ms */
	sigaction(SIGSEGV, NULL, &sa1);
	sigaltstack(NULL, &ss1);
	assert_ptr_equal(sa1.sa_sigaction, sa0.sa_sigaction); /* handler put back */
	assert_int_equal(ss1.ss_flags, ss0.ss_flags);
	if (!(ss0.ss_flags & SS_DISABLE))
		assert_ptr_equal(ss1.ss_sp, ss0.ss_sp);
	assert_int_equal(count_dir("/proc/self/fd"), fds); /* the epoll fd closed */
}

static void test_model_cpu(void **state)
{
	const unsigned cs[] = { 1, 7, 1000, 0 };
	same_as_sequential("null", NULL, 0, 1000, cs);
	same_as_sequential("fib", "n", 12, 200, cs);
}

/* ---- wait_fd: woken by readiness, or by the deadline ---- */

/* Task i: i%3 == 0 sleeps 5 ms and writes to pipe i/3; 1 waits to read it;
 * 2 waits on a pipe nobody writes, until a deadline 5 ms away. */
static void pipes_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const int(*fd)[4] = w->state;
	const int *p = fd[i / 3];
	uint64_t now = wl_now_ns();
	char b = 'x';
	int got = 0;

	if (i % 3 == 0) {
		io->sleep_until(io, now + 5000000);
		got = (int)write(p[1], &b, 1);
	} else if (i % 3 == 1) {
		got = io->wait_fd(io, p[0], WL_READ, now + 10000000000u);
		if (got == WL_READ && read(p[0], &b, 1) != 1)
			got = -1;
	} else {
		got = io->wait_fd(io, p[2], WL_READ, now + 5000000);
	}
	int want = i % 3 == 0 ? 1 : i % 3 == 1 ? WL_READ : -ETIMEDOUT;
	if (got != want)
		wl_fail(r, EPROTO, "task %zu: got %d, want %d", i, got, want);
	r->digest = wl_digest_u64(i * 16 + (uint64_t)(got & 15));
}

static void test_model_wait_fd(void **state)
{
	static const wl_param_def none[] = { { 0 } };
	static const wl_kind pipes = {
		.name = "pipes", .summary = "", .cls = "io", .params = none, .run = pipes_run
	};
	enum { P = 20 };
	int fd[P][4];
	wl_spec w = { .kind = &pipes, .state = fd };
	unsigned cs[] = { 3 * P, 3, 1 };

	for (size_t k = 0; k < N_ELEMS(cs); k++) {
		for (int j = 0; j < P; j++) {
			assert_int_equal(pipe(fd[j]), 0);
			assert_int_equal(pipe(fd[j] + 2), 0);
		}
		run_checked(&model_coro, &w, 3 * P, cs[k]);
		for (int j = 0; j < P; j++)
			for (int e = 0; e < 4; e++)
				close(fd[j][e]);
	}
}

/* ---- stack overflow: a clean message and exit 70 ---- */

__attribute__((noinline)) static int deep(int n)
{
	volatile char buf[256];
	buf[0] = (char)n;
	int r = n == 0 ? 0 : deep(n - 1);
	__asm__ volatile("" : : "r"(buf) : "memory"); /* no tail call, no loop */
	return r + buf[0];
}

static void deep_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	r->digest = (uint64_t)deep(1 << 20);
}

static void test_stack_overflow(void **state)
{
	static const wl_param_def none[] = { { 0 } };
	static const wl_kind recurse = {
		.name = "recurse", .summary = "", .cls = "cpu", .params = none, .run = deep_run
	};
	const char *want = "concbench: coroutine stack overflow (stack=16k): raise coro:stack=";
	wl_spec w = { .kind = &recurse };
	char msg[512] = "";
	int pfd[2], status;
	size_t len = 0;
	ssize_t k;

	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		model_spec m;
		int rc;
		dup2(pfd[1], 2);
		coro_spec(&m, &model_coro, 16 << 10);
		model_table_free(run_spec(&m, &w, 1, 1, &rc));
		_exit(0); /* not reached: the overflow ends the process */
	}
	close(pfd[1]);
	while ((k = read(pfd[0], msg + len, sizeof msg - 1 - len)) > 0)
		len += (size_t)k;
	msg[len] = 0;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 70)
		fail_msg("child: status %#x, stderr: %s", status, msg);
	if (!strstr(msg, want))
		fail_msg("stderr: %s", msg);
}

/* ---- many coroutines; and what happens when the kernel's maps run out ---- */

static long map_limit(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long m = -1;
	if (f && fscanf(f, "%ld", &m) != 1)
		m = -1;
	if (f)
		fclose(f);
	return m;
}

static void test_many_idle(void **state)
{
	size_t n = memcheck() ? 10000 : MANY_IDLE;
	long maps = map_limit();
	wl_spec w;
	model_spec m;
	int rc;

	if (maps < 0 || (size_t)maps < 2 * n + 10000) {
		print_message("skipped: %zu stacks need 2 maps each, vm.max_map_count is %ld\n", n,
			      maps);
		skip();
	}
	wl_make(&w, "sleep", "ms", 50);
	coro_spec(&m, &model_coro, 16 << 10);
	model_table *t = run_spec(&m, &w, n, (unsigned)n, &rc);
	if (rc != MODEL_OK)
		fail_msg("rc %d: %s / %s", rc, t->why, t->msg);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(atomic_load(&t->task[i].runs), 1);
	model_table_free(t);
	wl_release(&w);
}

static void test_map_limit(void **state)
{
	long maps = map_limit();
	char want[64];
	wl_spec w;
	model_spec m;
	int rc;

	if (memcheck() || ASAN) {
		print_message("skipped: ASan's or valgrind's own mmaps fail near the limit\n");
		skip();
	}
	if (maps < 0 || maps > 150000) {
		print_message("skipped: vm.max_map_count is %ld (too many stacks to reach)\n",
			      maps);
		skip();
	}
	size_t n = (size_t)maps / 2 + 1000, ran = 0;
	wl_make(&w, "sleep", "ms", 20);
	coro_spec(&m, &model_coro, 16 << 10);
	model_table *t = run_spec(&m, &w, n, (unsigned)n, &rc);
	assert_int_equal(rc, MODEL_LIMIT);
	assert_non_null(strstr(t->why, "coroutine stacks: mmap ENOMEM at "));
	snprintf(want, sizeof want, "vm.max_map_count is %ld", maps);
	assert_non_null(strstr(t->why, want));
	for (size_t i = 0; i < n; i++) { /* what started, finished cleanly */
		unsigned runs = atomic_load(&t->task[i].runs);
		assert_true(runs <= 1);
		assert_int_equal(t->task[i].err, 0);
		ran += runs;
	}
	assert_true(ran > 0 && ran < n);
	model_table_free(t);
	wl_release(&w);
}

/* The same limit anywhere, through the fault hook: the 6th stack fails. */
static void test_spawn_fault(void **state)
{
	wl_spec w;
	model_spec m;
	int rc;

	wl_make(&w, "sleep", "ms", 5);
	coro_spec(&m, &model_coro, 0);
	setenv("CONCBENCH_FAULT_SPAWN", "5", 1);
	model_table *t = run_spec(&m, &w, 20, 20, &rc);
	unsetenv("CONCBENCH_FAULT_SPAWN");
	assert_int_equal(rc, MODEL_LIMIT);
	assert_non_null(strstr(t->why, "coroutine stacks: mmap ENOMEM at 5 stacks"));
	assert_non_null(strstr(t->why, "raise it with sysctl -w vm.max_map_count="));
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(atomic_load(&t->task[i].runs), i < 5);
		assert_int_equal(t->task[i].err, 0);
	}
	model_table_free(t);
	wl_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callee_saved),   cmocka_unit_test(test_fenv_per_coroutine),
		cmocka_unit_test(test_stack_aligned),  cmocka_unit_test(test_ping_pong),
		cmocka_unit_test(test_pool_reuse),     cmocka_unit_test(test_model_sleep),
		cmocka_unit_test(test_model_cpu),      cmocka_unit_test(test_model_wait_fd),
		cmocka_unit_test(test_stack_overflow), cmocka_unit_test(test_many_idle),
		cmocka_unit_test(test_map_limit),      cmocka_unit_test(test_spawn_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
