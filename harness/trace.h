/* Event traces (--trace GROUPS): lines `NAME MESSAGE` on the machine's
 * `trace` sink, one group each. cpuhp and apm lines use QEMU 7.2's own
 * trace-event names and formats (diffable against QEMU); smm_*, ipi_*,
 * fwcfg_* and insn lines are ours. docs/tracing.md lists the formats. */
#ifndef SMMHP_TRACE_H
#define SMMHP_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum trace_group {
  TRACE_CPUHP = 1u << 0, /* cpuhp_acpi_* (hw/acpi/trace-events) */
  TRACE_APM = 1u << 1,   /* apm_io_read, apm_io_write (hw/isa/trace-events) */
  TRACE_SMM = 1u << 2,   /* smm_enter, smm_rsm */
  TRACE_IPI = 1u << 3,   /* ipi_deliver */
  TRACE_FWCFG = 1u << 4, /* fwcfg_select, fwcfg_read, fwcfg_dma */
  TRACE_INSN = 1u << 5,  /* insn: every instruction (a per-instruction hook) */
};

struct trace_config {
  unsigned groups;  /* enum trace_group bits; 0: no tracing at all */
  FILE *out;        /* where enabled lines go (NULL: nowhere) */
  int cpu;          /* insn: only this vCPU slot; -1: every vCPU */
  uint64_t lo, hi;  /* insn: linear addresses lo..hi inclusive */
};

/* "cpuhp,apm,insn" -> bits; 0, or -1 with the message in err. */
int trace_parse_groups(const char *list, unsigned *groups, char *err, size_t errlen);
/* "A-B" (numbers in C syntax, B exclusive) -> lo..hi inclusive; 0 or -1. */
int trace_parse_range(const char *s, uint64_t *lo, uint64_t *hi);
/* A config that traces nothing: cpu -1, full address range. */
struct trace_config trace_config_none(void);

struct machine;
struct evsink;
#define trace_on(m, g) (((m)->cfg.trace.groups & (g)) != 0)
/* The machine's trace sink if group g is enabled, else NULL (a no-op sink). */
const struct evsink *trace_sink(struct machine *m, unsigned g);
/* One line of group g, formatted only when g is enabled. */
void trace_emit(struct machine *m, unsigned g, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* insn group: install the per-instruction hooks on both engines (before
 * any code is translated: machine_init); free their state. */
int trace_insn_install(struct machine *m);
void trace_insn_free(struct machine *m);

#endif
