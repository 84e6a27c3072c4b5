/* The INI configuration both rbldbd and rbldb read (libinih): the store and the zones. */
#ifndef CONF_H
#define CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "addr.h"

#define ZONE_FAMILY_V4 1
#define ZONE_FAMILY_V6 2
#define ZONE_FAMILY_BOTH (ZONE_FAMILY_V4 | ZONE_FAMILY_V6)

/* What a zone lists (`kind`), or an aggregate of zones ([aggregate NAME]). */
#define ZONE_KIND_ADDRESSES 0
#define ZONE_KIND_NAMES 1
#define ZONE_KIND_AGGREGATE 2
/* How an aggregate answers (`answer`): one A per member, or one bitmask A. */
#define ZONE_ANSWER_EACH 0
#define ZONE_ANSWER_BITMASK 1

/* rbldbd's part of the configuration (server/conf_server.h); NULL in rbldb. */
struct conf_server;
struct conf_zone_server;
struct conf_hooks;

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
	/* max-change: a commit may add or remove the larger of these without --force */
	uint32_t max_change;		/* listings */
	uint32_t max_change_pct;	/* percent of the zone's listings */
	struct addr *never;	/* never-list prefixes */
	size_t nnever;
	bool verify_required;	/* verify = required: publish only confirmed relays */
	struct conf_zone_server *server;	/* transfers, journal, NOTIFY, ACL, RRL */
	int removal;		/* CONF_REMOVAL_*: what a removal request does (rbldb-web) */
	uint32_t removal_interval;	/* self: at most one removal per address per this */
	int kind;		/* ZONE_KIND_* */
	bool authority_ns;	/* authority-ns = yes: the apex NS in positive answers (rbldnsd -A) */
	char **never_names;	/* kind = names: never-list-names, stored form (name.h) */
	size_t nnever_names;
	/* An aggregate: its member zones (indices into conf.zones), checked at load. */
	char **member_names;
	size_t *members;
	size_t nmembers;
	int answer;		/* ZONE_ANSWER_* */
	char *file;		/* configuration file and line that opened the section */
	int line;
};

/* Removal policies of a zone (SPEC "Lookup and removal page"). */
#define CONF_REMOVAL_QUEUE 1	/* waits for rbldb request accept|reject (default) */
#define CONF_REMOVAL_SELF 2	/* delisted at once, once per removal-interval */
#define CONF_REMOVAL_RETEST 3	/* a relay test decides */

/* [web]: what rbldb-web reads (common/conf_web.c parses it, both programs check it). */
struct conf_web {
	char **listen;		/* ADDR:PORT items, as written */
	size_t nlisten;
	struct addr *proxies;	/* trusted-proxy: X-Forwarded-For only from these */
	size_t nproxies;
	uint32_t per_client;	/* removal requests per client prefix per hour */
	uint32_t per_address;	/* removal requests per listed address per hour */
	uint8_t client_prefix4, client_prefix6;	/* what one client is */
	char *user;		/* drop privileges to this user after binding */
	char *secret_file;	/* CSRF key; NULL: a random one per start */
	char *title;		/* the pages' heading */
};

/* What both programs read; conf_parse.h tells how the keys of rbldbd alone are read. */
struct conf {
	char *path;		/* the configuration file */
	char *dir;		/* its directory; relative paths are against it */
	char *db;		/* store directory, resolved */
	size_t mapsize;		/* bytes; 0 = store default */
	char *default_zone;	/* NULL unless set or only one zone */
	struct conf_zone *zones;
	size_t nzones;
	struct conf_server *server;	/* listen, threads, user, limits, logs, TSIG keys */
	struct conf_web web;		/* [web] */
	struct conf_verify *verify;	/* the [verify] section (conf_verify.h), never NULL */
	const struct conf_hooks *hooks;	/* what read the server part, NULL for none */
};

/*
 * Read the configuration at PATH and every zone's apex file.  HOOKS parse
 * the keys only rbldbd reads (conf_server_load() passes them); with HOOKS
 * NULL, as rbldb reads the file, their names are checked and their values
 * skipped.  On error returns NULL and writes "FILE:LINE: what is wrong
 * (what to do)" to ERR.
 */
struct conf *conf_load(const char *path, const struct conf_hooks *hooks, char *err,
    size_t errlen);
void conf_free(struct conf *c);

/*
 * The zone named NAME (any case, trailing dot optional), or with NAME NULL
 * the default zone (the only one, or default-zone).  NULL when none.
 */
struct conf_zone *conf_zone(const struct conf *c, const char *name);

#endif
