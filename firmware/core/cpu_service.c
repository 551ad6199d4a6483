/* EFI_SMM_CPU_SERVICE_PROTOCOL and the hot-plug bookkeeping it feeds, per
 * UefiCpuPkg/PiSmmCpuDxeSmm/CpuService.c (edk2 2022.11): SmmGetProcessorInfo,
 * SmmAddProcessor, SmmRemoveProcessor, SmmWhoAmI, SmmCpuUpdate.
 * PcdCpuHotPlugSupport is TRUE in OVMF's SMM build. */
#include "core.h"
#include <Library/BaseMemoryLib.h>
#include <Library/LocalApicLib.h>

/* Rule: index in range and buffer given, else INVALID_PARAMETER; a free
 * slot is NOT_FOUND; else a copy of ProcessorInfo[ProcessorNumber]. */
STATIC EFI_STATUS
EFIAPI
SmmGetProcessorInfo (
  IN CONST EFI_SMM_CPU_SERVICE_PROTOCOL  *This,
  IN       UINTN                         ProcessorNumber,
  OUT      EFI_PROCESSOR_INFORMATION     *ProcessorInfoBuffer
  )
{
  (VOID)This;
  if ((ProcessorInfoBuffer == NULL) || (ProcessorNumber >= mMaxNumberOfCpus)) {
    return EFI_INVALID_PARAMETER;
  }

  if (gSmmCpuPrivate->ProcessorInfo[ProcessorNumber].ProcessorId == INVALID_APIC_ID) {
    return EFI_NOT_FOUND;
  }

  CopyMem (ProcessorInfoBuffer, &gSmmCpuPrivate->ProcessorInfo[ProcessorNumber],
    sizeof (*ProcessorInfoBuffer));
  return EFI_SUCCESS;
}

/* Deviation: BSP switching is not modelled (CpuHotplugSmm never asks). */
STATIC EFI_STATUS
EFIAPI
SmmSwitchBsp (
  IN CONST EFI_SMM_CPU_SERVICE_PROTOCOL  *This,
  IN       UINTN                         ProcessorNumber
  )
{
  (VOID)This;
  (VOID)ProcessorNumber;
  return EFI_UNSUPPORTED;
}

/* Rule: INVALID_PARAMETER for a NULL out pointer or INVALID_APIC_ID;
 * ALREADY_STARTED if some ProcessorInfo slot has this APIC ID; else take
 * the first slot whose CPU_HOT_PLUG_DATA.ApicId is this APIC ID (written
 * by the hot-plug handler) and whose ProcessorInfo is free: fill it
 * (StatusFlag 0, location from the APIC ID), mark Operation = SmmCpuAdd
 * (mNumberOfCpus grows only in SmmCpuUpdate), return the slot; no such
 * slot is INVALID_PARAMETER. */
STATIC EFI_STATUS
EFIAPI
SmmAddProcessor (
  IN CONST EFI_SMM_CPU_SERVICE_PROTOCOL  *This,
  IN       UINT64                        ProcessorId,
  OUT      UINTN                         *ProcessorNumber
  )
{
  UINTN                      Slot;
  EFI_PROCESSOR_INFORMATION  *Info;

  (VOID)This;
  if ((ProcessorNumber == NULL) || (ProcessorId == INVALID_APIC_ID)) {
    return EFI_INVALID_PARAMETER;
  }

  for (Slot = 0; Slot < mMaxNumberOfCpus; Slot++) {
    if (gSmmCpuPrivate->ProcessorInfo[Slot].ProcessorId == ProcessorId) {
      return EFI_ALREADY_STARTED;
    }
  }

  for (Slot = 0; Slot < mMaxNumberOfCpus; Slot++) {
    Info = &gSmmCpuPrivate->ProcessorInfo[Slot];
    if ((mCpuHotPlugData.ApicId[Slot] != ProcessorId) || (Info->ProcessorId != INVALID_APIC_ID)) {
      continue;
    }

    Info->ProcessorId = ProcessorId;
    Info->StatusFlag  = 0;
    GetProcessorLocationByApicId ((UINT32)ProcessorId, &Info->Location.Package,
      &Info->Location.Core, &Info->Location.Thread);
    *ProcessorNumber                = Slot;
    gSmmCpuPrivate->Operation[Slot] = SmmCpuAdd;
    return EFI_SUCCESS;
  }

  return EFI_INVALID_PARAMETER;
}

/* Rule: INVALID_PARAMETER for an index out of range or a free slot;
 * UNSUPPORTED for the currently executing CPU (the SMM BSP) or a slot with
 * a pending operation; else free both ProcessorInfo and CPU_HOT_PLUG_DATA
 * ApicId at once and mark Operation = SmmCpuRemove (mNumberOfCpus shrinks
 * in SmmCpuUpdate). */
STATIC EFI_STATUS
EFIAPI
SmmRemoveProcessor (
  IN CONST EFI_SMM_CPU_SERVICE_PROTOCOL  *This,
  IN       UINTN                         ProcessorNumber
  )
{
  (VOID)This;
  if ((ProcessorNumber >= mMaxNumberOfCpus) ||
      (gSmmCpuPrivate->ProcessorInfo[ProcessorNumber].ProcessorId == INVALID_APIC_ID))
  {
    return EFI_INVALID_PARAMETER;
  }

  if ((ProcessorNumber == gSmmCpuPrivate->SmmCoreEntryContext.CurrentlyExecutingCpu) ||
      (gSmmCpuPrivate->Operation[ProcessorNumber] != SmmCpuNone))
  {
    return EFI_UNSUPPORTED;
  }

  gSmmCpuPrivate->ProcessorInfo[ProcessorNumber].ProcessorId = INVALID_APIC_ID;
  mCpuHotPlugData.ApicId[ProcessorNumber]                    = INVALID_APIC_ID;
  gSmmCpuPrivate->Operation[ProcessorNumber]                 = SmmCpuRemove;
  return EFI_SUCCESS;
}

/* Rule: the slot whose ProcessorId is the caller's APIC ID (initial APIC
 * ID from CPUID instead of upstream's LAPIC ID register: equal on QEMU). */
STATIC EFI_STATUS
EFIAPI
SmmWhoAmI (
  IN CONST EFI_SMM_CPU_SERVICE_PROTOCOL  *This,
  OUT      UINTN                         *ProcessorNumber
  )
{
  UINT64  Mine;
  UINTN   Slot;

  (VOID)This;
  if (ProcessorNumber == NULL) {
    return EFI_INVALID_PARAMETER;
  }

  Mine = GetInitialApicId ();
  for (Slot = 0; Slot < mMaxNumberOfCpus; Slot++) {
    if (gSmmCpuPrivate->ProcessorInfo[Slot].ProcessorId == Mine) {
      *ProcessorNumber = Slot;
      return EFI_SUCCESS;
    }
  }

  ASSERT (FALSE);
  return EFI_NOT_FOUND;
}

/* Deviation: no SMM IDT, so no exception handlers to register. */
STATIC EFI_STATUS
EFIAPI
SmmRegisterExceptionHandler (
  IN EFI_SMM_CPU_SERVICE_PROTOCOL  *This,
  IN EFI_EXCEPTION_TYPE            ExceptionType,
  IN EFI_CPU_INTERRUPT_HANDLER     InterruptHandler
  )
{
  (VOID)This;
  (VOID)ExceptionType;
  (VOID)InterruptHandler;
  return EFI_UNSUPPORTED;
}

EFI_SMM_CPU_SERVICE_PROTOCOL  mSmmCpuService = {
  SmmGetProcessorInfo,
  SmmSwitchBsp,
  SmmAddProcessor,
  SmmRemoveProcessor,
  SmmWhoAmI,
  SmmRegisterExceptionHandler
};

/* Rule (SmmCpuUpdate, run by the BSP at SMI exit after the APs' reset
 * release): pending adds count up mNumberOfCpus, then pending removes
 * count it down; every pending operation is cleared. */
VOID
SmmCpuUpdate (VOID)
{
  UINTN  Slot;

  for (Slot = 0; Slot < mMaxNumberOfCpus; Slot++) {
    if (gSmmCpuPrivate->Operation[Slot] == SmmCpuAdd) {
      gSmmCpuPrivate->Operation[Slot] = SmmCpuNone;
      mNumberOfCpus++;
    }
  }

  for (Slot = 0; Slot < mMaxNumberOfCpus; Slot++) {
    if (gSmmCpuPrivate->Operation[Slot] == SmmCpuRemove) {
      gSmmCpuPrivate->Operation[Slot] = SmmCpuNone;
      mNumberOfCpus--;
    }
  }
}
