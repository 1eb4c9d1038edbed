// SPDX-License-Identifier: GPL-2.0
/*
 * gRPC's framing inside an HTTP/2 stream (grpc/doc/PROTOCOL-HTTP2.md):
 * Length-Prefixed-Message = Compressed-Flag (1 byte) Message-Length
 * (4 bytes, big endian) Message, any number of them across DATA frames.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "proto/grpc.h"

bool grpc_is_content_type(struct http_str ct)
{
	static const char base[] = "application/grpc";
	size_t n = sizeof(base) - 1;

	if (!ct.ptr || ct.len < n || strncasecmp(ct.ptr, base, n))
		return false;
	/* Not "application/grpc-web" (another framing) nor "application/grpcx". */
	return ct.len == n || ct.ptr[n] == '+' || ct.ptr[n] == ';';
}

int grpc_path_split(struct http_str path, struct http_str *service, struct http_str *method)
{
	const char *slash;

	service->ptr = method->ptr = NULL;
	service->len = method->len = 0;
	if (!path.ptr || path.len < 4 || path.ptr[0] != '/')
		return -EINVAL;
	slash = memchr(path.ptr + 1, '/', path.len - 1);
	if (!slash || slash == path.ptr + 1 || slash == path.ptr + path.len - 1 ||
	    memchr(slash + 1, '/', path.ptr + path.len - slash - 1))
		return -EINVAL;
	service->ptr = path.ptr + 1;
	service->len = slash - path.ptr - 1;
	method->ptr = slash + 1;
	method->len = path.ptr + path.len - slash - 1;
	return 0;
}

int grpc_status_parse(struct http_str v)
{
	int st = 0;

	if (!v.ptr || !v.len || v.len > 9)
		return -1;
	for (uint32_t i = 0; i < v.len; i++) {
		if (v.ptr[i] < '0' || v.ptr[i] > '9')
			return -1;
		st = st * 10 + (v.ptr[i] - '0');
	}
	return st;
}

size_t grpc_reader__step(struct grpc_reader *r, const uint8_t *p, size_t n,
			 struct grpc_step *step)
{
	size_t take;

	if (r->left) {
		take = n < r->left ? n : r->left;
		r->left -= take;
		step->kind = GRPC_STEP_MESSAGE;
		return take;
	}
	take = sizeof(r->prefix) - r->prefix_len;
	if (take > n)
		take = n;
	memcpy(r->prefix + r->prefix_len, p, take);
	r->prefix_len += take;
	step->kind = GRPC_STEP_NONE;
	if (r->prefix_len < sizeof(r->prefix))
		return take;
	r->prefix_len = 0;
	step->kind = GRPC_STEP_PREFIX;
	step->msg.compressed = r->prefix[0] & 1;
	step->msg.len = (uint32_t)r->prefix[1] << 24 | (uint32_t)r->prefix[2] << 16 |
			(uint32_t)r->prefix[3] << 8 | r->prefix[4];
	step->msg.index = r->index++;
	r->left = step->msg.len;
	return take;
}
