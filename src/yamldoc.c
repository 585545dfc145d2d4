/* yamldoc.c: a YAML document built from libyaml's events (yamldoc.h).
 * The parser goes no further than one event past the limit, so a deep
 * file costs what its first max_depth levels cost. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"
#include "yamldoc.h"

struct level {
	int id;        /* the open sequence or mapping */
	int key;       /* in a mapping: the key waiting for its value, or 0 */
};

struct anchor {
	char *name;    /* NULL: a free place */
	int id;
};

struct loader {
	yaml_document_t *doc;
	struct level *stack;
	unsigned depth, max_depth;
	struct anchor *anchors;
	size_t nanchors, cap;     /* cap: a power of two, or 0 */
};

static size_t
hash(const char *s)
{
	size_t h = 14695981039346656037u & SIZE_MAX;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211u;
	return h;
}

static struct anchor *
anchor_slot(struct anchor *v, size_t cap, const char *name)
{
	size_t i = hash(name) & (cap - 1);

	while (v[i].name != NULL && strcmp(v[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* A later anchor of the same name wins, as YAML 1.2 has it. */
static void
anchor_set(struct loader *l, const yaml_char_t *name, int id)
{
	struct anchor *a;

	if (name == NULL)
		return;
	if (2 * (l->nanchors + 1) > l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct anchor *v = xcalloc(cap, sizeof *v);
		for (size_t i = 0; i < l->cap; i++)
			if (l->anchors[i].name != NULL)
				*anchor_slot(v, cap, l->anchors[i].name) = l->anchors[i];
		free(l->anchors);
		l->anchors = v;
		l->cap = cap;
	}
	a = anchor_slot(l->anchors, l->cap, (const char *)name);
	if (a->name == NULL) {
		a->name = xstrdup((const char *)name);
		l->nanchors++;
	}
	a->id = id;
}

static int
anchor_get(const struct loader *l, const yaml_char_t *name)
{
	if (l->cap == 0)
		return 0;
	return anchor_slot(l->anchors, l->cap, (const char *)name)->id;
}

static void
check(int ok)
{
	if (!ok)
		fatal("out of memory while loading YAML");
}

/* Puts node id where the open collection expects its next part. */
static void
attach(struct loader *l, int id)
{
	struct level *top;
	yaml_node_t *parent;

	if (l->depth == 0)
		return;    /* the root: the first node of the document */
	top = &l->stack[l->depth - 1];
	parent = yaml_document_get_node(l->doc, top->id);
	if (parent->type == YAML_SEQUENCE_NODE) {
		check(yaml_document_append_sequence_item(l->doc, top->id, id));
	} else if (top->key == 0) {
		top->key = id;
	} else {
		check(yaml_document_append_mapping_pair(l->doc, top->id, top->key, id));
		top->key = 0;
	}
}

static void
place(struct loader *l, int id, const yaml_event_t *ev, const yaml_char_t *anchor)
{
	yaml_node_t *n;

	check(id != 0);
	n = yaml_document_get_node(l->doc, id);
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	anchor_set(l, anchor, id);
	attach(l, id);
}

static enum yamldoc_rc
open_collection(struct loader *l, const yaml_event_t *ev, yaml_mark_t *at)
{
	int id;

	if (l->depth >= l->max_depth) {
		*at = ev->start_mark;
		return YAMLDOC_TOO_DEEP;
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT) {
		id = yaml_document_add_sequence(l->doc, NULL, ev->data.sequence_start.style);
		place(l, id, ev, ev->data.sequence_start.anchor);
	} else {
		id = yaml_document_add_mapping(l->doc, NULL, ev->data.mapping_start.style);
		place(l, id, ev, ev->data.mapping_start.anchor);
	}
	l->stack[l->depth++] = (struct level){ id, 0 };
	return YAMLDOC_OK;
}

/* One event into the document; *done at its end (or the stream's). */
static enum yamldoc_rc
step(struct loader *l, const yaml_event_t *ev, bool *done, yaml_mark_t *at)
{
	int id;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		id = yaml_document_add_scalar(l->doc, NULL, ev->data.scalar.value,
		    (int)ev->data.scalar.length, ev->data.scalar.style);
		place(l, id, ev, ev->data.scalar.anchor);
		break;
	case YAML_ALIAS_EVENT:
		if ((id = anchor_get(l, ev->data.alias.anchor)) == 0) {
			*at = ev->start_mark;
			return YAMLDOC_BAD_ALIAS;
		}
		attach(l, id);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return open_collection(l, ev, at);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		yaml_document_get_node(l->doc, l->stack[--l->depth].id)->end_mark = ev->end_mark;
		break;
	case YAML_DOCUMENT_END_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_NO_EVENT:
		*done = true;
		break;
	default:
		break;
	}
	return YAMLDOC_OK;
}

enum yamldoc_rc
yamldoc_load(yaml_parser_t *p, yaml_document_t *doc, unsigned max_depth, yaml_mark_t *at)
{
	struct loader l = { .doc = doc, .max_depth = max_depth };
	enum yamldoc_rc rc = YAMLDOC_OK;
	bool done = false;

	check(yaml_document_initialize(doc, NULL, NULL, NULL, 1, 1));
	l.stack = xcalloc(max_depth + 1, sizeof *l.stack);
	while (!done && rc == YAMLDOC_OK) {
		yaml_event_t ev;
		if (!yaml_parser_parse(p, &ev)) {
			rc = YAMLDOC_SYNTAX;
			break;
		}
		rc = step(&l, &ev, &done, at);
		yaml_event_delete(&ev);
	}
	for (size_t i = 0; i < l.cap; i++)
		free(l.anchors[i].name);
	free(l.anchors);
	free(l.stack);
	if (rc != YAMLDOC_OK)
		yaml_document_delete(doc);
	return rc;
}
