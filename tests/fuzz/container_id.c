// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: container_ref__parse() (cgroup/container_id.c) on any bytes
 * as a cgroup path, from a copy of their own size. What it promises is
 * checked: a container's id is 64 lower-case hex digits or a machine name,
 * its pod uid a pod uid's shape, its cgroup path[0..id_end) a whole
 * component that names the same container on its own (and so does every
 * longer prefix), and a refused path leaves OUT zeroed.
 */
#include "fuzz.h"
#include "cgroup/container_id.h"

static bool machine_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static void check_ref(const char *path, size_t size, const struct container_ref *r)
{
	size_t n = strnlen(r->id, sizeof(r->id));

	FUZZ_ASSERT(r->runtime > RUNTIME_NONE && r->runtime <= RUNTIME_NSPAWN);
	FUZZ_ASSERT(container_runtime__name(r->runtime) != NULL);
	FUZZ_ASSERT(n < sizeof(r->id) && n > 0);
	if (r->runtime == RUNTIME_NSPAWN) {
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(machine_char(r->id[i]));
	} else {
		FUZZ_ASSERT(n == 64 && strspn(r->id, "0123456789abcdef") == 64);
	}
	n = strnlen(r->pod_uid, sizeof(r->pod_uid));
	FUZZ_ASSERT(n < sizeof(r->pod_uid));
	FUZZ_ASSERT(n ? pod_uid__valid(r->pod_uid, n) && r->pod_end : !r->pod_end);
	FUZZ_ASSERT(r->id_end <= size && r->id_end > 1);
	FUZZ_ASSERT(r->id_end == size || path[r->id_end] == '/');
	FUZZ_ASSERT(!r->pod_end || (r->pod_end < r->id_end && path[r->pod_end] == '/'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct container_ref zero;
	struct container_ref r, again;
	char *path = fuzz_copy(data, size);

	if (!container_ref__parse(path, size, &r)) {
		FUZZ_ASSERT(!memcmp(&r, &zero, sizeof(r)));
		free(path);
		return 0;
	}
	check_ref(path, size, &r);
	/* The container's own cgroup, and a path between it and the whole. */
	FUZZ_ASSERT(container_ref__parse(path, r.id_end, &again));
	FUZZ_ASSERT(!memcmp(&r, &again, sizeof(r)));
	for (size_t n = r.id_end + 1; n < size; n += 7)
		if (container_ref__parse(path, n, &again))
			FUZZ_ASSERT(!memcmp(&r, &again, sizeof(r)));
	free(path);
	return 0;
}
