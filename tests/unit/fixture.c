/* The front door's unit tests' shared fixture (fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

void
fx_open(struct fx *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	testdir_make(f->dir, name);
}

void
fx_apex(struct fx *f, const char *file, const char *zone, const char *extra)
{
	char text[1024];

	snprintf(text, sizeof(text), "$ORIGIN %s.\n$TTL 3600\n"
	    "@ IN SOA ns1.example.org. hostmaster.example.org. %u 3600 600 1209600 300\n"
	    "@ IN NS ns1.example.org.\n%s", zone, (unsigned)FX_SERIAL, extra);
	testdir_write(f->dir, file, text);
}

void
fx_conf(struct fx *f, const char *text)
{
	testdir_write(f->dir, "test.conf", text);
	f->c = testdir_conf(f->dir, "test.conf");
}

void
fx_store(struct fx *f, const char *zone, uint32_t serial)
{
	if (zone != NULL)
		f->s = testdir_store(f->c->db, zone, serial, &f->zone);
	else
		assert_int_equal(store_open(&f->s, f->c->db, 64 << 20, STORE_CREATE), 0);
	f->zt = testdir_zonetab(f->c, f->s);
}

void
fx_keyring(struct fx *f)
{
	char err[256];

	if ((f->kr = tsig_keyring_new(f->c, err, sizeof(err))) == NULL)
		fail_msg("tsig_keyring_new: %s", err);
}

void
fx_query(struct fx *f)
{
	assert_int_equal(query_ctx_init(&f->q, f->zt, f->s), 0);
	f->q_init = true;
}

void
fx_close(struct fx *f)
{
	if (f->q_init) {
		query_ctx_release(&f->q);
		query_ctx_fini(&f->q);
	}
	tsig_keyring_free(f->kr);
	zonetab_free(f->zt);
	store_close(f->s);
	conf_free(f->c);
	testdir_remove(f->dir);
}
