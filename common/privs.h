/* Files and identities: nothing opened through a link as root, stores owned by their user. */
#ifndef PRIVS_H
#define PRIVS_H

/*
 * Both programs may be started as root: rbldbd to bind port 53, rbldb by an
 * operator who forgot `sudo -u rbldb`.  Two rules keep that safe:
 *  - as root no file is opened through a symbolic link (privs_open), so
 *    whoever can write a directory cannot point root at another file;
 *  - the store is opened as the user it belongs to (privs_store_claim,
 *    privs_become), so its files stay that user's and a link or a planted
 *    file in it reaches only what that user could reach anyway.
 */

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * open(2) with O_CLOEXEC added and, while the process runs as root,
 * O_NOFOLLOW too.  Returns the descriptor, or -1 with errno as open(2)
 * sets it (ELOOP for a symbolic link: rb_strerror(-ELOOP) says so in words).
 */
int privs_open(const char *path, int flags, mode_t mode);

/* fopen(PATH, "r") through privs_open(). */
FILE *privs_fopen_read(const char *path);

/* A user to act as. */
struct privs_user {
	uid_t uid;
	gid_t gid;		/* the primary group */
	char name[64];		/* "uid 1234" when the uid has no passwd entry */
};

/* The user NAME from the passwd database: 0, or -ENOENT when there is none. */
int privs_user_by_name(const char *name, struct privs_user *u);

/*
 * The owner of directory DIR into *U: 0, -ENOENT when DIR does not exist,
 * another negative errno value on failure.  The group is the owner's
 * primary group, or DIR's group for a uid without a passwd entry.
 */
int privs_dir_owner(const char *dir, struct privs_user *u);

/*
 * As root, before the store DIR is opened as user U: make it U's.
 *  - DIR missing: it is created (0700, missing parents 0755) and given to U.
 *  - DIR root's: when it holds nothing but data.mdb and lock.mdb (or
 *    nothing), it is given to U with them; otherwise it is refused, as it
 *    is not a store (a mistyped db = /var/lib must not become U's).
 *  - DIR U's: data.mdb and lock.mdb left root's (by older versions run as
 *    root) are given to U.
 *  - DIR another user's: refused.
 * Inside DIR no link is followed and no file with a second name (a hard
 * link) changes owner.  U root is a no-op.  Returns 0, or -1 with the
 * reason in ERR.
 */
int privs_store_claim(const char *dir, const struct privs_user *u, char *err,
    size_t errlen);

/*
 * Act as U: its primary group alone, then its gid and uid.  FOR_GOOD sets
 * the real, effective and saved ids (there is no way back); otherwise only
 * the effective ones, and privs_resume() returns to root.  0 or -errno.
 */
int privs_become(const struct privs_user *u, bool for_good);
int privs_resume(void);

#endif
