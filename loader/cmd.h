/* The rbldb commands: one function per command, sharing the start-up state. */
#ifndef CMD_H
#define CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "store.h"

/* Exit codes of rbldb; main.c lists them in usage, README repeats them. */
enum {
	CMD_OK = 0,		/* done (a duplicate or outranked report is done too) */
	CMD_FAIL = 1,		/* refused by the listing policy, bad input, store failure */
	CMD_USAGE = 2,		/* bad arguments: unknown option, missing operand, bad syntax */
	CMD_PARTIAL = 3,	/* ingest --keep-going: some lines were bad, the good ones committed */
};

/*
 * What main.c sets up before any command runs: the configuration, the open
 * store and the store id of every configured zone (zone_ids[i] belongs to
 * conf->zones[i]).  For init, the store is not open yet (loader_open).
 */
struct loader {
	struct conf *conf;
	struct store *store;
	uint16_t *zone_ids;
	const char *confpath;	/* -c as given */
	const char *dbdir;	/* the store directory: -D, else [server] db */
	const char *dbopt;	/* -D as given, or NULL */
	const char *origin;	/* the command line, for the commit log */
};

/*
 * Open the store L->dbdir (FLAGS as store_open: STORE_CREATE for init) and
 * learn, or create, the id of every configured zone.  Returns 0, or after
 * one line on stderr CMD_FAIL; a missing store is named with the init line
 * that creates it.
 */
int loader_open(struct loader *L, unsigned flags);

/*
 * A command gets ARGV[0] = its name and the arguments after it; it parses
 * them with its own getopt_long after setting optind = 0 (a full reset, so
 * GNU permutation lets ADDR come before or after the options).  It prints
 * its result on stdout, one line per problem on stderr, and returns an exit
 * code above.  New commands go here and into the table in main.c.
 */
int cmd_report(struct loader *L, int argc, char **argv);	/* cmd_report.c */
int cmd_delist(struct loader *L, int argc, char **argv);	/* cmd_report.c */
int cmd_show(struct loader *L, int argc, char **argv);	/* cmd_show.c */
int cmd_list(struct loader *L, int argc, char **argv);	/* cmd_show.c */
int cmd_ingest(struct loader *L, int argc, char **argv);	/* cmd_ingest.c */
int cmd_expire(struct loader *L, int argc, char **argv);	/* cmd_expire.c */
int cmd_purge(struct loader *L, int argc, char **argv);	/* cmd_purge.c */
int cmd_stats(struct loader *L, int argc, char **argv);	/* cmd_stats.c */
int cmd_backup(struct loader *L, int argc, char **argv);	/* cmd_backup.c */
int cmd_import(struct loader *L, int argc, char **argv);	/* cmd_import.c */
int cmd_export(struct loader *L, int argc, char **argv);	/* cmd_export.c */
int cmd_log(struct loader *L, int argc, char **argv);		/* cmd_log.c */
int cmd_revert(struct loader *L, int argc, char **argv);	/* cmd_revert.c */
int cmd_init(struct loader *L, int argc, char **argv);	/* cmd_init.c */
int cmd_key(struct loader *L, int argc, char **argv);		/* cmd_key.c */
int cmd_requests(struct loader *L, int argc, char **argv);	/* cmd_request.c */
int cmd_request(struct loader *L, int argc, char **argv);	/* cmd_request.c */
int cmd_verify(struct loader *L, int argc, char **argv);	/* cmd_verify.c */
int cmd_verify_receive(struct loader *L, int argc, char **argv);	/* cmd_verify.c */

/*
 * Helpers for the commands (output.c).  Each prints at most one line,
 * "rbldb: CMD: what is wrong", and returns the exit code to give back, so a
 * command can write `return cmd_fail(...)`.
 */
int cmd_fail(const char *cmd, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ONE when N is 1, else MANY: "1 listing", "2 listings" (N is printed by the caller). */
const char *cmd_plural(uint64_t n, const char *one, const char *many);

/* After getopt_long returned '?' or ':' (optstring starts with ':'). */
int cmd_bad_option(const char *cmd, int opt, char **argv);

/*
 * The command line of a command on one ADDR (report, delist, verify;
 * cmd_args.c): --zone, --force and --dry-run are read into O, the
 * command's own long options OWN (up to CMD_ARGS_OWN_MAX, ended by a
 * zeroed entry, values from 256 up) go to OPT(ARG, value, optarg), whose
 * non-zero return stops the parse and is returned; then exactly one ADDR,
 * O->addr.  CMD_OK, else the failure (said).
 */
#define CMD_ARGS_OWN_MAX 16
struct cmd_args {
	const char *zone, *addr;
	bool force, dry_run;
};
struct option;
typedef int (*cmd_args_fn)(void *arg, int opt, const char *val);
int cmd_args_addr(const char *cmd, int argc, char **argv, const struct option *own,
    cmd_args_fn opt, void *arg, struct cmd_args *o);

/*
 * The zone named NAME, or the default zone when NAME is NULL; *idx gets its
 * index in conf->zones.  Returns 0 or, after the message, CMD_USAGE.
 */
int cmd_zone(const struct loader *L, const char *cmd, const char *name, size_t *idx);

/*
 * Parse ADDR as an address or CIDR prefix; an IPv4-mapped IPv6 address or
 * prefix of /96 or longer becomes the IPv4 one, as DNSBLs list IPv4 hosts
 * under their IPv4 names.  Returns 0 or CMD_USAGE.
 */
int cmd_addr(const char *cmd, const char *text, struct addr *out);

/* Parse an option's RFC 3339 time or duration.  Returns 0 or CMD_USAGE. */
int cmd_time(const char *cmd, const char *opt, const char *text, int64_t *t);
int cmd_duration(const char *cmd, const char *opt, const char *text, uint32_t *secs);

/* A store_reader on the newest state, for the read-only commands. */
int cmd_reader(const struct loader *L, const char *cmd, struct store_reader *rd);

/* Name of zone id ID: the configured name, or the store's for one no longer configured. */
const char *cmd_zone_name(const struct loader *L, struct store_reader *rd, uint16_t id,
    char *buf, size_t len);

/*
 * The entry of ZONE for exactly NET, or with COVERING the most specific live
 * (at NOW) listed range that holds NET without being NET.  Returns 0 and
 * fills *out, RB_ENOTFOUND, or a negative error.
 */
int cmd_find_entry(struct store_reader *rd, uint16_t zone, const struct addr *net,
    bool covering, uint32_t now, struct listing *out);

/*
 * After store_wr_commit failed with RC: for RB_EMAXCHANGE, "would remove
 * 100000 listings from Z, over max-change 5000; nothing committed (add
 * --force to do it)", else "WHAT: the store's error".  Returns CMD_FAIL.
 */
int cmd_commit_fail(const struct loader *L, const char *cmd, int rc, const char *what);

/*
 * In a dry run, before the abort: a note on stdout when the changes are
 * over a zone's max-change, and whether --force was given to let them through.
 */
void cmd_dry_run_guard(const struct loader *L, struct store_wr *w);
/* The same note after the transaction is gone: RC is what store_wr_check_max_change said. */
void cmd_guard_note(const struct loader *L, int rc);

/* The configured zone of store id ID, or NULL. */
const struct conf_zone *cmd_zone_by_id(const struct loader *L, uint16_t id);

#endif
