/*
 * JSON <-> MessagePack for the command line: jansson parses and prints,
 * msgpack-c packs; binary and ext values print as base64 strings.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "ipcctl.h"

static int
pack_object(const json_t *j, msgpack_packer *pk)
{
	const char	*key;
	json_t		*v;

	msgpack_pack_map(pk, json_object_size(j));
	json_object_foreach((json_t *)j, key, v) {
		msgpack_pack_str(pk, strlen(key));
		msgpack_pack_str_body(pk, key, strlen(key));
		if (jsonmp_pack(v, pk) == -1)
			return -1;
	}
	return 0;
}

/* Pack a JSON value as MessagePack: integers stay integers. */
int
jsonmp_pack(const json_t *j, msgpack_packer *pk)
{
	size_t	 i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return pack_object(j, pk);
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		for (i = 0; i < json_array_size(j); i++)
			if (jsonmp_pack(json_array_get(j, i), pk) == -1)
				return -1;
		return 0;
	case JSON_STRING:
		msgpack_pack_str(pk, json_string_length(j));
		return msgpack_pack_str_body(pk, json_string_value(j),
		    json_string_length(j));
	case JSON_INTEGER:
		return msgpack_pack_int64(pk, json_integer_value(j));
	case JSON_REAL:
		return msgpack_pack_double(pk, json_real_value(j));
	case JSON_TRUE:
		return msgpack_pack_true(pk);
	case JSON_FALSE:
		return msgpack_pack_false(pk);
	case JSON_NULL:
		return msgpack_pack_nil(pk);
	}
	return -1;
}

static json_t *
base64_string(const char *p, size_t n)
{
	json_t	*s;
	char	*text;
	size_t	 len = BASE64_ENCODE_RAW_LENGTH(n);

	if (n == 0)
		return json_string("");
	if ((text = malloc(len + 1)) == NULL)
		return NULL;
	base64_encode_raw(text, n, (const uint8_t *)p);
	s = json_stringn(text, len);
	free(text);
	return s;
}

/* A string as itself, or as base64 if it is not valid UTF-8. */
static json_t *
str_value(const msgpack_object *o)
{
	json_t	*s;

	if (o->via.str.size == 0)
		return json_string("");
	s = json_stringn(o->via.str.ptr, o->via.str.size);

	return s ? s : base64_string(o->via.str.ptr, o->via.str.size);
}

/* A map key as JSON text: strings as they are, anything else printed. */
static char *
key_text(const msgpack_object *k)
{
	json_t	*j;
	char	*s;

	if (k->type == MSGPACK_OBJECT_STR)
		return k->via.str.size ? strndup(k->via.str.ptr,
		    k->via.str.size) : strdup("");
	if ((j = jsonmp_from(k)) == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

static json_t *
from_map(const msgpack_object *o)
{
	json_t	*obj = json_object(), *v;
	char	*k;
	uint32_t i;

	for (i = 0; obj != NULL && i < o->via.map.size; i++) {
		k = key_text(&o->via.map.ptr[i].key);
		v = jsonmp_from(&o->via.map.ptr[i].val);
		if (k == NULL || v == NULL || json_object_set_new(obj, k, v)) {
			free(k);
			json_decref(obj);
			return NULL;
		}
		free(k);
	}
	return obj;
}

static json_t *
from_array(const msgpack_object *o)
{
	json_t	*arr = json_array();
	uint32_t i;

	for (i = 0; arr != NULL && i < o->via.array.size; i++)
		if (json_array_append_new(arr,
		    jsonmp_from(&o->via.array.ptr[i])) == -1) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

json_t *
jsonmp_from(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 > (uint64_t)INT64_MAX)
			return json_real((double)o->via.u64);
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer(o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return isfinite(o->via.f64) ? json_real(o->via.f64) :
		    json_null();
	case MSGPACK_OBJECT_STR:
		return str_value(o);
	case MSGPACK_OBJECT_BIN:
		return base64_string(o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_EXT:
		return base64_string(o->via.ext.ptr, o->via.ext.size);
	case MSGPACK_OBJECT_ARRAY:
		return from_array(o);
	case MSGPACK_OBJECT_MAP:
		return from_map(o);
	}
	return NULL;
}

/* Print a value as one line of compact JSON. */
int
jsonmp_print(FILE *fp, const msgpack_object *o)
{
	json_t	*j = jsonmp_from(o);
	int	 r;

	if (j == NULL)
		return -1;
	r = json_dumpf(j, fp, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	if (r == 0)
		fputc('\n', fp);
	return r;
}
