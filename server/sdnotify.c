/* sd_notify(3) by hand: one connected AF_UNIX datagram socket to $NOTIFY_SOCKET. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

static int sd_fd = -1;

int
sdnotify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	size_t n;
	int rc = 0;

	if (path == NULL || path[0] == '\0' || sd_fd >= 0)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun.sun_path)) {
		rc = -EINVAL;
		goto out;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	/* An abstract socket's name starts with a NUL and is not NUL-terminated. */
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	if ((sd_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(sd_fd, (struct sockaddr *)&sun, len) != 0) {
		rc = -errno;
		if (sd_fd >= 0)
			close(sd_fd);
		sd_fd = -1;
	}
out:
	unsetenv("NOTIFY_SOCKET");
	return rc;
}

void
sdnotify(const char *state)
{
	if (sd_fd >= 0)
		(void)send(sd_fd, state, strlen(state), MSG_NOSIGNAL);
}

void
sdnotify_close(void)
{
	if (sd_fd >= 0)
		close(sd_fd);
	sd_fd = -1;
}
