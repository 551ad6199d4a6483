/* Runs a parsed scenario on a machine: steps in order, each with its
 * instruction budget; then checks expectations and decides the verdict.
 * Exit codes (DESIGN.md): 0 met, 1 not met, 2 bad input, 3 internal. */
#include "runner.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hang.h"
#include "hotplug_ops.h"
#include "inject.h"
#include "mutate.h"
#include "run_internal.h"
#include "smmhp/mailbox.h"
#include "upstream_fns.h"

#include <stdarg.h>

__attribute__((format(printf, 2, 3))) static void report(struct runner *r, const char *fmt, ...)
{
  va_list ap;
  if (!r->out)
    return;
  va_start(ap, fmt);
  vfprintf(r->out, fmt, ap);
  va_end(ap);
}

#define SETTLE_BUDGET 20000000ull

static struct smmhp_mailbox *mailbox(struct machine *m)
{
  return (struct smmhp_mailbox *)(m->ram + SMMHP_MAILBOX_ADDR);
}

static bool booted(struct machine *m, void *arg)
{
  (void)arg;
  return m->os_ready;
}

/* Nothing in flight: no CPU in SMM, no SMI a CPU could still take. */
static bool settled(struct machine *m)
{
  for (unsigned i = 0; i < m->ncpus; i++) {
    struct vcpu *v = &m->cpu[i];
    if (v->state == VCPU_ABSENT || v->dead)
      continue;
    if (v->in_smm)
      return false;
    if ((v->smi_pending || v->init_pending || v->sipi_pending) && v->state != VCPU_WAIT_SIPI)
      return false;
    if (v->sipi_pending && v->state == VCPU_WAIT_SIPI)
      return false;
  }
  return true;
}

struct until { run_until_fn done; void *arg; };

static bool done_or_s3(struct machine *m, void *arg)
{
  struct until *u = arg;
  return m->s3_pending || u->done(m, u->arg);
}

/* machine_run, serving S3 requests as they come: PM1_CNT stops the
 * machine at the OUT, the system sleeps and wakes at once (s3.c), and the
 * same goal is then pursued with the budget left. */
static enum run_result run_until(struct machine *m, run_until_fn done, void *arg, uint64_t budget)
{
  struct until u = { done, arg };
  uint64_t end = m->retired + budget;
  char err[256];

  for (;;) {
    enum run_result rr = machine_run(m, done_or_s3, &u, end > m->retired ? end - m->retired : 0);
    if (rr != RUN_DONE || !m->s3_pending)
      return rr;
    if (s3_cycle(m, err, sizeof err)) {
      machine_event(m, "s3_failed reason=\"%s\"", err);
      m->fatal = true;
      return RUN_FATAL;
    }
  }
}

static bool os_done(struct machine *m, void *arg)
{
  (void)arg;
  struct smmhp_mailbox *mb = mailbox(m);
  return mb->done_seq == mb->seq && settled(m);
}

static bool quiet(struct machine *m, void *arg)
{
  (void)arg;
  return settled(m);
}

static void publish_acpi(struct machine *m)
{
  /* QEMU builds the DSDT from the negotiated features (acpi-build.c) */
  uint64_t neg = smi_features_negotiated(&m->smif);
  struct smmhp_mailbox *mb = mailbox(m);
  mb->acpi_smi_cpuhp = (neg & SMI_F_CPU_HOTPLUG) != 0;
  mb->acpi_fw_unplug = (neg & SMI_F_CPU_HOT_UNPLUG) != 0;
}

static enum run_result os_command(struct machine *m, uint32_t cmd, uint32_t a0, uint32_t a1, uint64_t budget)
{
  struct smmhp_mailbox *mb = mailbox(m);
  publish_acpi(m);
  mb->cmd = cmd;
  mb->arg0 = a0;
  mb->arg1 = a1;
  mb->seq = mb->seq + 1;
  return run_until(m, os_done, NULL, budget);
}

static void fail_step(struct runner *r, const struct scenario_step *st, enum run_result rr)
{
  struct machine *m = r->m;
  if (rr == RUN_FATAL) {
    machine_event(m, "step_aborted line=%d reason=firmware_fatal", st->line);
    return;
  }
  m->hang = true;
  machine_event(m, "step_hang line=%d step=\"%s\" reason=%s", st->line, st->keyword,
                rr == RUN_STUCK ? "no_cpu_can_run" : "budget_exhausted");
  hang_report(m, rr == RUN_STUCK);
}

static enum run_result run_step(struct runner *r, const struct scenario_step *st)
{
  struct machine *m = r->m;
  uint64_t budget = r->s->budget;
  char err[256];

  machine_event(m, "step line=%d %s", st->line, st->keyword);
  switch (st->kind) {
  case SCN_BOOT:
    if (machine_power_on(m, err, sizeof err)) {
      fprintf(stderr, "%s:%d: %s\n", r->s->name, st->line, err);
      r->internal_error = true;
      return RUN_FATAL;
    }
    return run_until(m, booted, NULL, budget);
  case SCN_DEVICE_ADD: {
    const struct scenario_arg *slots = scenario_step_arg(st, "slot");
    unsigned slot = (unsigned)slots->num;
    const struct scenario_arg *apic_arg = scenario_step_arg(st, "apic");
    uint64_t apic = apic_arg && apic_arg->given ? apic_arg->num : m->cpu[slot].apic_id;
    if (slots->last > slots->num) {
      /* slot=A..B: one device_add per slot, back to back (the parser
       * refuses apic= and when= with a range) */
      for (uint64_t s = slots->num; s <= slots->last && !m->refused; s++)
        if (machine_device_add(m, (unsigned)s) == HP_REFUSED)
          m->refused = true;
      return RUN_DONE;
    }
    if (apic != m->cpu[slot].apic_id) {
      /* QEMU derives the APIC ID from the slot's topology position */
      fprintf(stderr, "%s:%d: apic=%" PRIu64 " is not slot %u's APIC ID %u (the topology fixes it)\n",
              r->s->name, st->line, apic, slot, m->cpu[slot].apic_id);
      r->internal_error = true;
      r->bad_input = true;
      return RUN_FATAL;
    }
    if (scenario_step_u64(st, "when", 0) == 1) {
      machine_defer_device_add(m, slot);
      return RUN_DONE;
    }
    if (machine_device_add(m, slot) == HP_REFUSED)
      m->refused = true;
    return RUN_DONE;
  }
  case SCN_DEVICE_DEL: {
    const struct scenario_arg *slots = scenario_step_arg(st, "slot");
    for (uint64_t s = slots->num; s <= slots->last && !m->refused; s++)
      if (machine_device_del(m, (unsigned)s) == HP_REFUSED)
        m->refused = true;
    return RUN_DONE;
  }
  case SCN_OS_CSCN:
    return os_command(m, SMMHP_OS_CSCN, 0, 0, budget);
  case SCN_OS_ONLINE:
    return os_command(m, SMMHP_OS_ONLINE, (uint32_t)scenario_step_u64(st, "apic", 0), 0, budget);
  case SCN_OS_APM:
    return os_command(m, SMMHP_OS_APM, (uint32_t)scenario_step_u64(st, "value", 0), 0, budget);
  case SCN_OS_S3:
    return os_command(m, SMMHP_OS_S3, 0, 0, budget);
  case SCN_INJECT:
    inject_arm(m, st); /* takes effect during the following steps */
    return RUN_DONE;
  case SCN_RESEED:
    m->rng = scenario_step_u64(st, "value", 0); /* the scheduler's draws from here on */
    return RUN_DONE;
  case SCN_OS_CEJ0: {
    /* slot=A..B: the OS ejects them one after another, as it would */
    const struct scenario_arg *slots = scenario_step_arg(st, "slot");
    enum run_result rr = RUN_DONE;
    for (uint64_t s = slots->num; s <= slots->last && rr == RUN_DONE; s++)
      rr = os_command(m, SMMHP_OS_CEJ0, (uint32_t)s, 0, budget);
    return rr;
  }
  case SCN_OS_OFFLINE:
    return os_command(m, SMMHP_OS_OFFLINE, (uint32_t)scenario_step_u64(st, "apic", 0), 0, budget);
  case SCN_OS_POKE:
    return os_command(m, SMMHP_OS_POKE, (uint32_t)scenario_step_u64(st, "addr", 0),
                      (uint32_t)scenario_step_u64(st, "byte", 0), budget);
  default:
    return RUN_DONE;
  }
}

static int apply_mutations(struct runner *r)
{
  for (size_t i = 0; i < r->s->nmutations; i++) {
    const struct scenario_mutation *mu = &r->s->mutations[i];
    uint64_t at[16];
    size_t nat = 0;
    char err[256], sym[96];
    int n;
    if (mu->kind == SCN_MUT_CALL) {
      n = mutate_call(&r->m->fw, r->m->ram, r->m->ram_size, mu->callee, mu->function, at, 16, err, sizeof err);
      nat = n > 16 ? 16 : (size_t)(n > 0 ? n : 0);
    } else if (mu->kind == SCN_MUT_SKIP) {
      n = mutate_skip_line(&r->m->fw, r->m->ram, r->m->ram_size, mu->file, mu->lineno, mu->function, at,
                           16, &nat, err, sizeof err);
    } else {
      n = mutate_force_line(&r->m->fw, r->m->ram, r->m->ram_size, mu->file, mu->lineno, mu->function, at,
                            16, &nat, err, sizeof err);
    }
    if (n < 0) {
      fprintf(stderr, "%s:%d: %s\n", r->s->name, mu->line, err);
      return -1;
    }
    for (size_t k = 0; k < nat; k++) {
      machine_symbolize(r->m, at[k], sym, sizeof sym);
      if (mu->kind == SCN_MUT_CALL)
        machine_event(r->m, "mutation call=%s in=%s at=%s", mu->callee, mu->function, sym);
      else
        machine_event(r->m, "mutation %s=%s:%u in=%s at=%s", mu->kind == SCN_MUT_SKIP ? "skip" : "force",
                      mu->file, mu->lineno, mu->function, sym);
    }
  }
  return 0;
}

/* A broken security invariant outranks a hang or fault that follows it. */
static enum scenario_verdict run_verdict(struct machine *m, const char **name)
{
  if (m->violation) {
    *name = "violation";
    return SCN_VERDICT_VIOLATION;
  }
  if (m->unsupported) {
    *name = "unsupported";
    return SCN_VERDICT_UNSUPPORTED;
  }
  if (m->hang || m->fatal || m->faulted) {
    *name = m->hang ? "hang" : m->fatal ? "fatal" : "fault";
    return SCN_VERDICT_HANG;
  }
  if (m->refused) {
    *name = "refused";
    return SCN_VERDICT_REFUSED;
  }
  *name = "pass";
  return SCN_VERDICT_PASS;
}

static void note_deciding(struct runner *r, const char *key)
{
  size_t len = strlen(r->deciding);
  if (strstr(r->deciding, key))
    return;
  snprintf(r->deciding + len, sizeof r->deciding - len, "%s%s", len ? "," : "", key);
}

int runner_prepare(struct runner *r)
{
  if (apply_mutations(r))
    return 2;
  char ierr[256];
  if (inject_install(r->m, r->s, ierr, sizeof ierr)) {
    fprintf(stderr, "%s\n", ierr);
    return 2;
  }
  return 0;
}

/* An event the machine does not keep (past events_keep): match it now. */
static void watch_event(void *ctx, const char *line)
{
  struct runner *r = ctx;
  for (size_t i = 0; i < r->s->nexpect; i++) {
    if (r->late_hit[i] || !scenario_event_matches(&r->s->expect[i], line))
      continue;
    r->late_hit[i] = true;
    r->late_line[i] = strdup(line);
  }
}

static void watch_events(struct runner *r)
{
  struct machine *m = r->m;
  if (m->event_watch_ctx == r)
    return;
  if (!r->late_hit) {
    r->late_hit = calloc(r->s->nexpect ? r->s->nexpect : 1, sizeof *r->late_hit);
    r->late_line = calloc(r->s->nexpect ? r->s->nexpect : 1, sizeof *r->late_line);
  }
  if (r->late_hit && r->late_line) {
    m->event_watch = watch_event;
    m->event_watch_ctx = r;
  }
}

void runner_release(struct runner *r)
{
  if (r->m->event_watch_ctx == r) {
    r->m->event_watch = NULL;
    r->m->event_watch_ctx = NULL;
  }
  for (size_t i = 0; r->late_line && i < r->s->nexpect; i++)
    free(r->late_line[i]);
  free(r->late_line);
  free(r->late_hit);
  r->late_line = NULL;
  r->late_hit = NULL;
}

int runner_steps(struct runner *r, size_t from, size_t to)
{
  struct machine *m = r->m;

  watch_events(r);
  for (size_t i = from; i < to && i < r->s->nsteps && !r->ended; i++) {
    const struct scenario_step *st = &r->s->steps[i];
    enum run_result rr = run_step(r, st);
    if (r->internal_error) {
      runner_release(r); /* no conclusion follows */
      return r->bad_input ? 2 : 3;
    }
    if (rr == RUN_DONE && st->kind != SCN_DEVICE_ADD)
      machine_deferred_flush(m); /* a `when=soon` plug not yet due happens now */
    if (m->refused) {
      /* the management layer got an error: nothing that depends on the
       * operation happens (no event reaches the OS) */
      machine_event(m, "steps_stopped line=%d reason=refused", st->line);
      r->ended = true;
    } else if (rr != RUN_DONE) {
      fail_step(r, st, rr);
      r->ended = true;
    }
  }
  return 0;
}

int runner_execute(struct runner *r)
{
  int rc = runner_prepare(r);
  if (!rc)
    rc = runner_steps(r, 0, r->s->nsteps);
  return rc ? rc : runner_conclude(r);
}

/* One line over every present CPU, for scenarios with hundreds of them:
 * how many were relocated, to how many distinct SMBASEs, how many of
 * those lie in TSEG (handler and save-state map included), and how many
 * CPUs entered SMM at least once through their relocated SMBASE. */
static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void smbase_summary(struct machine *m)
{
  uint32_t base = 0, size = 0, *sb = calloc(m->ncpus ? m->ncpus : 1, sizeof *sb);
  unsigned present = 0, reloc = 0, in_tseg = 0, entered = 0, distinct = 0;

  if (!sb)
    return;
  chipset_tseg_range(&m->chipset, &base, &size);
  for (unsigned i = 0; i < m->ncpus; i++) {
    const struct vcpu *v = &m->cpu[i];
    if (v->state == VCPU_ABSENT)
      continue;
    present++;
    entered += v->smm_entries_relocated > 0;
    if (!v->relocated)
      continue;
    sb[reloc++] = v->smbase;
    in_tseg += v->smbase >= base && (uint64_t)v->smbase + 0x10000 <= (uint64_t)base + size;
  }
  qsort(sb, reloc, sizeof *sb, cmp_u32);
  for (unsigned i = 0; i < reloc; i++)
    distinct += i == 0 || sb[i] != sb[i - 1];
  free(sb);
  machine_event(m, "smbase_summary present=%u relocated=%u distinct=%u in_tseg=%u entered_relocated=%u", present,
                reloc, distinct, in_tseg, entered);
}

int runner_conclude(struct runner *r)
{
  struct machine *m = r->m;
  int failures = 0;

  if (!m->hang && !m->fatal) {
    enum run_result rr = run_until(m, quiet, NULL, SETTLE_BUDGET);
    if (rr != RUN_DONE) {
      m->hang = true;
      machine_event(m, "settle_hang reason=%s", rr == RUN_STUCK ? "no_cpu_can_run" : "budget_exhausted");
      hang_report(m, false);
    }
  }
  for (unsigned i = 0; i < m->ncpus; i++) {
    struct vcpu *v = &m->cpu[i];
    if (v->state != VCPU_ABSENT)
      machine_event(m, "cpu_final cpu=%u apic=%u smbase=0x%x relocated=%d smm_entries=%" PRIu64
                    " instructions=%" PRIu64, i, v->apic_id, v->smbase, v->relocated, v->smm_entries, v->insns);
  }

  smbase_summary(m);
  upstream_fns_report(m, r->out);

  const char *vname;
  enum scenario_verdict verdict = run_verdict(m, &vname);
  r->verdict_name = vname;
  r->deciding[0] = '\0';
  report(r, "verdict %s expected %s\n", vname, scenario_verdict_name(r->s->verdict));
  if (verdict != r->s->verdict) {
    report(r, "FAIL %s:%d: verdict %s, expected %s\n", r->s->name, r->s->verdict_line, vname,
           scenario_verdict_name(r->s->verdict));
    failures++;
  }
  for (size_t i = 0; i < r->s->nexpect; i++) {
    const struct expectation *e = &r->s->expect[i];
    size_t hit = 0;
    for (size_t k = 0; k < m->nevents && !hit; k++)
      if (scenario_event_matches(e, m->events[k]))
        hit = k + 1;
    const char *line = hit ? m->events[hit - 1] : r->late_hit && r->late_hit[i] ? r->late_line[i] : NULL;
    bool ok = e->negate ? !line : line != NULL;
    if (!ok) {
      report(r, "FAIL %s:%d: %s %s%s%s\n", r->s->name, e->line, e->negate ? "expect-not" : "expect", e->key,
             e->negate ? " occurred: " : " never occurred", e->negate && line ? line : "");
      failures++;
    } else {
      report(r, "ok   %s:%d: %s %s\n", r->s->name, e->line, e->negate ? "expect-not" : "expect", e->key);
      if (!e->negate) /* the event keys that decided the case */
        note_deciding(r, e->key);
    }
  }
  r->failures = failures;
  report(r, "guest-instructions %" PRIu64 " virtual-time-ns %" PRIu64 " switches %" PRIu64 " parked-slices %" PRIu64 "\n",
         m->retired, m->vtime, m->nswitches, m->parked_slices);
  report(r, "step-order %s%s hash=0x%016" PRIx64 "\n", m->step_order,
         m->nswitches > m->step_order_entries ? ",..." : "", m->step_hash);
  report(r, "trace-hash 0x%016" PRIx64 "\n", m->trace_hash);
  if (m->events_dropped)
    report(r, "events %zu kept, %" PRIu64 " more matched as they came (events_keep)\n", m->nevents,
           m->events_dropped);
  report(r, "result %s\n", failures ? "FAIL" : "PASS");
  runner_release(r);
  return failures ? 1 : 0;
}
