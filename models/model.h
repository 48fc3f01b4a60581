/*
 * model.h - the one executor interface.
 *
 * A model is an executor: it runs N tasks of one workload with at most C in
 * flight. It gets a task table that lives in memory shared with the harness
 * (mmap MAP_SHARED|MAP_ANONYMOUS), so a model built on processes writes results
 * straight into it. A model only decides *where* and *when* each task runs; it
 * calls model_exec() to run one, and that one function does the timing and
 * bookkeeping for every model alike. A model never prints: it returns
 * MODEL_OK, or MODEL_ERROR / MODEL_LIMIT with a reason in the table
 * ("pthread_create EAGAIN at 31211 threads").
 *
 * Adding a model: one file defining a model_kind, one line in registry.c (registry.h finds models
 * by name).
 */
#ifndef CB_MODEL_H
#define CB_MODEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "workloads/workload.h"
#include "models/gil.h"

#define MODEL_MAX_OPTS 8
#define MODEL_MSGLEN   256

enum { MODEL_OK = 0, MODEL_ERROR = 1, MODEL_LIMIT = 2 };

/* One task's record. Times are CLOCK_MONOTONIC ns; submit is the run's t0. */
typedef struct {
	uint64_t start_ns, end_ns;
	uint64_t digest;
	int32_t worker;   /* lane: thread slot, process slot, coroutine ... */
	int32_t cpu;      /* CPU the task started on */
	int32_t err;      /* 0, or an errno-like code */
	atomic_uint runs; /* how many times it ran: must end as 1 */
} model_task;

/* The shared task table. One per run; the harness reads it after the run. */
typedef struct {
	size_t n;           /* tasks of this run (model_table_use) */
	size_t cap;         /* tasks it has room for */
	uint64_t t0_ns;     /* submission of every task */
	atomic_size_t next; /* shared queue head for models that want one */
	atomic_int status;  /* MODEL_* as reported by the run */
	atomic_int nerr;    /* tasks that failed */
	atomic_flag msg_taken, why_taken;
	uint64_t gil_switches;  /* +gil: hand-offs forced at check points */
	char msg[MODEL_MSGLEN]; /* the first task's error: "task 3: ..." */
	char why[MODEL_MSGLEN]; /* why the model stopped (model_fail), if it did */
	model_task task[];
} model_table;

/* Options a model accepts: "threads:stack=64k". An option named gil_...
 * is only accepted with the +gil flag. */
typedef struct {
	const char *name;
	int is_size; /* value takes k/m/g suffixes */
	const char *def;
	int64_t min, max;
	const char *help;
	/* Optional: refuse, at parse time, a value in range that no run could
	 * take (a stack below this system's pthread minimum): 0, or -1 with
	 * why in msg ("is below ..."), which the parser prefixes with the option. */
	int (*check)(int64_t v, char *msg, size_t len);
} model_opt_def;

typedef struct model_kind model_kind;

/* A parsed model spec: NAME[+FLAG...][:key=value,...], flags first. */
typedef struct {
	const model_kind *kind;
	char text[64];  /* as written: "threads+gil:stack=64k" */
	unsigned flags; /* bit k: kind->flags[k] was given */
	int nopts;
	struct {
		const model_opt_def *def;
		int64_t num;
	} o[MODEL_MAX_OPTS];
} model_spec;

/* Everything one run of a model needs. */
typedef struct {
	const model_spec *model;
	const wl_spec *wl;
	size_t n;   /* tasks */
	unsigned c; /* most tasks in flight; pool size */
	model_table *table;
	void *prep; /* what prepare() set up, or NULL */
} model_run;

struct model_kind {
	const char *name;
	const char *summary;
	const model_opt_def *opts; /* terminated by a zero entry; may be NULL */
	/* Flags it accepts ("gil" for NAME+gil), NULL-terminated; may be NULL.
	 * At most 32. */
	const char *const *flags;
	int (*run)(model_run *r);
	/* Optional set-up that is not the work, done in the run's process before
	 * t0 (coro maps its stacks here, as a warm pool would have them). It
	 * leaves its state in r->prep; run() owns and frees it, and must also
	 * work with prep == NULL, as when a test calls run() alone. */
	int (*prepare)(model_run *r);
};

/* model.c */
model_table *model_table_new(size_t n); /* shared mapping; NULL on error */
void model_table_free(model_table *t);
void model_table_reset(model_table *t); /* before each run */
/* Before a run of n tasks (<= the room it was made with; a server sweep's
 * runs differ in N): reset, with n tasks. */
void model_table_use(model_table *t, size_t n);
/* In the run's process before t0: map the table's pages of the run's tasks
 * (MADV_POPULATE_WRITE). A shared mapping's pages are not mapped in a forked
 * child until it touches them, and a first touch costs tens of us on a VM. */
void model_table_populate(model_table *t);
/* Map [p, p+bytes) - an executor's per-lane or per-task arrays, just
 * allocated - with one system call (MADV_POPULATE_WRITE), rather than a page
 * fault each as the run first writes them: a fault costs ~40 us on the VM
 * this was built on, more than the tasks themselves. */
void model_mem_populate(void *p, size_t bytes);
int64_t model_opt(const model_spec *m, const char *name);
/* Was +flag given? */
int model_flag(const model_spec *m, const char *flag);
/* model_exec in two halves, for models that interleave tasks on one thread
 * (event loops): begin stamps the start, CPU and lane; end the finish, digest
 * and error. A task that failed for want of file descriptors (EMFILE, ENFILE)
 * also stops the run as a limit that says how to raise it. */
void model_task_begin(model_run *r, size_t i, int worker);
void model_task_end(model_run *r, size_t i, const wl_result *res);
/* Run task i on lane `worker` with I/O backend io: stamps start/end, CPU,
 * digest and error into the table. Safe from any thread or process. */
void model_exec(model_run *r, size_t i, int worker, wl_io *io);
/* io itself, or, when --timeline records (models/timeline.h) and io
 * blocks, *tmp made into io inside a backend that records its waits and
 * ticks at its check points (model_exec uses it for every task). */
wl_io *model_timeline_io(wl_io *tmp, wl_io *io);
/* Record why the run stopped: MODEL_ERROR or MODEL_LIMIT, printf-style; the
 * first call wins. Kept apart from task errors, so a limit is reported as a
 * limit even after a task failed. Returns `code` so a model can
 * `return model_fail(r, MODEL_LIMIT, ...)`. */
int model_fail(model_run *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Fault injection for tests of the limit paths: true when the environment
 * sets CONCBENCH_FAULT_SPAWN=K and this is the K-th (0-based) or a later
 * spawn of a thread or process. Models check it before each spawn and treat
 * it as EAGAIN; unset, it costs one getenv per spawn. */
int model_fault_spawn(size_t spawned);

/* model.c: what the models that spawn threads or processes share. */
const char *model_errname(int err); /* "EAGAIN"; never NULL */
/* A spawn failed with errno err while `alive` of them ran. Out of threads or
 * processes (EAGAIN) or memory is a limit of the machine, anything else a
 * fault: records "pthread_create EAGAIN at 47 threads" (call, err, alive,
 * unit) and returns MODEL_LIMIT or MODEL_ERROR. */
int model_spawn_failed(model_run *r, const char *call, int err, size_t alive, const char *unit);
/* Thread attributes with the model's "stack" option; MODEL_OK, else the
 * failure is recorded and attr needs no destroy. */
int model_thread_attr(model_run *r, pthread_attr_t *attr);
/* model_opt_def.check of a thread "stack" option: 0 (the default) or at
 * least PTHREAD_STACK_MIN as this system has it. */
int model_stack_check(int64_t v, char *msg, size_t len);
/* Wait for any child listed in pid[0..lanes) to end; return its slot, with
 * pid[slot] set to 0 and its wait status in *wstatus. -1 if waiting failed
 * (recorded), which leaves nothing to wait for. */
int model_reap(model_run *r, pid_t *pid, size_t lanes, int *wstatus);
/* A child's end in words: "killed by signal 9 (Killed)". */
void model_describe_exit(char *buf, size_t len, int wstatus);
/* Task i was lost with its process: err ECHILD, unless it already failed. */
void model_task_lost(model_run *r, size_t i);

/* model.c: the emulated GIL (+gil) for the models built on threads. */
extern const char *const model_gil_flags[]; /* { "gil", NULL } */
/* The run's GIL: *g = NULL without +gil, else a new one with the switch
 * interval gil_interval_ms. MODEL_OK, or the failure recorded. */
int model_gil_start(model_run *r, gil **g);
/* After every thread is joined: note the switch count in the table, free. */
void model_gil_stop(model_run *r, gil *g);
/* An I/O backend for a thread that holds g while it computes: sleep_until
 * and wait_fd release g around the blocking call and take it back after;
 * checkpoint is gil_checkpoint; nogil_begin/end release and re-acquire.
 * io->ctx is g. */
void model_gil_io(wl_io *io, gil *g);

#endif
