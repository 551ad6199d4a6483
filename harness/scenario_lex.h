/* Scenario lexer: splits one line into words (bare, quoted, name=value).
 * Internal to harness/scenario*.c. */
#ifndef SMMHP_SCENARIO_LEX_H
#define SMMHP_SCENARIO_LEX_H

#include <stdbool.h>
#include <stddef.h>

struct scn_tok {
  char *key;      /* NULL for a positional word */
  char *val;      /* unquoted text */
  bool quoted;
  int col;        /* 1-based column of the word (of the key for key=value) */
  int vcol;       /* column of the value */
};

struct scn_lexer {
  struct scn_tok *toks;
  size_t ntoks, cap;
  int err_col;      /* set with err when scn_lex_line fails */
  char err[192];
};

/* Append the words of one NUL-terminated line (comments dropped) to
 * lx->toks; -1 with lx->err/err_col on a lexical error. */
int scn_lex_line(struct scn_lexer *lx, const char *line);
/* Drop the words, keep the array for the next line. */
void scn_lex_clear(struct scn_lexer *lx);
void scn_lex_free(struct scn_lexer *lx);

/* malloc'd copy of n bytes plus a NUL; NULL when out of memory. */
char *scn_strndup(const char *s, size_t n);

#endif
