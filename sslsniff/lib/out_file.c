// SPDX-License-Identifier: GPL-2.0
/*
 * Output files: created 0600 or replaced only when they are ours, never
 * through a symlink (out_file.h has the rules, docs/security.md the why).
 * sslsniff runs as root and the paths it is given often lie in directories
 * others can write (/tmp): whatever is found at the path is checked on the
 * opened object itself, never by name first and opened after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/out_file.h"

#define OUT_FILE_TRIES	3	/* the path created or removed by another meanwhile */

/* The descriptor PATH names, for "-", /dev/stdout, /dev/fd/N; -1 for a real path. */
static int out_file_given_fd(const char *path)
{
	static const char *const fd_dirs[] = { "/dev/fd/", "/proc/self/fd/" };
	char *end;
	long n;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	for (size_t i = 0; i < sizeof(fd_dirs) / sizeof(fd_dirs[0]); i++) {
		size_t len = strlen(fd_dirs[i]);

		if (strncmp(path, fd_dirs[i], len) || !path[len])
			continue;
		errno = 0;
		n = strtol(path + len, &end, 10);
		if (!errno && !*end && n >= 0 && n < 1 << 20)
			return n;
	}
	return -1;
}

static int out_file_stat(struct out_file *f, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->mode = st.st_mode;
	return 0;
}

/* A descriptor the shell opened: its file is as the caller made it. */
static int out_file_dup(struct out_file *f, int given)
{
	int err;

	f->fd = fcntl(given, F_DUPFD_CLOEXEC, 3);
	if (f->fd < 0) {
		err = -errno;
		p_err("%s: '%s': %s", f->what, f->path,
		      err == -EBADF ? "that descriptor is not open" : strerror(-err));
		return err;
	}
	err = out_file_stat(f, f->fd);
	if (err) {
		p_err("%s: '%s': %s", f->what, f->path, strerror(-err));
		close(f->fd);
		f->fd = -1;
	}
	return err;
}

/* A new file, 0600 from the start; -EEXIST (quiet) when something is there. */
static int out_file_create(struct out_file *f)
{
	int err;

	f->fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		     0600);
	if (f->fd < 0) {
		err = -errno;
		if (err != -EEXIST)
			p_err("%s: cannot create '%s': %s", f->what, f->path, strerror(-err));
		return err;
	}
	f->created = true;
	/* The umask may have taken the owner's bits too (umask 0277): the
	 * file is ours, just made, and nobody else's bits were ever set. */
	err = out_file_stat(f, f->fd);
	if (!err && fchmod(f->fd, 0600))
		err = -errno;
	if (err) {
		p_err("%s: '%s': %s", f->what, f->path, strerror(-err));
		out_file__discard(f);
		close(f->fd);
		f->fd = -1;
	}
	return err;
}

/* What was found at the path may be written to (st: the object itself). */
static int out_file_check(const struct out_file *f, const struct stat *st)
{
	if (S_ISLNK(st->st_mode)) {
		p_err("%s: '%s' is a symbolic link: refused (not followed; its target is left "
		      "alone)", f->what, f->path);
		return -ELOOP;
	}
	if (S_ISCHR(st->st_mode))
		return 0;
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode)) {
		p_err("%s: '%s' is not a regular file, a FIFO or a character device", f->what,
		      f->path);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	/* Another's file or FIFO: replacing it destroys their data, writing
	 * into it hands them the secrets. */
	if (st->st_uid != geteuid()) {
		p_err("%s: '%s' belongs to uid %u, not to uid %u that runs sslsniff: not "
		      "replaced (remove it or name another file)", f->what, f->path,
		      (unsigned int)st->st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	/* A second name may be that of a file we must not empty (a hard link
	 * to a root-owned file, where fs.protected_hardlinks is off). */
	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		p_err("%s: '%s' has %lu hard links: not replaced (remove it or name another "
		      "file)", f->what, f->path, (unsigned long)st->st_nlink);
		return -EMLINK;
	}
	return 0;
}

/*
 * An existing file: looked at through an O_PATH descriptor (which neither
 * follows a symlink nor opens a device or FIFO), then that same object is
 * opened for writing through /proc/self/fd. No O_TRUNC: emptied at commit.
 */
static int out_file_existing(struct out_file *f)
{
	char proc[32];
	struct stat st;
	int opath, err;

	opath = open(f->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (opath < 0) {
		err = -errno;
		if (err != -ENOENT)
			p_err("%s: cannot open '%s': %s", f->what, f->path, strerror(-err));
		return err;
	}
	if (fstat(opath, &st)) {
		err = -errno;
		p_err("%s: '%s': %s", f->what, f->path, strerror(-err));
		goto out;
	}
	err = out_file_check(f, &st);
	if (err)
		goto out;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", opath);
	f->fd = open(proc, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (f->fd < 0) {
		err = -errno;
		p_err("%s: cannot open '%s': %s", f->what, f->path, strerror(-err));
		goto out;
	}
	err = out_file_stat(f, f->fd);
	if (!err && (f->dev != st.st_dev || f->ino != st.st_ino))
		err = -ESTALE;
	if (err) {
		p_err("%s: '%s': %s", f->what, f->path, strerror(-err));
		close(f->fd);
		f->fd = -1;
		goto out;
	}
	f->replace = S_ISREG(st.st_mode);
out:
	close(opath);
	return err;
}

int out_file__open(struct out_file *f, const char *what, const char *path)
{
	int given = out_file_given_fd(path), err = -EEXIST;

	*f = (struct out_file){ .what = what, .path = path, .fd = -1 };
	if (given >= 0)
		return out_file_dup(f, given);
	for (int i = 0; i < OUT_FILE_TRIES; i++) {
		err = out_file_create(f);
		if (err != -EEXIST)
			return err;
		err = out_file_existing(f);
		if (err != -ENOENT)
			return err;
	}
	p_err("%s: '%s' keeps appearing and disappearing: refused", what, path);
	return err;
}

bool out_file__same(const struct out_file *a, const struct out_file *b)
{
	return a->mode && b->mode && a->dev == b->dev && a->ino == b->ino &&
	       !S_ISCHR(a->mode);
}

int out_file__commit(struct out_file *f)
{
	int err = 0;

	if (!f->replace)
		return 0;
	if (ftruncate(f->fd, 0))
		err = -errno;
	else if ((f->mode & 07777) != 0600 && fchmod(f->fd, 0600))
		err = -errno;
	if (err)
		p_err("%s: cannot replace '%s': %s", f->what, f->path, strerror(-err));
	f->replace = false;
	return err;
}

void out_file__discard(struct out_file *f)
{
	struct stat st;

	if (!f->created)
		return;
	f->created = false;
	if (!lstat(f->path, &st) && st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(f->path);
}
