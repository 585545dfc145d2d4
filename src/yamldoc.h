/* yamldoc.h: one YAML document, loaded as libyaml's yaml_parser_load does
 * (the same nodes, with their positions), but with a limit on nesting and
 * anchors found by hashing. libyaml's own loader has neither: 100,000
 * levels of "[[[" kept it busy for over a minute (its scanner looks at
 * every open level for each token), and it compares each new anchor with
 * every earlier one. */
#ifndef PFAN_YAMLDOC_H
#define PFAN_YAMLDOC_H
#include <yaml.h>

enum yamldoc_rc {
	YAMLDOC_OK,          /* *doc loaded; no root node at the end of the stream */
	YAMLDOC_SYNTAX,      /* the parser's error: see p->error, p->problem... */
	YAMLDOC_TOO_DEEP,    /* a collection deeper than max_depth starts at *at */
	YAMLDOC_BAD_ALIAS,   /* an alias to no anchor is at *at */
};

/* Loads the next document of p into doc (delete it with
 * yaml_document_delete after YAMLDOC_OK only). The root is level 1. */
enum yamldoc_rc yamldoc_load(yaml_parser_t *p, yaml_document_t *doc,
    unsigned max_depth, yaml_mark_t *at);

#endif
