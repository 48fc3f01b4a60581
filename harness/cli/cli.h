/* cli.h - the commands: parse options, call the module that does the work. */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <signal.h>

/* Each returns the process exit code: 0 ok, 1 a run failed, 2 usage error. */
int cli_run(int argc, char **argv, volatile sig_atomic_t *stop);
int cli_list(int argc, char **argv);
int cli_topo(int argc, char **argv);
int cli_bench(int argc, char **argv, volatile sig_atomic_t *stop);
int cli_serve(int argc, char **argv, volatile sig_atomic_t *stop);
int cli_plot(int argc, char **argv);
/* cli_suite.c */
int cli_suite(int argc, char **argv, volatile sig_atomic_t *stop);
int cli_reproduce(int argc, char **argv, volatile sig_atomic_t *stop);
int cli_list_suites(void); /* `concbench list suites` */
void cli_usage(FILE *f);

#endif
