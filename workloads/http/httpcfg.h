/*
 * httpcfg.h - where an HTTP client task connects and what it asks for, made
 * once from a workload's parameters (url, or the bundled target), read-only
 * in every task.
 */
#ifndef CB_HTTPCFG_H
#define CB_HTTPCFG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "workloads/workload.h"

/* The parameters of every workload that fetches, first in its table;
 * delay_ms and size are the bundled target's, so they apply only without a url. */
/* clang-format off */
#define HTTPCFG_PARAMS                                                                         \
	{ .name = "delay_ms", .type = WL_INT, .def = "100", .min = 0, .max = 600000,        \
	  .per_task = 1, .applies = httpcfg_needs_target,                                   \
	  .help = "how long the bundled target waits before it replies (not with url)" },   \
	{ .name = "size", .type = WL_SIZE, .def = "1024", .min = 0, .max = 64 << 20,        \
	  .per_task = 1, .applies = httpcfg_needs_target,                                   \
	  .help = "body bytes the bundled target sends (4k, 1m; not with url)" },           \
	{ .name = "url", .type = WL_STR, .def = "",                                         \
	  .help = "http://host[:port]/path to GET instead of the bundled target" },         \
	{ .name = "keepalive", .type = WL_INT, .def = "0", .min = 0, .max = 1,              \
	  .help = "0: a connection per task (requests.get); "                               \
		  "1: reuse idle ones, per thread (requests.Session)" },                    \
	{ .name = "timeout_ms", .type = WL_INT, .def = "30000", .min = 1, .max = 3600000,   \
	  .help = "each task's deadline, for connect, send and receive together" },         \
	{ .name = "blocking", .type = WL_INT, .def = "0", .min = 0, .max = 1,               \
	  .help = "1: a teaching pitfall: wait with plain poll() even on an event loop or "  \
		  "coroutines, stalling every task there (listing 2-20)" }
/* clang-format on */

/* Where to connect and what to ask: built by init, read-only in tasks. */
struct httpcfg {
	struct sockaddr_in addr;
	uint64_t pool_key;   /* names this target in the keep-alive pool */
	char authority[128]; /* host[:port] as given: the Host header */
	char path[192];      /* the request target; the query follows if seeded */
	int seeded;          /* bundled target: ?delay_ms=D&size=S&seed=i follows */
	int keepalive;
	int hold;     /* keepalive on the task's own connection (httpclient.h) */
	int blocking; /* the pitfall: wait past the model's backend */
	int64_t timeout_ms;
	int ndelay, nsize; /* per-task lists: task i asks for entry i % count */
	int64_t delay_ms[WL_MAX_VALUES], size[WL_MAX_VALUES];
	/* Not NULL: send POST with these body_len bytes (and a Content-Length)
	 * instead of GET. The caller's memory, read-only, sent as it is from
	 * there by every request; set it after httpcfg_url/httpcfg_init, which
	 * clear it (the http workloads never set it: they GET). */
	const char *body;
	size_t body_len;
	/* For a caller that sends one request over and over (concbench load):
	 * head, when not NULL, is the whole request head, made once
	 * (httpclient_head) instead of formatted per request; nodigest skips
	 * hashing bodies nobody will look at (r->digest is then that of no
	 * bytes). */
	const char *head;
	size_t head_len;
	int nodigest;
};

/* Fill c from w's parameters (url, or w->target), resolving the host once.
 * 0, or -1 with "name: ..." in err. */
int httpcfg_init(struct httpcfg *c, const wl_spec *w, const char *name, char *err, size_t errlen);

/* Fill c from a url alone ("http://host[:port]/path"), as `concbench
 * load` takes it; the other fields are the caller's. 0, or -1 with
 * "name: ..." in err. */
int httpcfg_url(struct httpcfg *c, const char *url, const char *name, char *err, size_t errlen);

/* wl_kind.needs_target: the bundled target, unless a url is given. */
int httpcfg_needs_target(const wl_spec *w);

#endif
