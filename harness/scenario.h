/* Scenario files: parsed form and parser API.
 *
 * A scenario is line-based: a keyword, positional words, key=value
 * arguments. docs/scenario-language.md is the reference; the statement
 * table in scenario_table.c is the single place a statement is defined.
 * The parser never prints and never exits: every error comes back in a
 * struct scenario_error with its file, line and column.
 */
#ifndef SMMHP_SCENARIO_H
#define SMMHP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every statement kind. Machine, seed, budget and mutate configure the
 * run, the expect* kinds state what it must show, and every other kind
 * (today SCN_BOOT..SCN_OS_S3) is a step in struct scenario.steps. */
enum scenario_kind {
  SCN_MACHINE,
  SCN_SEED,
  SCN_BUDGET,
  SCN_MUTATE,
  SCN_MUTATE_SKIP,
  SCN_MUTATE_FORCE,
  SCN_BOOT,
  SCN_DEVICE_ADD,
  SCN_DEVICE_DEL,
  SCN_OS_CSCN,
  SCN_OS_ONLINE,
  SCN_OS_APM,
  SCN_OS_CEJ0,
  SCN_OS_OFFLINE,
  SCN_OS_POKE,
  SCN_OS_S3,
  SCN_INJECT,
  SCN_RESEED,
  SCN_EXPECT,
  SCN_EXPECT_NOT,
  SCN_EXPECT_VERDICT,
  SCN_KIND_COUNT
};

enum scenario_accel { SCN_ACCEL_KVM, SCN_ACCEL_TCG };

enum scenario_verdict {
  SCN_VERDICT_PASS,
  SCN_VERDICT_HANG,
  SCN_VERDICT_VIOLATION,
  SCN_VERDICT_REFUSED,
  SCN_VERDICT_UNSUPPORTED   /* the firmware stopped on a feature its build does not support */
};

#define SCENARIO_MAX_CPUS 4096      /* q35 since QEMU 9.0 (qemu=9.0) */
#define SCENARIO_MAX_CPUS_QEMU72 288 /* q35 in the reference QEMU 7.2 */
#define SCENARIO_EXT_TSEG_DEFAULT 0xFFFFu /* ext_tseg_mbytes not given: the machine type's */
#define SCENARIO_MAX_ARGS 12
#define SCENARIO_DEFAULT_SEED 1
#define SCENARIO_DEFAULT_BUDGET 200000000ull

struct scenario_machine {
  unsigned boot_cpus;      /* CPUs present at reset, >= 1 */
  unsigned possible_cpus;  /* hot-plug slots 0..possible_cpus-1 */
  bool smm;                /* firmware built with SMM_REQUIRE; default on */
  enum scenario_accel accel; /* platform quirk set; default kvm */
  bool sev;                /* default off */
  bool smi_forced;         /* smi_negotiation=forced (test knob); default guest */
  unsigned apic_stride;    /* APIC ID of slot i = i * apic_stride; default 1 */
  unsigned core_rules;     /* smm_core=: SMMHP_CORE_RULE_* bits (mailbox.h) */
  bool i386;               /* arch=i386: qemu-system-i386 (32-bit SMRAM map, no LM) */
  unsigned machine_type;   /* 0 pc-q35-7.2, 1 pc-q35-5.2, 2 pc-q35-5.1, 3 pc-q35-2.8 */
  unsigned qemu;           /* 0 7.2 (Debian 7.2.22), 1 7.2.0, 2 5.1, 3 unplug-v1 (docs/bugs.md), 4 9.0 */
  unsigned ext_tseg_mbytes; /* MCH extended TSEG, MiB; 0: none (TSEG 8 MiB) */
  int line;
};

/* One argument of a step, named as in the statement table. Defaults are
 * filled in, so `present` is true for every argument with a default;
 * `given` tells whether the file wrote it. */
struct scenario_arg {
  const char *name;        /* static, from the table */
  bool present;
  bool given;
  uint64_t num;            /* integer arguments */
  uint64_t last;           /* slot arguments: a range "A..B" ends at B, else last == num */
  char *str;               /* symbol/word arguments (owned), else NULL */
};

struct scenario_step {
  enum scenario_kind kind;
  const char *keyword;     /* static, e.g. "os online" */
  int line;
  size_t nargs;
  struct scenario_arg args[SCENARIO_MAX_ARGS];
};

enum scenario_mutation_kind {
  SCN_MUT_CALL,            /* calls to `callee` inside `function` become no-ops */
  SCN_MUT_SKIP,            /* instructions of source line file:lineno inside `function` become no-ops */
  SCN_MUT_FORCE,           /* conditional branches of that line become unconditional */
};

struct scenario_mutation {
  enum scenario_mutation_kind kind;
  char *callee;            /* SCN_MUT_CALL */
  char *file;              /* SCN_MUT_SKIP: source file base name, e.g. CpuHotplug.c */
  unsigned lineno;         /* SCN_MUT_SKIP */
  char *function;
  int line;                /* scenario line */
};

enum scenario_match_type {
  SCN_MATCH_ANY,           /* `*`: the field must be there, any value */
  SCN_MATCH_NUM,           /* integer compare; event value 0x10 == 16 */
  SCN_MATCH_WORD,          /* text ('*' wildcard); SYMBOL matches SYMBOL+OFFSET */
  SCN_MATCH_STR            /* quoted: text compare, '*' wildcard */
};

struct scenario_match {
  char *field;
  enum scenario_match_type type;
  uint64_t num;
  char *text;              /* WORD/STR text; NULL for ANY/NUM */
};

struct expectation {
  bool negate;             /* expect-not */
  char *key;
  size_t nmatch;
  struct scenario_match *match;
  int line;
};

struct scenario {
  char *name;              /* file name used in messages */
  struct scenario_machine machine;
  uint64_t seed;
  bool seed_given;         /* the CLI's --seed overrides either way */
  uint64_t budget;
  size_t nmutations;
  struct scenario_mutation *mutations;
  size_t nsteps;
  struct scenario_step *steps;
  size_t nexpect;
  struct expectation *expect;
  enum scenario_verdict verdict;  /* expected verdict; default pass */
  int verdict_line;               /* 0 when defaulted */
};

struct scenario_error {
  char file[256];
  int line;                /* 0: not tied to a line (e.g. cannot open) */
  int column;              /* 0: not tied to a column */
  char message[256];
  char text[640];          /* "FILE:LINE:COL: message", ready to print */
};

int scenario_check_machine(const struct scenario_machine *mc, char *msg, size_t len);
/* Command-line values for the machine statement: cpus "BOOT/POSSIBLE"
 * and qemu (a `qemu=` name) or NULL, ext_tseg_mbytes or -1. They replace
 * the file's before it is checked, so every statement is checked against
 * the machine that will run. */
struct scenario_overrides {
  const char *cpus;
  const char *qemu;
  int ext_tseg_mbytes;
};

/* Both return 0 on success, -1 on error (then *out is empty and err, if
 * not NULL, says why). scenario_free() is safe on either result. */
int scenario_parse_file(const char *path, struct scenario *out,
                        struct scenario_error *err);
int scenario_parse_file_over(const char *path, const struct scenario_overrides *ov, struct scenario *out,
                             struct scenario_error *err);
int scenario_parse_string_over(const char *name, const char *text, const struct scenario_overrides *ov,
                               struct scenario *out, struct scenario_error *err);
int scenario_parse_string(const char *name, const char *text,
                          struct scenario *out, struct scenario_error *err);
void scenario_free(struct scenario *s);

/* Does the event line "key field=value ..." satisfy the expectation?
 * (expect-not is the caller's business: this reports the raw match.) */
bool scenario_event_matches(const struct expectation *e, const char *event_line);

/* Step argument lookup by table name; NULL when the step has none. */
const struct scenario_arg *scenario_step_arg(const struct scenario_step *st,
                                             const char *name);
/* Integer argument or `dflt` when absent. */
uint64_t scenario_step_u64(const struct scenario_step *st, const char *name,
                           uint64_t dflt);

const char *scenario_kind_name(enum scenario_kind k);
const char *scenario_verdict_name(enum scenario_verdict v);

#endif
