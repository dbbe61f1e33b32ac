/*
 * Framing, shared by both planes: a 4-byte big-endian body length, then
 * exactly one MessagePack value of that many bytes.
 */
#ifndef IPC_FRAME_H
#define IPC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FRAME_HDR	4

enum frame_status {
	FRAME_OK = 1,		/* a whole frame is there */
	FRAME_MORE = 0,		/* need more bytes */
	FRAME_TOO_LARGE = -1,	/* length above the limit */
	FRAME_EMPTY = -2	/* length zero */
};

enum frame_status frame_parse(const uint8_t *, size_t, uint32_t, uint32_t *);
size_t	 frame_begin(struct buf *);
int	 frame_end(struct buf *, size_t, uint32_t);
void	 frame_abort(struct buf *, size_t);
const char *frame_status_name(enum frame_status);

#endif
