/*
 * httpclient.c - one HTTP GET (or POST) as a resumable task (see httpclient.h).
 *
 * The phases: connect a non-blocking socket (EINPROGRESS, then wait until it
 * is writable and read SO_ERROR), send the request (the head, then a POST's
 * body straight from the caller's memory, as much as the socket takes each
 * time, whatever its size, never copied), read the reply into the
 * incremental parser until it says the reply is complete. Each phase does
 * all it can without blocking, then names the one event it waits for, always
 * with the task's deadline: a server that never answers costs a timeout, not
 * a stuck model. The deadline is also checked on every step, whatever woke it,
 * and after every recv that returned data: a server that keeps sending (so
 * recv never says EAGAIN, or the fd is ready each time the loop looks) cannot
 * hold a task past it either; the same goes for a long body that the server
 * keeps taking. The socket is closed before the task reports done.
 *
 * keepalive=1 takes an idle connection from the thread's pool (httppool.c)
 * and puts it back after a whole reply. A pooled connection may have been
 * closed by the server meanwhile: one that dies before any reply byte is
 * replaced by a fresh connection once (a GET may be repeated; a POST only if
 * not one byte of it was written, see stale()). With hold
 * (concbench load's connections) the task keeps its own socket instead of
 * the pool's, and the same state sends the next GET on it.
 */
#define _GNU_SOURCE
#include "workloads/http/httpclient.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "workloads/http/httppool.h"

enum { T_START, T_CONNECTING, T_SENDING, T_RECEIVING };
enum { GO = -1, DONE = 0 }; /* phase results besides WL_READ, WL_WRITE */

/* What recv() reads into: one buffer per thread, not one on each task's
 * stack. A task parses and hashes all it read before it can wait (nothing
 * between recv and the parser's return yields), so the tasks a thread
 * interleaves never share it at once; the parser keeps its own copy of a
 * line cut short. On the stack it was a coroutine's deepest 4 KiB: a page
 * more to fault in for each of 1,000 coroutines (~20 us each on a VM). */
#define HTTPCLIENT_RECV_BUF 4096
static _Thread_local char recv_buf[HTTPCLIENT_RECV_BUF];

/* The XXH3 state, 64-byte aligned inside t->xxh_mem; if the model moved the
 * task state since the last call, the bytes are moved to the new alignment. */
static XXH3_state_t *body_hash(struct httpclient_task *t)
{
	uintptr_t at = ((uintptr_t)t->xxh_mem + 63) & ~(uintptr_t)63;
	unsigned off = (unsigned)(at - (uintptr_t)t->xxh_mem);

	if (off != t->xxh_off)
		memmove(t->xxh_mem + off, t->xxh_mem + t->xxh_off, sizeof(XXH3_state_t));
	t->xxh_off = off;
	return (XXH3_state_t *)at;
}

static void close_fd(struct httpclient_task *t)
{
	if (t->phase != T_START && t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->phase = T_START;
	t->unconfirmed = 0;
}

static int task_fail(struct httpclient_task *t, wl_result *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int task_fail(struct httpclient_task *t, wl_result *r, int err, const char *fmt, ...)
{
	char msg[WL_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	close_fd(t);
	wl_fail(r, err, "%s", msg);
	return DONE;
}

/* A fresh exchange on t->fd: new parser, new body digest. */
static int begin_exchange(struct httpclient_task *t)
{
	httpresp_init(&t->parser);
	XXH3_64bits_reset(body_hash(t));
	t->sent = 0;
	t->phase = T_SENDING;
	return GO;
}

static int task_connect(const struct httpcfg *c, struct httpclient_task *t, wl_result *r)
{
	int one = 1;

	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) /* EMFILE, ENFILE: the model reports a limit */
		return task_fail(t, r, errno, "socket: %s", strerror(errno));
	t->phase = T_CONNECTING;
	t->reused = t->unconfirmed = 0;
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* as urllib3 */
	if (connect(t->fd, (const struct sockaddr *)&c->addr, sizeof c->addr) == 0)
		return begin_exchange(t);
	if (errno == EINPROGRESS) {
		/* Send at once rather than wait to be told the handshake is
		 * done: over loopback or a LAN it often is by now (the kernel
		 * ran the peer's half inside connect), and if not, send says
		 * EAGAIN and the task waits to write, as it would have. It
		 * saves a wait, a registration and getsockopt a fetch, and
		 * puts the request out while the loop is still starting other
		 * tasks. A refused connection shows as send's error. */
		t->unconfirmed = 1;
		return begin_exchange(t);
	}
	return task_fail(t, r, errno, "connect to %s: %s", c->authority, strerror(errno));
}

static const char *phase_name(const struct httpclient_task *t)
{
	return t->phase == T_CONNECTING || t->unconfirmed ? "connect"
	       : t->phase == T_SENDING                    ? "sending"
	       : t->parser.head_done                      ? "reading the body"
							  : "waiting for the reply";
}

/* Past the deadline (set once the task has started)? */
static int past_deadline(const struct httpclient_task *t)
{
	return t->phase != T_START && wl_now_ns() >= t->deadline_ns;
}

static int timed_out(const struct httpcfg *c, struct httpclient_task *t, wl_result *r)
{
	return task_fail(t, r, ETIMEDOUT, "timed out after %lld ms (%s)", (long long)c->timeout_ms,
			 phase_name(t));
}

static int task_start(const struct httpcfg *c, struct httpclient_task *t, wl_result *r)
{
	t->deadline_ns = wl_now_ns() + (uint64_t)c->timeout_ms * 1000000u;
	if (t->held) {
		t->held = 0;
		t->reused = 1;
		return begin_exchange(t);
	}
	t->fd = c->keepalive ? httppool_get(c->pool_key) : -1;
	if (t->fd < 0)
		return task_connect(c, t, r);
	t->reused = 1;
	return begin_exchange(t);
}

static int task_connected(const struct httpcfg *c, struct httpclient_task *t, int ready,
			  wl_result *r)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (!(ready & WL_WRITE))
		return WL_WRITE;
	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return task_fail(t, r, err, "connect to %s: %s", c->authority, strerror(err));
	return begin_exchange(t);
}

/* A reused connection the server dropped before answering: start over on a
 * fresh one (once: a fresh connection is never reused). A GET is safe to
 * repeat (RFC 9110 9.2.2). A POST is not: once any byte of it is written we
 * cannot know whether the server read it and acted on it before the close
 * (a write into the kernel's buffer succeeds on a connection the server has
 * already dropped). So a POST is repeated only when the failure came before
 * its first byte was written; otherwise it fails, and the caller counts it. */
static int stale(const struct httpcfg *c, struct httpclient_task *t, int err)
{
	return t->reused && t->parser.seen == 0 && (!c->body || t->sent == 0) &&
	       (err == 0 || err == ECONNRESET || err == EPIPE);
}

static int retry_fresh(const struct httpcfg *c, struct httpclient_task *t, wl_result *r)
{
	/* The new socket is made while the old one is still open, so it cannot
	 * take the old one's number: a model keeps a registration while a task
	 * waits on the same fd and events (looptasks.c), and since the request
	 * goes out at once, the new socket would wait to read on the number the
	 * old one was watched for reading on, a file the loop never learns of. */
	int old = t->phase != T_START ? t->fd : -1, rc;
	t->fd = -1;
	t->phase = T_START;
	rc = task_connect(c, t, r);
	if (old >= 0)
		close(old);
	return rc;
}

#define QUERY_LEN 80

/* What follows c->path for the bundled target: task i's delay and size (each
 * from its per-task list) and the task index as the seed. */
static const char *seed_text(const struct httpcfg *c, size_t i, char seed[QUERY_LEN])
{
	seed[0] = '\0';
	if (c->seeded)
		snprintf(seed, QUERY_LEN, "?delay_ms=%lld&size=%lld&seed=%zu",
			 (long long)c->delay_ms[i % (size_t)c->ndelay],
			 (long long)c->size[i % (size_t)c->nsize], i);
	return seed;
}

size_t httpclient_head(const struct httpcfg *c, size_t i, char *buf, size_t len)
{
	char seed[QUERY_LEN], length[96] = "";

	if (c->body)
		snprintf(length, sizeof length,
			 "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n",
			 c->body_len);
	return (size_t)snprintf(buf, len,
				"%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: concbench\r\n"
				"Accept: */*\r\nAccept-Encoding: identity\r\n%s%s\r\n",
				c->body ? "POST" : "GET", c->path, seed_text(c, i, seed),
				c->authority, c->keepalive ? "" : "Connection: close\r\n", length);
}

/* The head to send: the one made once (c->head), or made now. */
static const char *request_head(const struct httpcfg *c, size_t i, char *buf, size_t len,
				size_t *hlen)
{
	if (c->head) {
		*hlen = c->head_len;
		return c->head;
	}
	size_t n = httpclient_head(c, i, buf, len);
	*hlen = n < len ? n : len - 1;
	return buf;
}

/* A connection whose handshake failed (err from the first send, or what
 * the socket says when that is only EPIPE): the task fails as a refused
 * connect does. */
static int connect_failed(const struct httpcfg *c, struct httpclient_task *t, wl_result *r, int err)
{
	int so = 0;
	socklen_t len = sizeof so;
	if (err == EPIPE && getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &so, &len) == 0 && so)
		err = so;
	return task_fail(t, r, err, "connect to %s: %s", c->authority, strerror(err));
}

/* Send the head, then the body (a POST's), as the socket takes them: t->sent
 * counts both, so a step resumes where the last one stopped. The head is
 * made again each step (it is small); the body goes from c->body itself. */
static int task_send(const struct httpcfg *c, size_t i, struct httpclient_task *t, wl_result *r)
{
	char buf[768];
	size_t hlen;
	const char *head = request_head(c, i, buf, sizeof buf, &hlen);
	size_t len = hlen + (c->body ? c->body_len : 0);

	while (t->sent < len) {
		struct iovec iov[2];
		size_t k = 0;
		if (t->sent < hlen)
			iov[k++] = (struct iovec){ (char *)head + t->sent, hlen - t->sent };
		if (c->body && c->body_len > 0) {
			size_t off = t->sent < hlen ? 0 : t->sent - hlen;
			iov[k++] = (struct iovec){ (char *)c->body + off, c->body_len - off };
		}
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = k };
		ssize_t n = sendmsg(t->fd, &m, MSG_NOSIGNAL);
		if (n >= 0) {
			t->unconfirmed = 0;
			t->sent += (size_t)n;
			if (t->sent < len && past_deadline(t)) /* the server keeps taking */
				return timed_out(c, t, r);
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return WL_WRITE;
		} else if (errno != EINTR) {
			if (t->unconfirmed) /* the handshake failed: ECONNREFUSED... */
				return connect_failed(c, t, r, errno);
			if (stale(c, t, errno))
				return retry_fresh(c, t, r);
			if (c->body && t->sent >= hlen && (errno == EPIPE || errno == ECONNRESET)) {
				/* The server stopped reading the body: it may have
				 * answered first (a 413); read what it said. */
				t->phase = T_RECEIVING;
				return GO;
			}
			return task_fail(t, r, errno, "send: %s", strerror(errno));
		}
	}
	t->phase = T_RECEIVING;
	return WL_READ; /* the reply cannot be there yet */
}

static int task_succeed(const struct httpcfg *c, struct httpclient_task *t, wl_result *r)
{
	r->digest = XXH3_64bits_digest(body_hash(t));
	if (c->keepalive && !t->parser.close && c->hold) {
		t->held = 1;
		t->phase = T_START;
		return DONE;
	}
	if (c->keepalive && !t->parser.close) {
		httppool_put(c->pool_key, t->fd);
		t->fd = -1;
	}
	close_fd(t);
	return DONE;
}

/* Feed received bytes to the parser, digesting body spans. */
static int task_feed(const struct httpcfg *c, size_t i, struct httpclient_task *t, const char *buf,
		     size_t len, wl_result *r)
{
	const char *span;
	size_t n;
	int rc;

	while ((rc = httpresp_parse(&t->parser, &buf, &len, &span, &n)) == HTTPRESP_BODY)
		if (!c->nodigest)
			XXH3_64bits_update(body_hash(t), span, n);
	if (t->parser.head_done && t->parser.status != 200) {
		char seed[QUERY_LEN];
		return task_fail(t, r, EPROTO, "HTTP %d %s from http://%s%s%s", t->parser.status,
				 t->parser.reason, c->authority, c->path, seed_text(c, i, seed));
	}
	if (rc == HTTPRESP_ERROR)
		return task_fail(t, r, EPROTO, "%s", t->parser.err);
	return rc == HTTPRESP_DONE ? task_succeed(c, t, r) : GO;
}

static int task_receive(const struct httpcfg *c, size_t i, struct httpclient_task *t, wl_result *r)
{
	char *buf = recv_buf;

	for (;;) {
		ssize_t n = recv(t->fd, buf, sizeof recv_buf, 0);
		if (n > 0) {
			int rc = task_feed(c, i, t, buf, (size_t)n, r);
			if (rc != GO)
				return rc;
			if (past_deadline(t)) /* the server keeps sending */
				return timed_out(c, t, r);
		} else if (n == 0) {
			if (stale(c, t, 0))
				return retry_fresh(c, t, r);
			if (httpresp_eof(&t->parser) == HTTPRESP_DONE)
				return task_succeed(c, t, r);
			return task_fail(t, r, EPROTO, "%s", t->parser.err);
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return WL_READ;
		} else if (errno != EINTR) {
			if (stale(c, t, errno))
				return retry_fresh(c, t, r);
			return task_fail(t, r, errno, "recv: %s", strerror(errno));
		}
	}
}

int httpclient_step(const struct httpcfg *c, size_t i, struct httpclient_task *t, int ready,
		    wl_wait *next, wl_result *r)
{
	int rc;

	if (ready < 0)
		rc = task_fail(t, r, -ready, "waiting (%s): %s", phase_name(t), strerror(-ready));
	else if (((ready & WL_TIMEOUT) && !(ready & (WL_READ | WL_WRITE))) || past_deadline(t))
		rc = timed_out(c, t, r);
	else
		rc = GO;
	while (rc == GO) {
		switch (t->phase) {
		case T_START: rc = task_start(c, t, r); break;
		case T_CONNECTING: rc = task_connected(c, t, ready, r); break;
		case T_SENDING: rc = task_send(c, i, t, r); break;
		default: rc = task_receive(c, i, t, r); break;
		}
		ready = 0;
	}
	if (rc == DONE)
		return WL_STEP_DONE;
	*next = (wl_wait){ .fd = t->fd, .events = rc, .deadline_ns = t->deadline_ns };
	return WL_STEP_WAIT;
}

void httpclient_drive(const struct httpcfg *c, const wl_spec *w, size_t i, wl_io *io, void *state,
		      httpclient_step_fn *step, wl_result *r)
{
	wl_wait next;
	int ready = 0;
	wl_io *model_io = io;

	/* The pitfall: past the model's backend. CPython's blocking socket
	 * calls still let go of the GIL, so under an emulated one they do too. */
	if (c->blocking)
		io = &wl_io_blocking;

	for (int got, offload = 0;;) {
		/* After an OFFLOAD the work goes on here, straight-line, through
		 * the model's backend: under an emulated GIL its check points
		 * let a waiting thread in, as CPython's eval loop does. */
		wl_io *saved = wl_offload_io;
		if (offload)
			wl_offload_io = model_io;
		got = step(w, i, state, ready, &next, r);
		wl_offload_io = saved;
		if (got == WL_STEP_DONE)
			break;
		if ((offload = got == WL_STEP_OFFLOAD)) {
			ready = 0;
			continue;
		}
		if (c->blocking)
			wl_nogil_begin(model_io);
		int rc = next.fd >= 0 ? io->wait_fd(io, next.fd, next.events, next.deadline_ns)
				      : io->sleep_until(io, next.deadline_ns);
		if (c->blocking)
			wl_nogil_end(model_io);
		if (rc == -ETIMEDOUT || (next.fd < 0 && rc == 0))
			ready = WL_TIMEOUT;
		else
			ready = rc;
	}
}

int httpclient_step_blocking(const struct httpcfg *c, const wl_spec *w, size_t i, void *state,
			     httpclient_step_fn *step, int ready, wl_result *r)
{
	struct httpclient_task *t = state;

	if (!t->offloaded) {
		t->offloaded = 1;
		return WL_STEP_OFFLOAD;
	}
	if (ready & WL_TIMEOUT) {
		wl_fail(r, ECANCELED, "http: cancelled before it fetched");
		return WL_STEP_DONE;
	}
	httpclient_drive(c, w, i, wl_offload_backend(), state, step, r);
	return WL_STEP_DONE;
}
