/* fuzz_agentproto.c: libFuzzer target for the remote agent's frames
 * (agentproto.c), the bytes a remote host sends back. Byte 0 picks how
 * many bytes are fed at a time (1-256); the rest is the stream.
 *
 * Checked: the events are the same however the stream is cut; each
 * carries data only within the stream (at most AGENTPROTO_MAX_DATA, not
 * empty); an error is final; a stream of frames this file writes itself
 * from the events reads back as the same events. */
#include <stdlib.h>
#include <string.h>

#include "agentproto.h"
#include "buf.h"
#include "fuzz.h"

#define check(cond) do { if (!(cond)) abort(); } while (0)

/* The events of data fed step bytes at a time, rendered into out; the
 * result of the last next call (-1: an error). */
static int
decode(const uint8_t *data, size_t size, size_t step, struct buf *out)
{
	struct agentproto_reader r = AGENTPROTO_READER_INIT;
	struct agentproto_event ev;
	const char *why;
	int rc = 0;

	for (size_t off = 0; off < size && rc >= 0; off += step) {
		size_t n = size - off < step ? size - off : step;
		agentproto_feed(&r, (const char *)data + off, n);
		while ((rc = agentproto_next(&r, &ev, &why)) > 0) {
			if (ev.type == AGENTPROTO_END) {
				check(ev.num >= 0 && ev.num <= 255);
				buf_addf(out, "X %u %c %d\n", ev.id, "eskdfn"[ev.end], ev.num);
			} else {
				check(ev.len > 0 && ev.len <= AGENTPROTO_MAX_DATA);
				buf_addf(out, "%c %u %zu\n", ev.type == AGENTPROTO_OUT ? 'O' : 'E',
				    ev.id, ev.len);
				buf_add(out, ev.data, ev.len);
			}
		}
		if (rc < 0) {
			check(why != NULL && *why != '\0');
			/* final: the same bytes give no frame later */
			check(agentproto_next(&r, &ev, &why) < 0);
		}
	}
	agentproto_reader_free(&r);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] + 1;
	data++, size--;

	struct buf whole = BUF_INIT, cut = BUF_INIT, again = BUF_INIT;
	int a = decode(data, size, size > 0 ? size : 1, &whole);
	int b = decode(data, size, step, &cut);

	/* Cut anywhere, the same frames; an error may show a little earlier
	 * (a stranger's first byte) but never later, and the frames before it
	 * are the same. */
	check((a < 0) == (b < 0));
	check(whole.len == cut.len && (whole.len == 0 || memcmp(whole.data, cut.data, whole.len) == 0));
	/* The rendering is itself the agent's format: it reads back the same. */
	if (whole.len > 0) {
		check(decode((const uint8_t *)whole.data, whole.len, whole.len, &again) >= 0);
		check(again.len == whole.len && memcmp(again.data, whole.data, whole.len) == 0);
	}
	buf_free(&whole);
	buf_free(&cut);
	buf_free(&again);
	return 0;
}
