/* The query log: one line per query, written by a thread of its own from per-worker rings. */
#ifndef QUERYLOG_H
#define QUERYLOG_H

/*
 * Off unless [server] query-log names a file.  A worker never waits for
 * the log: it copies the query's few fields into its own ring (one
 * producer, one consumer, no lock), and when the ring is full the line is
 * dropped and counted instead.  The logger thread empties every ring a few
 * times a second and appends the lines to the file with one write per
 * batch, so a slow disk costs lines, never answers.  On SIGHUP the file is
 * closed and opened again by name, for logrotate.
 *
 * A line, in the spirit of rbldnsd's log (fields separated by one space):
 *   TIME CLIENT QNAME QTYPE RCODE TRANSPORT
 *   1764331200 192.0.2.25 2.0.0.127.relays.example.org A NOERROR udp
 * TIME is Unix seconds, CLIENT the address without port, QNAME as asked
 * (case kept; '.', '\\', spaces and unprintable octets inside a label
 * written \DDD as in master files), "." for the root and "-" for none,
 * QTYPE a mnemonic or TYPEnnn (RFC 3597), RCODE a mnemonic, RCODEnn, or
 * DROP for a query that got no answer (ACL, rate limiting).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define QUERYLOG_RING 4096		/* lines a worker may be ahead of the logger; power of 2 */
#define QUERYLOG_EVERY_MS 100		/* how often the logger empties the rings */
#define QUERYLOG_DROP 0xffff		/* rcode of a query that got no answer */

struct querylog;
struct querylog_ring;

/*
 * The line's format ([server] query-log-format): rbldb's, above, or
 * rbldnsd's, for its log parsers (rbldnsd -l):
 *   TIME CLIENT QNAME QTYPE IN: RCODE/ANCOUNT/LENGTH
 *   1796635868 127.0.0.1 2.0.0.127.relays.test A IN: NOERROR/1/102
 * where ANCOUNT and LENGTH are the reply's; a dropped query has no line.
 */
enum querylog_style {
	QUERYLOG_RBLDB = 0,
	QUERYLOG_RBLDNSD,
};

/* Set the format; before any line is queued.  NULL is a no-op. */
void querylog_set_style(struct querylog *ql, enum querylog_style style);

/*
 * Open (append, create with mode 0600) PATH and start the logger thread,
 * with NRINGS rings, one per worker.  NULL with ERR set on failure.  PATH
 * is never opened through a symbolic link, and must be a regular file or
 * a FIFO with a reader; as root, not a file with a second name (a hard
 * link) either, as it could be any file of root's.  Opened again on
 * SIGHUP the same way.
 */
struct querylog *querylog_open(const char *path, unsigned nrings, char *err, size_t errlen);

/*
 * The user the server will run as: a log file of root's that this process
 * opens or creates while still root is given to UID:GID, so that the
 * server can open it again after logrotate.  Call before querylog_open.
 */
void querylog_set_owner(uid_t uid, gid_t gid);

/* Write what the rings hold, stop the thread, close the file.  NULL is a no-op. */
void querylog_close(struct querylog *ql);

/* Ring I (I < NRINGS), for one worker's exclusive use. */
struct querylog_ring *querylog_ring(struct querylog *ql, unsigned i);

/*
 * Queue a line: the query from PEER (sockaddr_in/in6) at NOW over
 * TRANSPORT (0 UDP, 1 TCP), its question name QNAME[0..qnamelen) in wire
 * form (qnamelen 0: no question), QTYPE and the RCODE answered or
 * QUERYLOG_DROP.  Never blocks; false when the ring was full (line lost).
 */
bool querylog_put(struct querylog_ring *r, uint32_t now, const struct sockaddr *peer,
    unsigned transport, const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode);

/* querylog_put with the REPLY[0..RLEN) sent (NULL: none), for rbldnsd's ANCOUNT/LENGTH. */
bool querylog_put_reply(struct querylog_ring *r, uint32_t now, const struct sockaddr *peer,
    unsigned transport, const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode,
    const uint8_t *reply, size_t rlen);

/* One line in rbldnsd's format into BUF (tests); returns its length. */
size_t querylog_format_rbldnsd(char *buf, size_t cap, uint32_t now, const struct sockaddr *peer,
    const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode, const uint8_t *reply,
    size_t rlen);

/*
 * Ask the logger to reopen the file by name (SIGHUP, after logrotate moved
 * it).  Only sets a flag: callable from any thread.
 */
void querylog_reopen(struct querylog *ql);

/*
 * The name the file is reopened by from now on: after a chroot the
 * configured path is no longer right.  Call before any reopen is asked.
 */
int querylog_set_path(struct querylog *ql, const char *path);

/*
 * The line for one query into BUF (room CAP, at least 1100), with '\n';
 * returns its length.  Exposed for tests.
 */
size_t querylog_format(char *buf, size_t cap, uint32_t now, const struct sockaddr *peer,
    unsigned transport, const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode);

#endif
