/* QEMU ACPI CPU hotplug register block (ICH9 LPC, IO 0x0CD8).
 *
 * Starts as the legacy 32-byte CPU-present bitmap (hw/acpi/cpu_hotplug.c)
 * and switches to the 12-byte "modern" block (hw/acpi/cpu.c) when the
 * guest writes 0 to offset 0, as QEMU 7.2 does. Offsets are relative to
 * the block base; the machine routes ports base..base+cpuhp_io_len()-1.
 * docs/platform-devices.md cites the QEMU function behind each rule.
 */
#ifndef SMMHP_DEV_CPUHP_H
#define SMMHP_DEV_CPUHP_H

#include <stdbool.h>
#include <stdint.h>

#include "evsink.h"

#define CPUHP_LEGACY_LEN  32u  /* ACPI_GPE_PROC_LEN: one bit per APIC ID < 256 */
#define CPUHP_MODERN_LEN  12u  /* ACPI_CPU_HOTPLUG_REG_LEN */

/* Register offsets of the modern block. */
#define CPUHP_OFF_SELECTOR   0x0 /* write: selector; read: command data 2 */
#define CPUHP_OFF_FLAGS      0x4 /* read: status; write: control */
#define CPUHP_OFF_CMD        0x5 /* write: command */
#define CPUHP_OFF_CMD_DATA   0x8 /* read/write: command data */

/* Status byte (offset 4) bits. */
#define CPUHP_STS_ENABLED    0x01
#define CPUHP_STS_INSERT     0x02
#define CPUHP_STS_REMOVE     0x04
#define CPUHP_STS_EJECT      0x08 /* control only: eject; reads 0 */
#define CPUHP_STS_FW_REMOVE  0x10

enum cpuhp_cmd {
  CPUHP_CMD_GET_PENDING = 0,
  CPUHP_CMD_OST_EVENT = 1,
  CPUHP_CMD_OST_STATUS = 2,
  CPUHP_CMD_GET_CPU_ID = 3,
  CPUHP_CMD_MAX = 4,
};

/* One possible-CPU slot (QEMU AcpiCpuStatus). */
struct cpuhp_slot {
  bool present;          /* QEMU: cdev->cpu != NULL */
  uint64_t arch_id;      /* APIC ID */
  bool is_inserting;
  bool is_removing;
  bool fw_remove;
  uint32_t ost_event;
  uint32_t ost_status;
};

struct cpuhp {
  bool legacy;                        /* true until the switch to modern */
  uint8_t legacy_sts[CPUHP_LEGACY_LEN];
  uint32_t dev_count;                 /* possible CPUs */
  struct cpuhp_slot *slots;           /* dev_count entries, owned */
  uint32_t selector;
  uint8_t command;
  uint32_t first_cpu;                 /* slot of QEMU's first_cpu (boot CPU) */
  /* QEMU 5.1 .. 7.2.0 under TCG (`machine ... qemu=`, docs/bugs.md B8):
   * the legacy block has valid.max_access_size = 1, so the memory core
   * rejects wider accesses before the handler: reads 0, writes dropped
   * (event cpuhp_legacy_access_rejected). Fixed by QEMU dab30fbef389. */
  bool legacy_byte_only;
  /* The v1 "firmware performs eject" patch (qemu-devel 2020-12-04, never
   * released; `machine ... qemu=unplug-v1`, docs/bugs.md B5): GET_PENDING
   * scans for is_inserting || is_removing only, not fw_remove. */
  bool scan_ignores_fw_remove;

  /* Eject (control bit 3) destroys the vCPU: the machine does that here.
   * The slot is already marked not present when it is called. */
  void (*eject)(void *opaque, uint32_t slot);
  /* acpi_send_event(ACPI_CPU_HOTPLUG_STATUS): GPE0 bit 2 -> SCI. Optional. */
  void (*gpe)(void *opaque);
  void *opaque;

  const struct evsink *ev;     /* our structured events */
  const struct evsink *trace;  /* QEMU 7.2 hw/acpi/trace-events lines */
};

/* dev_count slots with their APIC IDs, none present, legacy mode.
 * Returns 0, or -1 (dev_count 0 or out of memory). */
int cpuhp_init(struct cpuhp *hp, uint32_t dev_count, const uint64_t *arch_ids);
void cpuhp_free(struct cpuhp *hp);

/* Ports the block currently decodes from its base: 32 legacy, 12 modern. */
uint32_t cpuhp_io_len(const struct cpuhp *hp);

/* Guest IN/OUT at base+off of size 1, 2 or 4 bytes. */
uint32_t cpuhp_read(struct cpuhp *hp, uint32_t off, unsigned size);
void cpuhp_write(struct cpuhp *hp, uint32_t off, unsigned size, uint32_t val);

/* Machine side. plug: the vCPU of slot exists now; hotplug = added at run
 * time (device_add), which alone sets is_inserting. Cold-plugged CPUs pass
 * false. unplug_request: device_del (sets is_removing); returns false when
 * QEMU would refuse it (legacy mode). unplug: the vCPU is gone. */
void cpuhp_plug(struct cpuhp *hp, uint32_t slot, bool hotplug);
bool cpuhp_unplug_request(struct cpuhp *hp, uint32_t slot);
void cpuhp_unplug(struct cpuhp *hp, uint32_t slot);

/* Slot whose arch_id is apic_id, or -1. */
int64_t cpuhp_slot_of_apic_id(const struct cpuhp *hp, uint64_t apic_id);

#endif
