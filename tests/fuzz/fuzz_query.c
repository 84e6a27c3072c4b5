/* Fuzz target: query_answer on any bytes, over UDP (two buffer sizes) and TCP, on a real store. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "query.h"

/* NET_UDP_BUFSIZE in net.c, and the smallest buffer query.h allows for UDP. */
#define UDP_BUF 4096
#define UDP_MIN 512

static uint8_t out[QUERY_BUFSIZE], again[QUERY_BUFSIZE], inplace[QUERY_BUFSIZE];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_query_ctx();
	return 0;
}

static void
one(struct query_ctx *q, const uint8_t *pkt, size_t len, enum query_transport t, size_t cap)
{
	const struct presence *presence;
	enum query_result r, r2;
	size_t outlen, len2;

	r = query_answer(q, pkt, len, t, out, cap, &outlen);
	fuzz_check_answer(pkt, len, t, cap, r, out, outlen, FUZZ_QUERY_RCODES);

	/* Pure: the same bytes give the same answer. */
	r2 = query_answer(q, pkt, len, t, again, cap, &len2);
	if (r2 != r || len2 != outlen || memcmp(again, out, outlen) != 0)
		fuzz_fail("two runs of the same query differ");

	/* query.c keeps the header aside so OUT may be the buffer the query came in. */
	memcpy(inplace, pkt, len);
	r2 = query_answer(q, inplace, len, t, inplace, cap, &len2);
	if (r2 != r || len2 != outlen || (r == QUERY_ANSWER && memcmp(inplace, out, outlen) != 0))
		fuzz_fail("the answer written over its own query differs");

	/* The presence maps only save lookups: without them the answer is the same. */
	presence = q->presence;
	q->presence = NULL;
	r2 = query_answer(q, pkt, len, t, again, cap, &len2);
	q->presence = presence;
	if (r2 != r || len2 != outlen || memcmp(again, out, outlen) != 0)
		fuzz_fail("the answer with the presence maps differs from the one without");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query_ctx *q = fuzz_query_ctx();

	/* A DNS message is at most 65535 octets over either transport. */
	if (size > QUERY_BUFSIZE)
		size = QUERY_BUFSIZE;
	one(q, data, size, QUERY_UDP, UDP_BUF);
	one(q, data, size, QUERY_UDP, UDP_MIN);
	one(q, data, size, QUERY_TCP, QUERY_BUFSIZE);
	return 0;
}
