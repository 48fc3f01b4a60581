/*
 * httpbody.h - the body of the bundled target's /work answers, as a pure
 * function of (seed, offset), so that either end can make any slice of it.
 */
#ifndef CB_HTTPBODY_H
#define CB_HTTPBODY_H

#include <stddef.h>
#include <stdint.h>

/* The body of /work for seed: len bytes from byte offset `offset`. Byte i is
 * byte i % 8 (least significant first) of the 64-bit word
 * mix(mix(seed ^ 0x636f6e6362656e63) + (i / 8 + 1) * 0x9e3779b97f4a7c15),
 * mix being SplitMix64's finaliser: any slice can be made on its own. */
void httpbody_fill(uint64_t seed, uint64_t offset, unsigned char *buf, size_t len);

/* The digest of the whole body of /work?size=size&seed=seed: XXH3-64 (seed
 * 0) over its bytes, the value workloads/http/httpclient.c reports for that
 * reply (it digests a body the same way as it streams in), made here
 * without the network and without holding the body: a few KiB at a time. */
uint64_t httpbody_digest(uint64_t seed, uint64_t size);

#endif
