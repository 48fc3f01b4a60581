/*
 * cli.h - what the commands share: help flags, usage errors, and a small
 * option table that parses a command's arguments the same way everywhere.
 *
 * The commands themselves (harness/cli/<name>.c, each a cli_<name>()) are
 * declared by the command table in harness/main.c, not here.
 */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <stdint.h>
#include <stdio.h>

/* Whether arg asks for a command's help: -h or --help. */
int cli_is_help(const char *arg);

/* "concbench CMD: MESSAGE" on stderr; returns rc (2 for a usage error). */
int cli_fail(const char *cmd, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same, then "(see: concbench CMD --help)"; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef enum {
	CLI_FLAG, /* no value: *(int *)dst = 1 */
	CLI_TEXT, /* a value: *(const char **)dst = it */
	CLI_INT,  /* a whole number in min..max: *(int64_t *)dst = it */
} cli_opt_type;

typedef struct {
	const char *name;  /* "--out" */
	const char *alias; /* "-o", or NULL */
	cli_opt_type type;
	void *dst;
	const char *value; /* the "needs ..." of a missing value; NULL: "a value" */
	int eq;            /* also takes --name=VALUE */
	int64_t min, max;  /* CLI_INT's range */
} cli_opt;

/* -o DIR, --out DIR, --out=DIR: where results go (a const char ** dst). */
#define CLI_OPT_OUT(dst_)                                                                          \
	{                                                                                          \
		.name = "--out", .alias = "-o", .type = CLI_TEXT, .dst = (dst_), .eq = 1           \
	}

typedef struct {
	const char *cmd;       /* for messages: "concbench CMD: ..." */
	const cli_opt *opts;   /* ends with a { NULL } row */
	const char **operand;  /* where one positional argument goes; NULL: none taken */
	void (*usage)(FILE *); /* printed on stdout for -h/--help */
	int see_help;          /* usage errors end with "(see: concbench CMD --help)" */
} cli_parser;


/* Parse argv[1..argc) (argv[0] is the command's name) in order. Returns -1
 * to go on, 0 when help was printed, 2 after a usage error (printed). */
int cli_parse(const cli_parser *p, int argc, char **argv);

#endif
