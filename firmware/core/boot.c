/* Boot path of the BSP, outside SMM: the parts of OVMF's PEI and DXE that
 * matter to SMM CPU hot-plug, in their upstream order (edk2 2022.11):
 * PlatformPei (CPU counts, SMRAM at default SMBASE, PMBASE), SmmAccessPei
 * (TSEG), SmmControl2Dxe (SMI enable and lock, SMI feature negotiation),
 * PiSmmCpuDxeSmm (SMM core, SMBASE relocation), PiSmmIpl/PiSmmCore (SMM
 * driver dispatch), SmmAccess at ReadyToLock (close and lock), then the
 * OS.
 *
 * Built with SMMHP_NO_SMM (smmhp-fw-nosmm.elf) this is OVMF without
 * SMM_REQUIRE: no SmmAccess, SmmControl2Dxe or PiSmmCpuDxeSmm exist, so
 * nothing is negotiated, relocated or locked; the CPU counts and PMBASE
 * remain (docs/nosmm-and-sev.md). */
#include "core.h"
#include "s3.h"
#include <Library/BaseMemoryLib.h>
#include <IndustryStandard/Q35MchIch9.h>

extern UINT8  smmhp_nasm_boot_stack_top[];
extern UINT8  smmhp_nasm_ap_park_loop[];

/* boot_entry.nasm smmhp_lock_and_go: SysV ABI on X64, cdecl on IA32. */
#ifdef MDE_CPU_X64
#define LOCK_AND_GO_ABI  __attribute__ ((sysv_abi))
#else
#define LOCK_AND_GO_ABI
#endif
typedef VOID (LOCK_AND_GO_ABI *LOCK_AND_GO)(
  UINT32  Esmramc,
  UINT32  Smram,
  UINT32  LockDefaultSmbase,
  UINT64  OsEntry
  );

VOID __attribute__ ((noreturn)) smmhp_boot_main (VOID);

#ifndef SMMHP_NO_SMM
/* OvmfPkg/SmmAccess/SmramInternal.c SmramAccessLock (2022.11), run from
 * low RAM because TSEG, where this image lives, disappears from the
 * non-SMM view once T_EN is set: ESMRAMC.T_EN, SMRAM.D_LCK (D_OPEN
 * cleared, as the platform model wants), MCH 0x9C = LCK if the feature
 * was found. boot_entry.nasm smmhp_lock_and_go also reports LOCKED and OS
 * and jumps to the OS actor. */
VOID __attribute__ ((noreturn))
LockAndStartOs (UINT32 OsEntry)
{
  UINTN        Size;
  UINT8        Esmramc;
  UINT8        Smram;
  LOCK_AND_GO  Go;

  Size = (UINTN)(smmhp_lock_and_go_end - smmhp_lock_and_go);
  ASSERT (Size <= EFI_PAGE_SIZE - (SMMHP_LOCK_AND_GO - SMMHP_BOOT_LOWCODE_PAGE));
  CopyMem ((VOID *)(UINTN)SMMHP_LOCK_AND_GO, smmhp_lock_and_go, Size);

  Esmramc = smmhp_pci_read8 (SMMHP_PCI_MCH_BDF, MCH_ESMRAMC) | MCH_ESMRAMC_T_EN;
  Smram   = (smmhp_pci_read8 (SMMHP_PCI_MCH_BDF, MCH_SMRAM) & (UINT8)~SMMHP_MCH_SMRAM_D_OPEN) |
            MCH_SMRAM_D_LCK;
  Go = (LOCK_AND_GO)(UINTN)SMMHP_LOCK_AND_GO;
  Go (Esmramc, Smram, gCompatPcds.Q35SmramAtDefaultSmbase ? 1u : 0u, OsEntry);
  __builtin_unreachable ();
}

#else
/* Without SMM the image stays visible (there is no TSEG to close): report
 * OS and jump, on the boot stack the OS actor replaces at once. The boot
 * APs are parked first, as MpInitLib has them before DXE ends. */
STATIC VOID __attribute__ ((noreturn))
StartOs (UINT32 OsEntry)
{
  STATIC UINT32  ApicIds[SMMHP_MAX_CPUS];

  smmhp_collect_boot_cpus (ApicIds, SMMHP_MAX_CPUS);
  compat_report_phase (SMMHP_PHASE_OS);
  ((VOID (*)(VOID))(UINTN)OsEntry)();
  __builtin_unreachable ();
}
#endif

#ifdef SMMHP_NO_SMM
/* S3 resume without SMM: PlatformPei's chipset programming again (every
 * boot mode does it), then the OS's waking vector; no SMRAM, nothing to
 * relocate, no boot script to replay (SmmControl2Dxe is not built). The
 * harness starts the BSP here after the reset that ends S3 (docs/s3.md). */
VOID __attribute__ ((noreturn)) smmhp_s3_resume_main (VOID);

VOID __attribute__ ((noreturn))
smmhp_s3_resume_main (VOID)
{
  struct smmhp_platform_info  *Platform = (struct smmhp_platform_info *)(UINTN)SMMHP_PLATFORM_INFO_ADDR;

  DEBUG ((DEBUG_INFO, "smmhp: S3 resume without SMM\n"));
  smmhp_chipset_init ();
  StartOs (Platform->os_resume_entry);
}

__attribute__ ((naked, noreturn)) VOID
smmhp_s3_resume_entry (VOID)
{
#ifdef MDE_CPU_X64
  __asm__ volatile ("cli\n\tcld\n\tmov $0x400000, %rsp\n\tcall smmhp_s3_resume_main\n\tud2");
#else
  __asm__ volatile ("cli\n\tcld\n\tmov $0x400000, %esp\n\tcall smmhp_s3_resume_main\n\tud2");
#endif
}
#endif

VOID
smmhp_boot_main (VOID)
{
  struct smmhp_platform_info  *Platform;
  EFI_STATUS                  Status;

  /* NASM copies of the memory map must agree with memmap.h. */
  ASSERT ((UINTN)smmhp_nasm_boot_stack_top == SMMHP_BOOT_STACK_TOP);
  ASSERT ((UINTN)smmhp_nasm_ap_park_loop == SMMHP_AP_PARK_LOOP);

  Platform = (struct smmhp_platform_info *)(UINTN)SMMHP_PLATFORM_INFO_ADDR;
  ASSERT (Platform->magic == SMMHP_PLATFORM_INFO_MAGIC);
#ifdef SMMHP_NO_SMM
  DEBUG ((DEBUG_INFO, "smmhp: platform boot without SMM\n"));
#else
  DEBUG ((DEBUG_INFO, "smmhp: platform SMM core boot\n"));
#endif

  smmhp_max_cpu_count_init ();
  smmhp_chipset_init ();
#ifdef SMMHP_NO_SMM
  (VOID)Status;
  StartOs (Platform->os_entry);
#else
  smmhp_s3_boot_init (NegotiateSmiFeatures ());
  compat_report_phase (SMMHP_PHASE_NEGOTIATED);

  smmhp_smm_init ();
  compat_report_phase (SMMHP_PHASE_RELOCATED);

  Status = smmhp_dispatch_smm_drivers ();
  DEBUG ((DEBUG_INFO, "smmhp: SMM drivers dispatched (CpuHotplugSmm: %r)\n", Status));
  compat_report_phase (SMMHP_PHASE_SMM_READY);
  smmhp_s3_boot_save ();

  LockAndStartOs (Platform->os_entry);
#endif
}
