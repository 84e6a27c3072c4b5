/* Unit tests of the metrics: counters summed over workers, histogram, zone gauges, tables, HTTP. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "metrics.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"

#define NOW 1800000000
#define T_A 1
#define T_TXT 16
#define T_AXFR 252
#define T_IXFR 251

struct fixture {
	char dir[TESTDIR_LEN];
	struct store *s;
	uint16_t zone;
	struct metrics *m;
	char *text;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *name = "relays.example.org";

	assert_non_null(f);
	testdir_make(f->dir, "metrics");
	f->s = testdir_store(f->dir, name, 100, &f->zone);
	assert_non_null(f->m = metrics_new(f->s, 2));
	assert_int_equal(metrics_set_zones(f->m, &name, &f->zone, 1), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	metrics_free(f->m);
	store_close(f->s);
	testdir_remove(f->dir);
	free(f->text);
	free(f);
	return 0;
}

/* Render at NOW into f->text. */
static const char *
render(struct fixture *f)
{
	size_t len;

	free(f->text);
	f->text = NULL;
	assert_int_equal(metrics_render(f->m, NOW, &f->text, &len), 0);
	assert_int_equal(strlen(f->text), len);
	return f->text;
}

/* The value of the sample line starting with exactly SAMPLE (name and labels), or -1. */
static long long
value(const char *text, const char *sample)
{
	size_t n = strlen(sample);
	const char *p = text;

	while ((p = strstr(p, sample)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

static void
report(struct fixture *f, const char *net)
{
	struct store_wr *w;
	struct report r = { .at = NOW, .lifetime = 86400 };
	enum store_outcome out;

	assert_int_equal(addr_parse_cidr(net, &r.net, NULL), 0);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_report(w, f->zone, &r, &out), 0);
	assert_int_equal(store_wr_commit(w), 0);
}

static struct sockaddr_in
sin4(const char *a, unsigned port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return s;
}

static void
test_counters_are_summed_over_workers(void **state)
{
	struct fixture *f = *state;
	struct metrics_worker *w0 = metrics_worker(f->m, 0), *w1 = metrics_worker(f->m, 1);
	const char *t;

	metrics_count(w0, 0, T_A, 0, f->zone, ML_HIT, MA_NONE);
	metrics_count(w1, 0, T_A, 3, f->zone, ML_MISS, MA_NONE);
	metrics_count(w1, 0, T_TXT, 0, f->zone, ML_HIT, MA_NONE);
	metrics_count(w0, 1, T_TXT, 0, f->zone, ML_HIT, MA_NONE);
	metrics_count(w0, 0, T_A, 5, 0, ML_NONE, MA_NONE);
	t = render(f);
	assert_int_equal(value(t, "rbldb_queries_total{transport=\"udp\"}"), 4);
	assert_int_equal(value(t, "rbldb_queries_total{transport=\"tcp\"}"), 1);
	assert_int_equal(value(t, "rbldb_queries_qtype_total{qtype=\"A\"}"), 3);
	assert_int_equal(value(t, "rbldb_queries_qtype_total{qtype=\"TXT\"}"), 2);
	assert_int_equal(value(t, "rbldb_responses_total{rcode=\"NOERROR\"}"), 3);
	assert_int_equal(value(t, "rbldb_responses_total{rcode=\"NXDOMAIN\"}"), 1);
	assert_int_equal(value(t, "rbldb_responses_total{rcode=\"REFUSED\"}"), 1);
	assert_int_equal(value(t, "rbldb_zone_queries_total{zone=\"relays.example.org\"}"), 4);
	assert_int_equal(value(t, "rbldb_zone_hits_total{zone=\"relays.example.org\"}"), 3);
	assert_int_equal(value(t, "rbldb_zone_misses_total{zone=\"relays.example.org\"}"), 1);
}

static void
test_drops_have_no_rcode(void **state)
{
	struct fixture *f = *state;
	struct metrics_worker *w = metrics_worker(f->m, 0);
	const char *t;

	metrics_count(w, 0, T_A, 0, f->zone, ML_NONE, MA_RRL_DROP);
	metrics_count(w, 0, T_A, 0, f->zone, ML_HIT, MA_RRL_TRUNCATE);
	metrics_count(w, 0, T_A, 0, 0, ML_NONE, MA_ACL_DROP);
	metrics_count(w, 0, T_A, 5, f->zone, ML_NONE, MA_ACL_REFUSE);
	metrics_count(w, 0, 0, 0, 0, ML_NONE, MA_MALFORMED);
	t = render(f);
	assert_int_equal(value(t, "rbldb_queries_total{transport=\"udp\"}"), 5);
	assert_int_equal(value(t, "rbldb_queries_qtype_total{qtype=\"A\"}"), 4);
	assert_int_equal(value(t, "rbldb_responses_total{rcode=\"NOERROR\"}"), 1);
	assert_int_equal(value(t, "rbldb_responses_total{rcode=\"REFUSED\"}"), 1);
	assert_int_equal(value(t, "rbldb_dropped_total{reason=\"rrl\"}"), 1);
	assert_int_equal(value(t, "rbldb_dropped_total{reason=\"acl\"}"), 1);
	assert_int_equal(value(t, "rbldb_dropped_total{reason=\"malformed\"}"), 1);
	assert_int_equal(value(t, "rbldb_rrl_total{action=\"truncate\"}"), 1);
	assert_int_equal(value(t, "rbldb_acl_total{action=\"refuse\"}"), 1);
	assert_int_equal(value(t, "rbldb_acl_total{action=\"drop\"}"), 1);
}

static void
test_type_and_rcode_indexes(void **state)
{
	(void)state;
	assert_int_equal(metrics_qtype_index(1), MQ_A);
	assert_int_equal(metrics_qtype_index(16), MQ_TXT);
	assert_int_equal(metrics_qtype_index(28), MQ_AAAA);
	assert_int_equal(metrics_qtype_index(255), MQ_ANY);
	assert_int_equal(metrics_qtype_index(99), MQ_OTHER);
	assert_int_equal(metrics_rcode_index(3), MR_NXDOMAIN);
	assert_int_equal(metrics_rcode_index(16), MR_BADVERS);
	assert_int_equal(metrics_rcode_index(9), MR_OTHER);
}

static void
test_histogram_is_cumulative(void **state)
{
	struct fixture *f = *state;
	const char *t;

	metrics_observe(metrics_worker(f->m, 0), 0, 5000, 3);		/* 5 us, a batch of 3 */
	metrics_observe(metrics_worker(f->m, 1), 0, 2000000, 1);	/* 2 ms */
	metrics_observe(metrics_worker(f->m, 1), 1, 200000000, 1);	/* 200 ms, TCP */
	t = render(f);
	assert_int_equal(value(t, "rbldb_query_duration_seconds_bucket{transport=\"udp\",le=\"1e-05\"}"), 3);
	assert_int_equal(value(t, "rbldb_query_duration_seconds_bucket{transport=\"udp\",le=\"0.001\"}"), 3);
	assert_int_equal(value(t, "rbldb_query_duration_seconds_bucket{transport=\"udp\",le=\"0.0025\"}"), 4);
	assert_int_equal(value(t, "rbldb_query_duration_seconds_bucket{transport=\"udp\",le=\"+Inf\"}"), 4);
	assert_int_equal(value(t, "rbldb_query_duration_seconds_count{transport=\"udp\"}"), 4);
	assert_non_null(strstr(t, "rbldb_query_duration_seconds_sum{transport=\"udp\"} 0.002015000\n"));
	assert_int_equal(value(t, "rbldb_query_duration_seconds_bucket{transport=\"tcp\",le=\"0.1\"}"), 0);
	assert_int_equal(value(t, "rbldb_query_duration_seconds_bucket{transport=\"tcp\",le=\"+Inf\"}"), 1);
	assert_non_null(strstr(t, "# TYPE rbldb_query_duration_seconds histogram\n"));
}

static void
test_zone_gauges_from_the_store(void **state)
{
	struct fixture *f = *state;
	const char *t;

	report(f, "192.0.2.1");
	report(f, "192.0.2.2");
	report(f, "198.51.100.0/24");
	t = render(f);
	assert_int_equal(value(t, "rbldb_zone_serial{zone=\"relays.example.org\"}"), 103);
	assert_int_equal(value(t, "rbldb_zone_entries{zone=\"relays.example.org\"}"), 3);
	assert_int_equal(value(t, "rbldb_zone_journal_commits{zone=\"relays.example.org\"}"), 3);
	assert_true(value(t, "rbldb_zone_last_change_age_seconds{zone=\"relays.example.org\"}") >= 0);
	assert_true(value(t, "rbldb_store_file_bytes") > 0);
	assert_int_equal(value(t, "rbldb_store_map_bytes"), 64 << 20);
}

static void
test_entry_count_lags_at_most_a_minute(void **state)
{
	struct fixture *f = *state;
	size_t len;

	report(f, "192.0.2.1");
	render(f);
	report(f, "192.0.2.2");
	/* Changed, but counted less than a minute ago: the old count, the new serial. */
	assert_int_equal(value(render(f), "rbldb_zone_entries{zone=\"relays.example.org\"}"), 1);
	assert_int_equal(value(f->text, "rbldb_zone_serial{zone=\"relays.example.org\"}"), 102);
	free(f->text);
	assert_int_equal(metrics_render(f->m, NOW + METRICS_ENTRIES_EVERY, &f->text, &len), 0);
	assert_int_equal(value(f->text, "rbldb_zone_entries{zone=\"relays.example.org\"}"), 2);
}

static void
test_zone_list_is_replaced_and_labels_escaped(void **state)
{
	struct fixture *f = *state;
	const char *names[2] = { "other.example", "odd\"name\\" };
	uint16_t ids[2] = { 7, 8 };
	const char *t;

	metrics_count(metrics_worker(f->m, 0), 0, T_A, 0, 8, ML_NONE, MA_NONE);
	assert_int_equal(metrics_set_zones(f->m, names, ids, 2), 0);
	t = render(f);
	assert_null(strstr(t, "relays.example.org"));
	assert_int_equal(value(t, "rbldb_zone_queries_total{zone=\"other.example\"}"), 0);
	assert_int_equal(value(t, "rbldb_zone_queries_total{zone=\"odd\\\"name\\\\\"}"), 1);
}

static void
test_transfers_per_secondary(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in a = sin4("192.0.2.53", 40001), b = sin4("192.0.2.53", 40002);
	struct sockaddr_in c = sin4("198.51.100.7", 40003);
	const char *t;

	metrics_xfr_done(f->m, f->zone, (struct sockaddr *)&a, T_AXFR, NOW - 10);
	metrics_xfr_done(f->m, f->zone, (struct sockaddr *)&b, T_AXFR, NOW - 5);
	metrics_xfr_done(f->m, f->zone, (struct sockaddr *)&c, T_IXFR, NOW - 1);
	t = render(f);
	assert_int_equal(value(t, "rbldb_xfr_total{zone=\"relays.example.org\","
	    "secondary=\"192.0.2.53\",type=\"AXFR\"}"), 2);
	assert_int_equal(value(t, "rbldb_xfr_last_timestamp_seconds{zone=\"relays.example.org\","
	    "secondary=\"192.0.2.53\",type=\"AXFR\"}"), NOW - 5);
	assert_int_equal(value(t, "rbldb_xfr_last_timestamp_seconds{zone=\"relays.example.org\","
	    "secondary=\"198.51.100.7\",type=\"IXFR\"}"), NOW - 1);
}

/* A NOTIFY for relays.example.org with ID; FLAGS 0x20 a query, 0xa0 a response. */
static size_t
notify_msg(uint8_t *p, uint16_t id, uint8_t flags, uint8_t rcode)
{
	static const uint8_t q[] = "\6relays\7example\3org\0\0\6\0\1";
	size_t n = 12 + sizeof(q) - 1;

	memset(p, 0, 12);
	p[0] = (uint8_t)(id >> 8);
	p[1] = (uint8_t)id;
	p[2] = flags;
	p[3] = rcode;
	p[5] = 1;
	memcpy(p + 12, q, sizeof(q) - 1);
	return n;
}

static void
test_notify_ack_must_match_the_last_id(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in to = sin4("192.0.2.53", 53), other = sin4("192.0.2.54", 53);
	const char *sent = "rbldb_notify_sent_timestamp_seconds{zone=\"relays.example.org\","
	    "target=\"192.0.2.53:53\"}";
	const char *acked = "rbldb_notify_acked_timestamp_seconds{zone=\"relays.example.org\","
	    "target=\"192.0.2.53:53\"}";
	uint8_t p[64];
	size_t n;

	n = notify_msg(p, 0x1234, 0x20, 0);
	metrics_notify_sent(f->m, (struct sockaddr *)&to, p, n, NOW - 3);
	metrics_notify_sent(f->m, (struct sockaddr *)&to, p, n, NOW - 2);
	/* A stale id, another address, an error: none is the acknowledgement. */
	n = notify_msg(p, 0x1235, 0xa0, 0);
	metrics_notify_reply(f->m, (struct sockaddr *)&to, p, n, NOW - 1);
	n = notify_msg(p, 0x1234, 0xa0, 0);
	metrics_notify_reply(f->m, (struct sockaddr *)&other, p, n, NOW - 1);
	n = notify_msg(p, 0x1234, 0xa0, 5);
	metrics_notify_reply(f->m, (struct sockaddr *)&to, p, n, NOW - 1);
	assert_int_equal(value(render(f), sent), NOW - 2);
	assert_int_equal(value(f->text, acked), -1);
	assert_int_equal(value(f->text, "rbldb_notify_sent_total{zone=\"relays.example.org\","
	    "target=\"192.0.2.53:53\"}"), 2);
	n = notify_msg(p, 0x1234, 0xa0, 0);
	metrics_notify_reply(f->m, (struct sockaddr *)&to, p, n, NOW);
	assert_int_equal(value(render(f), acked), NOW);
}

/* GET PATH from the endpoint on PORT; the whole reply in BUF. */
static void
http_get(unsigned port, const char *method, const char *path, char *buf, size_t cap)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	size_t off = 0;
	ssize_t k;
	char req[256];
	int fd;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (off + 1 < cap && (k = read(fd, buf + off, cap - 1 - off)) > 0)
		off += (size_t)k;
	buf[off] = '\0';
	close(fd);
}

static void
test_http_serves_metrics_only(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sa = sin4("127.0.0.1", 0);
	static char buf[1 << 16];
	char err[256];

	metrics_count(metrics_worker(f->m, 1), 1, T_A, 0, f->zone, ML_HIT, MA_NONE);
	assert_int_equal(metrics_port(f->m), 0);
	assert_int_equal(metrics_listen(f->m, (struct sockaddr *)&sa, err, sizeof(err)), 0);
	assert_true(metrics_port(f->m) > 0);
	http_get(metrics_port(f->m), "GET", "/metrics", buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.", 7);
	assert_memory_equal(buf + 8, " 200 ", 5);
	assert_non_null(strstr(buf, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(buf, "\nrbldb_queries_total{transport=\"tcp\"} 1\n"));
	http_get(metrics_port(f->m), "GET", "/", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 404 "));
	http_get(metrics_port(f->m), "POST", "/metrics", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 405 "));
}

static void
test_listen_on_a_taken_port_fails(void **state)
{
	struct fixture *f = *state;
	struct metrics *m2;
	struct sockaddr_in sa = sin4("127.0.0.1", 0);
	char err[256] = "";

	assert_int_equal(metrics_listen(f->m, (struct sockaddr *)&sa, err, sizeof(err)), 0);
	sa.sin_port = htons((uint16_t)metrics_port(f->m));
	assert_non_null(m2 = metrics_new(f->s, 1));
	assert_true(metrics_listen(m2, (struct sockaddr *)&sa, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "metrics 127.0.0.1:"));
	metrics_free(m2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counters_are_summed_over_workers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drops_have_no_rcode, setup, teardown),
		cmocka_unit_test(test_type_and_rcode_indexes),
		cmocka_unit_test_setup_teardown(test_histogram_is_cumulative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_gauges_from_the_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_count_lags_at_most_a_minute, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_list_is_replaced_and_labels_escaped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_transfers_per_secondary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_ack_must_match_the_last_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_serves_metrics_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_on_a_taken_port_fails, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
