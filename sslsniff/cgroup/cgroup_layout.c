// SPDX-License-Identifier: GPL-2.0
/*
 * The host's cgroup mounts, read once at start-up: which hierarchy the
 * records' cgroup ids are in, and where each is mounted to turn an id's
 * path into a directory and back.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup/cgroup_layout.h"
#include "lib/fd_io.h"

#define LAYOUT_FILE_MAX	(1 << 20)	/* mountinfo of a busy node: tens of KB */

/*
 * The v1 controller whose hierarchy the records use, in this order: the
 * one every container runtime sets limits with first, since the runtime
 * then surely made the container a cgroup in it.
 */
static const char *const v1_preference[] = {
	"memory", "pids", "cpu", "cpuset", "blkio", "devices", "freezer",
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static bool opts_have(const char *opts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = opts; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && !memcmp(p, name, n))
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

struct mount_line {
	char *root, *point, *fstype, *superopts;
};

/* Splits one mountinfo line in place; false when it is not one. */
static bool mount_line_split(char *line, struct mount_line *m)
{
	char *field[6], *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " ", &save); tok && n < 6; tok = strtok_r(NULL, " ", &save))
		field[n++] = tok;
	if (n < 6)
		return false;
	m->root = field[3];
	m->point = field[4];
	/* Optional fields up to "-", then type, source, super options. */
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return false;
	m->fstype = strtok_r(NULL, " ", &save);
	if (!m->fstype || !strtok_r(NULL, " ", &save))
		return false;
	m->superopts = strtok_r(NULL, " \n", &save);
	if (!m->superopts)
		return false;
	unescape_octal(m->root);
	unescape_octal(m->point);
	return true;
}

static int set_str(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, src);
	return 0;
}

/* Keeps the first mount of a hierarchy, or a later one of its whole root. */
static void keep_mount(char *mount, char *root, const struct mount_line *m)
{
	if (*mount && !(strcmp(root, "/") && !strcmp(m->root, "/")))
		return;
	if (set_str(mount, PATH_MAX, m->point) || set_str(root, PATH_MAX, m->root))
		*mount = '\0';
}

/* /proc/cgroups: "name hierarchy num_cgroups enabled", one per line in
 * the kernel's subsystem order, so a line's index is the controller's ssid. */
static int controller_find(const char *cgroups, const char *name, int *hierarchy)
{
	int ssid = 0;

	for (const char *line = cgroups; line && *line; line = strchr(line, '\n'), line += !!line) {
		char sub[CGROUP_CONTROLLER_LEN];
		int hier, num, enabled;

		if (*line == '#')
			continue;
		if (sscanf(line, "%31s %d %d %d", sub, &hier, &num, &enabled) != 4)
			continue;
		if (!strcmp(sub, name)) {
			*hierarchy = hier;
			return hier > 0 && enabled ? ssid : -1;
		}
		ssid++;
	}
	return -1;
}

static void choose_v1(struct cgroup_layout *l, const char *mountinfo, const char *cgroups)
{
	for (size_t i = 0; i < sizeof(v1_preference) / sizeof(*v1_preference); i++) {
		const char *name = v1_preference[i];
		char *copy = strdup(mountinfo), *save = NULL;
		int hier = 0, ssid = controller_find(cgroups, name, &hier);

		if (!copy)
			return;
		for (char *line = strtok_r(copy, "\n", &save); ssid >= 0 && line;
		     line = strtok_r(NULL, "\n", &save)) {
			struct mount_line m;

			if (mount_line_split(line, &m) && !strcmp(m.fstype, "cgroup") &&
			    opts_have(m.superopts, name))
				keep_mount(l->v1_mount, l->v1_root, &m);
		}
		free(copy);
		if (*l->v1_mount) {
			snprintf(l->v1_controller, sizeof(l->v1_controller), "%s", name);
			l->v1_hierarchy = hier;
			l->v1_ssid = ssid;
			return;
		}
	}
}

int cgroup_layout__parse(struct cgroup_layout *l, const char *mountinfo, const char *cgroups)
{
	char *copy = strdup(mountinfo), *save = NULL;

	memset(l, 0, sizeof(*l));
	l->v1_ssid = -1;
	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mount_line m;

		if (mount_line_split(line, &m) && !strcmp(m.fstype, "cgroup2"))
			keep_mount(l->v2_mount, l->v2_root, &m);
	}
	free(copy);
	choose_v1(l, mountinfo, cgroups);
	return 0;
}

static int read_text(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = fd_read_to_end(fd, LAYOUT_FILE_MAX, out, NULL);
	close(fd);
	return err;
}

int cgroup_layout__read(struct cgroup_layout *l)
{
	char *mountinfo = NULL, *cgroups = NULL;
	int err;

	err = read_text("/proc/self/mountinfo", &mountinfo);
	if (err)
		return err;
	/* No /proc/cgroups (a kernel without v1): v2 alone. */
	if (read_text("/proc/cgroups", &cgroups))
		cgroups = NULL;
	err = cgroup_layout__parse(l, mountinfo, cgroups ? cgroups : "");
	free(mountinfo);
	free(cgroups);
	return err;
}

int cgroup_layout__fs_path(const struct cgroup_layout *l, bool v1, const char *path, char *buf,
			   size_t size)
{
	const char *mount = v1 ? l->v1_mount : l->v2_mount;
	const char *root = v1 ? l->v1_root : l->v2_root;
	size_t rlen = strcmp(root, "/") ? strlen(root) : 0;
	int n;

	if (!*mount || *path != '/' || strncmp(path, root, rlen) ||
	    (path[rlen] && path[rlen] != '/'))
		return -ENOENT;
	path += rlen;
	n = snprintf(buf, size, "%s%s", mount, strcmp(path, "/") ? path : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* FS's part after MOUNT ("" or "/..."), or NULL when FS is not in it. */
static const char *under_mount(const char *fs, const char *mount)
{
	size_t n = strlen(mount);

	while (n > 1 && mount[n - 1] == '/')
		n--;
	if (!*mount || strncmp(fs, mount, n) || (fs[n] && fs[n] != '/'))
		return NULL;
	return fs + n;
}

int cgroup_layout__cgroup_path(const struct cgroup_layout *l, const char *fs, char *buf,
			       size_t size, bool *v1)
{
	const char *rest = under_mount(fs, l->v2_mount);
	const char *root = l->v2_root;
	int n;

	*v1 = false;
	if (!rest) {
		rest = under_mount(fs, l->v1_mount);
		root = l->v1_root;
		*v1 = true;
	}
	if (!rest)
		return -ENOENT;
	while (rest[0] == '/' && rest[1] == '/')
		rest++;
	if (!strcmp(root, "/"))
		root = "";
	n = snprintf(buf, size, "%s%s", root, *rest || *root ? rest : "/");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int cgroup_layout__join_host_ns(void)
{
	struct stat mine, host;
	int fd, err;

	/* PID 1's namespaces hidden (no ptrace access to it: a sandbox): stay. */
	if (stat("/proc/self/ns/cgroup", &mine) || stat("/proc/1/ns/cgroup", &host) ||
	    (mine.st_ino == host.st_ino && mine.st_dev == host.st_dev))
		return 1;
	fd = open("/proc/1/ns/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWCGROUP) ? -errno : 0;
	close(fd);
	return err;
}
