/* Machine construction, loading, events and symbolization. */
#include "run_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "inject.h"
#include "smmhp/mailbox.h"
#include "smmhp/ports.h"
#include "sev.h"
#include "upstream_fns.h"

#define NPAGES (m->ram_size >> 12)

static void sink_event(void *ctx, const char *line)
{
  struct machine *m = ctx;
  /* FNV-1a over every event line: the trace hash */
  for (const char *p = line; *p; p++)
    m->trace_hash = (m->trace_hash ^ (uint8_t)*p) * 0x100000001B3ull;
  m->trace_hash = (m->trace_hash ^ '\n') * 0x100000001B3ull;
  if (m->events_keep && m->nevents >= m->events_keep) {
    m->events_dropped++;
    if (m->event_watch)
      m->event_watch(m->event_watch_ctx, line);
  } else {
    if (m->nevents == m->events_cap) {
      m->events_cap = m->events_cap ? 2 * m->events_cap : 1024;
      m->events = realloc(m->events, m->events_cap * sizeof *m->events);
    }
    m->events[m->nevents++] = strdup(line);
  }
  if (m->log)
    m->log(m->log_ctx, line);
}

static void sink_trace(void *ctx, const char *line)
{
  struct machine *m = ctx;
  if (m->trace_out)
    fprintf(m->trace_out, "%s\n", line);
}

void machine_event(struct machine *m, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ev_vemit(&m->ev, fmt, ap);
  va_end(ap);
}

/* ---- device callbacks -------------------------------------------------- */

static void cb_raise_smi(void *opaque, bool broadcast)
{
  struct machine *m = opaque;

  if (!broadcast) {
    if (m->cur)
      machine_raise_smi(m, m->cur, "apm");
    return;
  }
  /* every CPU that exists at this instruction (QEMU CPU_FOREACH) */
  for (unsigned i = 0; i < m->ncpus; i++)
    if (m->cpu[i].state != VCPU_ABSENT)
      machine_raise_smi(m, &m->cpu[i], "apm_broadcast");
}

static void cb_views_changed(void *opaque)
{
  struct machine *m = opaque;
  m->stop_requested = true; /* apply at the next boundary */
}

static void cb_eject(void *opaque, uint32_t slot)
{
  struct machine *m = opaque;
  struct vcpu *v = &m->cpu[slot];
  if (slot < m->ncpus && v->state != VCPU_ABSENT) {
    v->state = VCPU_ABSENT;
    sched_touch(m, v);
    v->in_smm = false;
    machine_event(m, "cpu_ejected cpu=%u apic=%u", slot, v->apic_id);
    if (v == m->cur)
      m->stop_requested = true;
  }
}

static void cb_s3(void *opaque)
{
  struct machine *m = opaque;
  machine_event(m, "s3_requested");
  m->s3_pending = true;     /* the run loop suspends the machine (s3.c) */
  m->stop_requested = true;
}

static int dma_read(void *opaque, uint64_t addr, void *buf, uint32_t len)
{
  struct machine *m = opaque;
  if (addr + len > m->ram_size || addr + len < addr)
    return -1;
  machine_phys_read(m, addr, buf, len);
  /* DMA uses the normal address space: closed SMRAM reads as all-ones */
  for (uint32_t i = 0; i < len; i++)
    if (addr_in_smram(m, addr + i))
      ((uint8_t *)buf)[i] = 0xFF;
  return 0;
}

static int dma_write(void *opaque, uint64_t addr, const void *buf, uint32_t len)
{
  struct machine *m = opaque;
  if (addr + len > m->ram_size || addr + len < addr)
    return -1;
  /* DMA uses the normal address space: SMRAM is not reachable */
  if (addr_in_smram(m, addr) || addr_in_smram(m, addr + len - 1)) {
    machine_event(m, "dma_write_to_smram_dropped addr=0x%" PRIx64 " len=%u", addr, len);
    return -1;
  }
  machine_phys_write(m, addr, buf, len);
  return 0;
}

/* ---- memory --------------------------------------------------------------- */

/* Beyond RAM nothing answers: reads are all-ones, writes are dropped
 * (an SMBASE loaded from ciphertext can point there, docs/sev-model.md). */
void machine_phys_read(struct machine *m, uint64_t addr, void *buf, size_t len)
{
  size_t in = addr >= m->ram_size ? 0 : addr + len > m->ram_size ? m->ram_size - addr : len;
  memcpy(buf, m->ram + addr, in);
  memset((uint8_t *)buf + in, 0xFF, len - in);
  sev_platform_read(m, addr, buf, in);
}

void machine_code_written(struct machine *m, uint64_t addr, size_t len)
{
  if (!len)
    return;
  for (uint64_t p = addr >> 12; p <= (addr + len - 1) >> 12 && p < NPAGES; p++)
    page_touched(m, p);
}

void machine_phys_write(struct machine *m, uint64_t addr, const void *buf, size_t len)
{
  if (addr >= m->ram_size)
    return;
  if (addr + len > m->ram_size)
    len = m->ram_size - addr;
  sev_platform_write(m, addr, len);
  memcpy(m->ram + addr, buf, len);
  for (uint64_t a = addr; a < addr + len; a++)
    m->os_written[a >> 3] &= (uint8_t)~(1u << (a & 7));
  machine_code_written(m, addr, len);
}

/* ---- lifecycle ------------------------------------------------------------- */

/* q35 puts TSEG at the top of low RAM; the firmware takes the extended
 * TSEG when MCH 0x50 offers one and 8 MiB otherwise (docs/memory-map.md),
 * so RAM ends where that TSEG must end for it to start at SMMHP_TSEG_BASE. */
uint64_t machine_ram_size(const struct machine_config *cfg)
{
  uint64_t tseg = cfg->ext_tseg_mbytes ? (uint64_t)cfg->ext_tseg_mbytes << 20 : SMMHP_TSEG_SIZE;
  return SMMHP_TSEG_BASE + tseg;
}

int machine_init(struct machine *m, const struct machine_config *cfg)
{
  uint64_t arch_ids[MACHINE_MAX_CPUS];

  memset(m, 0, sizeof *m);
  m->cfg = *cfg;
  m->ncpus = cfg->possible_cpus;
  m->rng = cfg->seed;
  m->max_slice = 32;
  /* a few hundred MiB of event lines at most; beyond, the runner matches
   * expectations on the fly (runner.c) */
  m->events_keep = MACHINE_EVENTS_KEEP;
  m->trace_hash = 0xCBF29CE484222325ull;
  m->step_hash = 0xCBF29CE484222325ull;
  m->ev = (struct evsink){ sink_event, m };
  m->trace = (struct evsink){ sink_trace, m };
  m->trace_out = cfg->trace.out;
  m->ram_size = machine_ram_size(cfg);
  m->ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m->ram == MAP_FAILED) {
    m->ram = NULL;
    return -1;
  }
  m->page_gen = calloc(NPAGES, sizeof *m->page_gen);
  m->code_page = calloc(NPAGES, 1);
  m->os_written = calloc(m->ram_size / 8, 1);
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    m->dirty_mark[vw] = calloc(NPAGES, 1);
    m->dirty_list[vw] = calloc(NPAGES, sizeof *m->dirty_list[vw]);
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &m->uc[vw]) != UC_ERR_OK)
      return -1;
  }
  if (!m->page_gen || !m->code_page || !m->os_written)
    return -1;
  if (sched_set_init(&m->sched_run, m->ncpus) || sched_set_init(&m->sched_busy, m->ncpus))
    return -1;
  if (sev_init(m) || views_init(m) || run_install_hooks(m, VIEW_NORMAL) || run_install_hooks(m, VIEW_SMM) ||
      cpu_templates_init(m))
    return -1;
  if (trace_on(m, TRACE_INSN) && trace_insn_install(m))
    return -1;

  /* devices: q35 with the reference QEMU 7.2 defaults */
  for (unsigned i = 0; i < m->ncpus; i++) {
    /* APIC ID = CPU index (one thread per core per socket), or a multiple
     * of it: a topology with gaps in the APIC ID space (bug B6) */
    arch_ids[i] = (uint64_t)i * (cfg->apic_stride ? cfg->apic_stride : 1);
    m->cpu[i].slot = (int)i;
    m->cpu[i].apic_id = (uint32_t)arch_ids[i];
  }
  if (cpuhp_init(&m->cpuhp, m->ncpus, arch_ids))
    return -1;
  m->cpuhp.eject = cb_eject;
  m->cpuhp.opaque = m;
  m->cpuhp.ev = &m->ev;
  m->cpuhp.trace = trace_sink(m, TRACE_CPUHP);
  struct fwcfg_mem_ops mem = { dma_read, dma_write, m };
  fwcfg_init(&m->fwcfg, &mem, (uint16_t)cfg->boot_cpus, (uint16_t)cfg->possible_cpus, &m->ev);
  m->fwcfg.trace = trace_sink(m, TRACE_FWCFG);
  if (smi_features_init(&m->smif, cfg->smm ? cfg->smi_host_features : 0, &m->ev) ||
      (cfg->smm && smi_features_register(&m->smif, &m->fwcfg)))
    return -1;
  m->smif.forced = cfg->smi_negotiation_forced;
  m->smif.no_cpu_gating = cfg->smi_no_cpu_gating;
  m->cpuhp.legacy_byte_only = cfg->cpuhp_legacy_byte_only;
  m->cpuhp.scan_ignores_fw_remove = cfg->cpuhp_scan_ignores_fw_remove;
  struct chipset_config cc = {
    .low_ram_top = m->ram_size, .ext_tseg_mbytes = cfg->ext_tseg_mbytes, .smbase_smram = true, .smm_enabled = cfg->smm,
  };
  chipset_init(&m->chipset, &cc, &m->smif, &m->ev, trace_sink(m, TRACE_APM));
  m->chipset.raise_smi = cb_raise_smi;
  m->chipset.views_changed = cb_views_changed;
  m->chipset.s3 = cb_s3;
  m->chipset.opaque = m;
  return s3_machine_init(m);
}

void machine_free(struct machine *m)
{
  for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++) {
    if (m->cpu[i].ctx)
      uc_context_free(m->cpu[i].ctx);
    if (m->cpu[i].pre_smm)
      uc_context_free(m->cpu[i].pre_smm);
    if (m->cpu[i].park_ctx)
      uc_context_free(m->cpu[i].park_ctx);
  }
  inject_free(m);
  cpu_templates_free(m);
  run_free_hooks(m);
  sev_free(m);
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    if (m->uc[vw])
      uc_close(m->uc[vw]);
    free(m->dirty_mark[vw]);
    free(m->dirty_list[vw]);
  }
  trace_insn_free(m);
  cpuhp_free(&m->cpuhp);
  upstream_fns_free(m->upfns);
  if (m->fw_loaded)
    elfimage_free(&m->fw);
  if (m->os_loaded)
    elfimage_free(&m->os);
  for (size_t i = 0; i < m->nevents; i++)
    free(m->events[i]);
  free(m->events);
  free(m->page_gen);
  free(m->code_page);
  park_free(m);
  sched_set_free(&m->sched_run);
  sched_set_free(&m->sched_busy);
  free(m->os_written);
  free(m->snap_dirty);
  if (m->ram)
    munmap(m->ram, m->ram_size);
  memset(m, 0, sizeof *m);
}

/* qemu-system-i386 has no long mode (CPUID 0x80000001 EDX.LM clear, and
 * QEMU ignores EFER.LME writes there): X64 OVMF cannot start on it. */
int machine_fw_fits_platform(bool i386, int fw_bits, const char *fw_elf, char *err, size_t errlen)
{
  if (i386 && fw_bits == 64) {
    snprintf(err, errlen, "%s: X64 firmware on qemu-system-i386, which has no long mode: use the IA32 build (ARCH=IA32)",
             fw_elf);
    return -1;
  }
  return 0;
}

int machine_load_firmware(struct machine *m, const char *fw_elf, const char *os_elf, char *err, size_t errlen)
{
  if (elfimage_open(&m->fw, fw_elf, err, errlen))
    return -1;
  m->fw_loaded = true;
  if (elfimage_open(&m->os, os_elf, err, errlen))
    return -1;
  m->os_loaded = true;
  /* An IA32 firmware starts a 32-bit OS (docs/ia32.md). */
  if (machine_fw_fits_platform(m->cfg.i386, m->fw.bits, fw_elf, err, errlen))
    return -1;
  if (m->fw.bits != m->os.bits) {
    snprintf(err, errlen, "%s: %d-bit OS actor for %d-bit firmware %s: build both for one ARCH", os_elf, m->os.bits,
             m->fw.bits, fw_elf);
    return -1;
  }
  if (!(m->upfns = upstream_fns_open(fw_elf, NULL, err, errlen)))
    return -1;
  if (elfimage_load(&m->fw, m->ram, m->ram_size, err, errlen) ||
      elfimage_load(&m->os, m->ram, m->ram_size, err, errlen))
    return -1;
  struct smmhp_platform_info *pi = (void *)(m->ram + SMMHP_PLATFORM_INFO_ADDR);
  pi->magic = SMMHP_PLATFORM_INFO_MAGIC;
  pi->core_rules = m->cfg.core_rules;
  pi->os_entry = (uint32_t)m->os.entry;
  s3_platform_info(m);
  return 0;
}

/* Power on: cold-plug the boot CPUs; the BSP starts at the firmware's
 * entry in flat 64-bit mode, the other boot CPUs in its AP park loop. */
int machine_power_on(struct machine *m, char *err, size_t errlen)
{
  const struct elfsym *park = elfimage_find(&m->fw, "smmhp_ap_park");

  if (!park) {
    snprintf(err, errlen, "%s: no symbol smmhp_ap_park", m->fw.path);
    return -1;
  }
  for (unsigned i = 0; i < m->cfg.boot_cpus; i++) {
    machine_cpu_plug(m, i, false);
    cpu_start_flat(m, &m->cpu[i], i == 0 ? m->fw.entry : park->addr, SMMHP_BOOT_STACK_TOP - 0x1000ull * i);
  }
  struct smmhp_mailbox *mb = (void *)(m->ram + SMMHP_MAILBOX_ADDR);
  mb->acpi_cpu_count = m->ncpus;
  for (unsigned i = 0; i < m->ncpus && i < SMMHP_MAILBOX_MAX_CPUS; i++)
    mb->apic_id_of_uid[i] = m->cpu[i].apic_id; /* what the MADT/_MAT tells the OS */
  machine_event(m, "power_on boot_cpus=%u possible_cpus=%u smm=%d accel=%s sev=%d", m->cfg.boot_cpus,
                m->ncpus, m->cfg.smm, m->cfg.accel == ACCEL_TCG ? "tcg" : "kvm", m->cfg.sev);
  return 0;
}

/* ---- symbolization ------------------------------------------------------- */

static bool sym_in_image(const struct elfimage *img, uint64_t addr, char *buf, size_t len)
{
  const struct elfsym *s;
  for (size_t i = 0; i < img->nsegs; i++) {
    if (addr >= img->segs[i].paddr && addr < img->segs[i].paddr + img->segs[i].memsz) {
      s = elfimage_lookup(img, addr);
      if (!s)
        return false;
      snprintf(buf, len, "%s+0x%" PRIx64, s->name, addr - s->addr);
      return true;
    }
  }
  return false;
}

/* Code the firmware copies at run time: the template's link address for
 * addr if the copy at base still matches the template, else 0. */
static uint64_t copy_origin(struct machine *m, const struct elfimage *img, const char *start,
                            const char *end, uint64_t base, uint64_t addr)
{
  const struct elfsym *a = elfimage_find(img, start), *b = elfimage_find(img, end);
  if (!a || !b || b->addr <= a->addr)
    return 0;
  uint64_t size = b->addr - a->addr;
  if (addr < base || addr >= base + size || base + size > m->ram_size)
    return 0;
  const uint8_t *t = elfimage_bytes(img, a->addr, size);
  if (!t || memcmp(m->ram + base, t, size))
    return 0;
  return a->addr + (addr - base);
}

/* The run-time copies the symbolizer knows (the S3 AP start-up page
 * included); the fourth needs a tile. */
static uint64_t find_copy(struct machine *m, uint64_t addr, const struct elfimage **img, uint64_t *base)
{
  uint64_t page = addr & ~0xFFFull, o;
  uint64_t tile = addr >= SMMHP_SMBASE_TILES
                    ? SMMHP_SMBASE_TILES + (addr - SMMHP_SMBASE_TILES) / SMMHP_SMBASE_TILE_SIZE * SMMHP_SMBASE_TILE_SIZE
                    : 0;
  *img = &m->fw;
  /* upstream NASM: the size word directly follows each template */
  if ((o = copy_origin(m, &m->fw, "mFirstSmiHandler", "mFirstSmiHandlerSize", *base = 0x38000, addr)) ||
      (o = copy_origin(m, &m->fw, "smmhp_reloc_handler", "smmhp_reloc_handler_end", *base = 0x38000, addr)) ||
      (o = copy_origin(m, &m->fw, "mPostSmmPen", "mPostSmmPenSize", *base = page, addr)) ||
      (tile && (o = copy_origin(m, &m->fw, "smmhp_smi_stub", "smmhp_smi_stub_gdtr", *base = tile, addr))) ||
      (o = copy_origin(m, &m->fw, "smmhp_ap_park", "smmhp_lock_and_go", *base = 0x4000, addr)) ||
      (o = copy_origin(m, &m->fw, "smmhp_lock_and_go", "smmhp_lock_and_go_end", *base = 0x4100, addr)) ||
      (o = copy_origin(m, &m->fw, "smmhp_s3_ap_start", "smmhp_s3_ap_start_end", *base = page, addr)))
    return o;
  *img = &m->os;
  if (m->os_loaded && (o = copy_origin(m, &m->os, "os_ap_trampoline", "os_ap_trampoline_online_base",
                                       *base = SMMHP_OS_SIPI_VECTOR, addr)))
    return o;
  return 0;
}

uint64_t machine_copy_origin(struct machine *m, uint64_t addr)
{
  const struct elfimage *img;
  uint64_t base;
  if (!m->fw_loaded)
    return 0;
  uint64_t o = find_copy(m, addr, &img, &base);
  return img == &m->fw ? o : 0;
}

void machine_symbolize(struct machine *m, uint64_t addr, char *buf, size_t len)
{
  const struct elfimage *img;
  uint64_t base, o;

  snprintf(buf, len, "0x%" PRIx64, addr);
  if (!m->fw_loaded)
    return;
  if ((o = find_copy(m, addr, &img, &base))) {
    const struct elfsym *s = elfimage_lookup(img, o);
    snprintf(buf, len, "%s+0x%" PRIx64 "@0x%" PRIx64, s->name, o - s->addr, base);
    return;
  }
  if (sym_in_image(&m->fw, addr, buf, len))
    return;
  if (m->os_loaded)
    sym_in_image(&m->os, addr, buf, len);
}
