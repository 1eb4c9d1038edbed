// SPDX-License-Identifier: GPL-2.0
/* Library layouts: which BTF a file's private structs are read with. */
#include <stdio.h>
#include <string.h>
#include "btf/dwarf_layout.h"
#include "btf/layout.h"

/* Whether D's structs can be read with a distribution's layout at all. */
static bool layout_applies(const struct tls_detect *d)
{
	if (!d->lib || !d->version[0])
		return false;
	return d->lib != LIB_OPENSSL || detect_is_shared_openssl(d);
}

static bool layout_none(struct layout_choice *c, const char *why)
{
	c->btf[0] = '\0';
	snprintf(c->why, sizeof(c->why), "%s", why);
	return false;
}

bool layout_choose(const struct btf_db *db, const char *forced, const struct tls_detect *d,
		   struct layout_choice *c)
{
	const struct btf_db_entry *e;
	char from[PATH_MAX];
	bool exact;

	if (d->lib == LIB_OPENSSL && !detect_is_shared_openssl(d))
		return layout_none(c, "OpenSSL built into the executable, with its own options");
	if (!layout_applies(d))
		return layout_none(c, "version unknown");
	if (forced && d->lib == LIB_OPENSSL) {
		snprintf(c->btf, sizeof(c->btf), "%s", forced);
		snprintf(c->why, sizeof(c->why), "forced with --btf");
		return true;
	}
	if (!dwarf_layout_btf(d, c->btf, sizeof(c->btf), from, sizeof(from))) {
		snprintf(c->why, sizeof(c->why), "generated from the DWARF in '%s'", from);
		return true;
	}
	if (!db)
		return layout_none(c, "no btf-db found");
	e = btf_db__find(db, d->lib, d->version, &exact);
	if (!e) {
		layout_none(c, "");
		snprintf(c->why, sizeof(c->why), "no layout in %s", btf_db__dir(db));
		return false;
	}
	snprintf(c->btf, sizeof(c->btf), "%s", e->path);
	snprintf(c->why, sizeof(c->why), "%s", exact ? "exact version" : "same layout family");
	return true;
}
