/* Hold an LMDB write transaction on a store for a while, as a slow writer would. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <lmdb.h>

/*
 * usage: holdwrite DBDIR SECONDS
 * Prints "holding" once the write lock is held, sleeps, aborts, exits 0.
 */
int
main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: holdwrite DBDIR SECONDS\n");
		return 2;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0644)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		fprintf(stderr, "holdwrite: %s: %s\n", argv[1], mdb_strerror(rc));
		return 1;
	}
	printf("holding\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[2]));
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}
