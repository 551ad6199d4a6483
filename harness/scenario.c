/* Scenario parser: lexes each line (scenario_lex.c), binds the words to
 * the statement table (scenario_table.c) and places each statement in
 * struct scenario.
 * Errors come back as FILE:LINE:COL: message; nothing here prints or
 * exits, so the CLI decides the exit status (2 for bad input). */
#include "scenario.h"
#include "scenario_lex.h"
#include "scenario_table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
  struct scenario *s;
  struct scenario_error *err;
  const struct scenario_overrides *ov; /* command-line machine settings, or NULL */
  const char *name;
  int line;
  struct scn_lexer lx;
  int machine_line, seed_line, budget_line;
};

static void set_error(struct parser *p, int col, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void fill_error(struct scenario_error *err, const char *file, int line,
                       int col, const char *fmt, va_list ap)
{
  if (!err)
    return;
  snprintf(err->file, sizeof err->file, "%s", file);
  err->line = line;
  err->column = col;
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  if (line > 0 && col > 0)
    snprintf(err->text, sizeof err->text, "%s:%d:%d: %s", err->file, line, col,
             err->message);
  else if (line > 0)
    snprintf(err->text, sizeof err->text, "%s:%d: %s", err->file, line,
             err->message);
  else
    snprintf(err->text, sizeof err->text, "%s: %s", err->file, err->message);
}

static void set_error(struct parser *p, int col, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  fill_error(p->err, p->name, p->line, col, fmt, ap);
  va_end(ap);
}

static char *dupz(const char *s)
{
  return scn_strndup(s, strlen(s));
}

/* Grow *arr (of `size`-byte items) so index *n is usable; -1 on OOM. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
  size_t ncap;
  void *na;

  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 8;
  na = realloc(*arr, ncap * size);
  if (!na)
    return -1;
  *arr = na;
  *cap = ncap;
  return 0;
}

/* ---- binding words to a statement's argument specs ------------------ */

static struct scenario_arg *arg_by_name(struct scenario_step *st, const char *name)
{
  for (size_t i = 0; i < st->nargs; i++)
    if (strcmp(st->args[i].name, name) == 0)
      return &st->args[i];
  return NULL;
}

/* Check and convert one value into its argument slot. */
/* Store a word argument's text (owned by the step). */
static int keep_word(struct parser *p, const struct scn_tok *t, struct scenario_arg *a, const char *v)
{
  a->str = dupz(v);
  if (!a->str) {
    set_error(p, t->vcol, "out of memory");
    return -1;
  }
  return 0;
}

/* SYMBOL, SYMBOL+OFFSET or a number (resolved later, against the images). */
static bool valid_code_address(const char *v)
{
  char sym[128];
  const char *plus = strchr(v, '+');
  size_t len = plus ? (size_t)(plus - v) : strlen(v);
  uint64_t n;

  if (scn_parse_u64(v, &n) == 0)
    return true;
  if (len == 0 || len >= sizeof sym || (plus && scn_parse_u64(plus + 1, &n) != 0))
    return false;
  memcpy(sym, v, len);
  sym[len] = '\0';
  return scn_is_symbol(sym);
}

/* "A<sep>B" with two numbers (BOOT/POSSIBLE, slot ranges A..B). */
static bool parse_pair(const char *v, const char *sep, uint64_t *a, uint64_t *b)
{
  const char *at = strstr(v, sep);
  char *first = at ? scn_strndup(v, (size_t)(at - v)) : NULL;
  bool ok = first && scn_parse_u64(first, a) == 0 && scn_parse_u64(at + strlen(sep), b) == 0;

  free(first);
  return ok;
}

static int convert(struct parser *p, const struct scn_arg_spec *as, const struct scn_tok *t,
                   struct scenario_arg *a, uint64_t *num2)
{
  const char *v = t->val;
  int rc;

  if (t->quoted) {
    set_error(p, t->vcol, "'%s' takes no quoted string", as->name);
    return -1;
  }
  switch (as->type) {
  case SCN_VT_LITERAL:
    return 0;
  case SCN_VT_INT:
  case SCN_VT_SLOT: {
    uint64_t max = as->max;
    const char *dots = as->type == SCN_VT_SLOT ? strstr(v, "..") : NULL;

    if (dots) {
      /* slot=A..B: every slot from A to B, in order */
      uint64_t a0 = 0, b0 = 0;
      if (!parse_pair(v, "..", &a0, &b0) || a0 > b0) {
        set_error(p, t->vcol, "bad slot range '%s' for '%s' (want A..B, A <= B)", v, as->name);
        return -1;
      }
      if (b0 > p->s->machine.possible_cpus - 1) {
        set_error(p, t->vcol, "%s %llu out of range 0..%u (machine has %u possible CPUs)", as->name,
                  (unsigned long long)b0, p->s->machine.possible_cpus - 1, p->s->machine.possible_cpus);
        return -1;
      }
      a->num = a0;
      a->last = b0;
      return 0;
    }
    rc = scn_parse_u64(v, &a->num);
    a->last = a->num;
    if (rc == 1) {
      set_error(p, t->vcol, "bad number '%s' for '%s'", v, as->name);
      return -1;
    }
    if (rc == 2) {
      set_error(p, t->vcol, "number '%s' too large for '%s'", v, as->name);
      return -1;
    }
    if (as->type == SCN_VT_SLOT) {
      max = p->s->machine.possible_cpus - 1;
      if (a->num > max) {
        set_error(p, t->vcol,
                  "%s %llu out of range 0..%llu (machine has %u possible CPUs)",
                  as->name, (unsigned long long)a->num, (unsigned long long)max,
                  p->s->machine.possible_cpus);
        return -1;
      }
    } else if (a->num < as->min || a->num > max) {
      set_error(p, t->vcol, "%s %llu out of range %llu..%llu", as->name,
                (unsigned long long)a->num, (unsigned long long)as->min,
                (unsigned long long)max);
      return -1;
    }
    return 0;
  }
  case SCN_VT_ENUM:
    rc = scn_choice_index(as->choices, v);
    if (rc < 0) {
      set_error(p, t->vcol, "bad value '%s' for '%s' (expected %s)", v, as->name,
                as->choices);
      return -1;
    }
    a->num = (uint64_t)rc;
    return 0;
  case SCN_VT_CPUS: {
    uint64_t b = 0, n = 0;

    if (!parse_pair(v, "/", &b, &n)) {
      set_error(p, t->vcol, "bad %s '%s' (expected BOOT/POSSIBLE, e.g. 1/4)",
                as->name, v);
      return -1;
    }
    /* the per-QEMU limit (288 or 4096) is checked with the whole
     * machine statement, in scenario_check_machine */
    if (n < 1 || n > SCENARIO_MAX_CPUS) {
      set_error(p, t->vcol, "possible CPUs %llu out of range 1..%d (q35's limit since QEMU 9.0)",
                (unsigned long long)n, SCENARIO_MAX_CPUS);
      return -1;
    }
    if (b < 1 || b > n) {
      set_error(p, t->vcol, "boot CPUs %llu out of range 1..%llu (the possible CPUs)",
                (unsigned long long)b, (unsigned long long)n);
      return -1;
    }
    a->num = b;
    *num2 = n;
    return 0;
  }
  case SCN_VT_LOC: {
    const char *colon = strrchr(v, ':');
    uint64_t ln;
    if (!colon || colon == v || scn_parse_u64(colon + 1, &ln) || ln == 0 || ln > 0xFFFFFF) {
      set_error(p, t->vcol, "bad source location '%s' for '%s' (want FILE:LINE)", v, as->name);
      return -1;
    }
    a->num = ln;
    a->str = dupz(v);
    if (!a->str) {
      set_error(p, t->vcol, "out of memory");
      return -1;
    }
    a->str[colon - v] = '\0';
    return 0;
  }
  case SCN_VT_ADDR:
    if (!valid_code_address(v)) {
      set_error(p, t->vcol, "bad code address '%s' for '%s' (want SYMBOL, SYMBOL+OFFSET or a number)", v, as->name);
      return -1;
    }
    return keep_word(p, t, a, v);
  case SCN_VT_SYM:
  case SCN_VT_KEY:
    if (as->type == SCN_VT_SYM ? !scn_is_symbol(v) : !scn_is_key(v)) {
      set_error(p, t->vcol, "bad %s '%s' for '%s'",
                as->type == SCN_VT_SYM ? "symbol name" : "event key", v, as->name);
      return -1;
    }
    return keep_word(p, t, a, v);
  }
  return -1;
}

static void free_step_args(struct scenario_step *st)
{
  for (size_t i = 0; i < st->nargs; i++)
    free(st->args[i].str);
  st->nargs = 0;
}

static void free_expectation(struct expectation *e)
{
  for (size_t i = 0; i < e->nmatch; i++) {
    free(e->match[i].field);
    free(e->match[i].text);
  }
  free(e->match);
  free(e->key);
}

/* expect/expect-not field=value: a matcher, never checked against a spec. */
static int add_matcher(struct parser *p, struct expectation *e, size_t *cap,
                       const struct scn_tok *t)
{
  struct scenario_match m = { 0 };
  int rc;

  if (!scn_is_key(t->key)) {
    set_error(p, t->col, "bad field name '%s'", t->key);
    return -1;
  }
  for (size_t i = 0; i < e->nmatch; i++)
    if (strcmp(e->match[i].field, t->key) == 0) {
      set_error(p, t->col, "duplicate field '%s'", t->key);
      return -1;
    }
  if (t->quoted) {
    m.type = SCN_MATCH_STR;
  } else if (strcmp(t->val, "*") == 0) {
    m.type = SCN_MATCH_ANY;
  } else if ((rc = scn_parse_u64(t->val, &m.num)) != 1) {
    if (rc == 2) {
      set_error(p, t->vcol, "number '%s' too large for '%s'", t->val, t->key);
      return -1;
    }
    m.type = SCN_MATCH_NUM;
  } else {
    m.type = SCN_MATCH_WORD;
  }
  if (grow((void **)&e->match, cap, e->nmatch, sizeof *e->match)) {
    set_error(p, t->col, "out of memory");
    return -1;
  }
  m.field = dupz(t->key);
  if (m.type == SCN_MATCH_STR || m.type == SCN_MATCH_WORD)
    m.text = dupz(t->val);
  e->match[e->nmatch++] = m;
  if (!m.field || ((m.type == SCN_MATCH_STR || m.type == SCN_MATCH_WORD) && !m.text)) {
    set_error(p, t->col, "out of memory");
    return -1;
  }
  return 0;
}

/* Bind the words after the keyword to the spec: positional words in
 * order, then name=value arguments (or matchers for expect). */
static int bind(struct parser *p, const struct scn_stmt_spec *sp, size_t first,
                struct scenario_step *st, uint64_t *num2, struct expectation *e)
{
  const struct scn_arg_spec *pos[SCENARIO_MAX_ARGS];
  size_t npos = 0, ipos = 0, mcap = 0;
  bool seen_named = false;

  st->kind = sp->kind;
  st->keyword = sp->keyword;
  st->line = p->line;
  for (const struct scn_arg_spec *as = sp->args;
       as < sp->args + SCENARIO_MAX_ARGS && as->name; as++) {
    if (as->positional)
      pos[npos++] = as;
    if (as->type != SCN_VT_LITERAL)
      st->args[st->nargs++] = (struct scenario_arg){ .name = as->name };
  }

  for (size_t i = first; i < p->lx.ntoks; i++) {
    const struct scn_tok *t = &p->lx.toks[i];
    const struct scn_arg_spec *as = NULL;
    struct scenario_arg *a;

    if (!t->key) {
      if (seen_named) {
        set_error(p, t->col, "word '%s' after name=value arguments", t->val);
        return -1;
      }
      if (ipos == npos) {
        set_error(p, t->col, "unexpected word '%s' (usage: %s)", t->val, sp->usage);
        return -1;
      }
      as = pos[ipos++];
      if (as->type == SCN_VT_LITERAL) {
        if (t->quoted || strcmp(t->val, as->choices) != 0) {
          set_error(p, t->col, "expected '%s', got '%s' (usage: %s)", as->choices,
                    t->val, sp->usage);
          return -1;
        }
        continue;
      }
      a = arg_by_name(st, as->name);
    } else {
      seen_named = true;
      if (sp->free_fields) {
        if (add_matcher(p, e, &mcap, t))
          return -1;
        continue;
      }
      for (const struct scn_arg_spec *s2 = sp->args;
           s2 < sp->args + SCENARIO_MAX_ARGS && s2->name; s2++)
        if (!s2->positional && strcmp(s2->name, t->key) == 0)
          as = s2;
      if (!as) {
        set_error(p, t->col, "unknown argument '%s' for '%s'", t->key, sp->keyword);
        return -1;
      }
      a = arg_by_name(st, as->name);
      if (a->given) {
        set_error(p, t->col, "duplicate argument '%s'", t->key);
        return -1;
      }
    }
    if (convert(p, as, t, a, num2))
      return -1;
    a->given = a->present = true;
  }

  /* Required words and arguments; then defaults, constants first so a
   * default_from can copy them. */
  for (size_t i = 0; i < st->nargs; i++) {
    const struct scn_arg_spec *as = NULL;

    for (const struct scn_arg_spec *s2 = sp->args;
         s2 < sp->args + SCENARIO_MAX_ARGS && s2->name; s2++)
      if (s2->type != SCN_VT_LITERAL && strcmp(s2->name, st->args[i].name) == 0)
        as = s2;
    if (st->args[i].present)
      continue;
    if (as->required) {
      if (as->positional)
        set_error(p, 0, "missing %s for '%s' (usage: %s)", as->name, sp->keyword,
                  sp->usage);
      else
        set_error(p, 0, "missing argument '%s' for '%s'", as->name, sp->keyword);
      return -1;
    }
    if (as->has_default) {
      st->args[i].num = as->dflt;
      st->args[i].present = true;
    }
  }
  for (const struct scn_arg_spec *as = sp->args;
       as < sp->args + SCENARIO_MAX_ARGS && as->name; as++) {
    struct scenario_arg *a = as->default_from ? arg_by_name(st, as->name) : NULL;
    const struct scenario_arg *from = a ? arg_by_name(st, as->default_from) : NULL;

    if (a && !a->present && from && from->present) {
      a->num = from->num;
      a->present = true;
    }
  }
  return 0;
}

/* ---- placing a bound statement into struct scenario ----------------- */

/* --cpus, --qemu and --ext-tseg-mbytes replace the machine statement's
 * values before it is checked, so every later statement (slot ranges
 * included) is checked against the machine that will run. */
static int apply_overrides(const struct scenario_overrides *ov, struct scenario_machine *mc, char *msg,
                           size_t len)
{
  if (ov->cpus) {
    uint64_t b = 0, n = 0;
    if (!parse_pair(ov->cpus, "/", &b, &n) || b > UINT32_MAX || n > UINT32_MAX) {
      snprintf(msg, len, "--cpus: bad value '%s' (expected BOOT/POSSIBLE, e.g. 1/288)", ov->cpus);
      return -1;
    }
    mc->boot_cpus = (unsigned)b;
    mc->possible_cpus = (unsigned)n;
  }
  if (ov->qemu) {
    int nw;
    const struct scn_stmt_spec *sp = scn_stmt_lookup("machine", NULL, &nw);
    const char *choices = NULL;
    for (const struct scn_arg_spec *as = sp->args; as < sp->args + SCENARIO_MAX_ARGS && as->name; as++)
      if (!strcmp(as->name, "qemu"))
        choices = as->choices;
    int k = choices ? scn_choice_index(choices, ov->qemu) : -1;
    if (k < 0) {
      snprintf(msg, len, "--qemu: unknown QEMU '%s' (expected %s)", ov->qemu, choices ? choices : "?");
      return -1;
    }
    mc->qemu = (unsigned)k;
  }
  if (ov->ext_tseg_mbytes >= 0)
    mc->ext_tseg_mbytes = (unsigned)ov->ext_tseg_mbytes;
  return 0;
}


/* What QEMU and the modelled firmware accept as a machine, checked again
 * after command-line overrides (--cpus, --qemu): 0, or -1 with msg. */
int scenario_check_machine(const struct scenario_machine *mc, char *msg, size_t len)
{
  unsigned limit = mc->qemu == 4 ? SCENARIO_MAX_CPUS : SCENARIO_MAX_CPUS_QEMU72;

  if (mc->possible_cpus < 1 || mc->possible_cpus > limit) {
    snprintf(msg, len, "possible CPUs %u out of range 1..%u (%s)", mc->possible_cpus, limit,
             mc->qemu == 4 ? "q35's limit since QEMU 9.0"
                           : "QEMU 7.2's q35 refuses more than 288; qemu=9.0 takes up to 4096");
    return -1;
  }
  if (mc->boot_cpus < 1 || mc->boot_cpus > mc->possible_cpus) {
    snprintf(msg, len, "boot CPUs %u out of range 1..%u (the possible CPUs)", mc->boot_cpus, mc->possible_cpus);
    return -1;
  }
  /* Boot CPUs with APIC IDs >= 0xFF would make MpInitLib switch every
   * CPU to x2APIC (CollectProcessorCount, AutoEnableX2Apic); the boot
   * code models PlatformInitLib's switch by possible count, not that
   * one, so such topologies are refused. Hot-pluggable slots may have
   * any ID (docs/platform-model.md, "APIC mode"). */
  if ((uint64_t)(mc->boot_cpus - 1) * mc->apic_stride >= 0xFF) {
    snprintf(msg, len,
             "boot CPUs with APIC IDs up to %llu: edk2's MpInitLib would switch them to x2APIC, "
             "which the platform SMM core does not model (keep (boot-1)*apic_stride < 255)",
             (unsigned long long)(mc->boot_cpus - 1) * mc->apic_stride);
    return -1;
  }
  return 0;
}

static int dup_once(struct parser *p, int *seen_line, const char *kw)
{
  if (*seen_line) {
    set_error(p, 1, "duplicate '%s' (first at line %d)", kw, *seen_line);
    return -1;
  }
  *seen_line = p->line;
  return 0;
}

static int place(struct parser *p, struct scenario_step *st, uint64_t num2,
                 struct expectation *e)
{
  struct scenario *s = p->s;

  switch (st->kind) {
  case SCN_MACHINE:
    s->machine.boot_cpus = (unsigned)scenario_step_u64(st, "cpus", 0);
    s->machine.possible_cpus = (unsigned)num2;
    s->machine.smm = scenario_step_u64(st, "smm", 0) == 0;
    s->machine.accel = (enum scenario_accel)scenario_step_u64(st, "accel", 0);
    s->machine.sev = scenario_step_u64(st, "sev", 1) == 0;
    s->machine.smi_forced = scenario_step_u64(st, "smi_negotiation", 0) == 1;
    s->machine.machine_type = (unsigned)scenario_step_u64(st, "machine_type", 0);
    s->machine.qemu = (unsigned)scenario_step_u64(st, "qemu", 0);
    s->machine.apic_stride = (unsigned)scenario_step_u64(st, "apic_stride", 1);
    s->machine.core_rules = (scenario_step_u64(st, "smm_core", 0) == 1 ? 1u : 0u) |
                            (scenario_step_u64(st, "ovmf_sev", 0) == 1 ? 2u : 0u);
    s->machine.i386 = scenario_step_u64(st, "arch", 0) == 1;
    s->machine.ext_tseg_mbytes = (unsigned)scenario_step_u64(st, "ext_tseg_mbytes", SCENARIO_EXT_TSEG_DEFAULT);
    if (s->machine.ext_tseg_mbytes == SCENARIO_EXT_TSEG_DEFAULT)
      /* QEMU's pc_compat_2_9 sets mch.extended-tseg-mbytes=0 */
      s->machine.ext_tseg_mbytes = s->machine.machine_type == 3 ? 0 : 16;
    s->machine.line = p->line;
    char msg[256];
    if (p->ov && apply_overrides(p->ov, &s->machine, msg, sizeof msg)) {
      set_error(p, 0, "%s", msg);
      return -1;
    }
    if (scenario_check_machine(&s->machine, msg, sizeof msg)) {
      set_error(p, 0, "%s%s", p->ov && (p->ov->cpus || p->ov->qemu) ? "with the command line's machine: " : "", msg);
      return -1;
    }
    return 0;
  case SCN_SEED:
    if (dup_once(p, &p->seed_line, "seed"))
      return -1;
    s->seed = scenario_step_u64(st, "value", 0);
    s->seed_given = true;
    return 0;
  case SCN_BUDGET:
    if (dup_once(p, &p->budget_line, "budget"))
      return -1;
    s->budget = scenario_step_u64(st, "value", 0);
    return 0;
  case SCN_MUTATE:
  case SCN_MUTATE_SKIP:
  case SCN_MUTATE_FORCE: {
    struct scenario_mutation *nm;
    bool skip = st->kind != SCN_MUTATE;

    if (s->nsteps) {
      set_error(p, 1, "'mutate' after the first step (line %d): mutations apply "
                "when the firmware is loaded", s->steps[0].line);
      return -1;
    }
    nm = realloc(s->mutations, (s->nmutations + 1) * sizeof *nm);
    if (!nm) {
      set_error(p, 1, "out of memory");
      return -1;
    }
    s->mutations = nm;
    nm[s->nmutations++] = (struct scenario_mutation){
      .kind = st->kind == SCN_MUTATE_FORCE ? SCN_MUT_FORCE : skip ? SCN_MUT_SKIP : SCN_MUT_CALL,
      .callee = skip ? NULL : arg_by_name(st, "callee")->str,
      .file = skip ? arg_by_name(st, "location")->str : NULL,
      .lineno = skip ? (unsigned)arg_by_name(st, "location")->num : 0,
      .function = arg_by_name(st, "function")->str,
      .line = p->line,
    };
    arg_by_name(st, skip ? "location" : "callee")->str = NULL;
    arg_by_name(st, "function")->str = NULL;
    return 0;
  }
  case SCN_EXPECT:
  case SCN_EXPECT_NOT: {
    struct expectation *ne = realloc(s->expect, (s->nexpect + 1) * sizeof *ne);

    if (!ne) {
      set_error(p, 1, "out of memory");
      return -1;
    }
    s->expect = ne;
    e->negate = st->kind == SCN_EXPECT_NOT;
    e->key = arg_by_name(st, "key")->str;
    arg_by_name(st, "key")->str = NULL;
    e->line = p->line;
    ne[s->nexpect++] = *e;
    *e = (struct expectation){ 0 };
    return 0;
  }
  case SCN_EXPECT_VERDICT:
    if (dup_once(p, &s->verdict_line, "expect-verdict"))
      return -1;
    s->verdict = (enum scenario_verdict)scenario_step_u64(st, "verdict", 0);
    return 0;
  default: {
    struct scenario_step *ns;
    const struct scenario_arg *slots = arg_by_name(st, "slot");

    if (st->kind == SCN_DEVICE_ADD && slots && slots->last > slots->num &&
        (arg_by_name(st, "apic")->given || arg_by_name(st, "when")->given)) {
      set_error(p, 1, "'device_add slot=A..B' takes no apic= or when= (give each slot its own line)");
      return -1;
    }
    ns = realloc(s->steps, (s->nsteps + 1) * sizeof *ns);

    if (!ns) {
      set_error(p, 1, "out of memory");
      return -1;
    }
    s->steps = ns;
    ns[s->nsteps++] = *st;
    st->nargs = 0;  /* ownership of the strings moved */
    return 0;
  }
  }
}

/* Parse the words of one line (already lexed). */
static int parse_statement(struct parser *p)
{
  const struct scn_tok *t0 = &p->lx.toks[0];
  const struct scn_stmt_spec *sp;
  struct scenario_step st = { 0 };
  struct expectation e = { 0 };
  uint64_t num2 = 0;
  int nwords = 1, rc;
  char group[128];

  if (t0->key || t0->quoted) {
    set_error(p, t0->col, "a statement starts with a keyword, not '%s%s%s'",
              t0->key ? t0->key : "", t0->key ? "=" : "", t0->val);
    return -1;
  }
  sp = scn_stmt_lookup(t0->val,
                       p->lx.ntoks > 1 && !p->lx.toks[1].key && !p->lx.toks[1].quoted
                         ? p->lx.toks[1].val : NULL,
                       &nwords);
  if (!sp) {
    if (scn_stmt_group(t0->val, group, sizeof group)) {
      if (p->lx.ntoks > 1 && !p->lx.toks[1].key)
        set_error(p, p->lx.toks[1].col, "unknown '%s' action '%s' (expected %s)",
                  t0->val, p->lx.toks[1].val, group);
      else
        set_error(p, t0->col, "'%s' needs an action (%s)", t0->val, group);
    } else {
      set_error(p, t0->col, "unknown statement '%s'", t0->val);
    }
    return -1;
  }
  if (sp->kind == SCN_MACHINE) {
    if (p->machine_line) {
      set_error(p, t0->col, "duplicate 'machine' (first at line %d)", p->machine_line);
      return -1;
    }
  } else if (!p->machine_line) {
    set_error(p, t0->col, "'%s' before 'machine' (machine must come first)",
              sp->keyword);
    return -1;
  }
  rc = bind(p, sp, (size_t)nwords, &st, &num2, &e);
  if (rc == 0)
    rc = place(p, &st, num2, &e);
  if (rc == 0 && sp->kind == SCN_MACHINE)
    p->machine_line = p->line;
  free_step_args(&st);
  free_expectation(&e);
  return rc;
}

void scenario_free(struct scenario *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->nsteps; i++)
    free_step_args(&s->steps[i]);
  free(s->steps);
  for (size_t i = 0; i < s->nmutations; i++) {
    free(s->mutations[i].callee);
    free(s->mutations[i].file);
    free(s->mutations[i].function);
  }
  free(s->mutations);
  for (size_t i = 0; i < s->nexpect; i++)
    free_expectation(&s->expect[i]);
  free(s->expect);
  free(s->name);
  memset(s, 0, sizeof *s);
}

int scenario_parse_string(const char *name, const char *text,
                          struct scenario *out, struct scenario_error *err)
{
  return scenario_parse_string_over(name, text, NULL, out, err);
}

int scenario_parse_string_over(const char *name, const char *text, const struct scenario_overrides *ov,
                               struct scenario *out, struct scenario_error *err)
{
  struct parser p = { .s = out, .err = err, .ov = ov };
  int rc = 0;

  if (!name)
    name = "<string>";
  if (!text)
    text = "";
  p.name = name;

  memset(out, 0, sizeof *out);
  if (err)
    memset(err, 0, sizeof *err);
  out->seed = SCENARIO_DEFAULT_SEED;
  out->budget = SCENARIO_DEFAULT_BUDGET;
  out->verdict = SCN_VERDICT_PASS;
  out->name = dupz(name);
  if (!out->name) {
    set_error(&p, 0, "out of memory");
    return -1;
  }

  for (const char *ln = text; rc == 0 && *ln;) {
    const char *nl = strchr(ln, '\n');
    size_t len = nl ? (size_t)(nl - ln) : strlen(ln);
    const char *next = nl ? nl + 1 : ln + len;
    char *buf;

    p.line++;
    if (len && ln[len - 1] == '\r')  /* tolerate CRLF files */
      len--;
    buf = scn_strndup(ln, len);
    if (!buf) {
      set_error(&p, 0, "out of memory");
      rc = -1;
      break;
    }
    rc = scn_lex_line(&p.lx, buf);
    if (rc)
      set_error(&p, p.lx.err_col, "%s", p.lx.err);
    else if (p.lx.ntoks)
      rc = parse_statement(&p);
    scn_lex_clear(&p.lx);
    free(buf);
    ln = next;
  }
  scn_lex_free(&p.lx);
  if (rc == 0 && !p.machine_line) {
    p.line = 0;
    set_error(&p, 0, "no 'machine' statement");
    rc = -1;
  }
  if (rc)
    scenario_free(out);
  return rc;
}

/* Whole file as a NUL-terminated string; NULL with errno on failure. */
static char *read_text(FILE *f, size_t *lenp)
{
  size_t len = 0, cap = 4096;
  char *text = malloc(cap);

  while (text) {
    size_t n = fread(text + len, 1, cap - len - 1, f);

    len += n;
    if (n == 0) {
      if (ferror(f)) {
        free(text);
        return NULL;  /* errno from the failed read, e.g. EISDIR */
      }
      text[len] = '\0';
      *lenp = len;
      return text;
    }
    if (cap - len - 1 == 0) {
      char *nt = realloc(text, cap * 2);

      if (!nt)
        free(text);
      text = nt;
      cap *= 2;
    }
  }
  errno = ENOMEM;
  return NULL;
}

int scenario_parse_file(const char *path, struct scenario *out,
                        struct scenario_error *err)
{
  return scenario_parse_file_over(path, NULL, out, err);
}

int scenario_parse_file_over(const char *path, const struct scenario_overrides *ov, struct scenario *out,
                             struct scenario_error *err)
{
  struct parser p = { .err = err, .name = path };
  FILE *f = fopen(path, "rb");
  char *text;
  size_t len = 0;
  int rc;

  memset(out, 0, sizeof *out);
  if (err)
    memset(err, 0, sizeof *err);
  if (!f) {
    set_error(&p, 0, "cannot open: %s", strerror(errno));
    return -1;
  }
  text = read_text(f, &len);
  if (!text)
    set_error(&p, 0, "cannot read: %s", strerror(errno));
  fclose(f);
  if (!text)
    return -1;
  if (memchr(text, '\0', len)) {
    free(text);
    set_error(&p, 0, "not a text file (contains a NUL byte)");
    return -1;
  }
  rc = scenario_parse_string_over(path, text, ov, out, err);
  free(text);
  return rc;
}

const struct scenario_arg *scenario_step_arg(const struct scenario_step *st,
                                             const char *name)
{
  for (size_t i = 0; i < st->nargs; i++)
    if (strcmp(st->args[i].name, name) == 0 && st->args[i].present)
      return &st->args[i];
  return NULL;
}

uint64_t scenario_step_u64(const struct scenario_step *st, const char *name,
                           uint64_t dflt)
{
  const struct scenario_arg *a = scenario_step_arg(st, name);

  return a ? a->num : dflt;
}

const char *scenario_kind_name(enum scenario_kind k)
{
  for (size_t i = 0; i < scn_stmt_count; i++)
    if (scn_stmt_table[i].kind == k)
      return scn_stmt_table[i].keyword;
  return "?";
}

const char *scenario_verdict_name(enum scenario_verdict v)
{
  static const char *const names[] = { "pass", "hang", "violation", "refused", "unsupported" };

  return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}
