/* Q35 chipset programming done by OVMF's PEI and SMM-control drivers,
 * replayed by our boot code before the SMM core starts. PCI config
 * mechanism #1 (0xCF8/0xCFC) as OVMF's PciCf8Lib does it. */
#include "core.h"
#include <Library/IoLib.h>
#include <IndustryStandard/Q35MchIch9.h>

#define PCI_CF8_ENABLE  0x80000000u

STATIC VOID
Cf8Select (UINT32 Bdf, UINT32 Reg)
{
  IoWrite32 (SMMHP_PORT_PCI_ADDR, PCI_CF8_ENABLE | (Bdf << 8) | (Reg & 0xFCu));
}

UINT8
smmhp_pci_read8 (UINT32 Bdf, UINT32 Reg)
{
  Cf8Select (Bdf, Reg);
  return IoRead8 (SMMHP_PORT_PCI_DATA + (Reg & 3u));
}

VOID
smmhp_pci_write8 (UINT32 Bdf, UINT32 Reg, UINT8 Value)
{
  Cf8Select (Bdf, Reg);
  IoWrite8 (SMMHP_PORT_PCI_DATA + (Reg & 3u), Value);
}

STATIC UINT16
Cf8Read16 (UINT32 Bdf, UINT32 Reg)
{
  Cf8Select (Bdf, Reg);
  return IoRead16 (SMMHP_PORT_PCI_DATA + (Reg & 2u));
}

STATIC VOID
Cf8Write16 (UINT32 Bdf, UINT32 Reg, UINT16 Value)
{
  Cf8Select (Bdf, Reg);
  IoWrite16 (SMMHP_PORT_PCI_DATA + (Reg & 2u), Value);
}

UINT32
smmhp_pci_read32 (UINT32 Bdf, UINT32 Reg)
{
  Cf8Select (Bdf, Reg);
  return IoRead32 (SMMHP_PORT_PCI_DATA);
}

VOID
smmhp_pci_write32 (UINT32 Bdf, UINT32 Reg, UINT32 Value)
{
  Cf8Select (Bdf, Reg);
  IoWrite32 (SMMHP_PORT_PCI_DATA, Value);
}

/* OvmfPkg/PlatformPei/MemDetect.c Q35SmramAtDefaultSmbaseInitialization
 * (2022.11): write QUERY to MCH 0x9C; the feature exists iff it then
 * reads IN_RAM. */
STATIC VOID
ProbeSmramAtDefaultSmbase (VOID)
{
  smmhp_pci_write8 (SMMHP_PCI_MCH_BDF, MCH_DEFAULT_SMBASE_CTL, MCH_DEFAULT_SMBASE_QUERY);
  gCompatPcds.Q35SmramAtDefaultSmbase =
    (BOOLEAN)(smmhp_pci_read8 (SMMHP_PCI_MCH_BDF, MCH_DEFAULT_SMBASE_CTL) ==
              MCH_DEFAULT_SMBASE_IN_RAM);
  DEBUG ((DEBUG_INFO, "smmhp: SMRAM at default SMBASE %a\n",
          gCompatPcds.Q35SmramAtDefaultSmbase ? "found" : "not found"));
}

/* OvmfPkg/PlatformPei/MemDetect.c Q35TsegMbytesInitialization (2022.11):
 * write QUERY (0xFFFF) to MCH 0x50; if it still reads QUERY there is no
 * extended TSEG and PcdQ35TsegMbytes keeps its default, 8; otherwise the
 * value read is the size in MiB. */
STATIC UINT32
QueryTsegMbytes (VOID)
{
  UINT16  Mbytes;

  Cf8Write16 (SMMHP_PCI_MCH_BDF, MCH_EXT_TSEG_MB, MCH_EXT_TSEG_MB_QUERY);
  Mbytes = Cf8Read16 (SMMHP_PCI_MCH_BDF, MCH_EXT_TSEG_MB);
  if (Mbytes == MCH_EXT_TSEG_MB_QUERY) {
    DEBUG ((DEBUG_INFO, "smmhp: no extended TSEG, 8 MiB\n"));
    return 8;
  }

  DEBUG ((DEBUG_INFO, "smmhp: extended TSEG of %u MiB\n", Mbytes));
  return Mbytes;
}

UINT32  smmhp_tseg_size;

/* OvmfPkg/SmmAccess/SmmAccessPei.c SmmAccessPeiEntryPoint (2022.11):
 * require the hard-wired cache bits in ESMRAMC, set the TSEG size, set
 * G_SMRAME and clear D_LCK. Deviation: PEI sets T_EN (closed) and
 * PiSmmIpl reopens TSEG by clearing it (SmramInternal.c SmramAccessOpen)
 * to load SMM code; our loader already runs from TSEG, so we write the
 * open state directly (T_EN clear) and also set D_OPEN, which the
 * platform model treats as "open for loading". */
STATIC VOID
InitTseg (VOID)
{
  UINT8   Esmramc;
  UINT8   Smram;
  UINT32  Mbytes;

  Esmramc = smmhp_pci_read8 (SMMHP_PCI_MCH_BDF, MCH_ESMRAMC);
  if ((Esmramc & (MCH_ESMRAMC_SM_CACHE | MCH_ESMRAMC_SM_L1 | MCH_ESMRAMC_SM_L2)) !=
      (MCH_ESMRAMC_SM_CACHE | MCH_ESMRAMC_SM_L1 | MCH_ESMRAMC_SM_L2))
  {
    DEBUG ((DEBUG_ERROR, "smmhp: this Q35 implementation lacks SMRAM\n"));
    ASSERT (FALSE);
  }

  /* TSEG_SZ from the size: 1, 2 and 8 MiB have their own encodings, any
   * other size is the extended one. The firmware image fills the first
   * 6 MiB (memmap.h), so 1 and 2 MiB cannot hold it. */
  Mbytes          = QueryTsegMbytes ();
  smmhp_tseg_size = Mbytes << 20;
  if (Mbytes < 8) {
    DEBUG ((DEBUG_ERROR, "smmhp: TSEG of %u MiB cannot hold the SMM core (8 MiB at least)\n", Mbytes));
    ASSERT (FALSE);
    CpuDeadLoop ();
  }

  Esmramc &= (UINT8)~(MCH_ESMRAMC_TSEG_MASK | MCH_ESMRAMC_T_EN);
  Esmramc |= MCH_ESMRAMC_H_SMRAME | (Mbytes == 8 ? MCH_ESMRAMC_TSEG_8MB : MCH_ESMRAMC_TSEG_EXT);
  smmhp_pci_write8 (SMMHP_PCI_MCH_BDF, MCH_ESMRAMC, Esmramc);

  Smram  = smmhp_pci_read8 (SMMHP_PCI_MCH_BDF, MCH_SMRAM);
  Smram &= (UINT8)~MCH_SMRAM_D_LCK;
  Smram |= MCH_SMRAM_G_SMRAME | SMMHP_MCH_SMRAM_D_OPEN;
  smmhp_pci_write8 (SMMHP_PCI_MCH_BDF, MCH_SMRAM, Smram);
}

/* OvmfPkg/Library/PlatformInitLib/Platform.c PlatformMiscInitialization
 * (2022.11): PMBASE, then ACPI_CNTL.ACPI_EN, unless already enabled. */
STATIC VOID
InitPmBase (VOID)
{
  UINT32  Pmba;

  if ((smmhp_pci_read8 (SMMHP_PCI_LPC_BDF, ICH9_ACPI_CNTL) & ICH9_ACPI_CNTL_ACPI_EN) != 0) {
    return;
  }

  Pmba  = smmhp_pci_read32 (SMMHP_PCI_LPC_BDF, ICH9_PMBASE);
  Pmba &= ~(UINT32)ICH9_PMBASE_MASK;
  Pmba |= SMMHP_PMBASE | 1u; /* bit 0: I/O space indicator */
  smmhp_pci_write32 (SMMHP_PCI_LPC_BDF, ICH9_PMBASE, Pmba);
  smmhp_pci_write8 (
    SMMHP_PCI_LPC_BDF,
    ICH9_ACPI_CNTL,
    smmhp_pci_read8 (SMMHP_PCI_LPC_BDF, ICH9_ACPI_CNTL) | ICH9_ACPI_CNTL_ACPI_EN
    );
}

/* OvmfPkg/SmmControl2Dxe/SmmControl2Dxe.c SmmControl2DxeEntryPoint
 * (2022.11): APMC_EN must start clear (else "lacks SMI"); set APMC_EN and
 * GBL_SMI_EN; set GEN_PMCON_1.SMI_LOCK; a write clearing GBL_SMI_EN must
 * then have no effect. */
STATIC VOID
InitSmiEnable (VOID)
{
  UINT32  SmiEn;

  SmiEn = IoRead32 (SMMHP_PORT_SMI_EN);
  if ((SmiEn & ICH9_SMI_EN_APMC_EN) != 0) {
    DEBUG ((DEBUG_ERROR, "smmhp: this Q35 implementation lacks SMI\n"));
    ASSERT (FALSE);
  }

  SmiEn |= ICH9_SMI_EN_APMC_EN | ICH9_SMI_EN_GBL_SMI_EN;
  IoWrite32 (SMMHP_PORT_SMI_EN, SmiEn);
  Cf8Write16 (
    SMMHP_PCI_LPC_BDF,
    ICH9_GEN_PMCON_1,
    Cf8Read16 (SMMHP_PCI_LPC_BDF, ICH9_GEN_PMCON_1) | ICH9_GEN_PMCON_1_SMI_LOCK
    );
  IoWrite32 (SMMHP_PORT_SMI_EN, SmiEn & ~(UINT32)ICH9_SMI_EN_GBL_SMI_EN);
  if (IoRead32 (SMMHP_PORT_SMI_EN) != SmiEn) {
    DEBUG ((DEBUG_ERROR, "smmhp: failed to lock down GBL_SMI_EN\n"));
    ASSERT (FALSE);
  }
}

/* Without SMM_REQUIRE, PlatformPei skips the Q35 SMRAM probes
 * (Platform.c InitializePlatform, 2022.11) and neither SmmAccessPei nor
 * SmmControl2Dxe is in the firmware: PMBASE is all that remains. */
VOID
smmhp_chipset_init (VOID)
{
#ifdef SMMHP_NO_SMM
  (VOID)ProbeSmramAtDefaultSmbase; /* compiled, never run */
  (VOID)InitTseg;
  (VOID)InitSmiEnable;
  InitPmBase ();
#else
  ProbeSmramAtDefaultSmbase ();
  InitTseg ();
  InitPmBase ();
  InitSmiEnable ();
#endif
}
