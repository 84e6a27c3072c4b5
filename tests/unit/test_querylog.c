/* Unit tests of the query log: line format, order, loss when full, reopening. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "querylog.h"
#include "testdir.h"

#define NOW 1800000000u
/* 2.0.0.127.relays.example.org in wire form, and its length. */
#define QNAME "\0012\0010\0010\003127\6relays\7example\3org"
#define QNAMELEN (sizeof(QNAME))

struct fixture {
	char dir[TESTDIR_LEN];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	testdir_make(f->dir, "querylog");
	snprintf(f->path, sizeof(f->path), "%s/query.log", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	testdir_remove(f->dir);
	free(f);
	return 0;
}

static struct sockaddr_in
sin4(const char *a)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(5353);
	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return s;
}

static struct sockaddr_in6
sin6(const char *a)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return s;
}

static const char *
line(const struct sockaddr *peer, unsigned tr, const void *qname, size_t qlen, uint16_t qtype,
    unsigned rcode)
{
	static char buf[1200];

	querylog_format(buf, sizeof(buf), NOW, peer, tr, qname, qlen, qtype, rcode);
	return buf;
}

/* rbldnsd's line: the reply's answer count and length, rbldnsd's spellings. */
static void
test_rbldnsd_format(void **state)
{
	static const uint8_t q[] = "\0012\0010\0010\003127\006relays\004test";
	uint8_t reply[102] = { 0 };
	struct sockaddr_in a = sin4("127.0.0.1");
	char buf[1200];

	(void)state;
	reply[7] = 1;
	querylog_format_rbldnsd(buf, sizeof(buf), 1796635868, (struct sockaddr *)&a, q, sizeof(q),
	    1, 0, reply, sizeof(reply));
	assert_string_equal(buf, "1796635868 127.0.0.1 2.0.0.127.relays.test A IN: NOERROR/1/102\n");
	querylog_format_rbldnsd(buf, sizeof(buf), 1, (struct sockaddr *)&a, q, sizeof(q), 999, 4,
	    reply, 12);
	assert_string_equal(buf, "1 127.0.0.1 2.0.0.127.relays.test type999 IN: NOTIMPL/1/12\n");
}

static char *
slurp(const char *path)
{
	static char buf[1 << 20];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
test_line_of_a_udp_query(void **state)
{
	struct sockaddr_in a = sin4("192.0.2.25");

	(void)state;
	assert_string_equal(line((struct sockaddr *)&a, 0, QNAME, QNAMELEN, 1, 0),
	    "1800000000 192.0.2.25 2.0.0.127.relays.example.org A NOERROR udp\n");
}

static void
test_line_of_tcp_ipv6_and_a_drop(void **state)
{
	struct sockaddr_in6 a = sin6("2001:db8::1"), m = sin6("::ffff:192.0.2.9");

	(void)state;
	assert_string_equal(line((struct sockaddr *)&a, 1, QNAME, QNAMELEN, 16, 3),
	    "1800000000 2001:db8::1 2.0.0.127.relays.example.org TXT NXDOMAIN tcp\n");
	assert_string_equal(line((struct sockaddr *)&m, 0, QNAME, QNAMELEN, 99, QUERYLOG_DROP),
	    "1800000000 192.0.2.9 2.0.0.127.relays.example.org TYPE99 DROP udp\n");
}

static void
test_odd_names_are_escaped(void **state)
{
	struct sockaddr_in a = sin4("192.0.2.25");

	(void)state;
	assert_string_equal(line((struct sockaddr *)&a, 0, "\3a.b\2c \0", 8, 1, 16),
	    "1800000000 192.0.2.25 a\\046b.c\\032 A BADVERS udp\n");
	assert_string_equal(line((struct sockaddr *)&a, 0, "", 1, 2, 5),
	    "1800000000 192.0.2.25 . NS REFUSED udp\n");
	assert_string_equal(line((struct sockaddr *)&a, 0, NULL, 0, 0, 1),
	    "1800000000 192.0.2.25 - - FORMERR udp\n");
}

static void
test_lines_are_written_in_order_per_worker(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in a = sin4("192.0.2.25");
	struct querylog *ql;
	char err[256], want[4096] = "";
	unsigned i;

	assert_non_null(ql = querylog_open(f->path, 2, err, sizeof(err)));
	for (i = 0; i < 20; i++) {
		assert_true(querylog_put(querylog_ring(ql, 1), NOW + i, (struct sockaddr *)&a, 0,
		    (const uint8_t *)QNAME, QNAMELEN, 1, 3));
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
		    "%u 192.0.2.25 2.0.0.127.relays.example.org A NXDOMAIN udp\n", NOW + i);
	}
	querylog_close(ql);
	assert_string_equal(slurp(f->path), want);
}

static void
test_open_failure_names_the_file(void **state)
{
	char err[256];

	(void)state;
	assert_null(querylog_open("/nonexistent/dir/q.log", 1, err, sizeof(err)));
	assert_string_equal(err, "query-log /nonexistent/dir/q.log: No such file or directory");
}

/* A new log is private: 0600 (a query log names who asks what). */
static void
test_a_new_log_is_private(void **state)
{
	struct fixture *f = *state;
	struct querylog *ql;
	struct stat st;
	char err[256];

	assert_non_null(ql = querylog_open(f->path, 1, err, sizeof(err)));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	querylog_close(ql);
}

/* A symbolic link is never followed: the file it points to is not written. */
static void
test_a_link_is_refused(void **state)
{
	struct fixture *f = *state;
	char err[256], target[160];

	snprintf(target, sizeof(target), "%s/target", f->dir);
	testdir_write(f->dir, "target", "kept\n");
	assert_int_equal(symlink(target, f->path), 0);
	assert_null(querylog_open(f->path, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "a symbolic link"));
	assert_string_equal(slurp(target), "kept\n");
}

struct reader {
	int fd;
	size_t lines;
};

static void *
count_lines(void *arg)
{
	struct reader *r = arg;
	char buf[4096];
	ssize_t k, i;

	while ((k = read(r->fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < k; i++)
			r->lines += buf[i] == '\n';
	return NULL;
}

/*
 * A log nobody reads (a full pipe) stops the logger in write(); the
 * worker's puts then fail rather than wait, and every line is either
 * written or reported lost.
 */
static void
test_a_full_ring_drops_instead_of_blocking(void **state)
{
	struct sockaddr_in a = sin4("192.0.2.25");
	struct querylog *ql;
	struct reader r = { 0, 0 };
	pthread_t th;
	struct fixture *f = *state;
	char err[256];
	unsigned i, lost = 0, total = 3 * QUERYLOG_RING + 4000;
	int rd;

	/* A FIFO: the log opens its writing end, the test holds the reading one. */
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_true((rd = open(f->path, O_RDONLY | O_NONBLOCK)) >= 0);
	assert_non_null(ql = querylog_open(f->path, 1, err, sizeof(err)));
	assert_int_equal(fcntl(rd, F_SETFL, O_RDONLY), 0);
	for (i = 0; i < total; i++)
		lost += !querylog_put(querylog_ring(ql, 0), NOW, (struct sockaddr *)&a, 0,
		    (const uint8_t *)QNAME, QNAMELEN, 1, 0);
	assert_true(lost > 0);
	r.fd = rd;
	assert_int_equal(pthread_create(&th, NULL, count_lines, &r), 0);
	querylog_close(ql);
	pthread_join(th, NULL);
	close(rd);
	assert_int_equal(r.lines + lost, total);
}

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static bool
nonempty(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && sb.st_size > 0;
}

/* Poll COND(PATH) every 10 ms, at most 5 s. */
static bool
wait_for(bool (*cond)(const char *), const char *path)
{
	struct timespec ts = { 0, 10000000 };
	int i;

	for (i = 0; i < 500; i++) {
		if (cond(path))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static void
test_reopen_follows_a_rotation(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in a = sin4("192.0.2.25");
	struct querylog *ql;
	char err[256], old[160];

	snprintf(old, sizeof(old), "%s.1", f->path);
	assert_non_null(ql = querylog_open(f->path, 1, err, sizeof(err)));
	assert_true(querylog_put(querylog_ring(ql, 0), NOW, (struct sockaddr *)&a, 0,
	    (const uint8_t *)QNAME, QNAMELEN, 1, 0));
	assert_true(wait_for(nonempty, f->path));
	assert_int_equal(rename(f->path, old), 0);
	querylog_reopen(ql);
	assert_true(wait_for(exists, f->path));
	assert_true(querylog_put(querylog_ring(ql, 0), NOW + 1, (struct sockaddr *)&a, 0,
	    (const uint8_t *)QNAME, QNAMELEN, 16, 3));
	querylog_close(ql);
	assert_string_equal(slurp(old),
	    "1800000000 192.0.2.25 2.0.0.127.relays.example.org A NOERROR udp\n");
	assert_string_equal(slurp(f->path),
	    "1800000001 192.0.2.25 2.0.0.127.relays.example.org TXT NXDOMAIN udp\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_of_a_udp_query),
		cmocka_unit_test(test_rbldnsd_format),
		cmocka_unit_test(test_line_of_tcp_ipv6_and_a_drop),
		cmocka_unit_test(test_odd_names_are_escaped),
		cmocka_unit_test_setup_teardown(test_lines_are_written_in_order_per_worker, setup,
		    teardown),
		cmocka_unit_test(test_open_failure_names_the_file),
		cmocka_unit_test_setup_teardown(test_a_full_ring_drops_instead_of_blocking, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_a_new_log_is_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_link_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_follows_a_rotation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
