/*
 * nullresp: the cheapest possible UDP DNS responder, the floor the
 * benchmark measures real servers against (issue 7: "a do-nothing
 * responder").  Every datagram is sent back as its own answer: QR set,
 * RCODE NXDOMAIN, nothing looked up.
 *
 *   nullresp PORT single    one recvfrom and one sendto per query
 *   nullresp PORT batch     recvmmsg/sendmmsg, up to 64 datagrams per call
 *   nullresp PORT batch USEC  the same, pausing USEC microseconds after each
 *                           batch so that the next finds more queued: what
 *                           coalescing wake-ups would save, at what latency
 *
 * Both block in the receive call, so no poll/epoll system call is counted
 * either: what is left is the kernel's own cost of a datagram in and out.
 * Runs until killed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define PKT 512

static void
answer(unsigned char *p, size_t len)
{
	if (len < 12)
		return;
	p[2] |= 0x80;			/* QR */
	p[3] = (p[3] & 0xf0) | 3;	/* NXDOMAIN */
}

int
main(int argc, char **argv)
{
	static unsigned char buf[BATCH][PKT];
	static struct sockaddr_in peer[BATCH];
	static struct iovec iov[BATCH];
	static struct mmsghdr msg[BATCH];
	struct sockaddr_in sa;
	struct timespec pause = { 0, 0 };
	int fd, n, i, batch;

	if (argc < 3 || argc > 4 || (strcmp(argv[2], "single") != 0 &&
	    strcmp(argv[2], "batch") != 0)) {
		fprintf(stderr, "usage: nullresp PORT single|batch [USEC]\n");
		return 2;
	}
	batch = strcmp(argv[2], "batch") == 0;
	if (argc == 4)
		pause.tv_nsec = atol(argv[3]) % 1000000 * 1000;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("nullresp: socket");
		return 1;
	}
	if (!batch) {
		for (;;) {
			socklen_t sl = sizeof(peer[0]);
			ssize_t r = recvfrom(fd, buf[0], PKT, 0, (struct sockaddr *)&peer[0], &sl);

			if (r < 0)
				continue;
			answer(buf[0], (size_t)r);
			sendto(fd, buf[0], (size_t)r, 0, (struct sockaddr *)&peer[0], sl);
		}
	}
	for (;;) {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = PKT;
			memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
			msg[i].msg_hdr.msg_name = &peer[i];
			msg[i].msg_hdr.msg_namelen = sizeof(peer[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		/* Block for the first datagram, then take what else is queued. */
		if ((n = recvmmsg(fd, msg, BATCH, MSG_WAITFORONE, NULL)) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			answer(buf[i], msg[i].msg_len);
			iov[i].iov_len = msg[i].msg_len;
		}
		sendmmsg(fd, msg, (unsigned)n, 0);
		if (pause.tv_nsec > 0)
			nanosleep(&pause, NULL);
	}
}
