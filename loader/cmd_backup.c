/* rbldb backup: a consistent, compacted copy of the store, taken while both programs run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "rb.h"

int
cmd_backup(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	char path[4096];
	const char *dir;
	struct stat st;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return cmd_bad_option("backup", c, argv);
	if (optind >= argc)
		return cmd_fail("backup", CMD_USAGE, "missing DIR (see rbldb --help)");
	if (optind + 1 < argc)
		return cmd_fail("backup", CMD_USAGE, "unexpected argument %s", argv[optind + 1]);
	dir = argv[optind];
	/* Never write over a store: an older backup, or the live one by mistake. */
	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path))
		return cmd_fail("backup", CMD_USAGE, "DIR %s is too long", dir);
	if (stat(path, &st) == 0)
		return cmd_fail("backup", CMD_FAIL, "%s already holds a store (data.mdb); "
		    "choose a new or empty directory", dir);
	if (errno != ENOENT && errno != ENOTDIR)
		return cmd_fail("backup", CMD_FAIL, "%s: %s", path, strerror(errno));
	/* LMDB copies inside one read transaction: writers go on, nothing is blocked. */
	if ((rc = store_backup(L->store, dir)) != 0)
		return cmd_fail("backup", CMD_FAIL, "%s: %s", dir, rb_strerror(rc));
	if (stat(path, &st) != 0)
		return cmd_fail("backup", CMD_FAIL, "%s: %s", path, strerror(errno));
	printf("backup written to %s (data.mdb, %lld bytes, compacted)\n", dir,
	    (long long)st.st_size);
	return CMD_OK;
}
