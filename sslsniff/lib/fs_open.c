// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "lib/fs_open.h"

size_t fs_root_prefix(const char *path)
{
	size_t digits;

	if (strncmp(path, "/proc/", 6))
		return 0;
	digits = strspn(path + 6, "0123456789");
	if (!digits || strncmp(path + 6 + digits, "/root", 5))
		return 0;
	if (path[11 + digits] != '/' && path[11 + digits] != '\0')
		return 0;
	return 11 + digits;
}

/* glibc 2.36 has no wrapper for openat2 (Linux 5.6). */
static int openat2_in_root(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = flags,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return syscall(SYS_openat2, root, path, &how, sizeof(how));
}

static int fs_open_in_root(const char *path, size_t prefix, int flags)
{
	char root[32];
	int rfd, fd, err;

	if (prefix >= sizeof(root))
		return -ENAMETOOLONG;
	memcpy(root, path, prefix);
	root[prefix] = '\0';
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	fd = openat2_in_root(rfd, path[prefix] ? path + prefix : "/", flags);
	err = errno;
	close(rfd);
	return fd < 0 ? -err : fd;
}

int fs_open(const char *path)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	size_t prefix = fs_root_prefix(path);
	struct stat st;
	int fd;

	fd = prefix ? fs_open_in_root(path, prefix, flags) : open(path, flags);
	if (fd < 0)
		return prefix ? fd : -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOEXEC;
	}
	return fd;
}
