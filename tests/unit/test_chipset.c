/* dev_chipset: q35 MCH SMRAM controls, ICH9 LPC/PM, APM. Cases from
 * platform-facts.md 1.4, 1.5 and 1.8, checked against QEMU 7.2
 * hw/pci-host/q35.c, hw/isa/lpc_ich9.c, hw/acpi/ich9.c, hw/isa/apm.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dev_chipset.h"

#define LOW_RAM 0x02000000u
#define LPC_DEVFN 0xF8

static struct chipset cs;
static struct smi_features sf;
static char lines[64][160];
static int nlines;
static int smis, smis_bcast, views, s3s;

static void cap(void *ctx, const char *line)
{
  (void)ctx;
  if (nlines < 64)
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

static void on_smi(void *o, bool bc) { (void)o; smis++; smis_bcast += bc; }
static void on_views(void *o) { (void)o; views++; }
static void on_s3(void *o) { (void)o; s3s++; }

static int setup_cfg(bool smbase_smram)
{
  struct chipset_config cfg = { LOW_RAM, 16, smbase_smram, true };
  nlines = smis = smis_bcast = views = s3s = 0;
  smi_features_init(&sf, SMI_F_ALL, NULL);
  chipset_init(&cs, &cfg, &sf, &sink, &sink);
  cs.raise_smi = on_smi;
  cs.views_changed = on_views;
  cs.s3 = on_s3;
  return 0;
}

static int setup(void **state)
{
  (void)state;
  return setup_cfg(true);
}

/* Through the ports, as the guest does it. */
static uint32_t cfg_read(uint8_t devfn, uint8_t reg, unsigned size)
{
  uint32_t v;
  chipset_io_write(&cs, 0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xFCu));
  chipset_io_read(&cs, (uint16_t)(0xCFC + (reg & 3)), size, &v);
  return v;
}
static void cfg_write(uint8_t devfn, uint8_t reg, unsigned size, uint32_t val)
{
  chipset_io_write(&cs, 0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xFCu));
  chipset_io_write(&cs, (uint16_t)(0xCFC + (reg & 3)), size, val);
}

/* 1.8: MCH 00:00.0 and LPC 00:1f.0; other functions read all ones. */
static void test_pci_ids(void **state)
{
  (void)state;
  assert_int_equal(cfg_read(0, 0, 4), 0x29C08086);
  assert_int_equal(cfg_read(LPC_DEVFN, 0, 4), 0x29188086);
  assert_int_equal(cfg_read(LPC_DEVFN, 0x0A, 2), 0x0601);
  assert_int_equal(cfg_read(0x08, 0, 4), 0xFFFFFFFF);
  assert_int_equal(cfg_read(0x08, 0, 2), 0xFFFF);
  /* enable bit clear: all ones */
  uint32_t v;
  chipset_io_write(&cs, 0xCF8, 4, 0);
  chipset_io_read(&cs, 0xCFC, 4, &v);
  assert_int_equal(v, 0xFFFFFFFF);
  /* only DWORD writes latch the address (pci_host_config_write) */
  chipset_io_write(&cs, 0xCF8, 2, 0x8000);
  chipset_io_read(&cs, 0xCF8, 4, &v);
  assert_int_equal(v, 0);
  /* read-only IDs */
  cfg_write(0, 0, 4, 0);
  assert_int_equal(cfg_read(0, 0, 4), 0x29C08086);
}

/* 1.5: 0x9C reset 0; 0xFF queries -> 0x01; 0x02 then locks. */
static void test_smbase_query_lock(void **state)
{
  (void)state;
  assert_int_equal(cfg_read(0, 0x9C, 1), 0x00);
  cfg_write(0, 0x9C, 1, 0xFF);
  assert_int_equal(cfg_read(0, 0x9C, 1), 0x01);
  assert_false(chipset_smbase_window_locked(&cs));
  assert_int_equal(views, 0);
  cfg_write(0, 0x9C, 1, 0x02);
  assert_int_equal(cfg_read(0, 0x9C, 1), 0x02);
  assert_true(chipset_smbase_window_locked(&cs));
  assert_int_equal(views, 1);
  assert_true(has("smram_window_locked base=0x30000 size=0x20000"));
  /* write mask 0 until reset */
  cfg_write(0, 0x9C, 1, 0x00);
  cfg_write(0, 0x9C, 1, 0xFF);
  assert_int_equal(cfg_read(0, 0x9C, 1), 0x02);
  assert_true(chipset_smbase_window_locked(&cs));
  chipset_reset(&cs);
  assert_int_equal(cfg_read(0, 0x9C, 1), 0x00);
  assert_false(chipset_smbase_window_locked(&cs));
  assert_int_equal(views, 2);
}

/* 1.5: without the query a lock write is discarded (reset state). */
static void test_smbase_lock_needs_query(void **state)
{
  (void)state;
  cfg_write(0, 0x9C, 1, 0x02);
  assert_int_equal(cfg_read(0, 0x9C, 1), 0x00);
  assert_false(chipset_smbase_window_locked(&cs));
  /* after the query, writing 0 leaves IN_RAM, not locked */
  cfg_write(0, 0x9C, 1, 0xFF);
  cfg_write(0, 0x9C, 1, 0x00);
  assert_int_equal(cfg_read(0, 0x9C, 1), 0x01);
  assert_false(chipset_smbase_window_locked(&cs));
}

/* 1.5: smbase-smram off (machine types <= 4.2): a plain byte, no lock. */
static void test_smbase_feature_off(void **state)
{
  (void)state;
  setup_cfg(false);
  cfg_write(0, 0x9C, 1, 0xFF);
  assert_int_equal(cfg_read(0, 0x9C, 1), 0xFF);
  assert_false(chipset_smbase_window_locked(&cs));
}

/* 1.8: TSEG closed iff T_EN && G_SMRAME; ends at the top of low RAM;
 * D_OPEN does not open TSEG (mch_update_smram). */
static void test_tseg(void **state)
{
  (void)state;
  uint32_t base, size;
  assert_false(chipset_tseg_closed(&cs));
  cfg_write(0, 0x9E, 1, MCH_ESMRAMC_TSEG_8MB | MCH_ESMRAMC_T_EN);
  assert_false(chipset_tseg_closed(&cs)); /* G_SMRAME still clear */
  chipset_tseg_range(&cs, &base, &size);
  assert_int_equal(size, 8u << 20);
  assert_int_equal(base, LOW_RAM - (8u << 20));
  cfg_write(0, 0x9D, 1, MCH_SMRAM_G_SMRAME | MCH_SMRAM_D_OPEN);
  assert_true(chipset_tseg_closed(&cs));
  assert_true(has("tseg_closed base=0x1800000 size=0x800000"));
  assert_int_equal(chipset_views(&cs)->tseg_base, LOW_RAM - (8u << 20));
  /* OVMF opens TSEG by clearing T_EN */
  cfg_write(0, 0x9E, 1, MCH_ESMRAMC_TSEG_8MB);
  assert_false(chipset_tseg_closed(&cs));
  assert_true(has("tseg_opened"));
  assert_int_equal(views, 2);
}

/* 1.8: extended TSEG: 0x50 reads ext-tseg-mbytes (16) after a 0xFFFF
 * query; TSEG_SZ 11b uses it. */
static void test_ext_tseg(void **state)
{
  (void)state;
  assert_int_equal(cfg_read(0, 0x50, 2), 16); /* mch_reset queries */
  cfg_write(0, 0x50, 2, 0xFFFF);
  assert_int_equal(cfg_read(0, 0x50, 2), 16);
  cfg_write(0, 0x50, 2, 0x1234);
  assert_int_equal(cfg_read(0, 0x50, 2), 0x1234);
  cfg_write(0, 0x9E, 1, MCH_ESMRAMC_TSEG_EXT | MCH_ESMRAMC_T_EN);
  cfg_write(0, 0x9D, 1, MCH_SMRAM_G_SMRAME);
  assert_int_equal(chipset_views(&cs)->tseg_size, 16u << 20);
  assert_int_equal(chipset_views(&cs)->tseg_base, LOW_RAM - (16u << 20));
}

/* 1.8/q35.c: D_LCK clears D_OPEN and makes SMRAM (but D_CLS) and
 * ESMRAMC read-only until reset. */
static void test_d_lck(void **state)
{
  (void)state;
  cfg_write(0, 0x9E, 1, MCH_ESMRAMC_TSEG_8MB | MCH_ESMRAMC_T_EN);
  cfg_write(0, 0x9D, 1, MCH_SMRAM_G_SMRAME | MCH_SMRAM_D_OPEN | MCH_SMRAM_D_LCK);
  assert_int_equal(cfg_read(0, 0x9D, 1), MCH_SMRAM_G_SMRAME | MCH_SMRAM_D_LCK | 0x02);
  assert_true(has("smram_d_lck"));
  cfg_write(0, 0x9D, 1, MCH_SMRAM_D_OPEN | MCH_SMRAM_D_CLS);
  assert_int_equal(cfg_read(0, 0x9D, 1), MCH_SMRAM_G_SMRAME | MCH_SMRAM_D_LCK | MCH_SMRAM_D_CLS | 0x02);
  cfg_write(0, 0x9E, 1, 0);
  assert_true(chipset_tseg_closed(&cs));
  chipset_reset(&cs);
  assert_int_equal(cfg_read(0, 0x9D, 1), 0x02);
  assert_int_equal(cfg_read(0, 0x9E, 1), 0x38);
  assert_false(chipset_tseg_closed(&cs));
}

/* 1.8: PM block at PMBASE only while ACPI_CNTL.ACPI_EN is set. */
static void enable_pm(void)
{
  cfg_write(LPC_DEVFN, 0x40, 4, 0x600);
  cfg_write(LPC_DEVFN, 0x44, 1, 0x80);
}

static void test_pmbase(void **state)
{
  (void)state;
  uint32_t v;
  cfg_write(LPC_DEVFN, 0x40, 4, 0x601);
  assert_false(chipset_io_read(&cs, 0x630, 4, &v));
  cfg_write(LPC_DEVFN, 0x44, 1, 0x80);
  assert_int_equal(chipset_pm_base(&cs), 0x600);
  assert_true(chipset_io_read(&cs, 0x630, 4, &v));
  assert_int_equal(v, 0);
  chipset_reset(&cs);
  assert_int_equal(chipset_pm_base(&cs), 0);
  assert_int_equal(cfg_read(LPC_DEVFN, 0x40, 4), 0x1);
}

/* 1.8: SMI_EN; SMI_LOCK locks GBL_SMI_EN (only), and sticks. */
static void test_smi_lock(void **state)
{
  (void)state;
  uint32_t v;
  enable_pm();
  chipset_io_write(&cs, 0x630, 4, SMI_EN_APMC_EN | SMI_EN_GBL_SMI_EN);
  chipset_io_read(&cs, 0x630, 4, &v);
  assert_int_equal(v, 0x21);
  cfg_write(LPC_DEVFN, 0xA0, 2, LPC_GEN_PMCON_1_SMI_LOCK);
  chipset_io_write(&cs, 0x630, 4, 0);
  chipset_io_read(&cs, 0x630, 4, &v);
  assert_int_equal(v, SMI_EN_GBL_SMI_EN);
  cfg_write(LPC_DEVFN, 0xA0, 2, 0);
  assert_int_equal(cfg_read(LPC_DEVFN, 0xA0, 2), LPC_GEN_PMCON_1_SMI_LOCK);
  /* SMI_EN takes 32-bit accesses only */
  chipset_io_write(&cs, 0x630, 1, SMI_EN_APMC_EN);
  chipset_io_read(&cs, 0x630, 4, &v);
  assert_int_equal(v, SMI_EN_GBL_SMI_EN);
}

/* 1.4: APM_CNT 2/3 only toggle SCI_EN, never an SMI. */
static void test_apm_acpi_enable(void **state)
{
  (void)state;
  uint32_t v;
  enable_pm();
  chipset_io_write(&cs, 0x630, 4, SMI_EN_APMC_EN);
  chipset_io_write(&cs, 0xB2, 1, 2);
  chipset_io_read(&cs, 0x604, 2, &v);
  assert_int_equal(v & PM1_CNT_SCI_EN, 1);
  chipset_io_write(&cs, 0xB2, 1, 3);
  chipset_io_read(&cs, 0x604, 2, &v);
  assert_int_equal(v & PM1_CNT_SCI_EN, 0);
  assert_int_equal(smis, 0);
  assert_true(has("apm_io_write write addr=0x0 val=0x02"));
}

/* 1.4: the APMC_EN gate; unicast without BROADCAST, broadcast with it. */
static void test_apm_smi(void **state)
{
  (void)state;
  uint32_t v;
  enable_pm();
  chipset_io_write(&cs, 0xB2, 1, 4);
  assert_int_equal(smis, 0); /* APMC_EN clear */
  assert_true(has("apm_smi_masked cmd=0x04"));
  chipset_io_write(&cs, 0x630, 4, SMI_EN_APMC_EN);
  chipset_io_write(&cs, 0xB2, 1, 4);
  assert_int_equal(smis, 1);
  assert_int_equal(smis_bcast, 0);
  sf.negotiated = SMI_F_BROADCAST;
  chipset_io_write(&cs, 0xB2, 1, 4);
  assert_int_equal(smis, 2);
  assert_int_equal(smis_bcast, 1);
  assert_true(has("apm_smi cmd=0x04 broadcast=1"));
  /* APM_CNT reads back; 0xB3 is plain storage; trace lines */
  chipset_io_read(&cs, 0xB2, 1, &v);
  assert_int_equal(v, 4);
  assert_true(has("apm_io_read read addr=0x0 val=0x04"));
  chipset_io_write(&cs, 0xB3, 1, 0x5A);
  chipset_io_read(&cs, 0xB3, 1, &v);
  assert_int_equal(v, 0x5A);
  assert_int_equal(smis, 2);
  /* QEMU 7.2 never sets SMI_STS.APM_STS */
  chipset_io_read(&cs, 0x634, 4, &v);
  assert_int_equal(v, 0);
}

/* A word OUT to 0xB2 writes APM_CNT then APM_STS (impl.max 1). */
static void test_apm_word(void **state)
{
  (void)state;
  uint32_t v;
  chipset_io_write(&cs, 0xB2, 2, 0x1104);
  chipset_io_read(&cs, 0xB3, 1, &v);
  assert_int_equal(v, 0x11);
  chipset_io_read(&cs, 0xB2, 2, &v);
  assert_int_equal(v, 0x1104);
}

/* 1.8: PM1_CNT SLP_EN with SLP_TYP 1 -> S3; SLP_EN reads back 0. */
static void test_s3(void **state)
{
  (void)state;
  uint32_t v;
  enable_pm();
  chipset_io_write(&cs, 0x604, 2, PM1_CNT_SLP_EN | (1u << 10) | PM1_CNT_SCI_EN);
  assert_int_equal(s3s, 1);
  chipset_io_read(&cs, 0x604, 2, &v);
  assert_int_equal(v, (1u << 10) | PM1_CNT_SCI_EN);
  chipset_io_write(&cs, 0x604, 2, 1u << 10); /* no SLP_EN: nothing */
  assert_int_equal(s3s, 1);
}

/* Machine reset: PMBASE disabled, SMI_EN 0; APM keeps its value. */
static void test_reset(void **state)
{
  (void)state;
  uint32_t v;
  enable_pm();
  chipset_io_write(&cs, 0x630, 4, SMI_EN_APMC_EN);
  chipset_io_write(&cs, 0xB3, 1, 0x77);
  chipset_reset(&cs);
  enable_pm();
  chipset_io_read(&cs, 0x630, 4, &v);
  assert_int_equal(v, 0);
  chipset_io_read(&cs, 0xB3, 1, &v);
  assert_int_equal(v, 0x77);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, setup)
    T(test_pci_ids),
    T(test_smbase_query_lock),
    T(test_smbase_lock_needs_query),
    T(test_smbase_feature_off),
    T(test_tseg),
    T(test_ext_tseg),
    T(test_d_lck),
    T(test_pmbase),
    T(test_smi_lock),
    T(test_apm_acpi_enable),
    T(test_apm_smi),
    T(test_apm_word),
    T(test_s3),
    T(test_reset),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
