/* S3 suspend and resume of the machine (docs/s3.md).
 *
 * QEMU 7.2: PM1_CNT SLP_EN with SLP_TYP 1 (hw/acpi/core.c
 * acpi_pm1_cnt_write) calls qemu_system_suspend_request; the main loop
 * (softmmu/runstate.c qemu_system_suspend) pauses every vCPU and
 * notifies the suspend notifiers. A wake-up (qemu_system_wakeup_request)
 * runs qemu_system_wakeup, which for pc/q35 (no MachineClass::wakeup) is
 * qemu_system_reset: every device and every vCPU is reset, RAM is kept.
 * So after S3 each present vCPU is at its reset state (SMBASE 0x30000,
 * not in SMM, nothing pending), the chipset and fw_cfg are reset (0x9C
 * unlocked, TSEG open, D_LCK clear, SMI_EN/SMI_LOCK clear), the SMI
 * feature negotiation is cleared (ich9_lpc_reset), and the CPU hotplug
 * block keeps its state (it has no reset handler; modern mode stays).
 *
 * What starts where: the BSP at the firmware's S3 resume entry in flat
 * 64-bit mode (as machine_power_on starts it at the firmware entry: our
 * stand-in for the reset vector plus OVMF's CMOS 0xF = 0xFE test), boot
 * APs at the firmware's AP park routine (as at power-on: the stand-in
 * for PEI's MpInitLib wake-up), every other present CPU (hot-added) in
 * wait-for-SIPI: what happens to it next is the firmware's business.
 */
#include "run_internal.h"
#include "sev.h"

#include <stdio.h>
#include <string.h>

#include "smmhp/mailbox.h"
#include "smmhp/ports.h"

/* Virtual time the machine sleeps in S3. The wake-up is immediate: the
 * scenario's next step is what wakes it (QEMU's system_wakeup), and no
 * guest instruction runs while suspended, so any value gives the same
 * trace except for the clock. */
#define S3_SLEEP_NS 0ull

/* fw_cfg "etc/system-states" (hw/acpi/core.c acpi_pm1_cnt_init, ICH9
 * defaults disable_s3 = 0, disable_s4 = 0, s4_val = 2): byte n describes
 * S<n>; bit 7 = enabled, low bits = the SLP_TYP value. */
static uint8_t system_states[6] = { 128, 0, 0, 129, 128 | 2, 128 };

int s3_machine_init(struct machine *m)
{
  return fwcfg_add_file(&m->fwcfg, "etc/system-states", system_states, sizeof system_states, true,
                        NULL, NULL, NULL) < 0 ? -1 : 0;
}

void s3_platform_info(struct machine *m)
{
  struct smmhp_platform_info *pi = (void *)(m->ram + SMMHP_PLATFORM_INFO_ADDR);
  const struct elfsym *res = elfimage_find(&m->os, "os_resume");
  pi->os_resume_entry = res ? (uint32_t)res->addr : 0;
}

/* x86_cpu_reset: the parts of struct vcpu a reset defines. Statistics
 * (instructions, SMM entries) and the APIC ID survive. */
static void reset_vcpu(struct vcpu *v)
{
  v->in_smm = false;
  v->smbase = SMMHP_DEFAULT_SMBASE;
  v->relocated = false;
  v->smi_pending = v->init_pending = v->sipi_pending = false;
  v->nmi_blocked = false;
  v->sipi_vector = 0;
  v->icr_high = v->icr_low = 0;
  v->resume_sleep = v->was_wait_sipi = false;
  v->x2apic = false;
  v->bsp = v->slot == 0;
  v->feature_control = 0;
  v->pending_rsm = v->halted_now = v->fault = v->dead = false;
  v->spinning = false;
  v->wake_time = 0;
  v->entry_smbase = 0;
}

int s3_cycle(struct machine *m, char *err, size_t errlen)
{
  const struct elfsym *entry = elfimage_find(&m->fw, "smmhp_s3_resume_entry");
  const struct elfsym *park = elfimage_find(&m->fw, "smmhp_ap_park");
  unsigned present = 0;

  m->s3_pending = false;
  if (!entry || !park) {
    snprintf(err, errlen, "%s: no symbol %s", m->fw.path, entry ? "smmhp_ap_park" : "smmhp_s3_resume_entry");
    return -1;
  }
  for (unsigned i = 0; i < m->ncpus; i++)
    present += m->cpu[i].state != VCPU_ABSENT;
  machine_event(m, "s3_suspend present_cpus=%u", present);

  m->vtime += S3_SLEEP_NS;

  /* qemu_system_reset: devices (the hotplug block has no reset) */
  chipset_reset(&m->chipset);
  smi_features_reset(&m->smif);
  fwcfg_reset(&m->fwcfg);

  /* ... and every vCPU */
  for (unsigned i = 0; i < m->ncpus; i++) {
    struct vcpu *v = &m->cpu[i];
    if (v->state == VCPU_ABSENT)
      continue;
    reset_vcpu(v);
    if (i == 0)
      cpu_start_flat(m, v, entry->addr, SMMHP_BOOT_STACK_TOP);
    else if (i < m->cfg.boot_cpus)
      cpu_start_flat(m, v, park->addr, SMMHP_BOOT_STACK_TOP - 0x1000ull * i);
    else
      cpu_do_init(m, v); /* wait-for-SIPI */
  }
  m->phase = SMMHP_PHASE_RESET;
  sev_s3_resume(m); /* no AmdSevDxe on resume: the initial map stays private (B11) */
  m->stop_requested = false;
  views_apply(m); /* TSEG open, 0x30000 window plain RAM again */
  machine_event(m, "s3_resume present_cpus=%u resume_entry=smmhp_s3_resume_entry", present);
  return 0;
}
