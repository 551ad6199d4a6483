/* Matching event lines ("key field=value ...", values bare or quoted)
 * against scenario expectations. Pure: no allocation, no state, so the
 * runner can call it for every event against every expectation. */
#include "scenario.h"
#include "scenario_table.h"

#include <string.h>

/* Event values longer than this never match (evsink lines are shorter). */
#define VALUE_MAX 512

struct cursor {
  const char *p;
};

static void skip_spaces(struct cursor *c)
{
  while (*c->p == ' ' || *c->p == '\t')
    c->p++;
}

/* Next "name=value" field. Words without '=' are skipped. The value is
 * unquoted into val; *fits is false when it did not fit. */
static bool next_field(struct cursor *c, const char **name, size_t *namelen,
                       char *val, bool *fits)
{
  for (;;) {
    const char *start;
    size_t n = 0;

    skip_spaces(c);
    if (!*c->p)
      return false;
    start = c->p;
    while (*c->p && *c->p != ' ' && *c->p != '\t' && *c->p != '=' && *c->p != '"')
      c->p++;
    *name = start;
    *namelen = (size_t)(c->p - start);
    *fits = true;
    if (*c->p != '=') {
      /* not a field: skip the rest of the word, quoted parts included */
      while (*c->p && *c->p != ' ' && *c->p != '\t') {
        if (*c->p == '"')
          for (c->p++; *c->p && *c->p != '"'; c->p++)
            if (*c->p == '\\' && c->p[1])
              c->p++;
        if (*c->p)
          c->p++;
      }
      continue;
    }
    c->p++;
    if (*c->p == '"') {
      for (c->p++; *c->p && *c->p != '"'; c->p++) {
        if (*c->p == '\\' && (c->p[1] == '"' || c->p[1] == '\\'))
          c->p++;
        if (n + 1 < VALUE_MAX)
          val[n++] = *c->p;
        else
          *fits = false;
      }
      if (*c->p == '"')
        c->p++;
    } else {
      for (; *c->p && *c->p != ' ' && *c->p != '\t'; c->p++) {
        if (n + 1 < VALUE_MAX)
          val[n++] = *c->p;
        else
          *fits = false;
      }
    }
    val[n] = '\0';
    return true;
  }
}

/* Shell-style match where only '*' is special (any run of characters). */
static bool glob_match(const char *pat, const char *s)
{
  const char *star = NULL, *resume = NULL;

  while (*s) {
    if (*pat == '*') {
      star = pat++;
      resume = s;
    } else if (*pat == *s) {
      pat++;
      s++;
    } else if (star) {
      pat = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*pat == '*')
    pat++;
  return *pat == '\0';
}

static bool value_matches(const struct scenario_match *m, const char *val)
{
  uint64_t n;
  size_t len;

  switch (m->type) {
  case SCN_MATCH_ANY:
    return true;
  case SCN_MATCH_NUM:
    return scn_parse_u64(val, &n) == 0 && n == m->num;
  case SCN_MATCH_WORD:
    if (glob_match(m->text, val))
      return true;
    /* SYMBOL also matches SYMBOL+OFFSET, as hang at= prints it */
    len = strlen(m->text);
    return !strpbrk(m->text, "+*") && strncmp(val, m->text, len) == 0 &&
           val[len] == '+';
  case SCN_MATCH_STR:
    return glob_match(m->text, val);
  }
  return false;
}

static bool field_matches(const struct scenario_match *m, const char *fields)
{
  struct cursor c = { fields };
  const char *name;
  size_t namelen;
  char val[VALUE_MAX];
  bool fits;

  while (next_field(&c, &name, &namelen, val, &fits))
    if (fits && namelen == strlen(m->field) &&
        memcmp(name, m->field, namelen) == 0 && value_matches(m, val))
      return true;
  return false;
}

bool scenario_event_matches(const struct expectation *e, const char *event_line)
{
  const char *p = event_line, *key;
  size_t keylen;

  if (!e || !event_line || !e->key)
    return false;
  while (*p == ' ' || *p == '\t')
    p++;
  key = p;
  while (*p && *p != ' ' && *p != '\t')
    p++;
  keylen = (size_t)(p - key);
  if (keylen != strlen(e->key) || memcmp(key, e->key, keylen) != 0)
    return false;
  for (size_t i = 0; i < e->nmatch; i++)
    if (!field_matches(&e->match[i], p))
      return false;
  return true;
}
