/*
 * Unit tests of common/mpscan.c: one MessagePack value's length, checked
 * without decoding it, in agreement with msgpack-c's own decoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "mpscan.h"

static enum mp_status
scan(const void *p, size_t n, size_t *len)
{
	return mpscan_value(p, n, MP_DEPTH_MAX, len);
}

/* One of each kind, in one array: its length is what msgpack-c packed. */
static void
every_kind(void **state)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	static char	 big[70000];
	size_t		 len = 0, n;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 20);
	msgpack_pack_nil(&pk);
	msgpack_pack_true(&pk);
	msgpack_pack_false(&pk);
	msgpack_pack_int64(&pk, -1);
	msgpack_pack_int64(&pk, -200);
	msgpack_pack_int64(&pk, -70000);
	msgpack_pack_int64(&pk, INT64_MIN);
	msgpack_pack_uint64(&pk, UINT64_MAX);
	msgpack_pack_uint32(&pk, 70000);
	msgpack_pack_float(&pk, 1.5f);
	msgpack_pack_double(&pk, 2.5);
	msgpack_pack_str_with_body(&pk, "abc", 3);
	msgpack_pack_str_with_body(&pk, big, 300);
	msgpack_pack_str_with_body(&pk, big, sizeof(big));
	msgpack_pack_bin_with_body(&pk, big, 10);
	for (n = 1; n <= 16; n *= 4) {	/* fixext 1, 4, 16 */
		msgpack_pack_ext(&pk, n, 7);
		msgpack_pack_ext_body(&pk, big, n);
	}
	msgpack_pack_ext(&pk, 3, 7);
	msgpack_pack_ext_body(&pk, big, 3);
	msgpack_pack_map(&pk, 17);
	for (n = 0; n < 17; n++) {
		msgpack_pack_uint8(&pk, (uint8_t)n);
		msgpack_pack_array(&pk, 0);
	}
	assert_int_equal(scan(sb.data, sb.size, &len), MP_OK);
	assert_int_equal(len, sb.size);
	for (n = 0; n < sb.size; n++)		/* every prefix is truncated */
		assert_int_equal(scan(sb.data, n, &len), MP_TRUNCATED);
	msgpack_sbuffer_destroy(&sb);
}

static void
trailing_bytes_are_not_taken(void **state)
{
	size_t	 len = 0;

	(void)state;
	assert_int_equal(scan("\x92\x01\x02\xc0\xc0", 5, &len), MP_OK);
	assert_int_equal(len, 3);
}

static void
never_used_byte(void **state)
{
	size_t	 len;

	(void)state;
	assert_int_equal(scan("\xc1", 1, &len), MP_INVALID);
	assert_int_equal(scan("\x92\x01\xc1", 3, &len), MP_INVALID);
}

/* n arrays, each holding the next; the last holds inner (1 byte) or nothing. */
static size_t
nest(uint8_t *p, unsigned n, int inner)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[i] = i + 1 < n || inner ? 0x91 : 0x90;
	if (inner)
		p[n++] = 0x01;
	return n;
}

/* As deep as msgpack-c decodes, and no deeper. */
static void
depth(void **state)
{
	uint8_t		 p[64];
	msgpack_zone	 z;
	msgpack_object	 o;
	size_t		 len, n, off;
	unsigned	 d;

	(void)state;
	msgpack_zone_init(&z, 1024);
	for (d = 30; d <= 34; d++) {
		n = nest(p, d, 1);
		off = 0;
		assert_int_equal(scan(p, n, &len) == MP_OK,
		    msgpack_unpack((char *)p, n, &off, &z, &o) ==
		    MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(scan(p, n, &len), d <= 32 ? MP_OK : MP_DEEP);
	}
	n = nest(p, 33, 0);		/* an empty array opens nothing */
	assert_int_equal(scan(p, n, &len), MP_OK);
	n = nest(p, 10, 1);
	assert_int_equal(mpscan_value(p, n, 9, &len), MP_DEEP);
	assert_int_equal(mpscan_value(p, n, 10, &len), MP_OK);
	msgpack_zone_destroy(&z);
}

/* A header that claims 4 G items costs nothing: the bytes run out. */
static void
huge_claims(void **state)
{
	size_t	 len;

	(void)state;
	assert_int_equal(scan("\xdd\xff\xff\xff\xff\x01\x02", 7, &len),
	    MP_TRUNCATED);
	assert_int_equal(scan("\xdf\xff\xff\xff\xff\x01", 6, &len),
	    MP_TRUNCATED);
	assert_int_equal(scan("\xdb\xff\xff\xff\xff", 5, &len), MP_TRUNCATED);
	assert_int_equal(scan("\xc9\xff\xff\xff\xff\x01", 6, &len),
	    MP_TRUNCATED);
}

/* Where mpscan_uint reads a value, msgpack-c reads the same unsigned one. */
static void
check_uint(const uint8_t *p, size_t n, const msgpack_object *o)
{
	struct mp_head	 h;
	uint64_t	 v;

	assert_int_equal(mpscan_head(p, n, &h), MP_OK);
	if (mpscan_uint(p, &h, &v) == 0) {
		assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
		assert_true(o->via.u64 == v);
	}
}

static void
uint_values(void **state)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 255, 256, 65535,
	    65536, 4294967295u, 4294967296u, UINT64_MAX };
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct mp_head	 h;
	uint64_t	 v;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_uint64(&pk, vals[i]);
		assert_int_equal(mpscan_head((uint8_t *)sb.data, sb.size, &h),
		    MP_OK);
		assert_int_equal(mpscan_uint((uint8_t *)sb.data, &h, &v), 0);
		assert_true(v == vals[i]);
		msgpack_sbuffer_destroy(&sb);
	}
	assert_int_equal(mpscan_head((const uint8_t *)"\xd0\x05", 2, &h), MP_OK);
	assert_int_equal(mpscan_uint((const uint8_t *)"\xd0\x05", &h, &v), -1);
	assert_int_equal(mpscan_head((const uint8_t *)"\xa1x", 2, &h), MP_OK);
	assert_int_equal(mpscan_uint((const uint8_t *)"\xa1x", &h, &v), -1);
}

/*
 * Random bytes: mpscan_value and msgpack-c agree on validity and length.
 * No 32-bit container heads: msgpack-c allocates what one claims before
 * reading on, gigabytes for a few random bytes.
 */
static void
agrees_with_msgpack_c(void **state)
{
	static const uint8_t pick[] = {		/* heads worth trying */
		0x00, 0x7f, 0x81, 0x8f, 0x91, 0x9f, 0xa1, 0xbf, 0xc0, 0xc1,
		0xc2, 0xc4, 0xc5, 0xc7, 0xca, 0xcb, 0xcc, 0xcd, 0xcf, 0xd0,
		0xd3, 0xd4, 0xd8, 0xd9, 0xda, 0xdc, 0xde, 0xe0, 0xff
	};
	uint8_t		 p[24];
	msgpack_zone	 z;
	msgpack_object	 o;
	msgpack_unpack_return r;
	enum mp_status	 st;
	size_t		 len, off, n, i;
	unsigned	 k, seed = 1;

	(void)state;
	msgpack_zone_init(&z, 4096);
	for (k = 0; k < 30000; k++) {
		n = 1 + rand_r(&seed) % sizeof(p);
		for (i = 0; i < n; i++)
			p[i] = rand_r(&seed) % 2 ?
			    pick[rand_r(&seed) % sizeof(pick)] :
			    (uint8_t)rand_r(&seed) % 4;
		off = 0;
		msgpack_zone_clear(&z);
		r = msgpack_unpack((char *)p, n, &off, &z, &o);
		st = scan(p, n, &len);
		if (r == MSGPACK_UNPACK_SUCCESS ||
		    r == MSGPACK_UNPACK_EXTRA_BYTES) {
			assert_int_equal(st, MP_OK);
			assert_int_equal(len, off);
			check_uint(p, n, &o);
		} else if (r == MSGPACK_UNPACK_CONTINUE)
			assert_int_equal(st, MP_TRUNCATED);
		else
			assert_int_not_equal(st, MP_OK);
	}
	msgpack_zone_destroy(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind),
		cmocka_unit_test(trailing_bytes_are_not_taken),
		cmocka_unit_test(never_used_byte),
		cmocka_unit_test(depth),
		cmocka_unit_test(huge_claims),
		cmocka_unit_test(uint_values),
		cmocka_unit_test(agrees_with_msgpack_c),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
