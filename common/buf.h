/*
 * A growable byte buffer with a read offset: bytes are appended at the end
 * and consumed from the front, so one buffer serves as an input or an output
 * queue for a framed channel without a copy per message.
 */
#ifndef IPC_BUF_H
#define IPC_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;
	size_t	 off;		/* first unread byte */
	size_t	 len;		/* end of valid bytes */
	size_t	 cap;
};

#define buf_avail(b)	((b)->len - (b)->off)
#define buf_head(b)	((b)->data + (b)->off)

int	 buf_reserve(struct buf *, size_t);
int	 buf_append_slow(struct buf *, const void *, size_t);
void	 buf_consume(struct buf *, size_t);
void	 buf_compact(struct buf *);
void	 buf_trim(struct buf *, size_t);
void	 buf_shrink(struct buf *, size_t);
void	 buf_free(struct buf *);
int	 buf_msgpack_write(void *, const char *, size_t);

/*
 * Append n bytes; the common case, room already there, is inline.  No
 * buffer holds more than SIZE_MAX / 2 bytes (buf_reserve), which the bound
 * here also tells the compiler.
 */
static inline int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || n > SIZE_MAX / 2 || b->cap - b->len < n)
		return buf_append_slow(b, p, n);
	__builtin_memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

#endif
