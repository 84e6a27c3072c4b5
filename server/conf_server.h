/* rbldbd's part of the configuration: the keys only the server reads, and its TSIG keys. */
#ifndef CONF_SERVER_H
#define CONF_SERVER_H

/*
 * common/conf.c reads the file and the keys both programs use, and names
 * every key; the keys below are parsed by the hooks of conf_server.c and
 * conf_xfr.c, which conf_server_load() passes to conf_load().  Every
 * struct conf it returns has c->server and every zone z->server.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "conf.h"

/* A [key NAME] section: a TSIG key (RFC 8945). */
struct conf_key {
	char *name;		/* the key's DNS name, lower case, with trailing dot */
	char *algorithm;	/* "hmac-sha256", ... */
	char *secret;		/* base64 */
};

/* One allow-transfer item: the client must be inside NET and, if KEY, sign with it. */
struct conf_xfr_acl {
	struct addr net;
	const struct conf_key *key;	/* NULL = no key needed */
	bool serve_keys;	/* "serve-keys": the zone's query keys go with its AXFR (DNAMEs) */
};

/*
 * One rule of a query ACL (acl key, in [server] or [zone NAME]): clients
 * inside NET get ACTION.  CONF_QACL_ANSWER answers the DNSBL names of the
 * zone with A CODE and TXT TEXT whatever is listed (as large DNSBLs answer
 * 127.255.255.254 to queries through public resolvers).
 */
enum conf_qacl_action {
	CONF_QACL_ALLOW = 0,	/* answered normally */
	CONF_QACL_REFUSE,	/* REFUSED */
	CONF_QACL_DROP,		/* no answer at all */
	CONF_QACL_ANSWER,	/* the fixed A and TXT */
};

struct conf_query_acl {
	struct addr net;
	enum conf_qacl_action action;
	uint32_t code;		/* CONF_QACL_ANSWER: the A, host order, in 127.0.0.0/8 */
	char *text;		/* CONF_QACL_ANSWER: the TXT, or NULL for none */
	int line;		/* where it was configured */
};

#define CONF_MAX_NSID 128	/* octets of an nsid */

struct conf_notify {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[ADDR_STRLEN + 8];	/* "127.0.0.1:5354" as written */
	const struct conf_key *key;
};

struct conf_listen {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[ADDR_STRLEN + 8];	/* "127.0.0.1:5300", "[::1]:5300" */
};

/* Keyed access of a zone (SPEC "Keyed access"): keys = off|allowed|required. */
enum conf_keys { CONF_KEYS_OFF = 0, CONF_KEYS_ALLOWED, CONF_KEYS_REQUIRED };

/* What an unknown, disabled or over-quota key gets (key-refusal). */
enum conf_key_refusal { CONF_KEYREF_REFUSE = 0, CONF_KEYREF_NXDOMAIN, CONF_KEYREF_ANSWER };

/* A zone's server settings (z->server). */
struct conf_zone_server {
	struct conf_xfr_acl *allow_transfer;
	size_t nallow_transfer;
	struct conf_notify *notify;
	size_t nnotify;
	uint32_t journal_max;	/* IXFR journal: commits kept (journal-max) */
	uint32_t journal_age;	/* and seconds (journal-age) */
	struct conf_query_acl *acl;	/* query ACL of this zone, checked before [server]'s */
	size_t nacl;
	uint32_t rrl_rate;	/* answers per second per client prefix; 0 = no limit */
	uint32_t rrl_slip;	/* every Nth limited answer sent truncated; 0 = none */
	enum conf_keys keys;	/* keys: off (default), allowed, required */
	enum conf_key_refusal key_refusal;	/* default refuse */
	uint32_t key_refusal_code;	/* CONF_KEYREF_ANSWER: the A, host order, in 127/8 */
	char *key_refusal_text;	/* CONF_KEYREF_ANSWER: the TXT, or NULL */
	bool keys_set, key_refusal_set;	/* said here; else [server]'s (conf_server_load) */
};

struct conf_xfr_parse;

/* The [server] keys only the server reads, and the [key NAME] sections (c->server). */
struct conf_server {
	struct conf_listen *listen;
	size_t nlisten;
	unsigned threads;	/* 0 = one per core */
	char *user;		/* NULL = stay who we are; never empty */
	uint32_t xfr_timeout;	/* seconds one zone transfer may take (xfr-timeout) */
	char *chroot;		/* NULL = none; resolved */
	struct conf_query_acl *acl;	/* query ACL of every zone and of other queries */
	size_t nacl;
	uint32_t rrl_rate;	/* answers per second per client prefix; 0 = off (default) */
	uint32_t rrl_slip;	/* every Nth limited answer sent truncated; 0 = none */
	struct addr *rrl_exempt;	/* clients never rate limited */
	size_t nrrl_exempt;
	unsigned tcp_max_conns;	/* TCP connections, all clients together */
	unsigned tcp_max_conns_client;	/* per client address (IPv6: /64); 0 = no own limit */
	uint32_t tcp_idle;	/* seconds a TCP connection may stay idle */
	uint32_t tcp_message;	/* seconds a TCP message may take from its first octet */
	unsigned tcp_max_queries;	/* queries per TCP connection; 0 = no limit */
	uint32_t udp_batch_wait;	/* µs a busy worker waits for more datagrams; 0 = none */
	struct sockaddr_storage metrics;	/* Prometheus endpoint; ss_family 0 = off */
	socklen_t metrics_len;
	char *query_log;	/* query log file, resolved; NULL = off */
	int query_log_format;	/* enum querylog_style: 0 rbldb's, 1 rbldnsd's */
	uint8_t *nsid;		/* RFC 5001 name server identifier; NULL = none */
	size_t nsidlen;
	bool syslog;		/* log to syslog instead of standard error */
	struct conf_key *keys;
	size_t nkeys;
	/* Keyed access: the keys and key-refusal of zones that say none; quota days. */
	enum conf_keys zone_keys;
	enum conf_key_refusal key_refusal;
	uint32_t key_refusal_code;
	char *key_refusal_text;
	uint32_t key_day_start;	/* seconds after 00:00 UTC a quota day starts (key-day-start) */
	struct conf_xfr_parse *xfr_parse;	/* conf_xfr.c's, while the file is read */
};

/* The configuration at PATH as the server reads it: conf_load() with the server's keys. */
struct conf *conf_server_load(const char *path, char *err, size_t errlen);

/*
 * Replace the listen addresses of C by the N of TEXTS ("127.0.0.1:53",
 * "[::1]:53").  On error returns RB_ESYNTAX with a message in ERR, C unchanged.
 */
int conf_server_set_listen(struct conf *c, const char **texts, size_t n, char *err,
    size_t errlen);

/*
 * Append the listen address TEXT to *ARR[*N] (conf_listen.c); -1 with *MSG
 * set for the caller's error (bad address, given twice, out of memory).
 */
int conf_server_add_listen(struct conf_listen **arr, size_t *n, const char *text,
    const char **msg);
/* Parse "ADDR:PORT" / "[V6]:PORT" into a socket address; without a port, 53. */
int conf_server_parse_sockaddr(const char *text, struct sockaddr_storage *sa, socklen_t *len);
/* SA as "ADDR:PORT" or "[V6]:PORT" into BUF. */
void conf_server_format_sockaddr(const struct sockaddr_storage *sa, char *buf, size_t len);

#endif
