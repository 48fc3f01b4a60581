/*
 * httpcfg.c - an HTTP client's configuration from a workload's parameters:
 * the url (http:// only: TLS would measure OpenSSL, not the model) or the
 * bundled target, split and resolved once, in init: a lookup per task would
 * measure the resolver.
 */
#include "workloads/http/httpcfg.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* Resolve host (a name or IPv4 address) and port once, for every task. */
static int resolve(struct httpcfg *c, const char *name, const char *host, const char *port,
		   char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	int rc = getaddrinfo(host, port, &hints, &res);

	if (rc != 0)
		return ERR("%s: cannot resolve '%s': %s", name, host,
			   rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	memcpy(&c->addr, res->ai_addr, sizeof c->addr);
	freeaddrinfo(res);
	c->pool_key = ((uint64_t)c->addr.sin_addr.s_addr << 16 | c->addr.sin_port) + 1;
	return 0;
}

/* Split "host[:port]" and resolve it; the authority stays as written. */
static int authority(struct httpcfg *c, const char *name, const char *auth, size_t len, char *err,
		     size_t errlen)
{
	char host[128], port[8] = "80";
	const char *colon = memchr(auth, ':', len);
	size_t hlen = colon ? (size_t)(colon - auth) : len;
	size_t plen = colon ? len - hlen - 1 : 0;

	if (len >= sizeof c->authority)
		return ERR("%s: host '%.*s' is too long", name, (int)len, auth);
	memcpy(c->authority, auth, len);
	c->authority[len] = '\0';
	if (memchr(auth, '@', len))
		return ERR("%s: user:password@ in a url is not supported", name);
	if (len && *auth == '[')
		return ERR("%s: IPv6 addresses are not supported: '%s'", name, c->authority);
	if (hlen == 0)
		return ERR("%s: no host in '%s'", name, c->authority);
	if (colon && (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") < plen ||
		      atoi(colon + 1) < 1 || atoi(colon + 1) > 65535))
		return ERR("%s: bad port in '%s'", name, c->authority);
	memcpy(host, auth, hlen);
	host[hlen] = '\0';
	if (colon) {
		memcpy(port, colon + 1, plen);
		port[plen] = '\0';
	}
	return resolve(c, name, host, port, err, errlen);
}

/* "http://host[:port][/path][?query][#fragment]": the fragment stays here. */
static int parse_url(struct httpcfg *c, const char *name, const char *url, char *err, size_t errlen)
{
	const char *rest, *path;
	size_t plen;

	if (strncasecmp(url, "https://", 8) == 0)
		return ERR("%s: https is not supported (no TLS here): use http:// in '%s'", name,
			   url);
	if (strncasecmp(url, "http://", 7) != 0)
		return ERR("%s: url must start with http://: '%s'", name, url);
	rest = url + 7;
	path = rest + strcspn(rest, "/?#");
	plen = strcspn(path, "#");
	for (const char *s = url; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return ERR("%s: url has a space or control character: '%s'", name, url);
	if (plen + 2 > sizeof c->path)
		return ERR("%s: url path is too long", name);
	snprintf(c->path, sizeof c->path, "%s%.*s", *path == '/' ? "" : "/", (int)plen, path);
	return authority(c, name, rest, (size_t)(path - rest), err, errlen);
}

int httpcfg_init(struct httpcfg *c, const wl_spec *w, const char *name, char *err, size_t errlen)
{
	const char *url = wl_param_text(w, "url");

	memset(c, 0, sizeof *c);
	c->keepalive = (int)wl_param(w, "keepalive");
	c->blocking = (int)wl_param(w, "blocking");
	c->timeout_ms = wl_param(w, "timeout_ms");
	if (*url)
		return parse_url(c, name, url, err, errlen);
	if (!*w->target)
		return ERR("%s: no url and no bundled target (the harness starts one)", name);
	c->seeded = 1;
	snprintf(c->path, sizeof c->path, "/work");
	c->ndelay = wl_param_count(w, "delay_ms");
	c->nsize = wl_param_count(w, "size");
	for (size_t k = 0; k < WL_MAX_VALUES; k++) {
		c->delay_ms[k] = wl_param_at(w, "delay_ms", k);
		c->size[k] = wl_param_at(w, "size", k);
	}
	return authority(c, name, w->target, strlen(w->target), err, errlen);
}

int httpcfg_url(struct httpcfg *c, const char *url, const char *name, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	return parse_url(c, name, url, err, errlen);
}

int httpcfg_needs_target(const wl_spec *w)
{
	return *wl_param_text(w, "url") == '\0';
}
