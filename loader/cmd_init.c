/* rbldb init: create the store, the one command that may; the others refuse a missing one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "rb.h"

enum { OPT_DRY_RUN = 256 };

/* "relays.example.org, dyn.example.org": the configured zones, for the message. */
static void
zone_list(const struct conf *c, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < c->nzones && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", c->zones[i].name);
}

int
cmd_init(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ NULL, 0, NULL, 0 },
	};
	struct store *s = NULL;
	bool dry_run = false;
	char zones[1024];
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DRY_RUN: dry_run = true; break;
		default: return cmd_bad_option("init", c, argv);
		}
	}
	if (optind < argc)
		return cmd_fail("init", CMD_USAGE, "unexpected argument %s", argv[optind]);
	zone_list(L->conf, zones, sizeof(zones));

	/* A store that is there already is left as it is: init twice is harmless. */
	rc = store_open(&s, L->dbdir, L->conf->mapsize, 0);
	if (rc == 0) {
		store_close(s);
		printf("store %s exists already; nothing changed\n", L->dbdir);
		return CMD_OK;
	}
	if (rc != RB_ENOSTORE)
		return cmd_fail("init", CMD_FAIL, "store %s: %s", L->dbdir, rb_strerror(rc));
	if (dry_run) {
		printf("would create store %s for zone%s %s (dry run, nothing created)\n",
		    L->dbdir, L->conf->nzones == 1 ? "" : "s", zones);
		return CMD_OK;
	}
	if ((rc = loader_open(L, STORE_CREATE)) != 0)
		return rc;
	printf("created store %s (directory 0700, files 0600) for zone%s %s\n", L->dbdir,
	    L->conf->nzones == 1 ? "" : "s", zones);
	return CMD_OK;
}
