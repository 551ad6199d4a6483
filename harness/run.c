/* Running a slice: restore a vCPU's context into the engine of its
 * memory view, run basic blocks, save it back (the scheduler that picks
 * the vCPU is sched.c).
 *
 * Hooks installed on every engine:
 *  - a block hook (budget, slices, instruction counting, SMM invariants,
 *    and the scan that finds instructions needing exact-address hooks);
 *  - a RAM write hook (translation invalidation across engines, and the
 *    OS-written byte map for the "no OS byte runs in SMM" invariant);
 *  - IN/OUT hooks and the invalid-instruction hook (RSM).
 * docs/harness.md describes the scheme and the Unicorn facts behind it.
 */
#include "run_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "inject.h"
#include "cpu_mode.h"
#include "gdbstub.h"
#include "insn_scan.h"
#include "sev.h"
#include "invariants.h"
#include "smmhp/ports.h"
#include "upstream_fns.h"

#define UNTIL_NEVER 0xFFFFFFFFFFFFFFF0ull
#define BCACHE_SIZE 65536u
/* Virtual time one PAUSE costs: a spinning vCPU is descheduled by the
 * hypervisor (KVM pause-loop exiting) rather than burning cycles, so its
 * timeouts (SMM sync, ms-scale) expire after a few thousand spins. */
#define PAUSE_VTIME_NS 100000u

struct bc_entry {
  uint64_t addr;
  uint32_t size, gen0, gen1;
  uint16_t ninsn;
  uint8_t view, valid;
};

struct block_cache { struct bc_entry e[BCACHE_SIZE]; };

struct special_hooks {
  /* exact addresses that already carry a code hook in this engine */
  uint64_t *addr; size_t n, cap;
};


/* Keyed by address and kind: the instruction after an IN/OUT may itself
 * be one that needs a hook (a hlt, cpuid...). */
static uint64_t hook_key(uint64_t addr, enum special_kind kind)
{
  return addr << 4 | (uint64_t)kind;
}

static bool hooked(struct special_hooks *h, uint64_t a)
{
  for (size_t i = 0; i < h->n; i++)
    if (h->addr[i] == a)
      return true;
  return false;
}

static void remember_hook(struct special_hooks *h, uint64_t a)
{
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 64;
    h->addr = realloc(h->addr, h->cap * sizeof *h->addr);
  }
  h->addr[h->n++] = a;
}

/* Stop the running vCPU before the instruction at linear address `at`. */
static void stop_at(struct machine *m, uc_engine *uc, uint64_t at)
{
  m->stopped_by_us = true;
  m->stop_linear = at;
  uc_emu_stop(uc);
}

static void set_rip_after(struct machine *m, uc_engine *uc, uint64_t linear, unsigned len)
{
  struct cpu_mode cm = vcpu_mode(m, m->cur, uc);
  uint64_t rip = linear - cm.cs_base + len;
  if (cm.bits == 16)
    rip &= 0xFFFF;
  uc_reg_write(uc, UC_X86_REG_RIP, &rip);
}

/* ---- exact-address hooks --------------------------------------------- */

/* Hooks are keyed by address and stay installed; code copied later to
 * the same address may differ, so each checks its opcode first. */
static bool opcode_at(struct machine *m, uint64_t addr, uint8_t b0, uint8_t b1)
{
  return addr + 2 <= m->ram_size && m->ram[addr] == b0 && (b1 == 0 || m->ram[addr + 1] == b1);
}

static void hook_cpuid(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  (void)size;
  if (!m->cur || !opcode_at(m, addr, 0x0F, 0xA2))
    return;
  uint64_t a = 0, c = 0, r[4];
  uc_reg_read(uc, UC_X86_REG_RAX, &a);
  uc_reg_read(uc, UC_X86_REG_RCX, &c);
  cpuid_emulate(m, m->cur, (uint32_t)a, (uint32_t)c, r);
  uc_reg_write(uc, UC_X86_REG_RAX, &r[0]);
  uc_reg_write(uc, UC_X86_REG_RBX, &r[1]);
  uc_reg_write(uc, UC_X86_REG_RCX, &r[2]);
  uc_reg_write(uc, UC_X86_REG_RDX, &r[3]);
  set_rip_after(m, uc, addr, 2);
}

static void hook_msr(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque, bool write)
{
  struct machine *m = opaque;
  (void)size;
  if (!m->cur || !opcode_at(m, addr, 0x0F, write ? 0x30 : 0x32))
    return;
  uint64_t c = 0, a = 0, d = 0;
  m->wgen++; /* MSRs are state outside memory (parking) */
  uc_reg_read(uc, UC_X86_REG_RCX, &c);
  if (write) {
    uc_reg_read(uc, UC_X86_REG_RAX, &a);
    uc_reg_read(uc, UC_X86_REG_RDX, &d);
    if (!msr_write(m, m->cur, (uint32_t)c, (d << 32) | (uint32_t)a))
      return; /* the engine handles it natively (EFER) */
  } else {
    uint64_t v;
    if (!msr_read(m, m->cur, (uint32_t)c, &v))
      return;
    a = (uint32_t)v;
    d = v >> 32;
    uc_reg_write(uc, UC_X86_REG_RAX, &a);
    uc_reg_write(uc, UC_X86_REG_RDX, &d);
  }
  set_rip_after(m, uc, addr, 2);
}

static void hook_rdmsr(uc_engine *uc, uint64_t addr, uint32_t size, void *o) { hook_msr(uc, addr, size, o, false); }
static void hook_wrmsr(uc_engine *uc, uint64_t addr, uint32_t size, void *o) { hook_msr(uc, addr, size, o, true); }

static void hook_rdtsc(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  (void)size;
  if (!m->cur || !opcode_at(m, addr, 0x0F, 0x31))
    return;
  m->wgen++; /* the value depends on time: never a fixed point */
  /* virtual time: one retired instruction is one nanosecond */
  uint64_t a = (uint32_t)m->vtime, d = m->vtime >> 32;
  uc_reg_write(uc, UC_X86_REG_RAX, &a);
  uc_reg_write(uc, UC_X86_REG_RDX, &d);
  set_rip_after(m, uc, addr, 2);
}

static void hook_pause(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  (void)uc; (void)size;
  if (!m->cur || !opcode_at(m, addr, 0xF3, 0x90))
    return;
  /* a spin loop: give the other vCPUs a turn at the next block */
  m->cur->last_pause = addr;
  m->cur->pauses++;
  m->vtime += PAUSE_VTIME_NS;
  m->stop_requested = true;
}

static void hook_hlt(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  (void)uc; (void)size;
  if (m->cur && opcode_at(m, addr, 0xF4, 0)) {
    m->cur->halted_now = true;
    m->cur->last_pause = addr;
  }
}

static void hook_after_io(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  (void)size;
  if (m->cur && m->stop_requested) {
    inject_before_stop(m, addr);
    stop_at(m, uc, addr);
  }
}

/* RSM is performed by the harness (QEMU's helper_rsm semantics): stop
 * before it; run_slice then restores the state from the save-state map.
 * Hooking it by address works in every mode (Unicorn's own #UD path for
 * RSM is only reliable outside paging). */
static void hook_rsm(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  (void)size;
  if (!m->cur || !opcode_at(m, addr, 0x0F, 0xAA))
    return;
  if (m->cur->in_smm) {
    m->cur->pending_rsm = true;
  } else {
    m->cur->fault = true;
    snprintf(m->cur->fault_msg, sizeof m->cur->fault_msg, "rsm outside SMM (#UD)");
  }
  stop_at(m, uc, addr);
}

static void add_special_hook(struct machine *m, enum view vw, const struct special *sp)
{
  uc_engine *uc = m->uc[vw];
  uc_hook h;
  void *cb = NULL;

  switch (sp->kind) {
  case SP_CPUID: cb = (void *)hook_cpuid; break;
  case SP_RDMSR: cb = (void *)hook_rdmsr; break;
  case SP_WRMSR: cb = (void *)hook_wrmsr; break;
  case SP_RDTSC: cb = (void *)hook_rdtsc; break;
  case SP_PAUSE: cb = (void *)hook_pause; break;
  case SP_HLT: cb = (void *)hook_hlt; break;
  case SP_AFTER_IO: cb = (void *)hook_after_io; break;
  case SP_RSM: cb = (void *)hook_rsm; break;
  }
  uc_hook_add(uc, &h, UC_HOOK_CODE, cb, m, sp->addr, sp->addr);
  remember_hook(m->hooks[vw], hook_key(sp->addr, sp->kind));
}

/* SMMHP_DEBUG_SLICES: one stderr line per slice; read once, not per slice. */
static bool debug_slices(void)
{
  static int on = -1;
  if (on < 0)
    on = getenv("SMMHP_DEBUG_SLICES") != NULL;
  return on;
}

/* ---- block hook ---------------------------------------------------------- */

static struct bc_entry *bc_slot(struct machine *m, enum view vw, uint64_t addr)
{
  uint64_t h = (addr * 0x9E3779B97F4A7C15ull) ^ vw;
  return &m->bcache->e[(h >> 40) % BCACHE_SIZE];
}

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  struct vcpu *v = m->cur;
  enum view vw = m->cur_view;

  if (!v)
    return; /* harness trampoline */
  if (m->gdb && gdb_on_block(m, uc, addr))
    return;
  if (m->stop_requested || m->quantum_left == 0 || m->retired >= m->budget_end) {
    stop_at(m, uc, addr);
    return;
  }
  if (addr + size > m->ram_size || size == 0) {
    /* code outside RAM (an alias, or unmapped: the engine faults on it):
     * no scan, but it still uses up the slice and the budget, so that a
     * loop there cannot run forever (one instruction per 4 bytes) */
    m->quantum_left--;
    m->retired += size / 4 + 1;
    m->vtime += size / 4 + 1;
    return;
  }
  uint64_t p0 = addr >> 12, p1 = (addr + size - 1) >> 12;
  struct bc_entry *e = bc_slot(m, vw, addr);
  if (!e->valid || e->addr != addr || e->size != size || e->view != vw ||
      e->gen0 != m->page_gen[p0] || e->gen1 != m->page_gen[p1]) {
    struct cpu_mode cm = vcpu_mode(m, m->cur, uc);
    struct scan_result sr;
    bool added = false;
    insn_scan_block(m->ram + addr, size, addr, cm.bits, &sr);
    for (unsigned i = 0; i < sr.nspecial; i++) {
      if (!hooked(m->hooks[vw], hook_key(sr.sp[i].addr, sr.sp[i].kind))) {
        add_special_hook(m, vw, &sr.sp[i]);
        added = true;
      }
    }
    *e = (struct bc_entry){ .addr = addr, .size = size, .gen0 = m->page_gen[p0],
                            .gen1 = m->page_gen[p1], .ninsn = (uint16_t)sr.ninsn,
                            .view = (uint8_t)vw, .valid = 1 };
    m->code_page[p0] = m->code_page[p1] = 1;
    upstream_fns_block(m, addr);
    if (added) {
      /* hooks only apply to code translated after they were added;
       * run_slice resumes the same slice (rescan), so what was translated
       * before never changes the schedule (snapshot restore relies on it) */
      uc_ctl_remove_cache(uc, addr, addr + size);
      m->rescan = true;
      stop_at(m, uc, addr);
      return;
    }
  }
  if (m->coverage)
    coverage_block(m, addr, size);
  m->quantum_left--;
  v->insns += e->ninsn;
  m->vtime += e->ninsn;
  m->retired += e->ninsn;
  park_note_block(m, addr, size);
  if (v->in_smm)
    check_smm_fetch(m, v, addr, size);
}

/* ---- memory write hook ------------------------------------------------- */

static void on_write(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *opaque)
{
  struct machine *m = opaque;
  (void)type;
  if (addr >= m->ram_size || size <= 0)
    return;
  /* the hook runs before the store: one that leaves memory as it is (a
   * spin loop's call pushing the same return address) changes nothing a
   * spin loop could observe; any other store does (parking) */
  if (size > 8 || addr + (uint64_t)size > m->ram_size || memcmp(m->ram + addr, &value, (size_t)size) != 0)
    m->wgen++;
  uint64_t end = addr + (uint64_t)size;
  if (end > m->ram_size)
    end = m->ram_size;
  for (uint64_t p = addr >> 12; p <= (end - 1) >> 12; p++) {
    if (m->snap_dirty)
      m->snap_dirty[p] = 1; /* snapshot.c restores only written pages */
    if (m->code_page[p])
      page_touched(m, p);
  }
  if (!m->cur)
    return;
  if (m->sev)
    sev_guest_write(m, m->cur, uc, addr, (unsigned)(end - addr));
  bool os = !m->cur->in_smm && m->phase >= SMMHP_PHASE_OS;
  for (uint64_t a = addr; a < end; a++) {
    /* A normal-view store into a hole (locked 0x30000 window, closed
     * TSEG) is dropped by views.c: the byte does not change, so it is
     * not OS-written (attacks/smram-write.scn). */
    if (!m->cur->in_smm &&
        ((m->view_window_hidden && a >= 0x30000 && a < 0x50000) ||
         (m->view_tseg_hidden && a >= m->hole_tseg_base && a < m->hole_tseg_base + m->hole_tseg_size)))
      continue;
    if (os)
      m->os_written[a >> 3] |= (uint8_t)(1u << (a & 7));
    else
      m->os_written[a >> 3] &= (uint8_t)~(1u << (a & 7));
  }
  if (!m->cur->in_smm)
    check_smram_write(m, m->cur, addr, (unsigned)size);
}

void page_touched(struct machine *m, uint64_t page)
{
  if (m->snap_dirty)
    m->snap_dirty[page] = 1;
  m->page_gen[page]++;
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    if (!m->dirty_mark[vw][page]) {
      m->dirty_mark[vw][page] = 1;
      m->dirty_list[vw][m->ndirty[vw]++] = (uint32_t)page;
    }
  }
}

/* ---- IO and RSM ---------------------------------------------------------- */

static uint32_t on_in(uc_engine *uc, uint32_t port, int size, void *opaque)
{
  struct machine *m = opaque;
  (void)uc;
  return m->cur ? io_read(m, m->cur, (uint16_t)port, (unsigned)size) : 0xFFFFFFFFu;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *opaque)
{
  struct machine *m = opaque;
  (void)uc;
  if (m->cur)
    io_write(m, m->cur, (uint16_t)port, (unsigned)size, value);
}

static bool on_invalid(uc_engine *uc, void *opaque)
{
  struct machine *m = opaque;
  struct vcpu *v = m->cur;
  uint64_t rip = 0;

  if (!v)
    return false;
  uc_reg_read(uc, UC_X86_REG_RIP, &rip);
  struct cpu_mode cm = vcpu_mode(m, m->cur, uc);
  uint64_t lin = cm.cs_base + rip;
  if (debug_slices())
    fprintf(stderr, "invalid cpu=%d rip=0x%" PRIx64 " lin=0x%" PRIx64 " bits=%d\n", v->slot, rip, lin, cm.bits);
  if (lin + 2 <= m->ram_size && m->ram[lin] == 0x0F && m->ram[lin + 1] == 0xAA) {
    if (!v->in_smm) {
      v->fault = true;
      snprintf(v->fault_msg, sizeof v->fault_msg, "rsm outside SMM (#UD)");
    } else {
      v->pending_rsm = true;
    }
    uc_emu_stop(uc);
    return true;
  }
  v->fault = true;
  snprintf(v->fault_msg, sizeof v->fault_msg, "invalid opcode (#UD)");
  uc_emu_stop(uc);
  return true;
}

/* An exception the guest did not handle: a fault verdict for the vCPU
 * (our SMM core has no IDT; neither does the OS actor). */
static void on_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
  struct machine *m = opaque;
  struct vcpu *v = m->cur;
  if (!v)
    return;
  v->fault = true;
  snprintf(v->fault_msg, sizeof v->fault_msg, "exception vector %u", intno);
  uc_emu_stop(uc);
}

int run_install_hooks(struct machine *m, enum view vw)
{
  uc_engine *uc = m->uc[vw];
  uc_hook h;

  m->hooks[vw] = calloc(1, sizeof *m->hooks[vw]);
  if (!m->bcache)
    m->bcache = calloc(1, sizeof *m->bcache);
  if (!m->hooks[vw] || !m->bcache)
    return -1;
  if (uc_hook_add(uc, &h, UC_HOOK_BLOCK, on_block, m, 1, 0) ||
      uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, on_write, m, 0, m->ram_size - 1) ||
      uc_hook_add(uc, &h, UC_HOOK_INSN, on_in, m, 1, 0, UC_X86_INS_IN) ||
      uc_hook_add(uc, &h, UC_HOOK_INSN, on_out, m, 1, 0, UC_X86_INS_OUT) ||
      uc_hook_add(uc, &h, UC_HOOK_INSN_INVALID, on_invalid, m, 1, 0) ||
      uc_hook_add(uc, &h, UC_HOOK_INTR, on_intr, m, 1, 0))
    return -1;
  return 0;
}

void run_forget_blocks(struct machine *m)
{
  if (m->bcache)
    memset(m->bcache, 0, sizeof *m->bcache);
}

void run_free_hooks(struct machine *m)
{
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    if (m->hooks[vw])
      free(m->hooks[vw]->addr);
    free(m->hooks[vw]);
    m->hooks[vw] = NULL;
  }
  free(m->bcache);
  m->bcache = NULL;
}

/* ---- running one vCPU ------------------------------------------------------ */

static void flush_dirty(struct machine *m, enum view vw)
{
  for (size_t i = 0; i < m->ndirty[vw]; i++) {
    uint64_t p = m->dirty_list[vw][i];
    m->dirty_mark[vw][p] = 0;
    uc_ctl_remove_cache(m->uc[vw], p << 12, (p + 1) << 12);
  }
  m->ndirty[vw] = 0;
}

/* Parking replays counts instead of instructions, so it is off whenever
 * something observes individual instructions or stores. */
bool parking_on(struct machine *m)
{
  return !m->cfg.no_park && !m->gdb && !m->coverage && !m->sev && !trace_on(m, TRACE_INSN) && !inject_present(m);
}

void run_slice(struct machine *m, struct vcpu *v, unsigned blocks)
{
  enum view vw = v->in_smm ? VIEW_SMM : VIEW_NORMAL;
  uc_engine *uc = m->uc[vw];
  uint64_t rip = 0;
  /* A slice that starts at a pause may be a spin loop's fixed point: its
   * end state goes into the vCPU's second context buffer, so that the
   * start state (v->ctx) stays there to compare with; then they swap. */
  size_t csz = uc_context_size(uc);
  bool ref = v->paused_last && parking_on(m) &&
             (v->park_ctx || uc_context_alloc(m->uc[VIEW_NORMAL], &v->park_ctx) == UC_ERR_OK);
  uint64_t gen0 = m->wgen, vtime0 = m->vtime;
  m->park_rec = ref;
  m->park_nblk = 0;
  m->park_blk_overflow = false;

  if (vw == VIEW_NORMAL)
    views_apply(m);
  flush_dirty(m, vw);
  uc_context_restore(uc, v->ctx);
  m->cur = v;
  m->cur_view = vw;
  m->quantum_left = blocks;
  m->stop_requested = false;
  m->stopped_by_us = false;
  v->halted_now = false;
  uint64_t pauses_before = v->pauses, retired_before = m->retired, rip0;
  uc_reg_read(uc, UC_X86_REG_RIP, &rip);
  rip0 = rip;
  uc_err err;
  do {
    m->rescan = false;
    m->stopped_by_us = false;
    err = uc_emu_start(uc, rip, UNTIL_NEVER, 0, 0);
    if (m->stopped_by_us) {
      struct cpu_mode cm = vcpu_mode(m, v, uc);
      rip = m->stop_linear - cm.cs_base;
      uc_reg_write(uc, UC_X86_REG_RIP, &rip);
    }
    /* or gdb stopped it: resume where it stopped (docs/gdb.md) */
  } while (err == UC_ERR_OK && !v->fault && (m->rescan || (m->gdb && gdb_slice_stop(m, v, uc, &rip))));
  m->cur = NULL;
  if (debug_slices()) {
    uint64_t r2 = 0;
    uc_reg_read(uc, UC_X86_REG_RIP, &r2);
    fprintf(stderr, "slice cpu=%d view=%d start=0x%" PRIx64 " end=0x%" PRIx64 " err=%d ours=%d lin=0x%" PRIx64 " rsm=%d\n",
            v->slot, vw, rip, r2, err, m->stopped_by_us, m->stop_linear, v->pending_rsm);
  }
  if (err != UC_ERR_OK && !v->fault) {
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    v->fault = true;
    snprintf(v->fault_msg, sizeof v->fault_msg, "%s", uc_strerror(err));
  }
  uint64_t rip1 = 0;
  uc_reg_read(uc, UC_X86_REG_RIP, &rip1);
  if (!v->fault && !m->stopped_by_us && !v->halted_now && !v->pending_rsm && m->retired == retired_before &&
      rip1 == rip0 && v->state == VCPU_RUN) {
    /* Unicorn returned without running anything and without an error:
     * it cannot fetch there (e.g. a non-canonical RIP loaded by RSM) */
    v->fault = true;
    snprintf(v->fault_msg, sizeof v->fault_msg, "no instruction can be fetched at RIP 0x%" PRIx64, rip1);
  }
  if (ref) {
    uc_context *start = v->ctx;
    uc_context_save(uc, v->park_ctx);
    v->ctx = v->park_ctx;
    v->park_ctx = start;
  } else {
    uc_context_save(uc, v->ctx);
  }
  v->spinning = v->pauses != pauses_before;
  v->paused_last = v->spinning;
  /* One loop iteration from pause to pause that changed nothing anyone
   * could see (m->wgen) and came back to the same registers: until wgen
   * moves, every further slice of it would do exactly the same. */
  v->parked = ref && v->pauses == pauses_before + 1 && m->wgen == gen0 && !v->pending_rsm && !v->halted_now &&
              !v->fault && v->state == VCPU_RUN && memcmp(v->park_ctx, v->ctx, csz) == 0;
  if (v->parked) {
    v->park_gen = m->wgen;
    v->park_insns = m->retired - retired_before;
    v->park_vtime = m->vtime - vtime0;
    v->park_blocks = blocks - m->quantum_left;
    park_learn_reads(m, v, uc);
  }
  m->park_rec = false;
  if (v->pending_rsm) {
    v->pending_rsm = false;
    smm_rsm(m, v);
  } else if (v->halted_now && v->state == VCPU_RUN) {
    v->state = VCPU_HALTED;
    sched_touch(m, v);
  }
  if (v->fault) {
    report_fault(m, v);
    v->fault = false;
    v->state = VCPU_HALTED;
    v->dead = true;
    sched_touch(m, v);
  }
}
