/* Temporary directories, configurations and stores for the unit tests (testdir.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_server.h"
#include "tsig.h"
#include "testdir.h"

void
testdir_make(char dir[TESTDIR_LEN], const char *name)
{
	int n = snprintf(dir, TESTDIR_LEN, "/tmp/rbldb-test-%s.XXXXXX", name);

	assert_true(n > 0 && n < TESTDIR_LEN);
	assert_non_null(mkdtemp(dir));
}

void
testdir_write(const char *dir, const char *file, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_non_null(fp = fopen(path, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

void
testdir_remove(const char *dir)
{
	char cmd[TESTDIR_LEN + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

struct addr
testdir_net(const char *cidr)
{
	struct addr a;

	if (addr_parse_cidr(cidr, &a, NULL) != 0)
		fail_msg("not an address or CIDR prefix: %s", cidr);
	return a;
}

struct store *
testdir_store(const char *path, const char *zone, uint32_t serial, uint16_t *id)
{
	struct store *s;
	struct store_zone z;

	assert_int_equal(store_open(&s, path, 64 << 20, STORE_CREATE), 0);
	assert_int_equal(store_zone_ensure(s, zone, serial, &z), 0);
	if (id != NULL)
		*id = z.id;
	return s;
}

struct conf *
testdir_conf(const char *dir, const char *file)
{
	char path[256], err[512];
	struct conf *c;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((c = conf_server_load(path, err, sizeof(err))) == NULL)
		fail_msg("conf_server_load: %s", err);
	return c;
}

struct zonetab *
testdir_zonetab(const struct conf *c, struct store *s)
{
	char err[512];
	struct zonetab *zt;

	if ((zt = zonetab_new(c, s, err, sizeof(err))) == NULL)
		fail_msg("zonetab_new: %s", err);
	return zt;
}

size_t
testdir_remac(uint8_t *msg, const uint8_t *base, const struct tsig_rr *t, size_t n, bool right)
{
	uint8_t mac[TSIG_MAXMAC * 2], tail[6];
	size_t macpos = (size_t)(t->mac - base), rdlenpos, i, len;

	memset(mac, 0x5a, sizeof(mac));
	memcpy(mac, t->mac, t->maclen);
	for (i = 0; !right && i < n; i++)
		mac[i] ^= 0xff;
	memcpy(tail, t->mac + t->maclen, 6);		/* original id, error, other length 0 */
	msg[macpos - 2] = (uint8_t)(n >> 8);
	msg[macpos - 1] = (uint8_t)n;
	memcpy(msg + macpos, mac, n);
	memcpy(msg + macpos + n, tail, 6);
	len = macpos + n + 6;
	/* RDLENGTH: the algorithm name, 10 fixed octets, the MAC and the 6 after it. */
	rdlenpos = macpos - 10 - t->alglen - 2;
	msg[rdlenpos] = (uint8_t)((len - rdlenpos - 2) >> 8);
	msg[rdlenpos + 1] = (uint8_t)(len - rdlenpos - 2);
	return len;
}
