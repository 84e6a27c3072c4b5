/* The command line shared by the commands on one ADDR: report, delist, verify. */
#include <getopt.h>
#include <string.h>

#include "cmd.h"

/* Values of the shared options, past every command's own (256 up). */
enum { ARG_ZONE = 0x10000, ARG_FORCE, ARG_DRY_RUN };

int
cmd_args_addr(const char *cmd, int argc, char **argv, const struct option *own,
    cmd_args_fn opt, void *arg, struct cmd_args *o)
{
	struct option all[CMD_ARGS_OWN_MAX + 4] = {
		{ "zone", required_argument, NULL, ARG_ZONE },
		{ "force", no_argument, NULL, ARG_FORCE },
		{ "dry-run", no_argument, NULL, ARG_DRY_RUN },
	};
	size_t n = 3, i;
	int c, rc;

	for (i = 0; own[i].name != NULL && i < CMD_ARGS_OWN_MAX; i++)
		all[n++] = own[i];
	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", all, NULL)) != -1) {
		switch (c) {
		case ARG_ZONE: o->zone = optarg; break;
		case ARG_FORCE: o->force = true; break;
		case ARG_DRY_RUN: o->dry_run = true; break;
		case '?':
		case ':':
			return cmd_bad_option(cmd, c, argv);
		default:
			if ((rc = opt(arg, c, optarg)) != 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cmd_fail(cmd, CMD_USAGE, "missing ADDR (see rbldb --help)");
	if (optind + 1 < argc)
		return cmd_fail(cmd, CMD_USAGE, "unexpected argument %s", argv[optind + 1]);
	o->addr = argv[optind];
	return CMD_OK;
}
