/*
 * Fuzz target: the TCP stream of one connection (RFC 1035 s4.2.2 length
 * prefixes, RFC 7766 s6.2.1.1 pipelining), cut into reads of any size, with
 * answers that block the connection for a while, every message answered by
 * query_answer on the real store.
 *
 * The framing is the server's own (server/tcpframe.h: tcpframe_next,
 * tcpframe_consume); around it this target does the reads and writes as
 * net.c does them: a read fills the room after what is buffered
 * (conn_alloc), complete messages are answered in order until a write would
 * block (conn_process), reading stops while a write is pending and resumes
 * after it (conn_send, conn_written).  Every message taken out must be the
 * stream's next one, whole.
 *
 * Input: octet 0 picks the read sizes, octet 1 which answers block; the
 * rest is the byte stream.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "query.h"
#include "tcpframe.h"

#define MSGMAX 65535			/* NET_TCP_MSGMAX */

struct conn {
	size_t inlen;
	bool writing;
	uint8_t in[2 + MSGMAX];		/* as big as net.c's: one whole message fits */
};

struct stream {
	const uint8_t *data;		/* the byte stream, for the reference framing */
	size_t len;
	size_t ref;			/* where the next message starts in it */
	unsigned nmsg;
	uint8_t block;			/* bit i: the i-th answer (mod 8) waits on the client */
};

static struct conn conn;
static uint8_t out[QUERY_BUFSIZE];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_query_ctx();
	return 0;
}

/* One message out of the connection: it must be the next one of the stream, whole. */
static void
answer(struct stream *s, const uint8_t *msg, size_t mlen)
{
	struct query_ctx *q = fuzz_query_ctx();
	enum query_result r;
	size_t outlen;

	if (s->ref + 2 + mlen > s->len || ((size_t)s->data[s->ref] << 8 | s->data[s->ref + 1]) !=
	    mlen || memcmp(s->data + s->ref + 2, msg, mlen) != 0)
		fuzz_fail("message %u is not the stream's at offset %zu", s->nmsg, s->ref);
	s->ref += 2 + mlen;
	r = query_answer(q, msg, mlen, QUERY_TCP, out, sizeof(out), &outlen);
	fuzz_check_answer(msg, mlen, QUERY_TCP, sizeof(out), r, out, outlen, FUZZ_QUERY_RCODES);
	if (r == QUERY_ANSWER && (s->block >> (s->nmsg % 8) & 1))
		conn.writing = true;	/* uv_try_write could not take it all */
	s->nmsg++;
}

/* conn_process: answer the complete messages in order while no write waits. */
static void
process(struct stream *s)
{
	const uint8_t *msg;
	size_t off = 0, used, mlen;

	while (!conn.writing && (used = tcpframe_next(conn.in + off, conn.inlen - off, &msg,
	    &mlen)) > 0) {
		answer(s, msg, mlen);
		off += used;
	}
	tcpframe_consume(conn.in, &conn.inlen, off);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream s;
	size_t pos, n, room, step;
	uint32_t rnd;
	uint8_t mode;

	if (size < 2)
		return 0;
	mode = data[0];
	memset(&s, 0, sizeof(s));
	s.block = data[1];
	s.data = data + 2;
	s.len = size - 2;
	conn.inlen = 0;
	conn.writing = false;
	rnd = 0x9e3779b9u ^ mode;

	for (pos = 0; pos < s.len;) {
		if (conn.writing) {
			/* conn_written: the client read the answer; go on with what is buffered. */
			conn.writing = false;
			process(&s);
			continue;
		}
		/* conn_alloc: never an empty buffer while reading (net.c relies on it). */
		room = sizeof(conn.in) - conn.inlen;
		if (room == 0)
			fuzz_fail("read with a full buffer (%zu octets held)", conn.inlen);
		if (mode < 128) {
			step = (size_t)mode + 1;
		} else {
			rnd ^= rnd << 13, rnd ^= rnd >> 17, rnd ^= rnd << 5;
			step = 1 + rnd % 700;
		}
		n = s.len - pos < step ? s.len - pos : step;
		if (n > room)
			n = room;
		memcpy(conn.in + conn.inlen, s.data + pos, n);
		conn.inlen += n;
		pos += n;
		process(&s);
	}
	/* EOF: what is complete is answered, waiting writes included; a partial message is dropped. */
	do {
		conn.writing = false;
		process(&s);
	} while (conn.writing);
	if (conn.inlen != s.len - s.ref || memcmp(conn.in, s.data + s.ref, conn.inlen) != 0)
		fuzz_fail("left over %zu octets, the stream has %zu after its last message",
		    conn.inlen, s.len - s.ref);
	if (tcpframe_next(conn.in, conn.inlen, &(const uint8_t *){ NULL }, &(size_t){ 0 }) > 0)
		fuzz_fail("a whole message was left unanswered");
	return 0;
}
