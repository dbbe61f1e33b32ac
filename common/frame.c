#include "frame.h"

/*
 * Look at the front of a byte stream: say whether a whole frame is there and
 * how long its body is.  The length is checked against max before the caller
 * buffers anything, so an oversized frame is refused from its header alone.
 */
enum frame_status
frame_parse(const uint8_t *p, size_t avail, uint32_t max, uint32_t *bodylen)
{
	uint32_t n;

	if (avail < FRAME_HDR)
		return FRAME_MORE;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	*bodylen = n;
	if (n == 0)
		return FRAME_EMPTY;
	if (n > max)
		return FRAME_TOO_LARGE;
	if (avail - FRAME_HDR < n)
		return FRAME_MORE;
	return FRAME_OK;
}

/*
 * Reserve a header at the end of b and return where it is, counted from the
 * read offset so that a compaction while the body is packed does not move it.
 */
size_t
frame_begin(struct buf *b)
{
	static const uint8_t zero[FRAME_HDR];
	size_t	 start = buf_avail(b);

	if (buf_append(b, zero, sizeof(zero)) == -1)
		return (size_t)-1;
	return start;
}

/*
 * Patch the header written by frame_begin with the body's length.  A body
 * that is empty or above max is taken back out of b and -1 returned.
 */
int
frame_end(struct buf *b, size_t start, uint32_t max)
{
	size_t	 n;
	uint8_t	*p;

	if (start == (size_t)-1 || buf_avail(b) < start + FRAME_HDR)
		return -1;
	n = buf_avail(b) - start - FRAME_HDR;
	if (n == 0 || n > max) {
		frame_abort(b, start);
		return -1;
	}
	p = buf_head(b) + start;
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
	return 0;
}

/* Take back a frame started with frame_begin. */
void
frame_abort(struct buf *b, size_t start)
{
	if (start != (size_t)-1 && start <= buf_avail(b))
		b->len = b->off + start;
}

const char *
frame_status_name(enum frame_status s)
{
	switch (s) {
	case FRAME_OK:
		return "ok";
	case FRAME_MORE:
		return "incomplete";
	case FRAME_TOO_LARGE:
		return "frame larger than the maximum message size";
	case FRAME_EMPTY:
		return "frame of length zero";
	}
	return "?";
}
