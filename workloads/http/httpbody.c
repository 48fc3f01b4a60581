/*
 * httpbody.c - the bytes of a /work answer, as a pure function of (seed,
 * offset).
 *
 * Both ends can make any slice of a body on their own: the server makes it
 * 64 KiB at a time as the socket takes it (never holding a 64 MiB answer in
 * memory), and a test or a client checks what it got without being sent a
 * copy, or knows a whole body's digest beforehand (httpbody_digest, which
 * a load generator can check every reply against). Each 8-byte word is
 * SplitMix64's finaliser applied to a counter keyed by the seed: two
 * multiplies a word, some 9 GB/s, so the server spends its time on sockets,
 * not on making bytes.
 */
#include "workloads/http/httpbody.h"

#include <string.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Little-endian whatever the CPU; one plain store (GCC 12 does not merge a
 * loop of byte stores, and they cost 5x). */
static void put_le64(unsigned char *p, uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	memcpy(p, &w, 8);
}

void httpbody_fill(uint64_t seed, uint64_t offset, unsigned char *buf, size_t len)
{
	uint64_t key = mix(seed ^ 0x636f6e6362656e63ull), word = offset / 8;
	unsigned skip = (unsigned)(offset % 8);
	while (len > 0) {
		uint64_t w = mix(key + ++word * 0x9e3779b97f4a7c15ull);
		if (skip == 0 && len >= 8) {
			put_le64(buf, w);
			buf += 8;
			len -= 8;
			continue;
		}
		for (unsigned b = skip; b < 8 && len > 0; b++, len--)
			*buf++ = (unsigned char)(w >> (8 * b));
		skip = 0;
	}
}

uint64_t httpbody_digest(uint64_t seed, uint64_t size)
{
	unsigned char buf[16384]; /* any slicing gives the same digest */
	XXH3_state_t st;

	XXH3_64bits_reset(&st);
	for (uint64_t off = 0; off < size; off += sizeof buf) {
		size_t len = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
		httpbody_fill(seed, off, buf, len);
		XXH3_64bits_update(&st, buf, len);
	}
	return XXH3_64bits_digest(&st);
}
