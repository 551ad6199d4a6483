/* QEMU ACPI CPU hotplug register block: legacy bitmap, switch, modern
 * block. Behaviour follows QEMU 7.2 (Debian 7.2+dfsg-7, stable 7.2.22):
 * hw/acpi/cpu_hotplug.c and hw/acpi/cpu.c; see docs/platform-devices.md. */
#include "dev_cpuhp.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int cpuhp_init(struct cpuhp *hp, uint32_t dev_count, const uint64_t *arch_ids)
{
  memset(hp, 0, sizeof(*hp));
  if (dev_count == 0)
    return -1; /* QEMU asserts dev_count != 0 in cpu_hotplug_wr */
  hp->slots = calloc(dev_count, sizeof(*hp->slots));
  if (!hp->slots)
    return -1;
  hp->dev_count = dev_count;
  for (uint32_t i = 0; i < dev_count; i++)
    hp->slots[i].arch_id = arch_ids ? arch_ids[i] : i;
  hp->legacy = true; /* ich9_pm_add_properties: cpu_hotplug_legacy = true */
  return 0;
}

void cpuhp_free(struct cpuhp *hp)
{
  free(hp->slots);
  hp->slots = NULL;
  hp->dev_count = 0;
}

uint32_t cpuhp_io_len(const struct cpuhp *hp)
{
  return hp->legacy ? CPUHP_LEGACY_LEN : CPUHP_MODERN_LEN;
}

/* The memory core rejects accesses not aligned to their size
 * (memory_region_access_valid): reads give 0, writes are dropped. */
static bool access_ok(uint32_t off, unsigned size)
{
  if (size != 1 && size != 2 && size != 4)
    return false;
  return (off & (size - 1)) == 0;
}

static uint32_t size_mask(unsigned size)
{
  return size >= 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1);
}

/* acpi_switch_to_modern_cphp + cpu_hotplug_hw_init: the modern state is
 * built from the CPUs that exist now, with no pending events. */
static void switch_to_modern(struct cpuhp *hp)
{
  if (!hp->legacy)
    return;
  hp->legacy = false;
  for (uint32_t i = 0; i < hp->dev_count; i++) {
    struct cpuhp_slot *s = &hp->slots[i];
    s->is_inserting = s->is_removing = s->fw_remove = false;
    s->ost_event = s->ost_status = 0;
  }
  ev_emit(hp->ev, "cpuhp_modern_switch");
}

/* --- legacy block: byte-wise (impl.max_access_size = 1 since 7.2.1) --- */

static uint32_t legacy_read(struct cpuhp *hp, uint32_t off, unsigned size)
{
  uint32_t val = 0;
  for (unsigned i = 0; i < size; i++) {
    uint32_t a = off + i;
    uint8_t b = a < CPUHP_LEGACY_LEN ? hp->legacy_sts[a] : 0;
    val |= (uint32_t)b << (8 * i);
  }
  return val;
}

static void legacy_write(struct cpuhp *hp, uint32_t off, unsigned size, uint32_t val)
{
  /* cpu_status_write: only "address 0, data 0" means anything (switch);
   * the bitmap itself is read-only. Later bytes of a split access still
   * reach the legacy handler and do nothing. */
  for (unsigned i = 0; i < size; i++) {
    if (off + i == 0 && ((val >> (8 * i)) & 0xFF) == 0)
      switch_to_modern(hp);
  }
}

/* --- modern block (cpu_hotplug_rd / cpu_hotplug_wr) --- */

static uint32_t modern_read(struct cpuhp *hp, uint32_t off)
{
  if (hp->selector >= hp->dev_count)
    return 0;
  const struct cpuhp_slot *s = &hp->slots[hp->selector];
  uint32_t val = 0;
  switch (off) {
  case CPUHP_OFF_FLAGS:
    val |= s->present ? CPUHP_STS_ENABLED : 0;
    val |= s->is_inserting ? CPUHP_STS_INSERT : 0;
    val |= s->is_removing ? CPUHP_STS_REMOVE : 0;
    val |= s->fw_remove ? CPUHP_STS_FW_REMOVE : 0;
    ev_emit(hp->trace, "cpuhp_acpi_read_flags idx[0x%" PRIx32 "] flags: 0x%" PRIx8,
            hp->selector, (uint8_t)val);
    break;
  case CPUHP_OFF_CMD_DATA:
    if (hp->command == CPUHP_CMD_GET_PENDING)
      val = hp->selector;
    else if (hp->command == CPUHP_CMD_GET_CPU_ID)
      val = (uint32_t)(s->arch_id & 0xFFFFFFFFu);
    ev_emit(hp->trace, "cpuhp_acpi_read_cmd_data idx[0x%" PRIx32 "] data: 0x%" PRIx32,
            hp->selector, val);
    break;
  case CPUHP_OFF_SELECTOR: /* command data 2 */
    if (hp->command == CPUHP_CMD_GET_CPU_ID)
      val = (uint32_t)(s->arch_id >> 32);
    ev_emit(hp->trace, "cpuhp_acpi_read_cmd_data2 idx[0x%" PRIx32 "] data: 0x%" PRIx32,
            hp->selector, val);
    break;
  default:
    break;
  }
  return val;
}

static void do_eject(struct cpuhp *hp, struct cpuhp_slot *s)
{
  uint32_t idx = hp->selector;
  if (!s->present || idx == hp->first_cpu) {
    ev_emit(hp->trace, "cpuhp_acpi_ejecting_invalid_cpu 0x%" PRIx32, idx);
    return;
  }
  ev_emit(hp->trace, "cpuhp_acpi_ejecting_cpu 0x%" PRIx32, idx);
  ev_emit(hp->ev, "cpuhp_eject slot=%" PRIu32 " apic=0x%" PRIx64, idx, s->arch_id);
  /* hotplug_handler_unplug -> acpi_cpu_unplug_cb (cpu = NULL), then the
   * vCPU object is destroyed; only then is fw_remove cleared. */
  s->present = false;
  if (hp->eject)
    hp->eject(hp->opaque, idx);
  s->fw_remove = false;
}

static void write_control(struct cpuhp *hp, uint32_t data)
{
  struct cpuhp_slot *s = &hp->slots[hp->selector];
  uint32_t idx = hp->selector;
  /* An else-if chain: only the lowest of bits 1..4 acts. */
  if (data & CPUHP_STS_INSERT) {
    s->is_inserting = false;
    ev_emit(hp->trace, "cpuhp_acpi_clear_inserting_evt idx[0x%" PRIx32 "]", idx);
  } else if (data & CPUHP_STS_REMOVE) {
    s->is_removing = false;
    ev_emit(hp->trace, "cpuhp_acpi_clear_remove_evt idx[0x%" PRIx32 "]", idx);
  } else if (data & CPUHP_STS_EJECT) {
    do_eject(hp, s);
  } else if (data & CPUHP_STS_FW_REMOVE) {
    if (!s->present || idx == hp->first_cpu) {
      ev_emit(hp->trace, "cpuhp_acpi_fw_remove_invalid_cpu 0x%" PRIx32, idx);
      return;
    }
    ev_emit(hp->trace, "cpuhp_acpi_fw_remove_cpu 0x%" PRIx32, idx);
    s->fw_remove = true;
  }
}

/* GET_PENDING: from the selector (inclusive), one lap at most, wrapping. */
static void scan_pending(struct cpuhp *hp)
{
  uint32_t iter = hp->selector;
  do {
    const struct cpuhp_slot *s = &hp->slots[iter];
    if (s->is_inserting || s->is_removing || (s->fw_remove && !hp->scan_ignores_fw_remove)) {
      hp->selector = iter;
      ev_emit(hp->trace, "cpuhp_acpi_cpu_has_events idx[0x%" PRIx32 "] inserting: %d, removing: %d",
              hp->selector, s->is_inserting, s->is_removing);
      return;
    }
    iter = iter + 1 < hp->dev_count ? iter + 1 : 0;
  } while (iter != hp->selector);
}

static void modern_write(struct cpuhp *hp, uint32_t off, uint32_t data)
{
  /* Offset 0 is always accepted: it is how a bad selector is repaired. */
  if (off != CPUHP_OFF_SELECTOR && hp->selector >= hp->dev_count) {
    ev_emit(hp->trace, "cpuhp_acpi_invalid_idx_selected 0x%" PRIx32, hp->selector);
    return;
  }
  struct cpuhp_slot *s;
  switch (off) {
  case CPUHP_OFF_SELECTOR:
    hp->selector = data;
    ev_emit(hp->trace, "cpuhp_acpi_write_idx set active cpu idx: 0x%" PRIx32, hp->selector);
    break;
  case CPUHP_OFF_FLAGS:
    write_control(hp, data);
    break;
  case CPUHP_OFF_CMD:
    ev_emit(hp->trace, "cpuhp_acpi_write_cmd idx[0x%" PRIx32 "] cmd: 0x%" PRIx8,
            hp->selector, (uint8_t)data);
    if (data < CPUHP_CMD_MAX) {
      hp->command = (uint8_t)data;
      if (hp->command == CPUHP_CMD_GET_PENDING)
        scan_pending(hp);
    }
    break;
  case CPUHP_OFF_CMD_DATA:
    s = &hp->slots[hp->selector];
    if (hp->command == CPUHP_CMD_OST_EVENT) {
      s->ost_event = data;
      ev_emit(hp->trace, "cpuhp_acpi_write_ost_ev idx[0x%" PRIx32 "] OST EVENT: 0x%" PRIx32,
              hp->selector, s->ost_event);
    } else if (hp->command == CPUHP_CMD_OST_STATUS) {
      s->ost_status = data;
      /* QMP ACPI_DEVICE_OST event */
      ev_emit(hp->ev, "acpi_device_ost slot=%" PRIu32 " source=0x%" PRIx32 " status=0x%" PRIx32,
              hp->selector, s->ost_event, s->ost_status);
      ev_emit(hp->trace, "cpuhp_acpi_write_ost_status idx[0x%" PRIx32 "] OST STATUS: 0x%" PRIx32,
              hp->selector, s->ost_status);
    }
    break;
  default:
    break;
  }
}

uint32_t cpuhp_read(struct cpuhp *hp, uint32_t off, unsigned size)
{
  if (!access_ok(off, size))
    return 0;
  if (hp->legacy && hp->legacy_byte_only && size > 1) {
    ev_emit(hp->ev, "cpuhp_legacy_access_rejected off=0x%x size=%u write=0", off, size);
    return 0;
  }
  if (hp->legacy)
    return legacy_read(hp, off, size);
  return modern_read(hp, off) & size_mask(size);
}

void cpuhp_write(struct cpuhp *hp, uint32_t off, unsigned size, uint32_t val)
{
  if (!access_ok(off, size))
    return;
  val &= size_mask(size);
  if (hp->legacy && hp->legacy_byte_only && size > 1) {
    ev_emit(hp->ev, "cpuhp_legacy_access_rejected off=0x%x size=%u write=1", off, size);
    return;
  }
  if (hp->legacy)
    legacy_write(hp, off, size, val);
  else
    modern_write(hp, off, val);
}

/* --- machine side --- */

static void send_gpe(struct cpuhp *hp)
{
  if (hp->gpe)
    hp->gpe(hp->opaque);
}

void cpuhp_plug(struct cpuhp *hp, uint32_t slot, bool hotplug)
{
  if (slot >= hp->dev_count)
    return;
  struct cpuhp_slot *s = &hp->slots[slot];
  s->present = true;
  ev_emit(hp->ev, "cpuhp_plug slot=%" PRIu32 " apic=0x%" PRIx64 " hotplug=%d",
          slot, s->arch_id, hotplug);
  if (hp->legacy) {
    /* legacy_acpi_cpu_plug_cb: set the present bit; an APIC ID beyond the
     * bitmap switches to modern mode instead. GPE is sent either way. */
    if (s->arch_id / 8 >= CPUHP_LEGACY_LEN)
      switch_to_modern(hp);
    else
      hp->legacy_sts[s->arch_id / 8] |= (uint8_t)(1u << (s->arch_id % 8));
    if (hotplug)
      send_gpe(hp);
    return;
  }
  /* acpi_cpu_plug_cb: only a hot-plugged device gets the insert event */
  if (hotplug) {
    s->is_inserting = true;
    send_gpe(hp);
  }
}

bool cpuhp_unplug_request(struct cpuhp *hp, uint32_t slot)
{
  if (slot >= hp->dev_count)
    return false;
  if (hp->legacy) {
    /* ich9_pm_device_unplug_request_cb: CPUs only in modern mode */
    ev_emit(hp->ev, "device_del_refused slot=%" PRIu32 " reason=legacy_cpu_hotplug", slot);
    return false;
  }
  hp->slots[slot].is_removing = true;
  ev_emit(hp->ev, "cpuhp_unplug_request slot=%" PRIu32, slot);
  send_gpe(hp);
  return true;
}

void cpuhp_unplug(struct cpuhp *hp, uint32_t slot)
{
  if (slot >= hp->dev_count)
    return;
  /* acpi_cpu_unplug_cb; the legacy bitmap is never cleared */
  hp->slots[slot].present = false;
  ev_emit(hp->ev, "cpuhp_unplug slot=%" PRIu32, slot);
}

int64_t cpuhp_slot_of_apic_id(const struct cpuhp *hp, uint64_t apic_id)
{
  for (uint32_t i = 0; i < hp->dev_count; i++)
    if (hp->slots[i].arch_id == apic_id)
      return i;
  return -1;
}
