/* test_servegate.c - the accept baton: turns in order, and bells and the socket's dup reused. */
/* The first to join holds the turn, the others wait in line on bells; leaving rings the first in
 * line only; a bell handed back is drained and reused by the next to join, so a thousand turns
 * make a few eventfds, not a thousand; every holder gets the same dup of the listening socket,
 * and servegate_close closes it and the spare bells. The serve workload on the loops: test_serve.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "workloads/servegate.h"

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Three join; the first holds the turn; leaving rings the second's bell
 * and not the third's; the second, woken, holds it. */
static void test_turns_in_order(void **state)
{
	servegate g = { 0 };
	servegate_node a = { 0 }, b = { 0 }, c = { 0 };

	assert_int_equal(servegate_join(&g, &a), 1);
	assert_int_equal(a.bell, -1);
	assert_int_equal(servegate_join(&g, &b), 0);
	assert_int_equal(servegate_join(&g, &c), 0);
	assert_true(b.bell >= 0 && c.bell >= 0 && b.bell != c.bell);
	assert_false(readable(b.bell));
	assert_int_equal(servegate_woken(&b), 0); /* still in line */
	servegate_leave(&g, &a);
	assert_true(readable(b.bell));
	assert_false(readable(c.bell));
	assert_int_equal(servegate_woken(&b), 1);
	assert_false(readable(b.bell)); /* drained */
	assert_int_equal(b.holder, 1);
	servegate_bell_done(&g, &b);
	assert_int_equal(b.bell, -1);
	servegate_leave(&g, &b);
	assert_int_equal(servegate_woken(&c), 1);
	servegate_bell_done(&g, &c);
	servegate_leave(&g, &c);
	assert_int_equal(g.busy, 0);
	servegate_close(&g);
}

/* A bell that rang but was never read (its task ended first) goes back
 * drained: whoever gets it next is not woken before its turn. */
static void test_rung_bell_reused_quiet(void **state)
{
	servegate g = { 0 };
	servegate_node a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };

	assert_int_equal(servegate_join(&g, &a), 1);
	assert_int_equal(servegate_join(&g, &b), 0);
	int bell = b.bell;
	servegate_leave(&g, &a); /* rings b */
	assert_true(readable(bell));
	servegate_leave(&g, &b); /* b ends without reading it */
	servegate_bell_done(&g, &b);
	assert_true(is_open(bell));
	assert_int_equal(servegate_join(&g, &c), 1); /* nobody holds it: c's turn */
	assert_int_equal(servegate_join(&g, &d), 0);
	assert_int_equal(d.bell, bell); /* the spare */
	assert_false(readable(d.bell));
	assert_int_equal(servegate_woken(&d), 0);
	servegate_leave(&g, &d); /* out of the line, unrung */
	servegate_bell_done(&g, &d);
	servegate_leave(&g, &c);
	servegate_close(&g);
	assert_false(is_open(bell));
}

/* A thousand connections' turns, at most two in line at a time: the
 * bells made are the two, and every holder used the one dup. */
static void test_thousand_turns_few_fds(void **state)
{
	servegate g = { 0 };
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	servegate_node n[3] = { { 0 } };
	int lfd = -1, seen[2] = { -1, -1 };

	assert_int_equal(servegate_join(&g, &n[0]), 1);
	for (int k = 1; k <= 1000; k++) {
		servegate_node *h = &n[(k - 1) % 3], *in = &n[k % 3];
		*in = (servegate_node){ 0 };
		assert_int_equal(servegate_join(&g, in), 0); /* in line behind h */
		int d = servegate_dup(&g, sv[0]);
		assert_true(d >= 0);
		if (lfd < 0)
			lfd = d;
		assert_int_equal(d, lfd);
		servegate_leave(&g, h); /* h accepted: in's bell rings */
		servegate_bell_done(&g, h);
		assert_int_equal(servegate_woken(in), 1);
		/* two bells in all: the one in line and the spare */
		int j = seen[0] < 0 || seen[0] == in->bell ? 0 : 1;
		if (seen[j] < 0)
			seen[j] = in->bell;
		assert_int_equal(seen[j], in->bell);
	}
	servegate_close(&g);
	assert_false(is_open(lfd));
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_turns_in_order),
		cmocka_unit_test(test_rung_bell_reused_quiet),
		cmocka_unit_test(test_thousand_turns_few_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
