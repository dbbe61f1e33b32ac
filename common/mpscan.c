#include "mpscan.h"

static uint32_t
be(const uint8_t *p, unsigned n)
{
	uint32_t	 v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* A head of hdr bytes whose length field of w bytes sits at p + 1. */
static enum mp_status
sized(const uint8_t *p, size_t avail, enum mp_kind kind, unsigned w,
    unsigned extra, struct mp_head *h)
{
	if (avail < 1 + (size_t)w + extra)
		return MP_TRUNCATED;
	h->kind = kind;
	h->n = be(p + 1, w);
	h->hdr = 1 + w + extra;
	h->size = h->hdr;
	if (kind != MP_STR && kind != MP_BIN && kind != MP_EXT)
		return MP_OK;
	if (avail - h->hdr < h->n)	/* so that hdr + n cannot wrap */
		return MP_TRUNCATED;
	h->size += h->n;
	return MP_OK;
}

static enum mp_status
fixed(size_t avail, enum mp_kind kind, size_t hdr, uint32_t n,
    struct mp_head *h)
{
	h->kind = kind;
	h->n = n;
	h->hdr = hdr;
	h->size = kind == MP_ARRAY || kind == MP_MAP ? hdr : hdr + n;
	return avail < h->size ? MP_TRUNCATED : MP_OK;
}

/* The head of the value at p: its kind, and how many bytes or items follow. */
enum mp_status
mpscan_head(const uint8_t *p, size_t avail, struct mp_head *h)
{
	static const uint8_t	 scalar[] = {	/* 0xca to 0xd3: bytes after */
		4, 8, 1, 2, 4, 8, 1, 2, 4, 8
	};
	uint8_t			 b;

	if (avail == 0)
		return MP_TRUNCATED;
	b = p[0];
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return fixed(avail, MP_SCALAR, 1, 0, h);
	if (b <= 0x8f)
		return fixed(avail, MP_MAP, 1, b & 0x0f, h);
	if (b <= 0x9f)
		return fixed(avail, MP_ARRAY, 1, b & 0x0f, h);
	if (b <= 0xbf)
		return fixed(avail, MP_STR, 1, b & 0x1f, h);
	if (b >= 0xca && b <= 0xd3)
		return fixed(avail, MP_SCALAR, 1 + (size_t)scalar[b - 0xca],
		    0, h);
	if (b >= 0xd4 && b <= 0xd8)	/* fixext: a type byte, 2^k bytes */
		return fixed(avail, MP_EXT, 2, 1u << (b - 0xd4), h);
	switch (b) {
	case 0xc4: case 0xc5: case 0xc6:
		return sized(p, avail, MP_BIN, 1u << (b - 0xc4), 0, h);
	case 0xc7: case 0xc8: case 0xc9:
		return sized(p, avail, MP_EXT, 1u << (b - 0xc7), 1, h);
	case 0xd9: case 0xda: case 0xdb:
		return sized(p, avail, MP_STR, 1u << (b - 0xd9), 0, h);
	case 0xdc: case 0xdd:
		return sized(p, avail, MP_ARRAY, 2u << (b - 0xdc), 0, h);
	case 0xde: case 0xdf:
		return sized(p, avail, MP_MAP, 2u << (b - 0xde), 0, h);
	}
	return MP_INVALID;	/* 0xc1, never used */
}

/*
 * The length of the one value at p, every byte of it checked: *len bytes
 * of p are one well-formed value, with at most maxdepth (itself at most
 * MP_DEPTH_MAX) containers open at once.  Each item costs at least one byte, so
 * the walk is linear in n whatever the value claims to hold.
 */
/*
 * The head of the value at p, and the length of the whole value, checked
 * as mpscan_value does: a scalar's at once, a container's by the walk.
 */
enum mp_status
mpscan_next(const uint8_t *p, size_t n, unsigned maxdepth, struct mp_head *h,
    size_t *len)
{
	enum mp_status	 st;

	if ((st = mpscan_head(p, n, h)) != MP_OK)
		return st;
	if (h->kind != MP_ARRAY && h->kind != MP_MAP) {
		*len = h->size;
		return MP_OK;
	}
	return mpscan_value(p, n, maxdepth, len);
}

enum mp_status
mpscan_value(const uint8_t *p, size_t n, unsigned maxdepth, size_t *len)
{
	uint64_t	 left[MP_DEPTH_MAX + 1];	/* items, per open level */
	struct mp_head	 h;
	enum mp_status	 st;
	unsigned	 depth = 0;
	size_t		 off = 0;

	left[0] = 1;
	while (depth > 0 || left[0] > 0) {
		if (left[depth] == 0) {
			depth--;
			continue;
		}
		left[depth]--;
		if ((st = mpscan_head(p + off, n - off, &h)) != MP_OK)
			return st;
		off += h.size;
		if ((h.kind == MP_ARRAY || h.kind == MP_MAP) && h.n > 0) {
			if (depth == maxdepth || depth == MP_DEPTH_MAX)
				return MP_DEEP;
			left[++depth] = h.kind == MP_MAP ? 2 * (uint64_t)h.n :
			    h.n;
		}
	}
	*len = off;
	return MP_OK;
}

/* The value of an unsigned integer's encoding (fixint, uint 8 to 64): 0. */
int
mpscan_uint(const uint8_t *p, const struct mp_head *h, uint64_t *v)
{
	unsigned	 i, n;

	if (h->kind != MP_SCALAR || (p[0] > 0x7f && (p[0] < 0xcc || p[0] > 0xcf)))
		return -1;
	if (p[0] <= 0x7f) {
		*v = p[0];
		return 0;
	}
	n = 1u << (p[0] - 0xcc);
	for (*v = 0, i = 1; i <= n; i++)
		*v = *v << 8 | p[i];
	return 0;
}

const char *
mpscan_text(enum mp_status st)
{
	switch (st) {
	case MP_OK:
		return "valid MessagePack";
	case MP_TRUNCATED:
		return "truncated MessagePack value";
	case MP_DEEP:
		return "MessagePack nested more than 32 deep";
	default:
		return "not valid MessagePack";
	}
}
