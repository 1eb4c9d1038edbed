/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_FD_IO_H
#define __SSLSNIFF_FD_IO_H

#include <stddef.h>

/*
 * All LEN bytes, through as many read(2)s or write(2)s as it takes (a
 * signal or a short transfer is no error). 0, or -errno; -EIO where the
 * file ended (read) or took nothing (write) first.
 */
int fd_read_all(int fd, void *buf, size_t len);
int fd_write_all(int fd, const void *buf, size_t len);

/*
 * The rest of FD up to its end, at most MAX bytes, into a NUL-terminated
 * buffer of the caller's to free (*LEN bytes before the NUL; LEN may be
 * NULL): for files whose size stat does not tell (/proc). 0, -EFBIG when
 * longer, -ENOMEM or -errno.
 */
int fd_read_to_end(int fd, size_t max, char **out, size_t *len);

#endif
