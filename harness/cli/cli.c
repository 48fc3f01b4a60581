/*
 * cli.c - the option parsing the commands share.
 *
 * Every command answers -h/--help on stdout with exit 0, and every bad
 * argument gets a message that names it and exit 2. cli_parse() walks a
 * command's table of options once, in order, so the commands only say which
 * options they take; a number goes through spec_int(), as in spec files.
 */
#include "harness/cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/spec.h"

int cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

static void vsay(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "concbench %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_fail(const char *cmd, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(cmd, fmt, ap);
	va_end(ap);
	return rc;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "(see: concbench %s --help)\n", cmd);
	return 2;
}

/* A usage error of p's command: with or without the pointer to --help. */
static int bad(const cli_parser *p, const char *arg, const char *why)
{
	if (p->see_help)
		return cli_usage_error(p->cmd, "%s: %s", arg, why);
	return cli_fail(p->cmd, 2, "%s: %s", arg, why);
}

/* The option arg names, and in *eq_value its value when given as --name=V. */
static const cli_opt *find(const cli_opt *opts, const char *arg, const char **eq_value)
{
	*eq_value = NULL;
	for (const cli_opt *o = opts; o && o->name; o++) {
		size_t len = strlen(o->name);
		if (!strcmp(arg, o->name) || (o->alias && !strcmp(arg, o->alias)))
			return o;
		if (o->eq && o->type != CLI_FLAG && !strncmp(arg, o->name, len) &&
		    arg[len] == '=') {
			*eq_value = arg + len + 1;
			return o;
		}
	}
	return NULL;
}

/* Store one option's value; returns -1 ok, else 2 after the message. */
static int store(const cli_parser *p, const cli_opt *o, const char *arg, const char *value)
{
	char err[160];
	switch (o->type) {
	case CLI_FLAG: *(int *)o->dst = 1; break;
	case CLI_TEXT: *(const char **)o->dst = value; break;
	case CLI_INT:
		if (spec_int(value, o->min, o->max, 0, o->dst, err, sizeof err) < 0)
			return bad(p, arg, err);
		break;
	}
	return -1;
}

int cli_parse(const cli_parser *p, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		if (cli_is_help(arg)) {
			p->usage(stdout);
			return 0;
		}
		const cli_opt *o = find(p->opts, arg, &value);
		if (!o && arg[0] != '-' && p->operand && !*p->operand) {
			*p->operand = arg;
			continue;
		}
		if (!o)
			return bad(p, arg,
				   arg[0] != '-' ? "unexpected argument" : "unknown option");
		if (o->type != CLI_FLAG && !value) {
			if (i + 1 == argc) {
				char needs[64];
				snprintf(needs, sizeof needs, "needs %s",
					 o->value ? o->value : "a value");
				return bad(p, arg, needs);
			}
			value = argv[++i];
		}
		int rc = store(p, o, arg, value);
		if (rc >= 0)
			return rc;
	}
	return -1;
}
