/* Files and identities: nothing opened through a link as root, stores owned by their user. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"
#include "rb.h"

int
privs_open(const char *path, int flags, mode_t mode)
{
	if (geteuid() == 0)
		flags |= O_NOFOLLOW;
	return open(path, flags | O_CLOEXEC, mode);
}

FILE *
privs_fopen_read(const char *path)
{
	FILE *f;
	int fd, e;

	if ((fd = privs_open(path, O_RDONLY, 0)) < 0)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

static void
user_fill(struct privs_user *u, const struct passwd *pw, uid_t uid, gid_t gid)
{
	u->uid = pw != NULL ? pw->pw_uid : uid;
	u->gid = pw != NULL ? pw->pw_gid : gid;
	if (pw != NULL && strlen(pw->pw_name) < sizeof(u->name))
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	else
		snprintf(u->name, sizeof(u->name), "uid %lu", (unsigned long)u->uid);
}

int
privs_user_by_name(const char *name, struct privs_user *u)
{
	struct passwd *pw;

	if ((pw = getpwnam(name)) == NULL)
		return -ENOENT;
	user_fill(u, pw, 0, 0);
	return 0;
}

int
privs_dir_owner(const char *dir, struct privs_user *u)
{
	struct stat st;

	/* DIR's own path is the operator's, links and all. */
	if (stat(dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	user_fill(u, getpwuid(st.st_uid), st.st_uid, st.st_gid);
	return 0;
}

/* Create DIR (0700) and its missing parents (0755); an existing DIR is fine. */
static int
make_dir(const char *dir)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (i = 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		buf[i] = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static const char *const store_files[] = { "data.mdb", "lock.mdb" };

/*
 * Give DIR/NAME to U when it is root's, a regular file (not a link) and
 * has no other name: a hard link to a file of root's elsewhere must never
 * change owner.  The checks and the change are made on one descriptor,
 * so the name cannot be swapped in between.  In a directory of root's
 * (STRICT) anything but such a file, or U's own, is refused; in U's own a
 * link or a file of another user is left for LMDB, which opens it as U.
 */
static int
claim_file(int dfd, const char *dir, const char *name, const struct privs_user *u,
    bool strict, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if ((fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "store %s: %s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "store %s: %s: %s", dir, name, strerror(errno));
		goto fail;
	}
	if (st.st_uid == u->uid) {
		close(fd);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0) {
		if (!strict) {
			close(fd);
			return 0;
		}
		snprintf(err, errlen, "store %s: %s is %s: not handing the store to %s", dir,
		    name, S_ISLNK(st.st_mode) ? "a symbolic link" :
		    !S_ISREG(st.st_mode) ? "not a regular file" : "another user's", u->name);
		goto fail;
	}
	if (st.st_nlink != 1) {
		snprintf(err, errlen, "store %s: %s is root's and has %lu names (hard links): "
		    "not handing it to %s", dir, name, (unsigned long)st.st_nlink, u->name);
		goto fail;
	}
	if (fchownat(fd, "", u->uid, u->gid, AT_EMPTY_PATH) != 0) {
		snprintf(err, errlen, "store %s: %s: giving it to %s: %s", dir, name, u->name,
		    strerror(errno));
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

/* Does the directory DFD hold nothing but the store's files?  *OTHER gets a stranger. */
static int
only_store_files(int dfd, char *other, size_t len)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = dup(dfd)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -errno;
	}
	other[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, store_files[0]) == 0 ||
		    strcmp(de->d_name, store_files[1]) == 0)
			continue;
		snprintf(other, len, "%s", de->d_name);
		break;
	}
	closedir(d);
	return other[0] == '\0';
}

int
privs_store_claim(const char *dir, const struct privs_user *u, char *err, size_t errlen)
{
	struct privs_user owner;
	struct stat st;
	char other[NAME_MAX + 1];
	unsigned i;
	int dfd, rc;

	if (u->uid == 0)
		return 0;
	if ((rc = make_dir(dir)) != 0) {
		snprintf(err, errlen, "store %s: %s", dir, strerror(-rc));
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "store %s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(dfd, &st) != 0) {
		snprintf(err, errlen, "store %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != u->uid) {
		user_fill(&owner, getpwuid(st.st_uid), st.st_uid, st.st_gid);
		snprintf(err, errlen, "store %s belongs to %s, not to %s (chown -R %s %s, or run "
		    "it as %s)", dir, owner.name, u->name, u->name, dir, owner.name);
		goto fail;
	}
	if (st.st_uid == 0) {
		if ((rc = only_store_files(dfd, other, sizeof(other))) < 0) {
			snprintf(err, errlen, "store %s: %s", dir, strerror(-rc));
			goto fail;
		}
		if (rc == 0) {
			snprintf(err, errlen, "store %s is root's and holds %s, which is no store "
			    "file: not handing it to %s (chown -R %s %s if it is the store)", dir,
			    other, u->name, u->name, dir);
			goto fail;
		}
	}
	for (i = 0; i < RB_ARRAY_LEN(store_files); i++)
		if (claim_file(dfd, dir, store_files[i], u, st.st_uid == 0, err, errlen) != 0)
			goto fail;
	/* The directory last: until its files are U's, it stays root's. */
	if (st.st_uid == 0 && fchown(dfd, u->uid, u->gid) != 0) {
		snprintf(err, errlen, "store %s: giving it to %s: %s", dir, u->name,
		    strerror(errno));
		goto fail;
	}
	close(dfd);
	return 0;
fail:
	close(dfd);
	return -1;
}

/* Root's groups while privs_become() lends its identity, for privs_resume(). */
static gid_t *saved_groups;
static int nsaved_groups = -1;

int
privs_become(const struct privs_user *u, bool for_good)
{
	int n;

	if (!for_good) {
		free(saved_groups);
		saved_groups = NULL;
		if ((n = getgroups(0, NULL)) < 0)
			return -errno;
		if ((saved_groups = calloc((size_t)n + 1, sizeof(gid_t))) == NULL)
			return -ENOMEM;
		if ((nsaved_groups = getgroups(n, saved_groups)) < 0)
			return -errno;
	}
	/* Groups first: after setuid there is no right left to change them. */
	if (setgroups(1, &u->gid) != 0)
		return -errno;
	if (for_good ? setgid(u->gid) != 0 || setuid(u->uid) != 0 :
	    setegid(u->gid) != 0 || seteuid(u->uid) != 0)
		return -errno;
	return 0;
}

int
privs_resume(void)
{
	if (seteuid(0) != 0 || setegid(0) != 0)
		return -errno;
	if (nsaved_groups >= 0 && setgroups((size_t)nsaved_groups, saved_groups) != 0)
		return -errno;
	free(saved_groups);
	saved_groups = NULL;
	nsaved_groups = -1;
	return 0;
}
