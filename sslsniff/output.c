// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "output.h"

static const struct output_ops *const outputs[] = { &out_text_ops, &out_json_ops };

const struct output_ops *output_find(const char *name)
{
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		if (!strcmp(outputs[i]->name, name))
			return outputs[i];
	}
	return NULL;
}

int output_write(FILE *f, const void *buf, size_t len)
{
	errno = 0;
	if (len && fwrite(buf, 1, len, f) != len)
		return errno ? -errno : -EIO;
	return 0;
}
