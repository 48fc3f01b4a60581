/*
 * memsample.h - the memory of every process of a run, sampled while it runs.
 *
 * wait4() gives the peak RSS of the largest single process: right for the
 * models that are one process, wrong for fork and prefork, whose memory is
 * their processes' together. So while a run goes on, the runner samples its
 * process tree (each process's children from /proc/PID/task/PID/children,
 * the main thread's, which is where the process models fork) and adds up
 * /proc/PID/statm: each process's resident pages that are not shared, plus
 * the shared pages once (the largest count of them: libraries and the
 * shared task table are mapped by all). Copy-on-write pages a child has not
 * written yet are still counted in each process, so the sum leans high for
 * fork, never low. Reading statm takes no lock the run needs.
 */
#ifndef CB_MEMSAMPLE_H
#define CB_MEMSAMPLE_H

#include <sys/types.h>

/* The run's memory now, in KiB, over root and every process below it; -1
 * when root's cannot be read (it has ended). */
long memsample_tree_kib(pid_t root);

/* The machine's kernel stacks now, in KiB (/proc/meminfo's KernelStack:
 * THREAD_SIZE, 16 KiB on x86-64, for every thread alive); -1 if unread. A
 * run's threads cost this beside their resident memory, which leaves it
 * out; it is the whole machine's, so other work's threads count too. */
long memsample_kernel_stack_kib(void);
/* The value of "Key:   N kB" in meminfo text; -1 when it has none. */
long memsample_parse_meminfo(const char *text, const char *key);

/* One process's statm figures in KiB, from the file's text (for tests):
 * resident and shared. 0, or -1 when the text is not statm's. */
int memsample_parse_statm(const char *text, long page_kib, long *resident, long *shared);

#endif
