/* Scenario language definition shared by the parser and the matcher:
 * the statement table and the lexical classes of values. Internal to
 * harness/scenario*.c; users include scenario.h. */
#ifndef SMMHP_SCENARIO_TABLE_H
#define SMMHP_SCENARIO_TABLE_H

#include "scenario.h"

enum scn_vtype {
  SCN_VT_LITERAL,   /* fixed positional word, e.g. "in"; not stored */
  SCN_VT_INT,       /* decimal or 0x hex, checked against min..max */
  SCN_VT_SLOT,      /* integer 0..possible_cpus-1 of the machine */
  SCN_VT_ENUM,      /* one of choices "a|b|c"; stored as its index */
  SCN_VT_CPUS,      /* BOOT/POSSIBLE */
  SCN_VT_SYM,       /* C identifier (firmware symbol) */
  SCN_VT_KEY,       /* event key: letter or _, then letters, digits, _ - . */
  SCN_VT_LOC,       /* source location FILE:LINE, e.g. CpuHotplug.c:167 */
  SCN_VT_ADDR       /* guest code address: SYMBOL, SYMBOL+OFFSET or a number */
};

struct scn_arg_spec {
  const char *name;         /* NULL ends the list */
  enum scn_vtype type;
  bool positional;          /* a bare word in order, else name=value */
  bool required;
  uint64_t min, max;        /* SCN_VT_INT */
  const char *choices;      /* SCN_VT_ENUM: "on|off"; SCN_VT_LITERAL: the word */
  bool has_default;
  uint64_t dflt;
  const char *default_from; /* default copied from this other argument */
};

struct scn_stmt_spec {
  enum scenario_kind kind;
  const char *keyword;      /* one or two words: "boot", "os online" */
  const char *usage;        /* shown with missing/unexpected word errors */
  bool free_fields;         /* expect: any field=value becomes a matcher */
  struct scn_arg_spec args[SCENARIO_MAX_ARGS];
};

extern const struct scn_stmt_spec scn_stmt_table[];
extern const size_t scn_stmt_count;

/* Find the statement for the first word(s) of a line. *nwords is how many
 * words the keyword used (1 or 2). w2 may be NULL. */
const struct scn_stmt_spec *scn_stmt_lookup(const char *w1, const char *w2,
                                            int *nwords);
/* Does some two-word keyword start with w1 (e.g. "os")? Then fill `out`
 * with the second words, "|"-separated, for the error message. */
bool scn_stmt_group(const char *w1, char *out, size_t outsz);

/* 0: parsed; 1: not a number; 2: a number that does not fit 64 bits. */
int scn_parse_u64(const char *s, uint64_t *out);
bool scn_is_symbol(const char *s);
bool scn_is_key(const char *s);
/* Index of `word` in "a|b|c", or -1. */
int scn_choice_index(const char *choices, const char *word);

#endif
