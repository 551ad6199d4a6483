/* Scenario lexer: words of one line. Bare words, "quoted strings" with
 * \" and \\ escapes, name=value; '#' outside quotes ends the line.
 * docs/scenario-language.md ("Lexical rules") is the reference. */
#include "scenario_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void lex_error(struct scn_lexer *lx, int col, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void lex_error(struct scn_lexer *lx, int col, const char *fmt, ...)
{
  va_list ap;

  lx->err_col = col;
  va_start(ap, fmt);
  vsnprintf(lx->err, sizeof lx->err, fmt, ap);
  va_end(ap);
}

char *scn_strndup(const char *s, size_t n)
{
  char *d = malloc(n + 1);

  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

void scn_lex_clear(struct scn_lexer *lx)
{
  for (size_t i = 0; i < lx->ntoks; i++) {
    free(lx->toks[i].key);
    free(lx->toks[i].val);
  }
  lx->ntoks = 0;
}

void scn_lex_free(struct scn_lexer *lx)
{
  scn_lex_clear(lx);
  free(lx->toks);
  lx->toks = NULL;
  lx->cap = 0;
}

static bool is_space(char c)
{
  return c == ' ' || c == '\t';
}

/* A bare word ends at a space, a comment, a quote or (for keys) '='. */
static bool ends_bare(char c)
{
  return c == '\0' || is_space(c) || c == '#' || c == '"';
}

/* Read a quoted string starting at s[*i] == '"'; unescapes \" and \\. */
static char *lex_quoted(struct scn_lexer *lx, const char *s, size_t *i)
{
  size_t start = *i, j = *i + 1, n = 0;
  char *out = malloc(strlen(s + j) + 1);

  if (!out) {
    lex_error(lx, (int)start + 1, "out of memory");
    return NULL;
  }
  for (;; j++) {
    char c = s[j];

    if (c == '\0') {
      lex_error(lx, (int)start + 1, "unterminated string");
      break;
    }
    if (c == '"') {
      if (!ends_bare(s[j + 1]) || s[j + 1] == '"') {
        lex_error(lx, (int)j + 2, "expected a space after the closing quote");
        break;
      }
      out[n] = '\0';
      *i = j + 1;
      return out;
    }
    if (c == '\\') {
      if (s[j + 1] != '"' && s[j + 1] != '\\') {
        lex_error(lx, (int)j + 1, "bad escape in string (only \\\" and \\\\)");
        break;
      }
      c = s[++j];
    }
    out[n++] = c;
  }
  free(out);
  return NULL;
}

static int push_tok(struct scn_lexer *lx, struct scn_tok t)
{
  if (lx->ntoks == lx->cap) {
    size_t ncap = lx->cap ? lx->cap * 2 : 8;
    struct scn_tok *nt = realloc(lx->toks, ncap * sizeof *nt);

    if (!nt) {
      free(t.key);
      free(t.val);
      lex_error(lx, t.col, "out of memory");
      return -1;
    }
    lx->toks = nt;
    lx->cap = ncap;
  }
  lx->toks[lx->ntoks++] = t;
  return 0;
}

int scn_lex_line(struct scn_lexer *lx, const char *s)
{
  size_t i = 0;

  for (;;) {
    struct scn_tok t = { 0 };
    size_t start;

    while (is_space(s[i]))
      i++;
    if (s[i] == '\0' || s[i] == '#')
      return 0;
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
      lex_error(lx, (int)i + 1, "invalid character 0x%02x", (unsigned char)s[i]);
      return -1;
    }
    t.col = (int)i + 1;
    if (s[i] == '"') {
      t.quoted = true;
      t.vcol = t.col;
      t.val = lex_quoted(lx, s, &i);
      if (!t.val)
        return -1;
      if (push_tok(lx, t))
        return -1;
      continue;
    }
    start = i;
    while (!ends_bare(s[i]) && s[i] != '=' && (unsigned char)s[i] >= 0x20)
      i++;
    if (s[i] != '=') {
      if (s[i] == '"') {
        lex_error(lx, (int)i + 1, "unexpected '\"' inside a word");
        return -1;
      }
      t.val = scn_strndup(s + start, i - start);
      t.vcol = t.col;
    } else {
      if (i == start) {
        lex_error(lx, t.col, "missing argument name before '='");
        return -1;
      }
      t.key = scn_strndup(s + start, i - start);
      t.vcol = (int)++i + 1;
      if (s[i] == '"') {
        t.quoted = true;
        t.val = lex_quoted(lx, s, &i);
        if (!t.val) {
          free(t.key);
          return -1;
        }
      } else {
        start = i;
        while (!ends_bare(s[i]) && (unsigned char)s[i] >= 0x20) {
          if (s[i] == '=') {
            free(t.key);
            lex_error(lx, (int)i + 1, "unexpected '=' in a value");
            return -1;
          }
          i++;
        }
        if (s[i] == '"') {
          free(t.key);
          lex_error(lx, (int)i + 1, "unexpected '\"' inside a word");
          return -1;
        }
        if (i == start) {
          lex_error(lx, t.col, "missing value for '%s'", t.key);
          free(t.key);
          return -1;
        }
        t.val = scn_strndup(s + start, i - start);
      }
    }
    if (push_tok(lx, t))
      return -1;
  }
}
