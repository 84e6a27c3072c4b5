/* Change a store behind rbldb's back, as a newer rbldb or another LMDB program would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

/*
 * usage: storepoke DBDIR schema      print meta "schema" (a big-endian u32)
 *        storepoke DBDIR schema N    set it to N
 *        storepoke DBDIR foreign     create an LMDB environment of another program
 * Exits 0 when done, 1 on an LMDB error, 2 on bad arguments.
 */
int
main(int argc, char **argv)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	unsigned char ver[4];
	unsigned long n;
	int rc, schema;

	if (argc < 3 || (strcmp(argv[2], "schema") == 0 ? argc > 4 :
	    strcmp(argv[2], "foreign") != 0 || argc != 3)) {
		fprintf(stderr, "usage: storepoke DBDIR schema [N] | storepoke DBDIR foreign\n");
		return 2;
	}
	schema = strcmp(argv[2], "schema") == 0;
	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0644)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		goto fail;
	if (schema && argc == 3) {
		k.mv_data = "schema";
		k.mv_size = 6;
		if ((rc = mdb_dbi_open(txn, "meta", 0, &dbi)) != 0 ||
		    (rc = mdb_get(txn, dbi, &k, &v)) != 0)
			goto fail;
		if (v.mv_size != 4) {
			fprintf(stderr, "storepoke: schema value of %zu octets\n", v.mv_size);
			mdb_txn_abort(txn);
			mdb_env_close(env);
			return 1;
		}
		memcpy(ver, v.mv_data, 4);
		printf("%lu\n", (unsigned long)ver[0] << 24 | (unsigned long)ver[1] << 16 |
		    (unsigned long)ver[2] << 8 | ver[3]);
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return 0;
	}
	if (schema) {
		n = strtoul(argv[3], NULL, 10);
		ver[0] = (unsigned char)(n >> 24);
		ver[1] = (unsigned char)(n >> 16);
		ver[2] = (unsigned char)(n >> 8);
		ver[3] = (unsigned char)n;
		k.mv_data = "schema";
		k.mv_size = 6;
		v.mv_data = ver;
		v.mv_size = 4;
		if ((rc = mdb_dbi_open(txn, "meta", 0, &dbi)) != 0)
			goto fail;
	} else {
		k.mv_data = "greeting";
		k.mv_size = 8;
		v.mv_data = "hello from another program";
		v.mv_size = strlen(v.mv_data);
		if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0)
			goto fail;
	}
	if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	mdb_env_close(env);
	return 0;
fail:
	fprintf(stderr, "storepoke: %s: %s\n", argv[1], mdb_strerror(rc));
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return 1;
}
