/* The scenario statement table: every statement, its words and arguments
 * as data, so a new statement (s3, inject, ...) is a row plus an enum
 * value, not new parser code. docs/scenario-language.md mirrors it. */
#include "scenario_table.h"

#include <string.h>

#define APIC_MAX 0xFFFFFFFEull   /* x2APIC IDs; 0xFFFFFFFF is broadcast */
#define U32_MAX 0xFFFFFFFFull

/* Row helpers: a required positional, a literal word, a required named
 * argument, and an optional named one with its default. */
#define POS(n, t) { .name = n, .type = t, .positional = true, .required = true }
#define POS_INT(n, lo, hi) \
  { .name = n, .type = SCN_VT_INT, .positional = true, .required = true, \
    .min = lo, .max = hi }
#define LIT(w) { .name = w, .type = SCN_VT_LITERAL, .positional = true, \
                 .required = true, .choices = w }
#define REQ_INT(n, lo, hi) \
  { .name = n, .type = SCN_VT_INT, .required = true, .min = lo, .max = hi }
#define REQ(n, t) { .name = n, .type = t, .required = true }
#define OPT_ENUM(n, ch, d) \
  { .name = n, .type = SCN_VT_ENUM, .choices = ch, .has_default = true, .dflt = d }

const struct scn_stmt_spec scn_stmt_table[] = {
  { SCN_MACHINE, "machine",
    "machine cpus=BOOT/POSSIBLE [smm=on|off] [accel=kvm|tcg] [sev=on|off] "
    "[smi_negotiation=guest|forced] [machine_type=pc-q35-7.2|pc-q35-5.2|pc-q35-5.1|pc-q35-2.8] "
    "[qemu=7.2|7.2.0|5.1|unplug-v1|9.0] [apic_stride=1..8] [smm_core=current|pre-90e11edd16] "
    "[ovmf_sev=current|pre-61a044c6c1] [arch=x86_64|i386] [ext_tseg_mbytes=0..4095]", false,
    { REQ("cpus", SCN_VT_CPUS),
      OPT_ENUM("smm", "on|off", 0),
      OPT_ENUM("accel", "kvm|tcg", 0),
      OPT_ENUM("sev", "on|off", 1),
      OPT_ENUM("smi_negotiation", "guest|forced", 0),
      /* named platform settings of older QEMU (docs/bugs.md, B2/B5/B8) */
      OPT_ENUM("machine_type", "pc-q35-7.2|pc-q35-5.2|pc-q35-5.1|pc-q35-2.8", 0),
      OPT_ENUM("qemu", "7.2|7.2.0|5.1|unplug-v1|9.0", 0),
      /* APIC ID = slot * stride: sparse IDs, as a topology with gaps gives (B6) */
      { .name = "apic_stride", .type = SCN_VT_INT, .min = 1, .max = 8, .has_default = true, .dflt = 1 },
      /* which PiSmmCpuDxeSmm rules the platform SMM core follows (B1a) */
      OPT_ENUM("smm_core", "current|pre-90e11edd16", 0),
      /* OVMF's SEV handling of the initial save-state map (B9) */
      OPT_ENUM("ovmf_sev", "current|pre-61a044c6c1", 0),
      /* qemu-system-x86_64 or qemu-system-i386 (32-bit save-state map) */
      OPT_ENUM("arch", "x86_64|i386", 0),
      /* MCH extended TSEG in MiB (QEMU mch.extended-tseg-mbytes); 0: none.
       * Default: the machine type's (16, or 0 for pc-q35-2.8) */
      { .name = "ext_tseg_mbytes", .type = SCN_VT_INT, .min = 0, .max = 4095, .has_default = true,
        .dflt = SCENARIO_EXT_TSEG_DEFAULT } } },
  { SCN_SEED, "seed", "seed N", false,
    { POS_INT("value", 0, UINT64_MAX) } },
  { SCN_BUDGET, "budget", "budget N", false,
    { POS_INT("value", 1, UINT64_MAX) } },
  { SCN_MUTATE, "mutate call", "mutate call CALLEE in FUNCTION", false,
    { POS("callee", SCN_VT_SYM), LIT("in"), POS("function", SCN_VT_SYM) } },
  { SCN_MUTATE_SKIP, "mutate skip", "mutate skip FILE:LINE in FUNCTION", false,
    { POS("location", SCN_VT_LOC), LIT("in"), POS("function", SCN_VT_SYM) } },
  { SCN_MUTATE_FORCE, "mutate force", "mutate force FILE:LINE in FUNCTION", false,
    { POS("location", SCN_VT_LOC), LIT("in"), POS("function", SCN_VT_SYM) } },
  { SCN_BOOT, "boot", "boot", false, { { 0 } } },
  { SCN_DEVICE_ADD, "device_add", "device_add slot=N|A..B [apic=ID] [when=now|soon]", false,
    { REQ("slot", SCN_VT_SLOT),
      { .name = "apic", .type = SCN_VT_INT, .max = APIC_MAX,
        .default_from = "slot" },
      OPT_ENUM("when", "now|soon", 0) } },
  { SCN_DEVICE_DEL, "device_del", "device_del slot=N|A..B", false,
    { REQ("slot", SCN_VT_SLOT) } },
  { SCN_OS_CSCN, "os cscn", "os cscn", false, { { 0 } } },
  /* the OS actor sends INIT-SIPI-SIPI through the xAPIC ICR (IDs up to
   * 0xFE; it reports higher ones unreachable) or, when the firmware left
   * x2APIC mode on, the x2APIC ICR; its online[] map ends at 4095 */
  { SCN_OS_ONLINE, "os online", "os online apic=ID", false,
    { REQ_INT("apic", 0, 0xFFF) } },
  { SCN_OS_APM, "os apm", "os apm value=N", false,
    { REQ_INT("value", 0, 0xFF) } },
  { SCN_OS_CEJ0, "os cej0", "os cej0 slot=N|A..B", false,
    { REQ("slot", SCN_VT_SLOT) } },
  { SCN_OS_OFFLINE, "os offline", "os offline apic=ID", false,
    { REQ_INT("apic", 0, 0xFFF) } },
  { SCN_OS_POKE, "os poke", "os poke addr=A byte=B", false,
    { REQ_INT("addr", 0, U32_MAX), REQ_INT("byte", 0, 0xFF) } },
  { SCN_OS_S3, "os s3", "os s3", false, { { 0 } } },
  { SCN_INJECT, "inject",
    "inject device_add|device_del|smi|init|poke at=SYMBOL[+OFF] [slot=N] [target=APIC] [cpu=N] [hit=K] "
    "[addr=A byte=B]", false,
    { { .name = "action", .type = SCN_VT_ENUM, .positional = true, .required = true,
        .choices = "device_add|device_del|smi|init|poke" },
      REQ("at", SCN_VT_ADDR),
      { .name = "slot", .type = SCN_VT_INT, .max = 255, .has_default = true, .dflt = 0 },
      { .name = "target", .type = SCN_VT_INT, .max = APIC_MAX, .has_default = true, .dflt = 0 },
      { .name = "cpu", .type = SCN_VT_INT, .max = 0xFFFFFFFF, .has_default = true, .dflt = 0xFFFFFFFF },
      { .name = "hit", .type = SCN_VT_INT, .min = 1, .max = 1000000, .has_default = true, .dflt = 1 },
      /* poke: a store by another OS CPU (attacks, docs/attacks.md) */
      { .name = "addr", .type = SCN_VT_INT, .max = U32_MAX, .has_default = true, .dflt = 0 },
      { .name = "byte", .type = SCN_VT_INT, .max = 0xFF, .has_default = true, .dflt = 0 } } },
  /* the scheduler draws from seed N from here on (fuzz reproducers:
   * the boot stays that of `seed`, docs/fuzzing.md) */
  { SCN_RESEED, "reseed", "reseed N", false,
    { POS_INT("value", 0, UINT64_MAX) } },
  { SCN_EXPECT, "expect", "expect EVENTKEY [field=value ...]", true,
    { POS("key", SCN_VT_KEY) } },
  { SCN_EXPECT_NOT, "expect-not", "expect-not EVENTKEY [field=value ...]", true,
    { POS("key", SCN_VT_KEY) } },
  { SCN_EXPECT_VERDICT, "expect-verdict",
    "expect-verdict pass|hang|violation|refused|unsupported", false,
    { { .name = "verdict", .type = SCN_VT_ENUM, .positional = true,
        .required = true, .choices = "pass|hang|violation|refused|unsupported" } } },
};
const size_t scn_stmt_count = sizeof scn_stmt_table / sizeof scn_stmt_table[0];

_Static_assert(sizeof scn_stmt_table / sizeof scn_stmt_table[0] == SCN_KIND_COUNT,
               "one table row per enum scenario_kind");

/* Compare the first word of `kw` (up to a space or its end) with `w`. */
static bool word_eq(const char *kw, size_t kwlen, const char *w)
{
  return strlen(w) == kwlen && memcmp(kw, w, kwlen) == 0;
}

const struct scn_stmt_spec *scn_stmt_lookup(const char *w1, const char *w2,
                                            int *nwords)
{
  for (size_t i = 0; i < scn_stmt_count; i++) {
    const char *kw = scn_stmt_table[i].keyword;
    const char *sp = strchr(kw, ' ');

    if (!sp) {
      if (strcmp(kw, w1) == 0) {
        *nwords = 1;
        return &scn_stmt_table[i];
      }
    } else if (w2 && word_eq(kw, (size_t)(sp - kw), w1) && strcmp(sp + 1, w2) == 0) {
      *nwords = 2;
      return &scn_stmt_table[i];
    }
  }
  return NULL;
}

bool scn_stmt_group(const char *w1, char *out, size_t outsz)
{
  size_t used = 0;
  bool any = false;

  if (outsz)
    out[0] = '\0';
  for (size_t i = 0; i < scn_stmt_count; i++) {
    const char *kw = scn_stmt_table[i].keyword;
    const char *sp = strchr(kw, ' ');
    size_t n;

    if (!sp || !word_eq(kw, (size_t)(sp - kw), w1))
      continue;
    n = strlen(sp + 1);
    if (used + n + 2 < outsz) {
      if (any)
        out[used++] = '|';
      memcpy(out + used, sp + 1, n + 1);
      used += n;
    }
    any = true;
  }
  return any;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int scn_parse_u64(const char *s, uint64_t *out)
{
  unsigned base = 10;
  uint64_t v = 0;
  bool big = false;

  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  if (!*s)
    return 1;
  for (; *s; s++) {
    int d = hexval(*s);

    if (d < 0 || (unsigned)d >= base)
      return 1;
    if (v > (UINT64_MAX - (uint64_t)d) / base)
      big = true;  /* keep scanning: "99x" is still not a number */
    v = v * base + (uint64_t)d;
  }
  if (big)
    return 2;
  *out = v;
  return 0;
}

static bool is_alpha_(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

bool scn_is_symbol(const char *s)
{
  if (!is_alpha_(*s))
    return false;
  for (s++; *s; s++)
    if (!is_alpha_(*s) && !is_digit(*s))
      return false;
  return true;
}

bool scn_is_key(const char *s)
{
  if (!is_alpha_(*s))
    return false;
  for (s++; *s; s++)
    if (!is_alpha_(*s) && !is_digit(*s) && *s != '-' && *s != '.')
      return false;
  return true;
}

int scn_choice_index(const char *choices, const char *word)
{
  size_t wl = strlen(word);
  int idx = 0;

  for (const char *p = choices;; idx++) {
    const char *bar = strchr(p, '|');
    size_t n = bar ? (size_t)(bar - p) : strlen(p);

    if (n == wl && memcmp(p, word, n) == 0)
      return idx;
    if (!bar)
      return -1;
    p = bar + 1;
  }
}
