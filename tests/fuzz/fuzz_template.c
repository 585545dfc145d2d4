/* fuzz_template.c: libFuzzer target for template_parse + template_expand
 * and quote_shell. The input is NUL-separated: the template, then the
 * values. Besides crashes it checks that every value, quoted, reads back
 * as itself under POSIX sh's quoting rules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "log.h"
#include "quote.h"
#include "template.h"

/* The bytes that may stand unquoted, written out again independently of
 * quote.c so that the two can disagree. */
static int
bare_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("_@%+=:,./-", c) != NULL);
}

/* Reads one shell word made of bare bytes, '...' and \' as quote_shell
 * writes them; returns the word's value. */
static void
check_unquote(const char *v, size_t len)
{
	struct buf q = BUF_INIT, back = BUF_INIT;
	size_t i = 0;

	quote_shell(&q, v, len);
	while (i < q.len) {
		if (q.data[i] == '\'') {
			const char *end = memchr(q.data + i + 1, '\'', q.len - i - 1);
			if (end == NULL)
				abort();
			buf_add(&back, q.data + i + 1, (size_t)(end - q.data - i - 1));
			i = (size_t)(end - q.data) + 1;
		} else if (q.data[i] == '\\' && i + 1 < q.len) {
			buf_addc(&back, q.data[i + 1]);
			i += 2;
		} else if (bare_ok((unsigned char)q.data[i]))
			buf_addc(&back, q.data[i++]);
		else
			abort();	/* a bare special byte: not one plain word */
	}
	if (back.len != len || (len > 0 && memcmp(back.data, v, len) != 0))
		abort();
	buf_free(&q);
	buf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct template_ctx ctx = { 42, 0, NULL };
	struct template *t = NULL;
	struct args a;
	char *words[1], *cause = NULL, *p, *end;

	log_set_verbosity(0);
	buf_add(&in, data, size);
	args_init(&a);
	words[0] = in.data;
	p = in.data + strlen(in.data);
	end = in.data + in.len;
	while (p < end) {
		p++;
		size_t n = strlen(p);
		args_push(&a, p, n);
		check_unquote(p, n);
		p += n;
	}
	/* Plain, then -q (each word quoted after replacement). */
	for (unsigned flags = TEMPLATE_PLUS; flags != 0;
	    flags = flags & TEMPLATE_QUOTE ? 0 : flags | TEMPLATE_QUOTE) {
		cause = NULL;
		ctx.slot = 0;
		ctx.host = NULL;
		if (template_parse(&t, 1, words, flags, &cause) == 0) {
			if (template_expand(t, &a, &ctx, &out, &cause) != 0) {
				free(cause);
				cause = NULL;
			}
			ctx.slot = 3;
			ctx.host = "h";
			buf_reset(&out);
			if (template_expand(t, &a, &ctx, &out, &cause) != 0)
				free(cause);
		} else
			free(cause);
		template_free(t);
		t = NULL;
		buf_reset(&out);
	}
	args_free(&a);
	buf_free(&in);
	buf_free(&out);
	return 0;
}
