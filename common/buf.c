#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MIN	4096

/* Make room for n more bytes after the end, compacting before growing. */
int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 cap;
	uint8_t	*p;

	if (b->cap - b->len >= n)
		return 0;
	if (b->off > 0) {
		buf_compact(b);
		if (b->cap - b->len >= n)
			return 0;
	}
	if (n > SIZE_MAX / 2 - b->len)
		return -1;
	cap = b->cap ? b->cap : BUF_MIN;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append_slow(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (b->cap - b->len < n && buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

/* Move the unread bytes to the front. */
void
buf_compact(struct buf *b)
{
	size_t	 n = buf_avail(b);

	if (b->off == 0)
		return;
	if (n > 0)
		memmove(b->data, b->data + b->off, n);
	b->off = 0;
	b->len = n;
}

/* Release memory beyond keep bytes once the buffer has drained. */
void
buf_trim(struct buf *b, size_t keep)
{
	if (buf_avail(b) != 0 || b->cap <= keep)
		return;
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}

/*
 * Give memory back once the buffer holds far less than it has room for:
 * down to twice what it holds, and never below keep.  Growing back costs
 * one copy, so shrinking by at least 4 times keeps the cost amortised.
 */
void
buf_shrink(struct buf *b, size_t keep)
{
	size_t	 n = buf_avail(b), cap = 2 * n;
	uint8_t	*p;

	if (cap < keep)
		cap = keep;
	if (b->cap <= keep || b->cap / 4 < n || cap >= b->cap)
		return;
	if (n == 0) {
		buf_free(b);
		return;
	}
	buf_compact(b);
	if ((p = realloc(b->data, cap)) == NULL)
		return;			/* keeps the larger one */
	b->data = p;
	b->cap = cap;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}

/* msgpack_packer callback: append the bytes to the struct buf. */
int
buf_msgpack_write(void *data, const char *p, size_t n)
{
	return buf_append(data, p, n);
}
