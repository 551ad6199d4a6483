/* dev_cpuhp: QEMU CPU hotplug register block, legacy and modern.
 * Cases from platform-facts.md 1.1 / 1.2, checked against QEMU 7.2
 * hw/acpi/cpu.c and hw/acpi/cpu_hotplug.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dev_cpuhp.h"

#define MAX_LINES 64
struct capture {
  char lines[MAX_LINES][160];
  int n;
};

static void cap_emit(void *ctx, const char *line)
{
  struct capture *c = ctx;
  if (c->n < MAX_LINES)
    snprintf(c->lines[c->n++], sizeof(c->lines[0]), "%s", line);
}

static bool cap_has(const struct capture *c, const char *line)
{
  for (int i = 0; i < c->n; i++)
    if (strcmp(c->lines[i], line) == 0)
      return true;
  return false;
}

static bool cap_has_prefix(const struct capture *c, const char *prefix)
{
  for (int i = 0; i < c->n; i++)
    if (strncmp(c->lines[i], prefix, strlen(prefix)) == 0)
      return true;
  return false;
}

struct fixture {
  struct cpuhp hp;
  struct capture ev, tr;
  struct evsink evs, trs;
  int ejected[8];
  int n_ejected;
  int gpes;
};

static void on_eject(void *opaque, uint32_t slot)
{
  struct fixture *f = opaque;
  f->ejected[f->n_ejected++] = (int)slot;
}

static void on_gpe(void *opaque)
{
  ((struct fixture *)opaque)->gpes++;
}

/* 4 possible CPUs, APIC IDs 0..3, CPUs 0 and 1 cold-plugged. */
static int setup(void **state)
{
  static struct fixture f;
  memset(&f, 0, sizeof(f));
  uint64_t ids[4] = { 0, 1, 2, 3 };
  assert_int_equal(cpuhp_init(&f.hp, 4, ids), 0);
  f.evs = (struct evsink){ cap_emit, &f.ev };
  f.trs = (struct evsink){ cap_emit, &f.tr };
  f.hp.ev = &f.evs;
  f.hp.trace = &f.trs;
  f.hp.eject = on_eject;
  f.hp.gpe = on_gpe;
  f.hp.opaque = &f;
  cpuhp_plug(&f.hp, 0, false);
  cpuhp_plug(&f.hp, 1, false);
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  cpuhp_free(&f->hp);
  return 0;
}

/* OVMF's detection: selector 0 twice (the first switches), command 0. */
static void go_modern(struct fixture *f)
{
  cpuhp_write(&f->hp, 0, 4, 0);
  cpuhp_write(&f->hp, 0, 4, 0);
  cpuhp_write(&f->hp, 5, 1, 0);
  f->tr.n = 0;
  f->ev.n = 0;
}

static void sel(struct fixture *f, uint32_t s) { cpuhp_write(&f->hp, 0, 4, s); }
static uint32_t flags(struct fixture *f) { return cpuhp_read(&f->hp, 4, 1); }

/* 1.2: before the switch, a 32-byte read-only CPU-present bitmap. */
static void test_legacy_bitmap(void **state)
{
  struct fixture *f = *state;
  assert_true(f->hp.legacy);
  assert_int_equal(cpuhp_io_len(&f->hp), 32);
  assert_int_equal(cpuhp_read(&f->hp, 0, 1), 0x03);
  assert_int_equal(cpuhp_read(&f->hp, 0, 4), 0x03);
  /* a non-zero write is not a switch and the bitmap is read-only */
  cpuhp_write(&f->hp, 0, 1, 0xFF);
  assert_true(f->hp.legacy);
  assert_int_equal(cpuhp_read(&f->hp, 0, 1), 0x03);
  /* hot-plug in legacy mode sets the bit, no insert event */
  cpuhp_plug(&f->hp, 2, true);
  assert_int_equal(cpuhp_read(&f->hp, 0, 1), 0x07);
  assert_false(f->hp.slots[2].is_inserting);
  assert_int_equal(f->gpes, 1);
}

/* 1.2: "a write with address 0 and data 0 switches"; 7.2.1 splits DWORD
 * accesses into bytes, so only the low byte at address 0 counts. */
static void test_legacy_switch(void **state)
{
  struct fixture *f = *state;
  cpuhp_write(&f->hp, 0, 4, 0x100);
  assert_false(f->hp.legacy);
  assert_int_equal(cpuhp_io_len(&f->hp), 12);
  assert_true(cap_has(&f->ev, "cpuhp_modern_switch"));
  /* modern state built from existing CPUs, no events */
  assert_true(f->hp.slots[0].present && f->hp.slots[1].present);
  assert_false(f->hp.slots[2].present);
}

/* 1.2: a write of 0 at a non-zero address does not switch. */
static void test_legacy_no_switch_elsewhere(void **state)
{
  struct fixture *f = *state;
  cpuhp_write(&f->hp, 1, 1, 0);
  cpuhp_write(&f->hp, 4, 4, 0);
  assert_true(f->hp.legacy);
}

/* 1.1: the spec's detection sequence reads Command data 2 == 0. */
static void test_modern_detection(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  assert_int_equal(cpuhp_read(&f->hp, 0, 4), 0);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 0); /* selector of the scan */
}

/* 1.1: status bits; cold plug has no insert event; bit3 reads 0. */
static void test_status_bits(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  sel(f, 0);
  assert_int_equal(flags(f), 0x01);
  cpuhp_plug(&f->hp, 2, true);
  assert_int_equal(f->gpes, 1);
  sel(f, 2);
  assert_int_equal(flags(f), 0x03);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_read_flags idx[0x2] flags: 0x3"));
  sel(f, 3);
  assert_int_equal(flags(f), 0x00);
}

/* 1.1: selector >= dev_count: reads 0, writes except offset 0 ignored. */
static void test_selector_out_of_range(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  cpuhp_write(&f->hp, 5, 1, 3); /* GET_CPU_ID while valid */
  sel(f, 4);
  assert_int_equal(cpuhp_read(&f->hp, 0, 4), 0);
  assert_int_equal(cpuhp_read(&f->hp, 4, 1), 0);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 0);
  cpuhp_write(&f->hp, 5, 1, 0); /* ignored: no scan, command stays 3 */
  assert_int_equal(f->hp.command, 3);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_invalid_idx_selected 0x4"));
  cpuhp_write(&f->hp, 4, 1, 0x10);
  cpuhp_write(&f->hp, 8, 4, 0x55);
  /* offset 0 repairs it */
  sel(f, 1);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 1); /* APIC ID of slot 1 */
}

/* 1.1: "writing e.g. 0x0A only clears the insert event; it does not eject" */
static void test_0x0a_clears_insert_only(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  cpuhp_plug(&f->hp, 2, true);
  sel(f, 2);
  cpuhp_write(&f->hp, 4, 1, 0x0A);
  assert_int_equal(flags(f), 0x01);
  assert_int_equal(f->n_ejected, 0);
  assert_true(f->hp.slots[2].present);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_clear_inserting_evt idx[0x2]"));
}

/* 1.1: else-if chain: 0x0C clears the remove event and does not eject. */
static void test_0x0c_clears_remove_only(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  assert_true(cpuhp_unplug_request(&f->hp, 1));
  sel(f, 1);
  assert_int_equal(flags(f), 0x05);
  cpuhp_write(&f->hp, 4, 1, 0x0C);
  assert_int_equal(flags(f), 0x01);
  assert_int_equal(f->n_ejected, 0);
  /* bit0 and bits 5..7 alone do nothing */
  cpuhp_write(&f->hp, 4, 1, 0xE1);
  assert_int_equal(flags(f), 0x01);
}

/* 1.1: eject refused for no CPU and for the boot CPU (first_cpu). */
static void test_eject_refused(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  sel(f, 0);
  cpuhp_write(&f->hp, 4, 1, 0x08);
  assert_true(f->hp.slots[0].present);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_ejecting_invalid_cpu 0x0"));
  sel(f, 3);
  cpuhp_write(&f->hp, 4, 1, 0x08);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_ejecting_invalid_cpu 0x3"));
  assert_int_equal(f->n_ejected, 0);
}

/* 1.1: eject unplugs (callback), clears fw_remove only, keeps events. */
static void test_eject_clears_fw_remove_only(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  cpuhp_plug(&f->hp, 2, true);
  cpuhp_unplug_request(&f->hp, 2);
  sel(f, 2);
  cpuhp_write(&f->hp, 4, 1, 0x10);
  assert_int_equal(flags(f), 0x17);
  cpuhp_write(&f->hp, 4, 1, 0x08);
  assert_int_equal(f->n_ejected, 1);
  assert_int_equal(f->ejected[0], 2);
  assert_int_equal(flags(f), 0x06); /* not present, events kept */
  assert_false(f->hp.slots[2].fw_remove);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_ejecting_cpu 0x2"));
}

/* 1.1: bit4 sets fw_remove, refused for first_cpu / no CPU; clearing the
 * insert or remove event does not clear it. */
static void test_fw_remove(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  sel(f, 0);
  cpuhp_write(&f->hp, 4, 1, 0x10);
  assert_int_equal(flags(f), 0x01);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_fw_remove_invalid_cpu 0x0"));
  sel(f, 3);
  cpuhp_write(&f->hp, 4, 1, 0x10);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_fw_remove_invalid_cpu 0x3"));
  sel(f, 1);
  cpuhp_write(&f->hp, 4, 1, 0x10);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_fw_remove_cpu 0x1"));
  cpuhp_write(&f->hp, 4, 1, 0x02);
  cpuhp_write(&f->hp, 4, 1, 0x04);
  assert_int_equal(flags(f), 0x11);
}

/* 1.1: GET_PENDING starts at the selector (inclusive), wraps, and can
 * return a selector below the start; no event bits change. */
static void test_get_pending_wrap(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  cpuhp_plug(&f->hp, 2, true);
  sel(f, 2);
  cpuhp_write(&f->hp, 5, 1, 0);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 2); /* inclusive */
  assert_true(cap_has(&f->tr, "cpuhp_acpi_cpu_has_events idx[0x2] inserting: 1, removing: 0"));
  sel(f, 3);
  cpuhp_write(&f->hp, 5, 1, 0);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 2); /* wrapped: 2 < 3 */
  assert_true(f->hp.slots[2].is_inserting);
  /* fw_remove alone is an event too */
  sel(f, 2);
  cpuhp_write(&f->hp, 4, 1, 0x02);
  sel(f, 1);
  cpuhp_write(&f->hp, 4, 1, 0x10);
  sel(f, 2);
  cpuhp_write(&f->hp, 5, 1, 0);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 1);
}

/* 1.1: with no event anywhere a full lap leaves the selector unchanged. */
static void test_get_pending_none(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  sel(f, 3);
  cpuhp_write(&f->hp, 5, 1, 0);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 3);
  assert_false(cap_has_prefix(&f->tr, "cpuhp_acpi_cpu_has_events"));
}

/* 1.1: commands >= 4 are ignored (command unchanged). */
static void test_command_filter(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  sel(f, 1);
  cpuhp_write(&f->hp, 5, 1, 3);
  cpuhp_write(&f->hp, 5, 1, 4);
  assert_int_equal(f->hp.command, 3);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_write_cmd idx[0x1] cmd: 0x4"));
  cpuhp_write(&f->hp, 5, 1, 0xFF);
  assert_int_equal(f->hp.command, 3);
}

/* 1.1: GET_CPU_ID: data = low 32 bits of arch_id, data 2 = high. */
static void test_get_cpu_id(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  f->hp.slots[2].arch_id = 0x0000000500000007ull;
  sel(f, 2);
  cpuhp_write(&f->hp, 5, 1, 3);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 7);
  assert_int_equal(cpuhp_read(&f->hp, 0, 4), 5);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_read_cmd_data idx[0x2] data: 0x7"));
  assert_true(cap_has(&f->tr, "cpuhp_acpi_read_cmd_data2 idx[0x2] data: 0x5"));
  /* OST commands read back 0 */
  cpuhp_write(&f->hp, 5, 1, 1);
  assert_int_equal(cpuhp_read(&f->hp, 8, 4), 0);
}

/* 1.1: command data write: OST event / OST status (+ QMP event). */
static void test_ost(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  sel(f, 1);
  cpuhp_write(&f->hp, 5, 1, 1);
  cpuhp_write(&f->hp, 8, 4, 0x103);
  cpuhp_write(&f->hp, 5, 1, 2);
  cpuhp_write(&f->hp, 8, 4, 0x80);
  assert_int_equal(f->hp.slots[1].ost_event, 0x103);
  assert_int_equal(f->hp.slots[1].ost_status, 0x80);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_write_ost_ev idx[0x1] OST EVENT: 0x103"));
  assert_true(cap_has(&f->tr, "cpuhp_acpi_write_ost_status idx[0x1] OST STATUS: 0x80"));
  assert_true(cap_has(&f->ev, "acpi_device_ost slot=1 source=0x103 status=0x80"));
  /* GET_CPU_ID: command data writes ignored */
  cpuhp_write(&f->hp, 5, 1, 3);
  cpuhp_write(&f->hp, 8, 4, 0x1);
  assert_int_equal(f->hp.slots[1].ost_event, 0x103);
}

/* 1.1: selector write trace; byte write sets the whole selector. */
static void test_selector_write(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  cpuhp_write(&f->hp, 0, 1, 0x02);
  assert_int_equal(f->hp.selector, 2);
  assert_true(cap_has(&f->tr, "cpuhp_acpi_write_idx set active cpu idx: 0x2"));
}

/* memory_region_access_valid: unaligned accesses are dropped / read 0. */
static void test_unaligned(void **state)
{
  struct fixture *f = *state;
  go_modern(f);
  sel(f, 1);
  cpuhp_write(&f->hp, 2, 4, 0);
  assert_int_equal(f->hp.selector, 1);
  assert_int_equal(cpuhp_read(&f->hp, 6, 4), 0);
  /* word read at offset 4 dispatches on the start offset: status */
  assert_int_equal(cpuhp_read(&f->hp, 4, 2), 0x01);
}

/* 1.1/1.4: device_del sets is_removing (modern only); unplug clears
 * present. */
static void test_unplug_paths(void **state)
{
  struct fixture *f = *state;
  assert_false(cpuhp_unplug_request(&f->hp, 1)); /* legacy: refused */
  assert_true(cap_has_prefix(&f->ev, "device_del_refused slot=1"));
  go_modern(f);
  assert_true(cpuhp_unplug_request(&f->hp, 1));
  assert_true(f->hp.slots[1].is_removing);
  cpuhp_unplug(&f->hp, 1);
  sel(f, 1);
  assert_int_equal(flags(f), 0x04);
  assert_int_equal(cpuhp_slot_of_apic_id(&f->hp, 3), 3);
  assert_int_equal(cpuhp_slot_of_apic_id(&f->hp, 9), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    T(test_legacy_bitmap),
    T(test_legacy_switch),
    T(test_legacy_no_switch_elsewhere),
    T(test_modern_detection),
    T(test_status_bits),
    T(test_selector_out_of_range),
    T(test_0x0a_clears_insert_only),
    T(test_0x0c_clears_remove_only),
    T(test_eject_refused),
    T(test_eject_clears_fw_remove_only),
    T(test_fw_remove),
    T(test_get_pending_wrap),
    T(test_get_pending_none),
    T(test_command_filter),
    T(test_get_cpu_id),
    T(test_ost),
    T(test_selector_write),
    T(test_unaligned),
    T(test_unplug_paths),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
