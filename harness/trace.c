/* Trace groups, the group filter and the insn hook (docs/tracing.md). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "insn_scan.h"
#include "run_internal.h"

static const struct { const char *name; unsigned bit; } groups[] = {
  { "cpuhp", TRACE_CPUHP }, { "apm", TRACE_APM }, { "smm", TRACE_SMM },
  { "ipi", TRACE_IPI },     { "fwcfg", TRACE_FWCFG }, { "insn", TRACE_INSN },
};

int trace_parse_groups(const char *list, unsigned *out, char *err, size_t errlen)
{
  *out = 0;
  for (const char *p = list;; p++) {
    size_t n = strcspn(p, ",");
    bool found = false;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
      if (strlen(groups[i].name) == n && !strncmp(p, groups[i].name, n)) {
        *out |= groups[i].bit;
        found = true;
      }
    }
    if (!found) {
      snprintf(err, errlen, "unknown trace group '%.*s' (groups: cpuhp, apm, smm, ipi, fwcfg, insn)",
               (int)n, p);
      return -1;
    }
    p += n;
    if (!*p)
      return 0;
  }
}

int trace_parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
  char *end;
  errno = 0;
  unsigned long long a = strtoull(s, &end, 0);
  if (errno || end == s || *end != '-')
    return -1;
  const char *b_str = end + 1;
  unsigned long long b = strtoull(b_str, &end, 0);
  if (errno || end == b_str || *end || b <= a)
    return -1;
  *lo = a;
  *hi = b - 1;
  return 0;
}

struct trace_config trace_config_none(void)
{
  return (struct trace_config){ .cpu = -1, .lo = 0, .hi = UINT64_MAX };
}

const struct evsink *trace_sink(struct machine *m, unsigned g)
{
  return trace_on(m, g) ? &m->trace : NULL;
}

void trace_emit(struct machine *m, unsigned g, const char *fmt, ...)
{
  va_list ap;

  if (!trace_on(m, g))
    return;
  va_start(ap, fmt);
  ev_vemit(&m->trace, fmt, ap);
  va_end(ap);
}

/* ---- insn: a code hook on every instruction in the range ----------------- */

/* machine_symbolize searches symbols by name: cache its answer per
 * address and generation of the address's page (bumped on code writes). */
#define SYM_CACHE 16384
struct sym_entry { uint64_t addr; uint32_t gen; bool valid; char text[100]; };

struct trace_insn {
  struct machine *m;
  uint64_t block_seq, mode_seq; /* the mode is read once per block */
  int bits;
  struct sym_entry sym[SYM_CACHE];
};

static const char *symbol(struct trace_insn *t, uint64_t addr)
{
  struct machine *m = t->m;
  struct sym_entry *e = &t->sym[(addr * 0x9E3779B97F4A7C15ull) >> 50];
  uint32_t gen = addr < m->ram_size ? m->page_gen[addr >> 12] : 0;
  if (!e->valid || e->addr != addr || e->gen != gen) {
    *e = (struct sym_entry){ .addr = addr, .gen = gen, .valid = true, .text = { 0 } };
    machine_symbolize(m, addr, e->text, sizeof e->text);
  }
  return e->text;
}

static void insn_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct trace_insn *t = opaque;
  (void)uc; (void)addr; (void)size;
  t->block_seq++;
}

static void insn_code(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct trace_insn *t = opaque;
  struct machine *m = t->m;
  char text[96];

  (void)size;
  if (!m->cur || (m->cfg.trace.cpu >= 0 && m->cur->slot != m->cfg.trace.cpu))
    return; /* harness trampoline, or another vCPU */
  if (t->mode_seq != t->block_seq) {
    t->bits = vcpu_mode(m, m->cur, uc).bits;
    t->mode_seq = t->block_seq;
  }
  if (addr >= m->ram_size)
    snprintf(text, sizeof text, "(outside RAM)");
  else
    insn_disasm_one(m->ram + addr, addr + 16 <= m->ram_size ? 16 : m->ram_size - addr, addr,
                    t->bits, text, sizeof text, NULL);
  ev_emit(&m->trace, "insn cpu=%d %s 0x%" PRIx64 ": %s", m->cur->slot, symbol(t, addr), addr, text);
}

int trace_insn_install(struct machine *m)
{
  struct trace_insn *t = calloc(1, sizeof *t);
  const struct trace_config *c = &m->cfg.trace;
  uc_hook h;

  if (!t)
    return -1;
  t->m = m;
  m->tinsn = t;
  uint64_t lo = c->lo, hi = c->hi;
  if (!lo && !hi) {
    lo = 1; /* a zeroed config: every address */
  }
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    /* hooks in this engine are called in the order they were added: this
     * block hook runs after on_block, and is skipped when it stops */
    if (uc_hook_add(m->uc[vw], &h, UC_HOOK_BLOCK, insn_block, t, 1, 0) ||
        uc_hook_add(m->uc[vw], &h, UC_HOOK_CODE, insn_code, t, lo, hi))
      return -1;
  }
  return 0;
}

void trace_insn_free(struct machine *m)
{
  free(m->tinsn);
  m->tinsn = NULL;
}
