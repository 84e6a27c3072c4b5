/* rbldb, the operator CLI: global options, the command table, start-up. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "privs.h"
#include "rb.h"
#include "store.h"

struct command {
	const char *name;
	const char *synopsis;	/* arguments, in man-page form */
	int (*run)(struct loader *L, int argc, char **argv);
	bool opens_itself;	/* init opens (creates) the store; the others get it open */
};

/*
 * usage() prints this table, so help cannot drift from what is dispatched.
 */
static const struct command commands[] = {
	{ "init", "[--dry-run]", cmd_init, true },
	{ "report", "ADDR [--zone Z] [--reason T] [--code 127.0.0.N] [--source S]\n"
	    "          [--evidence T] [--at TIME] [--lifetime DUR] [--force] [--dry-run]",
	    cmd_report, false },
	{ "delist", "ADDR [--zone Z] --reason T [--by WHO] [--at TIME] [--force]\n"
	    "          [--dry-run]", cmd_delist, false },
	{ "ingest", "[--keep-going] [--dry-run] [--force] FILE|-", cmd_ingest, false },
	{ "expire", "[--at TIME] [--force] [--dry-run]", cmd_expire, false },
	{ "show", "ADDR [--json]", cmd_show, false },
	{ "list", "[--zone Z] [--json]", cmd_list, false },
	{ "import", "--format rbldnsd [--zone Z] [--dataset TYPE] [--keep-going] "
	    "[--accept-in-cidr] [--replace]\n          [--apex-from-file] [--verified] [--dry-run] "
	    "[--force] FILE|-", cmd_import, false },
	{ "export", "--format rbldnsd|zone [--zone Z] [--family ipv4|ipv6] [-o FILE]",
	    cmd_export, false },
	{ "purge", "--source S [--since TIME] [--dry-run] [--force]", cmd_purge, false },
	{ "stats", "[--json]", cmd_stats, false },
	{ "backup", "DIR", cmd_backup, false },
	{ "log", "[--zone Z] [--since TIME] [--json]", cmd_log, false },
	{ "revert", "COMMIT [--dry-run] [--force]", cmd_revert, false },
	{ "key", "add LABEL [--customer NAME] [--qps N] [--daily N] [--zone Z]... [--dry-run] | "
	    "disable|enable|remove LABEL [--dry-run] | list [--json] | show LABEL [--json]",
	    cmd_key, false },
	{ "requests", "[--zone Z] [--all] [--json]", cmd_requests, false },
	{ "request", "accept|reject ID [--reason T] [--dry-run]", cmd_request, false },
	{ "verify", "ADDR [--zone Z] [--connect HOST:PORT] [--json] [--force] [--queue-only]\n"
	    "          [--dry-run]",
	    cmd_verify, false },
	{ "verify-receive", "[--quiet-refusal]", cmd_verify_receive, false },
};

/* The bulk loaders, whose one commit may be any size: the store opened with STORE_BULK. */
static bool
bulk_command(const char *name)
{
	return strcmp(name, "ingest") == 0 || strcmp(name, "import") == 0;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rbldb -c CONF [-D DBDIR] COMMAND [ARGS]\n"
	    "       rbldb -h | --help\n"
	    "       rbldb --version\n"
	    "options:\n"
	    "  -c, --config CONF   configuration file (required)\n"
	    "  -D, --db DBDIR      store directory, instead of [server] db\n"
	    "  -h, --help          this text\n"
	    "      --version       print the version (rbldb %s) and exit\n"
	    "commands:\n", RB_VERSION);
	for (i = 0; i < RB_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].synopsis);
	fprintf(f, "ADDR is an IPv4 or IPv6 address or CIDR range; TIME is RFC 3339\n"
	    "(2026-11-27T10:00:00Z); DUR is 90s, 15m, 12h, 30d; --zone may be left out\n"
	    "when the configuration has one zone or names a default.\n"
	    "exit status:\n"
	    "  0  done (a duplicate or outranked report changes nothing and is done)\n"
	    "  1  refused by the listing policy, bad input, or a store failure\n"
	    "     (ingest: some line was bad, nothing committed)\n"
	    "  2  bad arguments\n"
	    "  3  ingest --keep-going: some lines were bad, the good ones committed\n");
}

static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < RB_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * Run as root on a store of another user's (the server's, made by rbldbd
 * for its [server] user), rbldb becomes that user for good before it opens
 * anything more, as `sudo -u OWNER rbldb` would: a file it created as root
 * (lock.mdb, data.mdb) would lock the server out of its own store.  Files
 * an older version left root's there are given back first (privs.h).  A
 * store of root's, or none yet, is root's to use.
 */
static int
become_store_owner(const char *dir)
{
	struct privs_user u;
	char err[1024];
	int rc;

	if (geteuid() != 0)
		return 0;
	rc = privs_dir_owner(dir, &u);
	if (rc == -ENOENT || rc == -ENOTDIR || (rc == 0 && u.uid == 0))
		return 0;	/* store_open says what is wrong with a file */
	if (rc != 0)
		return cmd_fail(NULL, CMD_FAIL, "store %s: %s", dir, rb_strerror(rc));
	if (privs_store_claim(dir, &u, err, sizeof(err)) != 0)
		return cmd_fail(NULL, CMD_FAIL, "%s", err);
	if ((rc = privs_become(&u, true)) != 0)
		return cmd_fail(NULL, CMD_FAIL, "store %s belongs to %s, and rbldb cannot act "
		    "as that user: %s", dir, u.name, rb_strerror(rc));
	return 0;
}

/* The command line, words joined by spaces, as the commit log records it. */
static char *
command_line(int argc, char **argv)
{
	size_t n = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = xcalloc(1, n);
	strcat(s, "rbldb");	/* not the path it was started by */
	for (i = 1; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct loader L = { 0 };
	const struct command *cmd;
	const char *confpath = NULL, *dbdir = NULL;
	char err[1024], *origin;
	int c, rc;

	log_init("rbldb", false, false);
	opterr = 0;
	/* "+": stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+:c:D:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			confpath = optarg;
			break;
		case 'D':
			dbdir = optarg;
			break;
		case 'h':
			usage(stdout);
			return CMD_OK;
		case 'V':
			printf("rbldb %s\n", RB_VERSION);
			return CMD_OK;
		default:
			return cmd_bad_option(NULL, c, argv);
		}
	}
	if (optind >= argc)
		return cmd_fail(NULL, CMD_USAGE, "no command (see rbldb --help)");
	if ((cmd = command_find(argv[optind])) == NULL)
		return cmd_fail(NULL, CMD_USAGE, "unknown command %s (see rbldb --help)",
		    argv[optind]);
	/* `rbldb report --help` needs no configuration. */
	if (optind + 1 < argc && (strcmp(argv[optind + 1], "-h") == 0 ||
	    strcmp(argv[optind + 1], "--help") == 0)) {
		printf("usage: rbldb -c CONF [-D DBDIR] %s %s\n", cmd->name, cmd->synopsis);
		return CMD_OK;
	}
	if (confpath == NULL)
		return cmd_fail(NULL, CMD_USAGE, "-c CONF is required (see rbldb --help)");

	if ((L.conf = conf_load(confpath, NULL, err, sizeof(err))) == NULL)
		return cmd_fail(NULL, CMD_FAIL, "%s", err);
	L.confpath = confpath;
	L.dbopt = dbdir;
	L.dbdir = dbdir != NULL ? dbdir : L.conf->db;
	L.origin = origin = command_line(argc, argv);
	if ((rc = become_store_owner(L.dbdir)) == 0 &&
	    (cmd->opens_itself || (rc = loader_open(&L, bulk_command(cmd->name) ? STORE_BULK : 0)) == 0))
		rc = cmd->run(&L, argc - optind, argv + optind);
	free(origin);

	if (fflush(stdout) != 0 && rc == CMD_OK)
		rc = cmd_fail(NULL, CMD_FAIL, "writing output failed");
	if (L.store != NULL)
		store_close(L.store);
	free(L.zone_ids);
	conf_free(L.conf);
	return rc;
}
