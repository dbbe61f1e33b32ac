/*
 * Unit tests of daemon/node.c, Node's channel: a TASK line carries each
 * string as jansson would write it, and a RESULT line laid out as
 * JSON.stringify writes it, read by its layout, comes out exactly as the
 * same object read whole (here: with a space after its brace, which only
 * the whole reading takes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ipcd.h"
#include "peer.h"

struct read {
	enum framing_result r;
	struct ipc_msg	 m;
	enum ipc_err	 e;
	uint8_t		 data[256];
	char		 code[80], message[1100];
};

/* One line through framing_node, its message copied out of the zone. */
static void
read_line(const char *line, struct read *rd)
{
	msgpack_zone	 z;
	const char	*why = "";
	size_t		 used = 0;

	memset(rd, 0, sizeof(*rd));
	assert_true(msgpack_zone_init(&z, 1024));
	rd->r = framing_node.next((const uint8_t *)line, strlen(line), 1 << 20,
	    IPC_DIR_FROM_WORKER, &z, &rd->m, &used, &rd->e, &why);
	if (rd->r == FRAMING_MSG) {
		assert_int_equal(used, strlen(line));
		assert_true(rd->m.data.len <= sizeof(rd->data));
		if (rd->m.data.len > 0)
			memcpy(rd->data, rd->m.data.p, rd->m.data.len);
		snprintf(rd->code, sizeof(rd->code), "%.*s",
		    (int)rd->m.code.len, rd->m.code.p);
		snprintf(rd->message, sizeof(rd->message), "%.*s",
		    (int)rd->m.message.len, rd->m.message.p);
	}
	msgpack_zone_destroy(&z);
}

/*
 * A line read as it is, and with a space after its first byte, a brace
 * (which only the whole reading takes): the same outcome, and when that is
 * a message, the same message.  Returns the outcome.
 */
static enum framing_result
same_line(const char *a)
{
	char		 b[8200];
	struct read	 x, y;

	snprintf(b, sizeof(b), "%c %s", a[0], a + 1);
	read_line(a, &x);
	read_line(b, &y);
	if (x.r != y.r) {
		print_error("%s: read %d, and %d with a space\n", a, x.r, y.r);
		fail();
	}
	if (x.r != FRAMING_MSG)
		return x.r;
	assert_int_equal(x.m.type, y.m.type);
	assert_int_equal(x.m.has_id, y.m.has_id);
	assert_true(x.m.id == y.m.id);
	assert_int_equal(x.m.data.len, y.m.data.len);
	assert_memory_equal(x.data, y.data, x.m.data.len);
	assert_string_equal(x.code, y.code);
	assert_string_equal(x.message, y.message);
	return x.r;
}

/* {"type":"RESULT",REST read both ways, with the outcome want. */
static void
same(const char *rest, enum framing_result want)
{
	char	 a[8192];
	enum framing_result got;

	snprintf(a, sizeof(a), "{\"type\":\"RESULT\",%s\n", rest);
	if ((got = same_line(a)) != want) {
		print_error("read as %d, not %d: %.200s\n", got, want, a);
		fail();
	}
}

static void
results_read_alike(void **state)
{
	static const char *const data[] = {
		"0", "-0", "1", "-1", "7", "123456789012345",
		"-123456789012345", "1234567890123456", "9007199254740991",
		"9007199254740993", "1.5", "1e3", "-2.0", "\"text\"",
		"\"\\u00e9\\n\"", "\"\"", "\"plain ~ text {1}\"",
		"\"a \\\" quote\"", "\"a \\\\ backslash\"",
		"\"\xc3\xa9t\xc3\xa9\"", "\"\x7f\"", "\"x\" ", "null", "true", "false", "[]", "{}",
		"[1,[2,[3]]]", "{\"a\":1,\"b\":[true,null]}",
		"{\"type\":\"Buffer\",\"data\":[0,1,255]}",
		"{\"type\":\"Buffer\",\"data\":[256]}", " 5", "5 ",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	static const char *const ids[] = { "", "\"id\":0,", "\"id\":42,",
	    "\"id\":9007199254740991,", "\"id\":1.0," };
	char		 rest[400];
	size_t		 i, k;

	(void)state;
	for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
		for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
			snprintf(rest, sizeof(rest), "%s\"data\":%s}", ids[k],
			    data[i]);
			same(rest, FRAMING_MSG);
		}
}

/*
 * Data nested about as deep as jansson allows (2048 levels, the object
 * around it counted): at each depth near the limit the data alone may
 * parse where the whole line does not; both readings must still agree.
 */
static void
deep_alike(void)
{
	static char	 line[5000];
	size_t		 i, n;
	unsigned	 d, msgs = 0;

	for (d = 2040; d <= 2050; d++) {
		n = (size_t)snprintf(line, sizeof(line),
		    "{\"type\":\"RESULT\",\"data\":");
		for (i = 0; i < d; i++)
			line[n++] = '[';
		line[n++] = '1';
		for (i = 0; i < d; i++)
			line[n++] = ']';
		line[n++] = '}';
		line[n++] = '\n';
		line[n] = '\0';
		if (same_line(line) == FRAMING_MSG)
			msgs++;		/* the job's bad_data */
	}
	assert_true(msgs > 0 && msgs < 11);	/* the limit was crossed */
}

/* What is not one JSON value after "data" is read whole, and refused so. */
static void
bad_lines_alike(void **state)
{
	(void)state;
	same("\"data\":01}", FRAMING_FATAL);
	same("\"data\":-}", FRAMING_FATAL);
	same("\"data\":1,\"data\":2}", FRAMING_FATAL);	/* a duplicate key */
	same("\"data\":{\"a\":1},\"x\":{\"b\":2}}", FRAMING_MSG);
	same("\"data\":\"\xff\"}", FRAMING_FATAL);	/* not UTF-8 */
	same("\"data\":{\"a\":1,\"a\":2}}", FRAMING_FATAL);
	same("\"id\":05,\"data\":1}", FRAMING_FATAL);
	same("\"id\":-1,\"data\":1}", FRAMING_BAD);
	same("\"id\":,\"data\":1}", FRAMING_FATAL);
	same("\"id\":7}", FRAMING_MSG);			/* no data: nil */
	same("\"data\":1}}", FRAMING_FATAL);
	same("\"data\":\"a\tb\"}", FRAMING_FATAL);	/* a raw tab */
	same("\"data\":\"a\"b\"}", FRAMING_FATAL);
	same("\"data\":\"a\",\"x\":\"b\"}", FRAMING_MSG);
	deep_alike();
}

/*
 * 200,000 mutations of RESULT lines (a byte changed, the line cut short)
 * read both ways alike; a space after the brace changes no JSON text.
 */
static void
mutations_read_alike(void **state)
{
	static const char *const lines[] = {
		"{\"type\":\"RESULT\",\"data\":20}",
		"{\"type\":\"RESULT\",\"id\":7,\"data\":-123}",
		"{\"type\":\"RESULT\",\"data\":{\"a\":[1,2.5,\"x\"]}}",
		"{\"type\":\"RESULT\",\"id\":9,\"data\":\"text\"}",
		"{\"type\":\"RESULT\",\"data\":{\"type\":\"Buffer\","
		    "\"data\":[1,2]}}",
	};
	static const char alphabet[] = "{}[]\":,-0123456789.eE \\u\xff";
	char		 a[128];
	unsigned	 seed = 7, i, k, msgs = 0;
	size_t		 n;

	(void)state;
	for (i = 0; i < 200000; i++) {
		k = i % (sizeof(lines) / sizeof(lines[0]));
		n = strlen(lines[k]);
		memcpy(a, lines[k], n);
		seed = seed * 1103515245 + 12345;
		a[1 + (seed >> 8) % (n - 1)] =
		    alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		if (seed & 0x80000000U)
			n -= (seed >> 4) % (n - 1);
		a[n] = '\n';
		a[n + 1] = '\0';
		if (same_line(a) == FRAMING_MSG)
			msgs++;
	}
	assert_true(msgs > 10000);
}

/*
 * A TASK line carries a string as jansson would write it, whether it is
 * plain (copied as it is) or not; one that is not UTF-8 is bad_data.
 */
static void
task_strings(void **state)
{
	static const char *const strs[] = {
		"", "plain ~ text {1}", "a \" quote", "a \\ backslash",
		"tab\there", "\x7f", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac 5",
		"\xff",
	};
	struct buf	 frame = { NULL, 0, 0, 0 }, out = { NULL, 0, 0, 0 };
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	msgpack_zone	 z;
	struct ipc_bytes data;
	const char	*why;
	enum ipc_err	 e;
	char		 want[256], *js;
	json_t		*j;
	size_t		 i;

	(void)state;
	assert_true(msgpack_zone_init(&z, 1024));
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_str_with_body(&pk, strs[i], strlen(strs[i]));
		data.p = (const uint8_t *)sb.data;
		data.len = sb.size;
		frame.off = frame.len = out.off = out.len = 0;
		assert_int_equal(proto_put_task(&frame, 1 << 20, 5,
		    proto_str("echo"), data), 0);
		proto_task_set_id(buf_head(&frame), 77);
		j = json_stringn(strs[i], strlen(strs[i]));
		if (j == NULL) {	/* not UTF-8 */
			assert_int_equal(node_put_task(&out, buf_head(&frame),
			    buf_avail(&frame), 1 << 20, &z, &e, &why), -1);
			assert_int_equal(e, IPC_E_BAD_DATA);
			assert_int_equal(buf_avail(&out), 0);
		} else {
			js = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
			snprintf(want, sizeof(want), "{\"type\":\"TASK\","
			    "\"id\":77,\"task\":\"echo\",\"data\":%s}\n", js);
			free(js);
			json_decref(j);
			assert_int_equal(node_put_task(&out, buf_head(&frame),
			    buf_avail(&frame), 1 << 20, &z, &e, &why), 0);
			assert_int_equal(buf_avail(&out), strlen(want));
			assert_memory_equal(buf_head(&out), want, strlen(want));
		}
		msgpack_sbuffer_destroy(&sb);
	}
	buf_free(&frame);
	buf_free(&out);
	msgpack_zone_destroy(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(results_read_alike),
		cmocka_unit_test(bad_lines_alike),
		cmocka_unit_test(mutations_read_alike),
		cmocka_unit_test(task_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
