/*
 * Unit tests of common/frame.c and common/buf.c: the 4-byte big-endian
 * length framing and the growable byte buffer under it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "buf.h"
#include "frame.h"

/* buf_reserve_realloc_fails deliberately asks for an impossible size. */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Append n bytes of a recognisable pattern starting at seed. */
static void
fill(struct buf *b, size_t n, unsigned seed)
{
	uint8_t	 c;
	size_t	 i;

	for (i = 0; i < n; i++) {
		c = (uint8_t)(seed + i * 7);
		assert_int_equal(buf_append(b, &c, 1), 0);
	}
}

static void
check_fill(const uint8_t *p, size_t n, unsigned seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], (uint8_t)(seed + i * 7));
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* frame_parse */

static void
parse_short(void **state)
{
	static const uint8_t hdr[4] = { 0, 0, 0, 1 };
	uint32_t len = 12345;
	size_t	 n;

	(void)state;
	for (n = 0; n < FRAME_HDR; n++)
		assert_int_equal(frame_parse(hdr, n, 100, &len), FRAME_MORE);
	assert_int_equal(len, 12345);
}

static void
parse_exact(void **state)
{
	static const uint8_t f[] = { 0, 0, 0, 3, 'a', 'b', 'c' };
	uint32_t len = 0;

	(void)state;
	assert_int_equal(frame_parse(f, sizeof(f), 100, &len), FRAME_OK);
	assert_int_equal(len, 3);
}

static void
parse_trailing(void **state)
{
	static const uint8_t f[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 9 };
	uint32_t len = 0;

	(void)state;
	assert_int_equal(frame_parse(f, sizeof(f), 100, &len), FRAME_OK);
	assert_int_equal(len, 3);
}

static void
parse_partial_body(void **state)
{
	static const uint8_t f[] = { 0, 0, 1, 2, 'a', 'b', 'c' };
	uint32_t len = 0;

	(void)state;
	assert_int_equal(frame_parse(f, sizeof(f), 1000, &len), FRAME_MORE);
	assert_int_equal(len, 258);
}

static void
parse_empty(void **state)
{
	static const uint8_t f[] = { 0, 0, 0, 0, 'x' };
	uint32_t len = 99;

	(void)state;
	assert_int_equal(frame_parse(f, 4, 100, &len), FRAME_EMPTY);
	assert_int_equal(len, 0);
	assert_int_equal(frame_parse(f, sizeof(f), 100, &len), FRAME_EMPTY);
}

static void
parse_too_large_header_only(void **state)
{
	static const uint8_t f[] = { 0xff, 0xff, 0xff, 0xff };
	uint32_t len = 0;

	(void)state;
	assert_int_equal(frame_parse(f, sizeof(f), 1024 * 1024, &len),
	    FRAME_TOO_LARGE);
	assert_int_equal(len, 0xffffffffu);
}

static void
parse_max_plus_one(void **state)
{
	static const uint8_t f[] = { 0, 0, 0x04, 0x01 };
	uint32_t len = 0;

	(void)state;
	assert_int_equal(frame_parse(f, sizeof(f), 1024, &len),
	    FRAME_TOO_LARGE);
	assert_int_equal(len, 1025);
}

static void
parse_max_accepted(void **state)
{
	uint8_t	 f[FRAME_HDR + 1024];
	uint32_t len = 0;

	(void)state;
	memset(f, 'z', sizeof(f));
	f[0] = 0;
	f[1] = 0;
	f[2] = 0x04;
	f[3] = 0;
	assert_int_equal(frame_parse(f, FRAME_HDR, 1024, &len), FRAME_MORE);
	assert_int_equal(len, 1024);
	assert_int_equal(frame_parse(f, sizeof(f) - 1, 1024, &len),
	    FRAME_MORE);
	assert_int_equal(frame_parse(f, sizeof(f), 1024, &len), FRAME_OK);
	assert_int_equal(len, 1024);
}

static void
parse_big_endian(void **state)
{
	static const uint8_t f[] = { 0x01, 0x02, 0x03, 0x04 };
	uint32_t len = 0;

	(void)state;
	assert_int_equal(frame_parse(f, sizeof(f), 0xffffffffu, &len),
	    FRAME_MORE);
	assert_int_equal(len, 0x01020304u);
}

/* frame_begin / frame_end / frame_abort */

static void
frame_round_trip(void **state)
{
	static const uint8_t want[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
	struct buf b = { 0 };
	uint32_t len = 0;
	size_t	 start;

	(void)state;
	start = frame_begin(&b);
	assert_int_equal(start, 0);
	assert_int_equal(buf_avail(&b), FRAME_HDR);
	assert_int_equal(buf_append(&b, "hello", 5), 0);
	assert_int_equal(frame_end(&b, start, 100), 0);
	assert_int_equal(buf_avail(&b), sizeof(want));
	assert_memory_equal(buf_head(&b), want, sizeof(want));
	assert_int_equal(frame_parse(buf_head(&b), buf_avail(&b), 100, &len),
	    FRAME_OK);
	assert_int_equal(len, 5);
	buf_free(&b);
}

static void
frame_two_in_a_row(void **state)
{
	struct buf b = { 0 };
	size_t	 s1, s2;

	(void)state;
	s1 = frame_begin(&b);
	fill(&b, 3, 1);
	assert_int_equal(frame_end(&b, s1, 100), 0);
	s2 = frame_begin(&b);
	assert_int_equal(s2, 7);
	fill(&b, 10, 2);
	assert_int_equal(frame_end(&b, s2, 100), 0);
	assert_int_equal(buf_avail(&b), 7 + 14);
	assert_int_equal(be32(buf_head(&b)), 3);
	check_fill(buf_head(&b) + 4, 3, 1);
	assert_int_equal(be32(buf_head(&b) + 7), 10);
	check_fill(buf_head(&b) + 11, 10, 2);
	buf_free(&b);
}

static void
frame_length_big_endian(void **state)
{
	struct buf b = { 0 };
	size_t	 start;
	uint8_t	*p;

	(void)state;
	start = frame_begin(&b);
	fill(&b, 0x010203, 5);
	assert_int_equal(frame_end(&b, start, 0x01000000), 0);
	p = buf_head(&b);
	assert_int_equal(p[0], 0x00);
	assert_int_equal(p[1], 0x01);
	assert_int_equal(p[2], 0x02);
	assert_int_equal(p[3], 0x03);
	check_fill(p + 4, 0x010203, 5);
	buf_free(&b);
}

static void
frame_end_at_max(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	start = frame_begin(&b);
	fill(&b, 10, 0);
	assert_int_equal(frame_end(&b, start, 10), 0);
	assert_int_equal(buf_avail(&b), 14);
	assert_int_equal(be32(buf_head(&b)), 10);
	buf_free(&b);
}

static void
frame_end_refuses_empty(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	start = frame_begin(&b);
	assert_int_equal(start, 3);
	assert_int_equal(frame_end(&b, start, 100), -1);
	assert_int_equal(buf_avail(&b), 3);
	assert_memory_equal(buf_head(&b), "abc", 3);
	buf_free(&b);
}

static void
frame_end_refuses_too_large(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	start = frame_begin(&b);
	fill(&b, 11, 3);
	assert_int_equal(frame_end(&b, start, 10), -1);
	assert_int_equal(buf_avail(&b), 3);
	assert_memory_equal(buf_head(&b), "abc", 3);
	/* The buffer still works: the next frame lands where this one was. */
	start = frame_begin(&b);
	assert_int_equal(start, 3);
	fill(&b, 2, 4);
	assert_int_equal(frame_end(&b, start, 10), 0);
	assert_int_equal(buf_avail(&b), 3 + 6);
	assert_int_equal(be32(buf_head(&b) + 3), 2);
	buf_free(&b);
}

static void
frame_end_bad_start(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 10, 0);
	assert_int_equal(frame_end(&b, (size_t)-1, 100), -1);
	assert_int_equal(buf_avail(&b), 10);
	assert_int_equal(frame_end(&b, 7, 100), -1);	/* no room for a header */
	assert_int_equal(buf_avail(&b), 10);
	assert_int_equal(frame_end(&b, 20, 100), -1);
	assert_int_equal(buf_avail(&b), 10);
	check_fill(buf_head(&b), 10, 0);
	buf_free(&b);
}

static void
frame_with_read_offset(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	fill(&b, 100, 9);
	buf_consume(&b, 60);
	assert_int_equal(b.off, 60);
	start = frame_begin(&b);
	assert_int_equal(start, 40);
	fill(&b, 20, 1);
	assert_int_equal(frame_end(&b, start, 100), 0);
	assert_int_equal(buf_avail(&b), 40 + 4 + 20);
	check_fill(buf_head(&b), 40, 9 + 60 * 7);
	assert_int_equal(be32(buf_head(&b) + 40), 20);
	check_fill(buf_head(&b) + 44, 20, 1);
	buf_free(&b);
}

/* The body's bytes make the buffer compact (but not grow) mid-frame. */
static void
frame_compaction_between(void **state)
{
	struct buf b = { 0 };
	size_t	 start, cap;

	(void)state;
	fill(&b, 4000, 2);
	cap = b.cap;
	assert_int_equal(cap, 4096);
	buf_consume(&b, 3990);
	start = frame_begin(&b);
	assert_int_equal(start, 10);
	fill(&b, 1000, 3);
	assert_int_equal(b.off, 0);		/* it did compact */
	assert_int_equal(b.cap, cap);		/* and did not grow */
	assert_int_equal(frame_end(&b, start, 5000), 0);
	assert_int_equal(buf_avail(&b), 10 + 4 + 1000);
	check_fill(buf_head(&b), 10, 2 + 3990 * 7);
	assert_int_equal(be32(buf_head(&b) + 10), 1000);
	check_fill(buf_head(&b) + 14, 1000, 3);
	buf_free(&b);
}

/* The body's bytes make the buffer compact and grow mid-frame. */
static void
frame_growth_between(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	fill(&b, 4000, 2);
	buf_consume(&b, 3990);
	start = frame_begin(&b);
	assert_int_equal(start, 10);
	fill(&b, 20000, 3);
	assert_int_equal(b.off, 0);
	assert_true(b.cap >= 10 + 4 + 20000);
	assert_int_equal(frame_end(&b, start, 1 << 20), 0);
	assert_int_equal(buf_avail(&b), 10 + 4 + 20000);
	check_fill(buf_head(&b), 10, 2 + 3990 * 7);
	assert_int_equal(be32(buf_head(&b) + 10), 20000);
	check_fill(buf_head(&b) + 14, 20000, 3);
	buf_free(&b);
}

/* A refused frame after a compaction leaves the earlier bytes as they were. */
static void
frame_refused_after_compaction(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	fill(&b, 4000, 2);
	buf_consume(&b, 3990);
	start = frame_begin(&b);
	fill(&b, 6000, 3);
	assert_int_equal(b.off, 0);
	assert_int_equal(frame_end(&b, start, 5999), -1);
	assert_int_equal(buf_avail(&b), 10);
	check_fill(buf_head(&b), 10, 2 + 3990 * 7);
	buf_free(&b);
}

static void
frame_abort_takes_back(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	fill(&b, 30, 4);
	buf_consume(&b, 5);
	start = frame_begin(&b);
	assert_int_equal(start, 25);
	fill(&b, 50, 5);
	frame_abort(&b, start);
	assert_int_equal(buf_avail(&b), 25);
	check_fill(buf_head(&b), 25, 4 + 5 * 7);
	/* Ignored: no frame, or a start beyond the bytes there are. */
	frame_abort(&b, (size_t)-1);
	assert_int_equal(buf_avail(&b), 25);
	frame_abort(&b, 26);
	assert_int_equal(buf_avail(&b), 25);
	buf_free(&b);
}

static void
frame_abort_of_first(void **state)
{
	struct buf b = { 0 };
	size_t	 start;

	(void)state;
	start = frame_begin(&b);
	fill(&b, 8, 1);
	frame_abort(&b, start);
	assert_int_equal(buf_avail(&b), 0);
	buf_free(&b);
}

static void
status_names(void **state)
{
	(void)state;
	assert_string_equal(frame_status_name(FRAME_OK), "ok");
	assert_string_equal(frame_status_name(FRAME_MORE), "incomplete");
	assert_string_equal(frame_status_name(FRAME_TOO_LARGE),
	    "frame larger than the maximum message size");
	assert_string_equal(frame_status_name(FRAME_EMPTY),
	    "frame of length zero");
	assert_string_equal(frame_status_name((enum frame_status)7), "?");
}

/* buf */

static void
buf_append_first(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	assert_non_null(b.data);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 6);
	assert_int_equal(b.cap, 4096);
	assert_int_equal(buf_avail(&b), 6);
	assert_memory_equal(buf_head(&b), "abcdef", 6);
	assert_int_equal(buf_append(&b, "gh", 2), 0);
	assert_int_equal(buf_avail(&b), 8);
	assert_memory_equal(buf_head(&b), "abcdefgh", 8);
	buf_free(&b);
}

/* Appending no bytes to a buffer that has never held any is a no-op. */
static void
buf_append_nothing(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(buf_append(&b, "x", 0), 0);
	assert_int_equal(buf_avail(&b), 0);
	buf_free(&b);
}

static void
buf_append_grows(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 4096, 1);
	assert_int_equal(b.cap, 4096);
	fill(&b, 1, 1 + 4096 * 7);
	assert_int_equal(b.cap, 8192);
	assert_int_equal(buf_avail(&b), 4097);
	check_fill(buf_head(&b), 4097, 1);
	buf_free(&b);
}

static void
buf_append_big(void **state)
{
	struct buf b = { 0 };
	uint8_t	*p;

	(void)state;
	assert_non_null(p = malloc(20000));
	memset(p, 'q', 20000);
	assert_int_equal(buf_append(&b, "a", 1), 0);
	assert_int_equal(buf_append(&b, p, 20000), 0);
	assert_int_equal(b.cap, 32768);
	assert_int_equal(buf_avail(&b), 20001);
	assert_int_equal(buf_head(&b)[0], 'a');
	assert_memory_equal(buf_head(&b) + 1, p, 20000);
	free(p);
	buf_free(&b);
}

static void
buf_consume_partial(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 2);
	assert_int_equal(b.off, 2);
	assert_int_equal(b.len, 6);
	assert_int_equal(buf_avail(&b), 4);
	assert_memory_equal(buf_head(&b), "cdef", 4);
	buf_consume(&b, 0);
	assert_int_equal(buf_avail(&b), 4);
	buf_free(&b);
}

static void
buf_consume_all_resets(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 2);
	buf_consume(&b, 4);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 4096);
	assert_int_equal(buf_append(&b, "xy", 2), 0);
	buf_consume(&b, 100);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
buf_compact_moves(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 4);
	buf_compact(&b);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "ef", 2);
	buf_compact(&b);		/* nothing to do */
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "ef", 2);
	buf_free(&b);
}

static void
buf_compact_empty(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_compact(&b);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);
	assert_null(b.data);
}

static void
buf_reserve_enough_room(void **state)
{
	struct buf b = { 0 };
	uint8_t	*data;

	(void)state;
	assert_int_equal(buf_reserve(&b, 10), 0);
	assert_int_equal(b.cap, 4096);
	assert_int_equal(b.len, 0);
	data = b.data;
	fill(&b, 100, 1);
	buf_consume(&b, 50);
	assert_int_equal(buf_reserve(&b, 4096 - 100), 0);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.off, 50);	/* no compaction needed */
	assert_int_equal(b.cap, 4096);
	buf_free(&b);
}

static void
buf_reserve_compacts_first(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 4000, 1);
	buf_consume(&b, 3000);
	assert_int_equal(buf_reserve(&b, 3000), 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 1000);
	assert_int_equal(b.cap, 4096);
	check_fill(b.data, 1000, 1 + 3000 * 7);
	buf_free(&b);
}

static void
buf_reserve_grows(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 4000, 1);
	buf_consume(&b, 1000);
	assert_int_equal(buf_reserve(&b, 10000), 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 3000);
	assert_int_equal(b.cap, 16384);
	check_fill(b.data, 3000, 1 + 1000 * 7);
	buf_free(&b);
}

static void
buf_reserve_overflow(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 10, 1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX / 2), -1);
	assert_int_equal(b.len, 10);
	assert_int_equal(b.cap, 4096);
	check_fill(b.data, 10, 1);
	assert_int_equal(buf_append(&b, b.data, SIZE_MAX - 5), -1);
	assert_int_equal(b.len, 10);
	buf_free(&b);
}

static void
buf_reserve_realloc_fails(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 10, 1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX / 4), -1);
	assert_non_null(b.data);
	assert_int_equal(b.len, 10);
	assert_int_equal(b.cap, 4096);
	check_fill(b.data, 10, 1);
	buf_free(&b);
}

static void
buf_trim_drained(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 10000, 1);
	buf_consume(&b, 10000);
	buf_trim(&b, 4096);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(buf_append(&b, "ok", 2), 0);
	assert_memory_equal(buf_head(&b), "ok", 2);
	buf_free(&b);
}

static void
buf_trim_keeps_small(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 10, 1);
	buf_consume(&b, 10);
	buf_trim(&b, 4096);
	assert_non_null(b.data);
	assert_int_equal(b.cap, 4096);
	buf_free(&b);
}

static void
buf_trim_keeps_unread(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 10000, 1);
	buf_consume(&b, 9999);
	buf_trim(&b, 0);
	assert_non_null(b.data);
	assert_int_equal(b.cap, 16384);
	assert_int_equal(buf_avail(&b), 1);
	check_fill(buf_head(&b), 1, 1 + 9999 * 7);
	buf_free(&b);
}

static void
buf_free_resets(void **state)
{
	struct buf b = { 0 };

	(void)state;
	fill(&b, 10, 1);
	buf_consume(&b, 3);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_free(&b);		/* twice is harmless */
	assert_null(b.data);
}

static void
buf_msgpack_packer(void **state)
{
	struct buf	 b = { 0 };
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk, spk;
	int		 i;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &b, buf_msgpack_write);
	msgpack_packer_init(&spk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < 2; i++) {
		msgpack_packer *p = i ? &spk : &pk;

		msgpack_pack_map(p, 1);
		msgpack_pack_str_with_body(p, "k", 1);
		msgpack_pack_array(p, 3);
		msgpack_pack_int(p, -1);
		msgpack_pack_uint64(p, UINT64_MAX);
		msgpack_pack_str_with_body(p, "value", 5);
	}
	assert_int_equal(buf_avail(&b), sb.size);
	assert_memory_equal(buf_head(&b), sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_short),
		cmocka_unit_test(parse_exact),
		cmocka_unit_test(parse_trailing),
		cmocka_unit_test(parse_partial_body),
		cmocka_unit_test(parse_empty),
		cmocka_unit_test(parse_too_large_header_only),
		cmocka_unit_test(parse_max_plus_one),
		cmocka_unit_test(parse_max_accepted),
		cmocka_unit_test(parse_big_endian),
		cmocka_unit_test(frame_round_trip),
		cmocka_unit_test(frame_two_in_a_row),
		cmocka_unit_test(frame_length_big_endian),
		cmocka_unit_test(frame_end_at_max),
		cmocka_unit_test(frame_end_refuses_empty),
		cmocka_unit_test(frame_end_refuses_too_large),
		cmocka_unit_test(frame_end_bad_start),
		cmocka_unit_test(frame_with_read_offset),
		cmocka_unit_test(frame_compaction_between),
		cmocka_unit_test(frame_growth_between),
		cmocka_unit_test(frame_refused_after_compaction),
		cmocka_unit_test(frame_abort_takes_back),
		cmocka_unit_test(frame_abort_of_first),
		cmocka_unit_test(status_names),
		cmocka_unit_test(buf_append_first),
		cmocka_unit_test(buf_append_grows),
		cmocka_unit_test(buf_append_big),
		cmocka_unit_test(buf_consume_partial),
		cmocka_unit_test(buf_consume_all_resets),
		cmocka_unit_test(buf_compact_moves),
		cmocka_unit_test(buf_compact_empty),
		cmocka_unit_test(buf_reserve_enough_room),
		cmocka_unit_test(buf_reserve_compacts_first),
		cmocka_unit_test(buf_reserve_grows),
		cmocka_unit_test(buf_reserve_overflow),
		cmocka_unit_test(buf_reserve_realloc_fails),
		cmocka_unit_test(buf_trim_drained),
		cmocka_unit_test(buf_trim_keeps_small),
		cmocka_unit_test(buf_trim_keeps_unread),
		cmocka_unit_test(buf_free_resets),
		cmocka_unit_test(buf_msgpack_packer),
		/* Last: under UBSan a failure here ends the program. */
		cmocka_unit_test(buf_append_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
