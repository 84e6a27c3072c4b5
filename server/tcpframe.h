/*
 * DNS over TCP framing (RFC 1035 s4.2.2, RFC 7766 s8): each message comes
 * after a two-octet length in network order.  Pure functions on a buffer, so
 * that the server's connections and the fuzz target run the same code.
 */
#ifndef TCPFRAME_H
#define TCPFRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The first whole message in BUF[0..LEN): sets *MSG and *MLEN and returns
 * the octets it takes, prefix included; 0 while its prefix or its body is
 * still incomplete.  A zero length is a whole (empty) message.
 */
static inline size_t
tcpframe_next(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *mlen)
{
	size_t n;

	if (len < 2)
		return 0;
	n = (size_t)buf[0] << 8 | buf[1];
	if (len - 2 < n)
		return 0;
	*msg = buf + 2;
	*mlen = n;
	return 2 + n;
}

/* Drop the first USED octets of BUF[0..*LEN), keeping the rest at the front. */
static inline void
tcpframe_consume(uint8_t *buf, size_t *len, size_t used)
{
	if (used == 0)
		return;
	memmove(buf, buf + used, *len - used);
	*len -= used;
}

#endif /* TCPFRAME_H */
