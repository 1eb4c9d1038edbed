/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_FS_OPEN_H
#define __SSLSNIFF_FS_OPEN_H

#include <stddef.h>

/*
 * Opens PATH read-only, as a regular file only (a FIFO or device planted by
 * a container would block or never end). A path under /proc/PID/root/ is a
 * file of another process's root, a container's: it is resolved inside that
 * root (openat2 with RESOLVE_IN_ROOT), so that none of its symlinks, not
 * even an absolute one, leads out of it to a file of the host. Returns an
 * fd (O_CLOEXEC) or -errno: -ENOEXEC for a file that is not regular, -EXDEV
 * for a path that tries to leave its root through a magic link.
 */
int fs_open(const char *path);

/* The length of PATH's "/proc/PID/root" prefix, 0 when it has none. */
size_t fs_root_prefix(const char *path);

#endif
