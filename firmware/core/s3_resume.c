/* S3 resume path of the BSP, outside SMM, after the platform reset that
 * ends S3 (RAM kept, every CPU and device reset). Rules, edk2 2022.11:
 *  1. PlatformPei + SmmAccessPei run in every boot mode: MCH 0x9C probe,
 *     TSEG programming (left open here: S3Resume2Pei S3RestoreConfig2
 *     opens SMRAM before calling into PiSmmCpuDxeSmm), PMBASE; the
 *     SMI_EN / SMI_LOCK writes come from the boot script entries that
 *     SmmControl2Dxe.c OnS3SaveStateInstalled recorded. smmhp_chipset_init
 *     performs exactly these writes.
 *  2. The fw_cfg boot script of SmiFeatures.c AppendFwCfgBootScript:
 *     re-select the negotiated features; features-ok must read 1.
 *  3. PiSmmCpuDxeSmm CpuS3.c SmmRestoreCpu: InitializeCpuBeforeRebase
 *     (INIT-SIPI-SIPI to all APs, wait for mNumberOfCpus - 1 of them: the
 *     B1a fix, 90e11edd16), SmmRelocateBases (every CPU of
 *     ProcessorInfo[0, mNumberOfCpus): hot-added ones included, each back
 *     to CPU_HOT_PLUG_DATA.SmBase[Index]), InitializeCpuAfterRebase
 *     (release the APs to a safe hlt loop).
 *  4. S3Resume2Pei S3ResumeExecuteBootScript: close and lock SMRAM
 *     (SmramInternal.c SmramAccessClose/Lock: T_EN, D_LCK, MCH 0x9C LCK),
 *     then jump to the OS waking vector.
 * Deviation: upstream runs step 2 (the boot script) after step 4's lock;
 * ours runs it from TSEG, so before the lock (docs/s3.md). */
#include "s3.h"
#include <Library/BaseMemoryLib.h>
#include <Library/LocalApicLib.h>
#include <Library/QemuFwCfgS3Lib.h>
#include <Library/UefiBootServicesTableLib.h>
#include <IndustryStandard/Q35MchIch9.h>

#include "../compat/compat_fwcfg_s3.h"

extern UINT8            smmhp_s3_ap_start[];
extern UINT8            smmhp_s3_ap_start_end[];
extern UINT8            smmhp_s3_ap_hlt_loop[];
extern volatile UINT64  smmhp_s3_ap_park;
extern volatile UINT32  smmhp_s3_ap_to_finish;
extern volatile UINT32  smmhp_s3_ap_stack_next;
extern volatile UINT8   smmhp_s3_ap_release;

typedef VOID (__attribute__ ((sysv_abi)) *LOCK_AND_GO)(
  UINT32  Esmramc,
  UINT32  Smram,
  UINT32  LockDefaultSmbase,
  UINT64  OsEntry
  );

VOID __attribute__ ((noreturn)) smmhp_s3_resume_main (VOID);

/* Kept in TSEG across S3, like PiSmmCpuDxeSmm's mAcpiCpuData copy. */
STATIC BOOLEAN               mAcpiS3Enable;
STATIC EFI_PHYSICAL_ADDRESS  mStartupVector;

/* OvmfPkg/PlatformPei/Platform.c InitializePlatform: PcdAcpiS3Enable :=
 * QemuFwCfgS3Enabled (); SmmControl2Dxe.c: with it, and after a
 * successful negotiation, OnS3SaveStateInstalled calls SaveSmiFeatures. */
VOID
smmhp_s3_boot_init (
  BOOLEAN  Negotiated
  )
{
  mAcpiS3Enable = QemuFwCfgS3Enabled ();
  DEBUG ((DEBUG_INFO, "smmhp: S3 %a\n", mAcpiS3Enable ? "enabled" : "disabled"));
  if (mAcpiS3Enable && Negotiated) {
    SaveSmiFeatures ();
  }
}

/* OvmfPkg/CpuS3DataDxe/CpuS3Data.c CpuS3DataInitialize: a reserved page
 * below 1 MiB for the APs' S3 start-up vector (AcpiCpuData.StartupVector).
 * Taken after SMM driver dispatch so that CpuHotplugSmm's pen keeps the
 * highest free page (0x9F000), as on real OVMF. */
VOID
smmhp_s3_boot_save (
  VOID
  )
{
  EFI_PHYSICAL_ADDRESS  Page;
  EFI_STATUS            Status;

  if (!mAcpiS3Enable) {
    return;
  }

  Page   = BASE_1MB - 1;
  Status = gBS->AllocatePages (AllocateMaxAddress, EfiACPIMemoryNVS, 1, &Page);
  ASSERT_EFI_ERROR (Status);
  ASSERT ((UINTN)(smmhp_s3_ap_start_end - smmhp_s3_ap_start) <= EFI_PAGE_SIZE);
  mStartupVector = Page;
  DEBUG ((DEBUG_INFO, "smmhp: S3 AP startup vector 0x%Lx\n", (UINT64)mStartupVector));
}

/* How many APs the resume waits for: mNumberOfCpus - 1 since 90e11edd16
 * (2020-02); before it every possible CPU (ACPI_CPU_DATA.NumberOfCpus,
 * the maximum with CPU hot-plug), the hang of bug B1a. */
STATIC UINT32
ApsToWaitFor (
  VOID
  )
{
  CONST struct smmhp_platform_info  *Platform = (VOID *)(UINTN)SMMHP_PLATFORM_INFO_ADDR;

  if ((Platform->core_rules & SMMHP_CORE_RULE_S3_WAIT_ALL_CPUS) != 0) {
    return (UINT32)(mMaxNumberOfCpus - 1);
  }

  return (UINT32)(mNumberOfCpus - 1);
}

/* CpuS3.c InitializeCpuBeforeRebase (2022.11): start every AP, wait for
 * mNumberOfCpus - 1 check-ins. A known CPU that does not start hangs
 * here, as upstream does (no timeout). */
STATIC VOID
InitializeCpuBeforeRebase (
  VOID
  )
{
  CopyMem (
    (VOID *)(UINTN)mStartupVector,
    smmhp_s3_ap_start,
    (UINTN)(smmhp_s3_ap_start_end - smmhp_s3_ap_start)
    );
  smmhp_s3_ap_park       = mStartupVector + (UINTN)(smmhp_s3_ap_hlt_loop - smmhp_s3_ap_start);
  smmhp_s3_ap_stack_next = 0;
  smmhp_s3_ap_release    = 0;
  smmhp_s3_ap_to_finish  = ApsToWaitFor ();
  SendInitSipiSipiAllExcludingSelf ((UINT32)mStartupVector);
  while (smmhp_s3_ap_to_finish > 0) {
    CpuPause ();
  }
}

/* CpuS3.c InitializeCpuAfterRebase (2022.11). */
STATIC VOID
InitializeCpuAfterRebase (
  VOID
  )
{
  smmhp_s3_ap_to_finish = ApsToWaitFor ();
  smmhp_s3_ap_release   = 1;
  while (smmhp_s3_ap_to_finish > 0) {
    CpuPause ();
  }
}


VOID
smmhp_s3_resume_main (
  VOID
  )
{
  struct smmhp_platform_info  *Platform;

  Platform = (struct smmhp_platform_info *)(UINTN)SMMHP_PLATFORM_INFO_ADDR;
  DEBUG ((DEBUG_INFO, "smmhp: S3 resume, %Lu known CPUs\n", (UINT64)mNumberOfCpus));
  /* CpuS3.c SmmRestoreCpu: no saved resume context is a dead loop. */
  if (!mAcpiS3Enable || (mStartupVector == 0) || (Platform->os_resume_entry == 0)) {
    compat_fatal ("S3 resume without S3 context (S3 disabled or no waking vector)");
  }

  smmhp_chipset_init ();
  smmhp_platform_apic_mode_init ((UINT32)gCompatPcds.CpuMaxLogicalProcessorNumber);
  smmhp_fwcfg_s3_replay ();
  compat_report_phase (SMMHP_PHASE_NEGOTIATED);

  InitializeCpuBeforeRebase ();
  SmmRelocateBases ();
  InitializeCpuAfterRebase ();
  DEBUG ((DEBUG_INFO, "smmhp: S3 SMBASE relocation done for %Lu CPUs\n", (UINT64)mNumberOfCpus));
  compat_report_phase (SMMHP_PHASE_RELOCATED);

  LockAndStartOs (Platform->os_resume_entry);
}
