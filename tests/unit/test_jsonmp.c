/*
 * Unit tests of client/jsonmp.c: JSON to MessagePack and back, and the
 * JSON shown for MessagePack values JSON has no word for.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <msgpack.h>

#include "ipcctl.h"

struct fx {
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	msgpack_zone	 z;
	msgpack_object	 o;
	json_t		*in;
	json_t		*out;
};

static int
setup(void **state)
{
	struct fx	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	msgpack_sbuffer_init(&f->sb);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
	msgpack_zone_init(&f->z, 4096);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	json_decref(f->in);
	json_decref(f->out);
	msgpack_sbuffer_destroy(&f->sb);
	msgpack_zone_destroy(&f->z);
	free(f);
	return 0;
}

/* Unpack what f->sb holds into f->o: exactly one value. */
static void
unpack(struct fx *f)
{
	size_t	 off = 0;

	msgpack_zone_clear(&f->z);
	assert_int_equal(msgpack_unpack(f->sb.data, f->sb.size, &off, &f->z,
	    &f->o), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, f->sb.size);
}

/* Pack the JSON text, unpack it, and convert it back to JSON. */
static void
pack_text(struct fx *f, const char *text)
{
	json_error_t	 err;

	json_decref(f->in);
	json_decref(f->out);
	f->out = NULL;
	f->in = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (f->in == NULL) {
		fprintf(stderr, "bad test JSON %s: %s\n", text, err.text);
		fail();
	}
	msgpack_sbuffer_clear(&f->sb);
	assert_int_equal(jsonmp_pack(f->in, &f->pk), 0);
	unpack(f);
	f->out = jsonmp_from(&f->o);
	assert_non_null(f->out);
}

static void
round_trip(struct fx *f, const char *text)
{
	pack_text(f, text);
	if (!json_equal(f->in, f->out)) {
		char	*s = json_dumps(f->out, JSON_ENCODE_ANY);

		fprintf(stderr, "%s came back as %s\n", text, s ? s : "?");
		free(s);
		fail();
	}
}

/* Convert the value packed in f->sb to JSON. */
static json_t *
from_packed(struct fx *f)
{
	unpack(f);
	json_decref(f->out);
	f->out = jsonmp_from(&f->o);
	assert_non_null(f->out);
	return f->out;
}

static void
assert_json_string(json_t *j, const char *want)
{
	assert_true(json_is_string(j));
	assert_string_equal(json_string_value(j), want);
}

/* jsonmp_pack then jsonmp_from */

static void
integers_stay_integers(void **state)
{
	struct fx	*f = *state;

	pack_text(f, "5");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(f->o.via.u64, 5);
	assert_true(json_is_integer(f->out));
	assert_int_equal(json_integer_value(f->out), 5);
	pack_text(f, "-7");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
	assert_int_equal(f->o.via.i64, -7);
	assert_true(json_is_integer(f->out));
	assert_int_equal(json_integer_value(f->out), -7);
	pack_text(f, "0");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_true(json_is_integer(f->out));
}

static void
integer_extremes(void **state)
{
	struct fx	*f = *state;

	round_trip(f, "9223372036854775807");
	assert_true(json_is_integer(f->out));
	assert_true(json_integer_value(f->out) == INT64_MAX);
	round_trip(f, "-9223372036854775808");
	assert_true(json_is_integer(f->out));
	assert_true(json_integer_value(f->out) == INT64_MIN);
	round_trip(f, "4294967296");
	round_trip(f, "-4294967297");
	round_trip(f, "[0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536]");
}

static void
reals(void **state)
{
	struct fx	*f = *state;

	pack_text(f, "1.5");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_FLOAT64);
	assert_true(json_is_real(f->out));
	assert_true(json_real_value(f->out) == 1.5);
	round_trip(f, "-0.25");
	round_trip(f, "1e300");
	round_trip(f, "2.0");
	assert_true(json_is_real(f->out));
	round_trip(f, "[3.141592653589793, -1e-300]");
}

static void
strings(void **state)
{
	struct fx	*f = *state;

	pack_text(f, "\"hello\"");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_STR);
	assert_int_equal(f->o.via.str.size, 5);
	assert_memory_equal(f->o.via.str.ptr, "hello", 5);
	assert_json_string(f->out, "hello");
	round_trip(f, "\"\"");
	round_trip(f, "\"h\\u00e9llo \\u2603 \\ud83d\\ude00\"");
	round_trip(f, "\"tab\\tnewline\\nquote\\\"\"");
}

static void
string_with_nul(void **state)
{
	struct fx	*f = *state;

	pack_text(f, "\"a\\u0000b\"");
	assert_int_equal(f->o.via.str.size, 3);
	assert_memory_equal(f->o.via.str.ptr, "a\0b", 3);
	assert_true(json_equal(f->in, f->out));
	assert_int_equal(json_string_length(f->out), 3);
}

static void
constants(void **state)
{
	struct fx	*f = *state;

	pack_text(f, "null");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_NIL);
	assert_true(json_is_null(f->out));
	pack_text(f, "true");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_BOOLEAN);
	assert_true(f->o.via.boolean);
	assert_true(json_is_true(f->out));
	pack_text(f, "false");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_BOOLEAN);
	assert_false(f->o.via.boolean);
	assert_true(json_is_false(f->out));
}

static void
arrays(void **state)
{
	struct fx	*f = *state;

	pack_text(f, "[1, \"two\", [3, [4]], null]");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(f->o.via.array.size, 4);
	assert_true(json_equal(f->in, f->out));
	round_trip(f, "[]");
	round_trip(f, "[[], [[]], {}]");
}

static void
objects(void **state)
{
	struct fx	*f = *state;

	pack_text(f, "{\"a\": 1, \"b\": {\"c\": [true, false, null]}}");
	assert_int_equal(f->o.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(f->o.via.map.size, 2);
	assert_int_equal(f->o.via.map.ptr[0].key.type, MSGPACK_OBJECT_STR);
	assert_true(json_equal(f->in, f->out));
	round_trip(f, "{}");
	round_trip(f, "{\"k\\u00e9y\": -2.5, \"x\": {\"y\": {\"z\": "
	    "[{\"deep\": \"yes\"}]}}}");
}

/* The empty key (msgpack-c gives an empty string a NULL pointer). */
static void
object_empty_key(void **state)
{
	struct fx	*f = *state;

	round_trip(f, "{\"\": 0, \"a\": \"\"}");
	assert_int_equal(json_integer_value(json_object_get(f->out, "")), 0);
	assert_true(json_object_get(f->out, "") != NULL);
}

static void
nested_mixed(void **state)
{
	round_trip(*state, "{\"jobs\": [{\"id\": 1, \"args\": [\"-v\", 2.5, "
	    "null]}, {\"id\": -2, \"ok\": true, \"tags\": {}}], \"n\": 0}");
}

/* jsonmp_from of values JSON cannot say as they are */

static void
bin_as_base64(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_bin_with_body(&f->pk, "\x00\x01\x02\xff", 4);
	assert_json_string(from_packed(f), "AAEC/w==");
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_bin_with_body(&f->pk, "", 0);
	assert_json_string(from_packed(f), "");
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_bin_with_body(&f->pk, "abc", 3);
	assert_json_string(from_packed(f), "YWJj");
}

static void
ext_as_base64(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_ext_with_body(&f->pk, "abcd", 4, 5);
	assert_json_string(from_packed(f), "YWJjZA==");
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_ext_with_body(&f->pk, "\xff\xfe\xfd", 3, -1);
	assert_json_string(from_packed(f), "//79");
}

static void
non_utf8_str_as_base64(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_str_with_body(&f->pk, "\xff\xfe", 2);
	assert_json_string(from_packed(f), "//4=");
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_str_with_body(&f->pk, "ab\xc3", 3);	/* cut short */
	assert_json_string(from_packed(f), "YWLD");
}

static void
map_integer_key(void **state)
{
	struct fx	*f = *state;
	json_t		*j;

	msgpack_pack_map(&f->pk, 2);
	msgpack_pack_int(&f->pk, 1);
	msgpack_pack_str_with_body(&f->pk, "x", 1);
	msgpack_pack_int(&f->pk, -2);
	msgpack_pack_true(&f->pk);
	j = from_packed(f);
	assert_true(json_is_object(j));
	assert_int_equal(json_object_size(j), 2);
	assert_json_string(json_object_get(j, "1"), "x");
	assert_true(json_is_true(json_object_get(j, "-2")));
}

static void
map_other_keys(void **state)
{
	struct fx	*f = *state;
	json_t		*j;

	msgpack_pack_map(&f->pk, 3);
	msgpack_pack_nil(&f->pk);
	msgpack_pack_int(&f->pk, 1);
	msgpack_pack_true(&f->pk);
	msgpack_pack_int(&f->pk, 2);
	msgpack_pack_array(&f->pk, 1);
	msgpack_pack_int(&f->pk, 3);
	msgpack_pack_int(&f->pk, 4);
	j = from_packed(f);
	assert_int_equal(json_object_size(j), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "null")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "true")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "[3]")), 4);
}

static void
uint64_above_int64(void **state)
{
	struct fx	*f = *state;
	json_t		*j;

	msgpack_pack_uint64(&f->pk, UINT64_MAX);
	j = from_packed(f);
	assert_true(json_is_real(j));
	assert_true(json_real_value(j) == (double)UINT64_MAX);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_uint64(&f->pk, (uint64_t)INT64_MAX + 1);
	j = from_packed(f);
	assert_true(json_is_real(j));
	assert_true(json_real_value(j) == 9223372036854775808.0);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_uint64(&f->pk, (uint64_t)INT64_MAX);
	j = from_packed(f);
	assert_true(json_is_integer(j));
	assert_true(json_integer_value(j) == INT64_MAX);
}

static void
nan_and_inf_as_null(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_double(&f->pk, NAN);
	assert_true(json_is_null(from_packed(f)));
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_double(&f->pk, INFINITY);
	assert_true(json_is_null(from_packed(f)));
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_double(&f->pk, -INFINITY);
	assert_true(json_is_null(from_packed(f)));
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_float(&f->pk, NAN);
	assert_true(json_is_null(from_packed(f)));
}

static void
float32(void **state)
{
	struct fx	*f = *state;
	json_t		*j;

	msgpack_pack_float(&f->pk, 0.5f);
	j = from_packed(f);
	assert_true(json_is_real(j));
	assert_true(json_real_value(j) == 0.5);
}

/* A bin inside an array and a map still converts. */
static void
nested_bin(void **state)
{
	struct fx	*f = *state;
	json_t		*j;

	msgpack_pack_array(&f->pk, 2);
	msgpack_pack_map(&f->pk, 1);
	msgpack_pack_str_with_body(&f->pk, "b", 1);
	msgpack_pack_bin_with_body(&f->pk, "abc", 3);
	msgpack_pack_str_with_body(&f->pk, "\xff", 1);
	j = from_packed(f);
	assert_true(json_is_array(j));
	assert_json_string(json_object_get(json_array_get(j, 0), "b"), "YWJj");
	assert_json_string(json_array_get(j, 1), "/w==");
}

/* jsonmp_print */

static char *
print(struct fx *f, int *r)
{
	char	*s = NULL;
	size_t	 n = 0;
	FILE	*fp;

	assert_non_null(fp = open_memstream(&s, &n));
	unpack(f);
	*r = jsonmp_print(fp, &f->o);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(s);
	return s;
}

static void
print_compact(void **state)
{
	struct fx	*f = *state;
	char		*s;
	int		 r;

	pack_text(f, "{\"a\": [1, \"x\"]}");
	s = print(f, &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "{\"a\":[1,\"x\"]}\n");
	free(s);
}

static void
print_scalars(void **state)
{
	struct fx	*f = *state;
	char		*s;
	int		 r;

	pack_text(f, "-12");
	s = print(f, &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "-12\n");
	free(s);
	pack_text(f, "\"hi\"");
	s = print(f, &r);
	assert_string_equal(s, "\"hi\"\n");
	free(s);
	pack_text(f, "null");
	s = print(f, &r);
	assert_string_equal(s, "null\n");
	free(s);
}

static void
print_bin(void **state)
{
	struct fx	*f = *state;
	char		*s;
	int		 r;

	msgpack_pack_map(&f->pk, 1);
	msgpack_pack_int(&f->pk, 7);
	msgpack_pack_bin_with_body(&f->pk, "\x00\x01\x02\xff", 4);
	s = print(f, &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "{\"7\":\"AAEC/w==\"}\n");
	free(s);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(integers_stay_integers),
		T(integer_extremes),
		T(reals),
		T(strings),
		T(string_with_nul),
		T(constants),
		T(arrays),
		T(objects),
		T(nested_mixed),
		T(bin_as_base64),
		T(ext_as_base64),
		T(non_utf8_str_as_base64),
		T(map_integer_key),
		T(map_other_keys),
		T(uint64_above_int64),
		T(nan_and_inf_as_null),
		T(float32),
		T(nested_bin),
		T(print_compact),
		T(print_scalars),
		T(print_bin),
		/* Last: under UBSan a failure here ends the program. */
		T(object_empty_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
