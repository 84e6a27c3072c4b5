/* The INI configuration shared by rbldbd and rbldb (libinih), and zone apex files (ldns). */
#ifndef CONF_H
#define CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "addr.h"

#define ZONE_FAMILY_V4 1
#define ZONE_FAMILY_V6 2
#define ZONE_FAMILY_BOTH (ZONE_FAMILY_V4 | ZONE_FAMILY_V6)

struct conf_key {
	char *name;		/* the key's DNS name, lower case, with trailing dot */
	char *algorithm;	/* "hmac-sha256", ... */
	char *secret;		/* base64 */
};

/* One allow-transfer item: the client must be inside NET and, if KEY, sign with it. */
struct conf_xfr_acl {
	struct addr net;
	const struct conf_key *key;	/* NULL = no key needed */
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

/* rrl-rate / rrl-slip of a zone that does not set them: the [server] value. */
#define CONF_INHERIT UINT32_MAX

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

struct conf_zone {
	char *name;		/* lower case, no trailing dot: "relays.example.org" */
	ldns_rdf *origin;	/* the same as an ldns name */
	char *apex_path;	/* resolved against the configuration's directory */
	ldns_rr *soa;		/* from the apex file */
	ldns_rr_list *apex;	/* every apex record of the file, SOA included */
	uint32_t apex_serial;
	int family;		/* ZONE_FAMILY_* */
	uint32_t code;		/* default A, host order, inside 127.0.0.0/8 */
	char *text;		/* default TXT template, '$' = queried address; may be NULL */
	uint32_t ttl;		/* TTL of listed answers */
	uint32_t lifetime;	/* default listing lifetime, seconds */
	uint8_t max_range4;	/* shortest IPv4 prefix without --force (max-range) */
	uint8_t max_range6;	/* shortest IPv6 prefix without --force (max-range6) */
	struct addr *never;	/* never-list prefixes */
	size_t nnever;
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
	char *file;		/* configuration file and line that opened the section */
	int line;
};

struct conf {
	char *path;		/* the configuration file */
	char *dir;		/* its directory; relative paths are against it */
	struct conf_listen *listen;
	size_t nlisten;
	char *db;		/* store directory, resolved */
	unsigned threads;	/* 0 = one per core */
	char *user;		/* NULL = stay who we are */
	size_t mapsize;		/* bytes; 0 = store default */
	char *default_zone;	/* NULL unless set or only one zone */
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
	uint8_t *nsid;		/* RFC 5001 name server identifier; NULL = none */
	size_t nsidlen;
	bool syslog;		/* log to syslog instead of standard error */
	struct conf_zone *zones;
	size_t nzones;
	struct conf_key *keys;
	size_t nkeys;
};

/*
 * Read the configuration at PATH and every zone's apex file.  On error
 * returns NULL and writes "FILE:LINE: what is wrong (what to do)" to ERR.
 */
struct conf *conf_load(const char *path, char *err, size_t errlen);
void conf_free(struct conf *c);

/* Replace the listen addresses by one parsed from TEXT ("127.0.0.1:53", "[::1]:53"). */
int conf_set_listen(struct conf *c, const char **texts, size_t n, char *err, size_t errlen);

/* Parse "ADDR:PORT" / "[V6]:PORT" into a socket address. */
int conf_parse_sockaddr(const char *text, struct sockaddr_storage *sa, socklen_t *len);

/*
 * The zone named NAME (any case, trailing dot optional), or with NAME NULL
 * the default zone (the only one, or default-zone).  NULL when none.
 */
struct conf_zone *conf_zone(const struct conf *c, const char *name);

#endif
