/*
 * MessagePack checked without being decoded: how long one value is, and
 * whether it is well formed, found in one pass that allocates nothing, so
 * that a message's "data" is checked once and then forwarded as bytes.
 * msgpack-c decodes only into a tree of objects, whose cost grows with
 * what a sender chooses to nest; this walks the bytes instead.
 */
#ifndef IPC_MPSCAN_H
#define IPC_MPSCAN_H

#include <stddef.h>
#include <stdint.h>

/* Open containers allowed, as msgpack-c's decoder allows (its stack). */
#define MP_DEPTH_MAX	32

enum mp_kind {
	MP_SCALAR,	/* nil, bool, integer, float */
	MP_STR,
	MP_BIN,
	MP_EXT,
	MP_ARRAY,
	MP_MAP
};

enum mp_status {
	MP_OK,
	MP_TRUNCATED,	/* the bytes end inside the value */
	MP_INVALID,	/* a byte that starts no MessagePack value */
	MP_DEEP		/* nested more than MP_DEPTH_MAX deep */
};

/* The head of one value. */
struct mp_head {
	enum mp_kind	 kind;
	uint32_t	 n;	/* STR, BIN, EXT: payload bytes; ARRAY: items;
				   MAP: pairs */
	size_t		 hdr;	/* bytes before the payload or the items */
	size_t		 size;	/* hdr plus payload; ARRAY, MAP: hdr only */
};

enum mp_status	 mpscan_head(const uint8_t *, size_t, struct mp_head *);
enum mp_status	 mpscan_value(const uint8_t *, size_t, unsigned, size_t *);
enum mp_status	 mpscan_next(const uint8_t *, size_t, unsigned,
		    struct mp_head *, size_t *);
int		 mpscan_uint(const uint8_t *, const struct mp_head *, uint64_t *);
const char	*mpscan_text(enum mp_status);

#endif
