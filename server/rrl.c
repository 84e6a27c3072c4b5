/* Response rate limiting: token buckets in one fixed table, one atomic word each. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "rrl.h"

/*
 * A bucket word: tag (16 bits) | time of the last update (28 bits, in
 * ticks) | tokens (20 bits).  Tokens are counted in 1/RRL_TICKS of an
 * answer, so a tick adds RATE of them and an answer takes RRL_TICKS; the
 * most a bucket holds is one second's worth, RATE * RRL_TICKS, which fits
 * 20 bits for every RATE up to RRL_MAX_RATE.  The tag tells a bucket's own
 * key from another that hashes to the same slot; its lowest bit is always
 * set, so a used bucket is never 0, the empty word.
 */
#define TAG_SHIFT 48
#define TIME_SHIFT 20
#define TIME_MASK ((UINT64_C(1) << 28) - 1)
#define TOKEN_MASK ((UINT64_C(1) << 20) - 1)

struct rrl {
	uint64_t seed;			/* of the keyed hash */
	_Atomic uint64_t b[RRL_BUCKETS];
};

/* The 64-bit finaliser of MurmurHash3: every input bit moves every output bit. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

static uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

struct rrl *
rrl_new(uint64_t seed)
{
	struct rrl *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->seed = seed;
	if (seed == 0 &&
	    getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) != (ssize_t)sizeof(r->seed))
		r->seed = mix((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid());
	return r;
}

void
rrl_free(struct rrl *r)
{
	free(r);
}

uint64_t
rrl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * RRL_TICKS +
	    (uint64_t)ts.tv_nsec / (1000000000u / RRL_TICKS);
}

enum rrl_verdict
rrl_check(struct rrl *r, const struct addr *client, uint32_t zone, enum rrl_category cat,
    uint32_t rate, uint64_t now)
{
	struct addr net = *client;
	uint64_t h, tag, old, new, tokens, cap, when;
	_Atomic uint64_t *b;
	enum rrl_verdict v;

	if (rate > RRL_MAX_RATE)
		rate = RRL_MAX_RATE;
	addr_mask(&net, net.fam == ADDR_V4 ? RRL_PREFIX4 : RRL_PREFIX6);
	h = mix(r->seed ^ load64(net.a));
	h = mix(h ^ load64(net.a + 8));
	h = mix(h ^ ((uint64_t)zone << 16 | (uint64_t)cat << 8 | net.fam));
	b = &r->b[h & (RRL_BUCKETS - 1)];
	tag = (h >> TAG_SHIFT) | 1;
	cap = (uint64_t)rate * RRL_TICKS;
	when = now & TIME_MASK;

	old = atomic_load_explicit(b, memory_order_relaxed);
	do {
		if (old >> TAG_SHIFT != tag) {
			tokens = cap;	/* a new key, or one that took the slot over */
		} else {
			tokens = old & TOKEN_MASK;
			/* The clock wraps after 194 days; a wrapped bucket is full anyway. */
			tokens += ((when - (old >> TIME_SHIFT & TIME_MASK)) & TIME_MASK) * rate;
			if (tokens > cap)
				tokens = cap;
		}
		if (tokens >= RRL_TICKS) {
			tokens -= RRL_TICKS;
			v = RRL_PASS;
		} else {
			v = RRL_LIMIT;
		}
		new = tag << TAG_SHIFT | when << TIME_SHIFT | tokens;
		/* Over the limit within the same tick: nothing changes, nothing to write. */
		if (new == old)
			break;
	} while (!atomic_compare_exchange_weak_explicit(b, &old, new, memory_order_relaxed,
	    memory_order_relaxed));
	return v;
}
