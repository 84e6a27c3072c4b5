/* Replacing a file atomically (see atomicfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

static void
release(struct atomicfile *af)
{
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->f = NULL;
}

int
atomicfile_open(struct atomicfile *af, const char *path)
{
	const char *base = strrchr(path, '/');
	char *copy, *dir;
	struct stat st;
	mode_t mode, mask;
	size_t n;
	int fd, rc;

	memset(af, 0, sizeof(*af));
	if ((copy = strdup(path)) == NULL || (af->path = strdup(path)) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	dir = dirname(copy);
	n = strlen(dir) + strlen(path) + 16;
	if ((af->tmp = malloc(n)) == NULL) {
		free(copy);
		release(af);
		return -ENOMEM;
	}
	/* A dot name, so globs such as rsync's *.txt skip it. */
	snprintf(af->tmp, n, "%s/.%s.XXXXXX", dir, base != NULL ? base + 1 : path);
	free(copy);
	if ((fd = mkstemp(af->tmp)) < 0) {
		rc = -errno;
		release(af);
		return rc;
	}
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
	} else {
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (fchmod(fd, mode) != 0 || (af->f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		close(fd);
		unlink(af->tmp);
		release(af);
		return rc;
	}
	return 0;
}

int
atomicfile_commit(struct atomicfile *af)
{
	char *copy;
	int rc = 0, dfd;

	errno = 0;
	if (fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0)
		rc = errno != 0 ? -errno : -EIO;
	if (fclose(af->f) != 0 && rc == 0)
		rc = -errno;
	af->f = NULL;
	if (rc == 0 && rename(af->tmp, af->path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(af->tmp);
		release(af);
		return rc;
	}
	/* The rename is in the directory: sync it so the new name is durable. */
	if ((copy = strdup(af->path)) == NULL) {
		release(af);
		return -ENOMEM;
	}
	if ((dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) >= 0) {
		if (fsync(dfd) != 0)
			rc = -errno;
		close(dfd);
	}
	free(copy);
	release(af);
	return rc;
}

void
atomicfile_abort(struct atomicfile *af)
{
	if (af->tmp == NULL)
		return;
	if (af->f != NULL)
		fclose(af->f);
	unlink(af->tmp);
	release(af);
}
