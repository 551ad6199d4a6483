/* Boot-time SMBASE relocation of the boot CPUs, as
 * UefiCpuPkg/PiSmmCpuDxeSmm/PiSmmCpuDxeSmm.c SmmRelocateBases does it in
 * edk2 2022.11 (boot-time relocation moved to PEI in edk2-stable202405).
 * The handler copied to 0x38000 is reloc.nasm. */
#include "core.h"
#include <Library/BaseMemoryLib.h>
#include <Library/LocalApicLib.h>
#include <Register/Intel/SmramSaveStateMap.h>

/* Upstream backs up BACK_BUF_SIZE (0x20) bytes, the size of its jump-only
 * template; our whole handler lives at 0x38000, so the backup is larger. */
#define SMMHP_RELOC_BACKUP  0x200u
#define SMMHP_SAVE_STATE_SIZE  0x400u

VOID
SmmRelocateBases (VOID)
{
  UINT8   BakBuf[SMMHP_RELOC_BACKUP];
  UINT8   BakBuf2[SMMHP_SAVE_STATE_SIZE];
  UINT8   *U8Ptr;
  UINT8   *CpuStatePtr;
  UINTN   HandlerSize;
  UINT32  ApicId;
  UINTN   Index;
  UINTN   BspIndex;

  HandlerSize = (UINTN)(smmhp_reloc_handler_end - smmhp_reloc_handler);
  ASSERT (HandlerSize <= sizeof BakBuf);
  /* reloc.nasm's tables hold SMMHP_MAX_CPUS entries, as core.h says */
  ASSERT ((UINTN)smmhp_nasm_reloc_max_cpus == SMMHP_MAX_CPUS);
  ASSERT (mNumberOfCpus <= SMMHP_MAX_CPUS);

  U8Ptr       = (UINT8 *)(UINTN)(SMM_DEFAULT_SMBASE + SMM_HANDLER_OFFSET);
  CpuStatePtr = (UINT8 *)(UINTN)(SMM_DEFAULT_SMBASE + SMRAM_SAVE_STATE_MAP_OFFSET);

  /* Rule: back up 0x38000 and the default save-state map, restore after. */
  CopyMem (BakBuf, U8Ptr, sizeof BakBuf);
  CopyMem (BakBuf2, CpuStatePtr, sizeof BakBuf2);

  /* The handler's lookup table: SmmInitHandler searches ProcessorInfo[0,
   * mNumberOfCpus) by APIC ID and takes CPU_HOT_PLUG_DATA.SmBase[Index]. */
  for (Index = 0; Index < mNumberOfCpus; Index++) {
    smmhp_reloc_apic_id[Index] = (UINT32)gSmmCpuPrivate->ProcessorInfo[Index].ProcessorId;
    smmhp_reloc_smbase[Index]  = (UINT32)mCpuHotPlugData.SmBase[Index];
  }

  smmhp_reloc_count = (UINT32)mNumberOfCpus;
  CopyMem (U8Ptr, smmhp_reloc_handler, HandlerSize);

  /* Rule: APs first, one at a time: SMI IPI, then wait for mRebased[Index]
   * (set after the AP's RSM). Upstream's wait loop is empty; ours pauses,
   * which is a scheduling point for the harness. */
  /* Upstream calls GetApicId (LAPIC ID register); QEMU's initial APIC ID
   * (CPUID) is the same value and is what the harness models. */
  ApicId   = GetInitialApicId ();
  BspIndex = (UINTN)-1;
  for (Index = 0; Index < mNumberOfCpus; Index++) {
    smmhp_reloc_rebased[Index] = FALSE;
    if (ApicId != (UINT32)gSmmCpuPrivate->ProcessorInfo[Index].ProcessorId) {
      SendSmiIpi ((UINT32)gSmmCpuPrivate->ProcessorInfo[Index].ProcessorId);
      while (!smmhp_reloc_rebased[Index]) {
        CpuPause ();
      }
    } else {
      BspIndex = Index;
    }
  }

  /* Rule: then the BSP, by an SMI IPI to itself. */
  ASSERT (BspIndex != (UINTN)-1);
  SendSmiIpi (ApicId);
  while (!smmhp_reloc_rebased[BspIndex]) {
    CpuPause ();
  }

  CopyMem (CpuStatePtr, BakBuf2, sizeof BakBuf2);
  CopyMem (U8Ptr, BakBuf, sizeof BakBuf);
}
