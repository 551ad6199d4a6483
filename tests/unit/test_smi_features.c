/* dev_smi_features: SMI feature negotiation over fw_cfg and CPU
 * device_add/device_del gating. Cases from platform-facts.md 1.4, checked
 * against QEMU 7.2 hw/isa/lpc_ich9.c and hw/acpi/ich9.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dev_smi_features.h"

static uint8_t ram[0x4000];
static struct fwcfg fw;
static struct smi_features sf;
static char lines[16][160];
static int nlines;

static void cap(void *ctx, const char *line)
{
  (void)ctx;
  if (nlines < 16)
    snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
}
static const struct evsink sink = { cap, NULL };

static bool has(const char *line)
{
  for (int i = 0; i < nlines; i++)
    if (strcmp(lines[i], line) == 0)
      return true;
  return false;
}

static int rd(void *o, uint64_t a, void *b, uint32_t l)
{
  (void)o;
  if (a + l > sizeof(ram))
    return -1;
  memcpy(b, ram + a, l);
  return 0;
}
static int wr(void *o, uint64_t a, const void *b, uint32_t l)
{
  (void)o;
  if (a + l > sizeof(ram))
    return -1;
  memcpy(ram + a, b, l);
  return 0;
}

static int setup_host(uint64_t host)
{
  struct fwcfg_mem_ops mem = { rd, wr, NULL };
  nlines = 0;
  fwcfg_init(&fw, &mem, 1, 2, NULL);
  if (smi_features_init(&sf, host, &sink))
    return -1;
  return smi_features_register(&sf, &fw);
}

static int setup(void **state)
{
  (void)state;
  return setup_host(SMI_F_ALL);
}

static uint32_t bswap32(uint32_t v)
{
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}
static void put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* As OVMF SmiFeatures.c: DMA-write requested-features, then select
 * features-ok and read its byte through the data port. */
static uint32_t write_requested(uint64_t req)
{
  int key = fwcfg_file_key(&fw, "etc/smi/requested-features");
  assert_true(key > 0);
  for (int i = 0; i < 8; i++)
    ram[0x200 + i] = (uint8_t)(req >> (8 * i));
  put_be32(ram + 0x100, (uint32_t)key << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_WRITE);
  put_be32(ram + 0x104, 8);
  put_be32(ram + 0x108, 0);
  put_be32(ram + 0x10C, 0x200);
  fwcfg_io_write(&fw, 0x514, 4, 0);
  fwcfg_io_write(&fw, 0x518, 4, bswap32(0x100));
  return (uint32_t)ram[0x100] << 24 | ram[0x101] << 16 | ram[0x102] << 8 | ram[0x103];
}

static uint8_t features_ok(void)
{
  int key = fwcfg_file_key(&fw, "etc/smi/features-ok");
  assert_true(key > 0);
  fwcfg_io_write(&fw, 0x510, 2, (uint32_t)key);
  uint32_t v;
  fwcfg_io_read(&fw, 0x511, 1, &v);
  return (uint8_t)v;
}

static uint8_t negotiate(uint64_t req)
{
  assert_int_equal(write_requested(req), 0);
  return features_ok();
}

/* 1.4: presets from the pc.c compat tables; UNPLUG without HOTPLUG is
 * refused at realize. */
static void test_presets(void **state)
{
  (void)state;
  uint64_t h;
  assert_int_equal(smi_features_preset("default", &h), 0);
  assert_int_equal(h, 0x7);
  assert_int_equal(smi_features_preset("pc-q35-5.2", &h), 0);
  assert_int_equal(h, 0x3);
  assert_int_equal(smi_features_preset("pc-q35-5.1", &h), 0);
  assert_int_equal(h, 0x1);
  assert_int_equal(smi_features_preset("pc-q35-2.8", &h), 0);
  assert_int_equal(h, 0x0);
  assert_int_equal(smi_features_preset("nope", &h), -1);
  struct smi_features bad;
  assert_int_equal(smi_features_init(&bad, SMI_F_BROADCAST | SMI_F_CPU_HOT_UNPLUG, NULL), -1);
}

/* 1.4: the three files; supported-features is 8 bytes LE, read-only. */
static void test_files(void **state)
{
  (void)state;
  assert_true(fwcfg_file_key(&fw, "etc/smi/supported-features") > 0);
  fwcfg_io_write(&fw, 0x510, 2, (uint32_t)fwcfg_file_key(&fw, "etc/smi/supported-features"));
  uint32_t v;
  fwcfg_io_read(&fw, 0x511, 1, &v);
  assert_int_equal(v, 0x07);
  assert_int_equal(fw.entries[0][fwcfg_file_key(&fw, "etc/smi/features-ok")].len, 1);
  /* "present only if host features != 0" */
  assert_int_equal(setup_host(0), 0);
  assert_int_equal(fwcfg_file_key(&fw, "etc/smi/supported-features"), -1);
}

/* 1.4: all three requested: ok = 1, negotiated = requested. */
static void test_negotiate_all(void **state)
{
  (void)state;
  assert_int_equal(negotiate(SMI_F_ALL), 1);
  assert_int_equal(smi_features_negotiated(&sf), 0x7);
  assert_true(smi_features_broadcast(&sf));
  assert_true(has("smi_features_negotiated negotiated=0x7"));
}

/* 1.4: requested not a subset of supported -> stays 0. */
static void test_reject_unsupported(void **state)
{
  (void)state;
  assert_int_equal(setup_host(SMI_F_BROADCAST), 0);
  assert_int_equal(negotiate(SMI_F_BROADCAST | SMI_F_CPU_HOTPLUG), 0);
  assert_int_equal(smi_features_negotiated(&sf), 0);
  assert_true(has("smi_features_rejected requested=0x3 reason=unsupported"));
}

/* 1.4: HOTPLUG or UNPLUG without BROADCAST -> 0. */
static void test_reject_without_broadcast(void **state)
{
  (void)state;
  assert_int_equal(negotiate(SMI_F_CPU_HOTPLUG), 0);
  assert_int_equal(negotiate(SMI_F_CPU_HOTPLUG | SMI_F_CPU_HOT_UNPLUG), 0);
  assert_false(smi_features_broadcast(&sf));
}

/* 1.4: UNPLUG without HOTPLUG -> 0. */
static void test_reject_unplug_without_hotplug(void **state)
{
  (void)state;
  assert_int_equal(negotiate(SMI_F_BROADCAST | SMI_F_CPU_HOT_UNPLUG), 0);
  assert_true(has("smi_features_rejected requested=0x5 reason=unplug_without_hotplug"));
  /* a later valid request still succeeds (ok was never set) */
  assert_int_equal(negotiate(SMI_F_BROADCAST), 1);
}

/* 1.4: once ok, features are locked: a new request changes nothing. */
static void test_locked(void **state)
{
  (void)state;
  assert_int_equal(negotiate(SMI_F_BROADCAST), 1);
  assert_int_equal(negotiate(SMI_F_ALL), 1);
  assert_int_equal(smi_features_negotiated(&sf), SMI_F_BROADCAST);
}

/* features-ok and supported-features are read-only for DMA writes. */
static void test_readonly_files(void **state)
{
  (void)state;
  int key = fwcfg_file_key(&fw, "etc/smi/supported-features");
  put_be32(ram + 0x100, (uint32_t)key << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_WRITE);
  put_be32(ram + 0x104, 8);
  put_be32(ram + 0x108, 0);
  put_be32(ram + 0x10C, 0x200);
  fwcfg_io_write(&fw, 0x514, 4, 0);
  fwcfg_io_write(&fw, 0x518, 4, bswap32(0x100));
  assert_int_equal(ram[0x103], FWCFG_DMA_ERROR);
  assert_int_equal(sf.host_le[0], 0x07);
}

/* 1.4: reset clears requested, ok and negotiated (S3 must renegotiate). */
static void test_reset(void **state)
{
  (void)state;
  assert_int_equal(negotiate(SMI_F_ALL), 1);
  smi_features_reset(&sf);
  assert_int_equal(smi_features_negotiated(&sf), 0);
  assert_int_equal(sf.features_ok, 0);
  for (int i = 0; i < 8; i++)
    assert_int_equal(sf.requested_le[i], 0);
  assert_int_equal(features_ok(), 1); /* requesting nothing is valid */
  assert_int_equal(smi_features_negotiated(&sf), 0);
}

/* 1.4: device_add refused with BROADCAST but no CPU_HOTPLUG. */
static void test_device_add_gate(void **state)
{
  (void)state;
  assert_true(smi_features_device_add_allowed(&sf)); /* nothing negotiated */
  assert_int_equal(negotiate(SMI_F_BROADCAST), 1);
  assert_false(smi_features_device_add_allowed(&sf));
  assert_true(has("device_add_refused negotiated=0x1"));
}

/* 1.4: device_del refused with BROADCAST but no CPU_HOT_UNPLUG. */
static void test_device_del_gate(void **state)
{
  (void)state;
  assert_true(smi_features_device_del_allowed(&sf));
  assert_int_equal(negotiate(SMI_F_BROADCAST | SMI_F_CPU_HOTPLUG), 1);
  assert_true(smi_features_device_add_allowed(&sf));
  assert_false(smi_features_device_del_allowed(&sf));
  assert_true(has("device_del_refused negotiated=0x3"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, setup)
    T(test_presets),
    T(test_files),
    T(test_negotiate_all),
    T(test_reject_unsupported),
    T(test_reject_without_broadcast),
    T(test_reject_unplug_without_hotplug),
    T(test_locked),
    T(test_readonly_files),
    T(test_reset),
    T(test_device_add_gate),
    T(test_device_del_gate),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
