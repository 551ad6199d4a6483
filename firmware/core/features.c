/* OVMF's platform hooks into PiSmmCpuDxeSmm (edk2 2022.11):
 * OvmfPkg/Library/SmmCpuFeaturesLib/SmmCpuFeaturesLib.c and
 * OvmfPkg/Library/SmmCpuPlatformHookLibQemu/SmmCpuPlatformHookLibQemu.c. */
#include "core.h"
#include <Register/Intel/ArchitecturalMsr.h>

#if SMMHP_HAVE_CPU_HOT_EJECT
CPU_HOT_EJECT_DATA  *mCpuHotEjectData = NULL;
#endif

/* SmmCpuFeaturesLib.c InitCpuHotEjectData: only with more than one
 * possible CPU; one SMRAM pool allocation holding the struct and a
 * UINT64-aligned QemuSelectorMap[possible CPUs], every entry
 * CPU_EJECT_QEMU_SELECTOR_INVALID, Handler NULL; address published in
 * PcdCpuHotEjectDataAddress. Any failure is a dead loop. */
VOID
InitCpuHotEjectData (VOID)
{
#if !SMMHP_HAVE_CPU_HOT_EJECT
  /* 2020.11: no hot-unplug, no eject data (see core.h). */
}
#else
  UINT32      Count;
  UINT32      Slot;
  VOID        *Pool;
  EFI_STATUS  Status;

  Count = gCompatPcds.CpuMaxLogicalProcessorNumber;
  if (Count <= 1) {
    return;
  }

  /* Count is bounded by SMMHP_MAX_CPUS, so the size cannot overflow. */
  Status = gMmst->MmAllocatePool (
                    EfiRuntimeServicesData,
                    sizeof (CPU_HOT_EJECT_DATA) + (sizeof (UINT64) - 1) + Count * sizeof (UINT64),
                    &Pool
                    );
  if (EFI_ERROR (Status)) {
    DEBUG ((DEBUG_ERROR, "smmhp: no SMRAM for CPU_HOT_EJECT_DATA: %r\n", Status));
    CpuDeadLoop ();
  }

  mCpuHotEjectData                  = Pool;
  mCpuHotEjectData->QemuSelectorMap =
    (UINT64 *)ALIGN_VALUE ((UINTN)Pool + sizeof (CPU_HOT_EJECT_DATA), sizeof (UINT64));
  for (Slot = 0; Slot < Count; Slot++) {
    mCpuHotEjectData->QemuSelectorMap[Slot] = CPU_EJECT_QEMU_SELECTOR_INVALID;
  }

  mCpuHotEjectData->ArrayLength      = Count;
  mCpuHotEjectData->Handler          = NULL;
  gCompatPcds.CpuHotEjectDataAddress = (UINT64)(UINTN)Pool;
}
#endif

/* SmmCpuFeaturesLib.c SmmCpuFeaturesRendezvousExit: on every CPU at the
 * very end of SmiRendezvous, fence (acquire, pairs with the BSP's store
 * of Handler before the AllCpusInSync release) and call Handler if armed. */
VOID
SmmCpuFeaturesRendezvousExit (UINTN CpuIndex)
{
#if !SMMHP_HAVE_CPU_HOT_EJECT
  (VOID)CpuIndex; /* 2020.11's SmmCpuFeaturesRendezvousExit is empty */
}
#else
  CPU_HOT_EJECT_HANDLER  Armed;

  if (mCpuHotEjectData == NULL) {
    return;
  }

  MemoryFence ();
  Armed = mCpuHotEjectData->Handler;
  if (Armed != NULL) {
    Armed (CpuIndex);
  }
}
#endif

/* SmmCpuPlatformHookLibQemu.c PlatformSmmBspElection: the CPU whose
 * IA32_APIC_BASE MSR has the BSP bit is the SMM monarch, always decided. */
EFI_STATUS
PlatformSmmBspElection (BOOLEAN *IsBsp)
{
  *IsBsp = (BOOLEAN)((AsmReadMsr64 (MSR_IA32_APIC_BASE) & BIT8) != 0);
  return EFI_SUCCESS;
}
