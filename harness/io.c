/* Port I/O dispatch, the local APIC MMIO page, the debug console and the
 * harness service port. Device semantics live in the dev_* models; this
 * file routes accesses and applies their effects to vCPUs. */
#include "run_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "smmhp/mailbox.h"
#include "smmhp/ports.h"

/* one nanosecond of virtual time per retired instruction */
#define VTIME_PER_US 1000u

static void debugcon_byte(struct machine *m, struct vcpu *v, uint8_t c)
{
  unsigned *len = &m->dbg_len[v->slot];
  char *line = m->dbg_line[v->slot];

  if (c == '\r')
    return;
  if (c != '\n' && *len < sizeof m->dbg_line[0] - 1) {
    line[(*len)++] = (char)c;
    return;
  }
  line[*len] = '\0';
  for (char *p = line; *p; p++)
    if (*p == '"')
      *p = '\'';
  machine_event(m, "debug cpu=%d smm=%d msg=\"%s\"", v->slot, v->in_smm, line);
  *len = 0;
}

static void read_guest_string(struct machine *m, uint64_t addr, char *buf, size_t len)
{
  size_t i = 0;
  for (; i + 1 < len && addr + i < m->ram_size; i++) {
    char c = (char)m->ram[addr + i];
    if (!c)
      break;
    buf[i] = c == '"' ? '\'' : c;
  }
  buf[i] = '\0';
}

static void service(struct machine *m, struct vcpu *v, uint32_t code)
{
  uc_engine *uc = m->uc[m->cur_view];
  uint64_t rbx = 0, rcx = 0;
  char msg[200];

  uc_reg_read(uc, UC_X86_REG_RBX, &rbx);
  uc_reg_read(uc, UC_X86_REG_RCX, &rcx);
  switch (code) {
  case SMMHP_SVC_DELAY_US:
    v->wake_time = m->vtime + rbx * VTIME_PER_US;
    v->state = VCPU_SLEEP;
    sched_touch(m, v);
    m->stop_requested = true;
    break;
  case SMMHP_SVC_PHASE:
    m->phase = (int)rbx;
    machine_event(m, "phase cpu=%d phase=%" PRIu64, v->slot, rbx);
    m->stop_requested = true;
    break;
  case SMMHP_SVC_OS_REPORT:
    machine_event(m, "os_report cpu=%d code=%" PRIu64 " arg=%" PRIu64, v->slot, rbx, rcx);
    if (rbx == SMMHP_OS_EV_READY)
      m->os_ready = true;
    break;
  case SMMHP_SVC_FATAL:
    read_guest_string(m, rbx, msg, sizeof msg);
    machine_event(m, "firmware_fatal cpu=%d smm=%d reason=\"%s\"", v->slot, v->in_smm, msg);
    m->fatal = true;
    m->stop_requested = true;
    break;
  case SMMHP_SVC_UNSUPPORTED:
    read_guest_string(m, rbx, msg, sizeof msg);
    machine_event(m, "firmware_unsupported cpu=%d smm=%d reason=\"%s\"", v->slot, v->in_smm, msg);
    m->fatal = m->unsupported = true;
    m->stop_requested = true;
    break;
  case SMMHP_SVC_CLOCK_NS: {
    uint64_t now = m->vtime, high = now >> 32; /* one instruction, one nanosecond */
    uc_reg_write(uc, UC_X86_REG_RAX, &now);
    if (m->fw.bits == 32)
      uc_reg_write(uc, UC_X86_REG_RCX, &high); /* IA32 firmware's high half */
    break;
  }
  default:
    machine_event(m, "service_unknown cpu=%d code=%u", v->slot, code);
    break;
  }
}

uint32_t io_read(struct machine *m, struct vcpu *v, uint16_t port, unsigned size)
{
  m->wgen++; /* device state is not memory: a loop reading a port never parks */
  uint32_t val = 0xFFFFFFFFu >> (32 - 8 * size);

  if (port >= SMMHP_PORT_CPUHP_BASE && port < SMMHP_PORT_CPUHP_BASE + cpuhp_io_len(&m->cpuhp))
    return cpuhp_read(&m->cpuhp, port - SMMHP_PORT_CPUHP_BASE, size);
  if (fwcfg_io_read(&m->fwcfg, port, size, &val))
    return val;
  if (chipset_io_read(&m->chipset, port, size, &val))
    return val;
  if (port == SMMHP_PORT_DEBUGCON)
    return 0xE9; /* isa-debugcon read-back value */
  (void)v;
  return val;
}

void io_write(struct machine *m, struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
  m->wgen++;
  if (port == SMMHP_PORT_DEBUGCON) {
    debugcon_byte(m, v, (uint8_t)val);
    return;
  }
  if (port == SMMHP_PORT_SERVICE) {
    service(m, v, val);
    return;
  }
  if (port >= SMMHP_PORT_CPUHP_BASE && port < SMMHP_PORT_CPUHP_BASE + cpuhp_io_len(&m->cpuhp)) {
    cpuhp_write(&m->cpuhp, port - SMMHP_PORT_CPUHP_BASE, size, val);
    return;
  }
  if (fwcfg_io_write(&m->fwcfg, port, size, val))
    return;
  if (chipset_io_write(&m->chipset, port, size, val))
    return;
}

/* ---- local APIC (xAPIC MMIO page at 0xFEE00000) --------------------------- */

#define LAPIC_ID      0x20
#define LAPIC_VERSION 0x30
#define LAPIC_SVR     0xF0
#define LAPIC_ICR_LO  0x300
#define LAPIC_ICR_HI  0x310

static uint64_t lapic_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
  struct machine *m = opaque;
  struct vcpu *v = m->cur;
  (void)uc; (void)size;
  if (!v)
    return 0;
  switch (off & ~3ull) {
  case LAPIC_ID: return (uint64_t)v->apic_id << 24;
  case LAPIC_VERSION: return 0x00050014;
  case LAPIC_SVR: return 0x1FF;
  case LAPIC_ICR_LO: return v->icr_low & ~(1u << 12); /* delivery status: idle */
  case LAPIC_ICR_HI: return v->icr_high;
  default: return 0;
  }
}

static void lapic_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val, void *opaque)
{
  struct machine *m = opaque;
  struct vcpu *v = m->cur;
  (void)uc; (void)size;
  if (!v || v->x2apic)
    return; /* xAPIC MMIO is disabled in x2APIC mode (SDM 10.12.1.2) */
  m->wgen++;
  switch (off & ~3ull) {
  case LAPIC_ICR_HI:
    v->icr_high = (uint32_t)val;
    break;
  case LAPIC_ICR_LO:
    v->icr_low = (uint32_t)val;
    /* xAPIC: only 8 destination bits, ICR high 31:24 */
    machine_send_ipi(m, v, (uint32_t)val, v->icr_high >> 24, false);
    break;
  default:
    break;
  }
}

int lapic_map(struct machine *m, enum view vw)
{
  return uc_mmio_map(m->uc[vw], SMMHP_LAPIC_BASE, SMMHP_LAPIC_SIZE, lapic_read, m, lapic_write, m) ? -1 : 0;
}
