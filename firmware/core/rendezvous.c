/* SMI rendezvous: every CPU's SMI entry stub calls smmhp_smi_rendezvous
 * with its CPU index. The rules are those of
 * UefiCpuPkg/PiSmmCpuDxeSmm/MpService.c (edk2 2022.11): SmiRendezvous,
 * BSPHandler, APHandler, SmmWaitForApArrival and the semaphore helpers,
 * written again here for the subset OVMF uses: no MTRR programming
 * (SmmCpuFeaturesNeedConfigureMtrrs is FALSE), no SMM profile, no debug
 * agent, no SmmStartupThisAp procedures, no LMCE shortcut. */
#include "core.h"
#include <Library/SynchronizationLib.h>
#include <Library/LocalApicLib.h>
#include <Library/BaseMemoryLib.h>

/* Take one unit from a counting semaphore, spinning while it is empty;
 * returns the new value. */
STATIC UINT32
WaitForSemaphore (volatile UINT32 *Sem)
{
  UINT32  Seen;

  for ( ; ;) {
    Seen = *Sem;
    if ((Seen != 0) &&
        (InterlockedCompareExchange32 ((UINT32 *)Sem, Seen, Seen - 1) == Seen))
    {
      return Seen - 1;
    }

    CpuPause ();
  }
}

/* Add one unit unless the semaphore is locked down (MAX_UINT32); returns
 * the new value, so 0 means "locked down, not counted". */
STATIC UINT32
ReleaseSemaphore (volatile UINT32 *Sem)
{
  UINT32  Seen;

  for ( ; ;) {
    Seen = *Sem;
    if (Seen == MAX_UINT32) {
      return 0;
    }

    if (InterlockedCompareExchange32 ((UINT32 *)Sem, Seen, Seen + 1) == Seen) {
      return Seen + 1;
    }
  }
}

/* Lock the semaphore down (MAX_UINT32) and return what it counted. */
STATIC UINT32
LockdownSemaphore (volatile UINT32 *Sem)
{
  UINT32  Seen;

  do {
    Seen = *Sem;
  } while (InterlockedCompareExchange32 ((UINT32 *)Sem, Seen, MAX_UINT32) != Seen);

  return Seen;
}

STATIC VOID
WaitForAllAPs (UINTN NumberOfAPs)
{
  UINTN  BspIndex;

  BspIndex = mSmmMpSyncData->BspIndex;
  for ( ; NumberOfAPs > 0; NumberOfAPs--) {
    WaitForSemaphore (&mSmmMpSyncData->CpuData[BspIndex].Run);
  }
}

/* An AP is "present" when it checked in and is not the executing CPU. */
STATIC BOOLEAN
IsPresentAp (UINTN CpuIndex)
{
  return (BOOLEAN)(CpuIndex != gSmmCpuPrivate->SmmCoreEntryContext.CurrentlyExecutingCpu &&
                   mSmmMpSyncData->CpuData[CpuIndex].Present);
}

STATIC VOID
ReleaseAllAPs (VOID)
{
  UINTN  Index;

  for (Index = 0; Index < mMaxNumberOfCpus; Index++) {
    if (IsPresentAp (Index)) {
      ReleaseSemaphore (&mSmmMpSyncData->CpuData[Index].Run);
    }
  }
}

/* Rule (AllCpusInSmmWithExceptions): all arrived when Counter equals
 * mNumberOfCpus, or when every slot with a valid ProcessorId is Present.
 * A CPU that is not in ProcessorInfo (a hot-added CPU before SmmCpuUpdate,
 * or one spinning at the 0x38000 gate) is never waited for. OVMF's
 * SmmCpuFeaturesGetSmmRegister reports no blocked/disabled CPUs. */
STATIC BOOLEAN
AllCpusInSmm (VOID)
{
  UINTN  Index;

  ASSERT (mSmmMpSyncData->Counter <= mNumberOfCpus);
  if (mSmmMpSyncData->Counter == mNumberOfCpus) {
    return TRUE;
  }

  for (Index = 0; Index < mMaxNumberOfCpus; Index++) {
    if (!mSmmMpSyncData->CpuData[Index].Present &&
        (gSmmCpuPrivate->ProcessorInfo[Index].ProcessorId != INVALID_APIC_ID))
    {
      return FALSE;
    }
  }

  return TRUE;
}

/* Rule (SmmWaitForApArrival): wait up to the sync timeout; if some known
 * CPU is still missing, send an SMI IPI to every known CPU that is not
 * Present, then wait up to the timeout once more. */
STATIC VOID
SmmWaitForApArrival (VOID)
{
  UINT64  Timer;
  UINTN   Index;

  for (Timer = StartSyncTimer (); !IsSyncTimerTimeout (Timer); ) {
    mSmmMpSyncData->AllApArrivedWithException = AllCpusInSmm ();
    if (mSmmMpSyncData->AllApArrivedWithException) {
      break;
    }

    CpuPause ();
  }

  if (mSmmMpSyncData->Counter >= mNumberOfCpus) {
    return;
  }

  for (Index = 0; Index < mMaxNumberOfCpus; Index++) {
    if (!mSmmMpSyncData->CpuData[Index].Present &&
        (gSmmCpuPrivate->ProcessorInfo[Index].ProcessorId != INVALID_APIC_ID))
    {
      SendSmiIpi ((UINT32)gSmmCpuPrivate->ProcessorInfo[Index].ProcessorId);
    }
  }

  for (Timer = StartSyncTimer (); !IsSyncTimerTimeout (Timer); ) {
    mSmmMpSyncData->AllApArrivedWithException = AllCpusInSmm ();
    if (mSmmMpSyncData->AllApArrivedWithException) {
      break;
    }

    CpuPause ();
  }
}

/* Rule (BSPHandler, 2022.11 order): InsideSmm, Present; in Traditional
 * mode wait for arrivals, lock the counter down and collect the APs'
 * check-ins; run the MM core; in Relaxed mode lock down afterwards and
 * wait for every counted AP to be Present; InsideSmm = FALSE and release
 * the APs; wait for them; release them again (reset); SmmCpuUpdate;
 * clear own Present; wait for the APs' final check-in; reset BspIndex,
 * Counter and AllCpusInSync (which lets every CPU leave). */
STATIC VOID
BSPHandler (UINTN CpuIndex, UINT8 SyncMode)
{
  UINTN  ApCount;
  UINTN  Present;
  UINTN  Index;

  ASSERT (CpuIndex == mSmmMpSyncData->BspIndex);
  ApCount = 0;

  mSmmMpSyncData->InsideSmm                = TRUE;
  mSmmMpSyncData->CpuData[CpuIndex].Present = TRUE;
  /* OVMF's ClearTopLevelSmiStatus has nothing to clear. */
  gSmmCpuPrivate->SmmCoreEntryContext.CurrentlyExecutingCpu = CpuIndex;

  if (SyncMode == SmmCpuSyncModeTradition) {
    SmmWaitForApArrival ();
    mSmmMpSyncData->AllCpusInSync = TRUE;
    ApCount                       = LockdownSemaphore (&mSmmMpSyncData->Counter) - 1;
    WaitForAllAPs (ApCount);
  }

  smmhp_smm_core_entry (&gSmmCpuPrivate->SmmCoreEntryContext);

  if (SyncMode != SmmCpuSyncModeTradition) {
    mSmmMpSyncData->AllCpusInSync = TRUE;
    ApCount                       = LockdownSemaphore (&mSmmMpSyncData->Counter) - 1;
    do {
      Present = 0;
      for (Index = 0; Index < mMaxNumberOfCpus; Index++) {
        if (mSmmMpSyncData->CpuData[Index].Present) {
          Present++;
        }
      }

      CpuPause ();
    } while (Present <= ApCount);
  }

  mSmmMpSyncData->InsideSmm = FALSE;
  ReleaseAllAPs ();
  WaitForAllAPs (ApCount);

  ReleaseAllAPs ();
  SmmCpuUpdate ();
  mSmmMpSyncData->CpuData[CpuIndex].Present = FALSE;
  WaitForAllAPs (ApCount);

  /* PcdCpuSmmEnableBspElection is TRUE for OVMF. */
  mSmmMpSyncData->BspIndex                  = MAX_UINT32;
  mSmmMpSyncData->Counter                   = 0;
  mSmmMpSyncData->AllCpusInSync             = FALSE;
  mSmmMpSyncData->AllApArrivedWithException = FALSE;
}

/* Rule (APHandler): wait up to the timeout for the BSP's InsideSmm; if it
 * does not come and the BSP index is known, SMI-IPI the BSP and wait once
 * more; giving up takes the AP's unit back from Counter. Otherwise mark
 * Present, check in with the BSP (Traditional), wait for the BSP's
 * release, then the two exit handshakes. */
STATIC VOID
APHandler (UINTN CpuIndex, UINT8 SyncMode)
{
  UINT64  Timer;
  UINTN   BspIndex;

  for (Timer = StartSyncTimer ();
       !IsSyncTimerTimeout (Timer) && !mSmmMpSyncData->InsideSmm; )
  {
    CpuPause ();
  }

  if (!mSmmMpSyncData->InsideSmm) {
    if (mSmmMpSyncData->BspIndex == MAX_UINT32) {
      WaitForSemaphore (&mSmmMpSyncData->Counter);
      return;
    }

    BspIndex = mSmmMpSyncData->BspIndex;
    ASSERT (CpuIndex != BspIndex);
    SendSmiIpi ((UINT32)gSmmCpuPrivate->ProcessorInfo[BspIndex].ProcessorId);
    for (Timer = StartSyncTimer ();
         !IsSyncTimerTimeout (Timer) && !mSmmMpSyncData->InsideSmm; )
    {
      CpuPause ();
    }

    if (!mSmmMpSyncData->InsideSmm) {
      WaitForSemaphore (&mSmmMpSyncData->Counter);
      return;
    }
  }

  BspIndex = mSmmMpSyncData->BspIndex;
  ASSERT (CpuIndex != BspIndex);
  mSmmMpSyncData->CpuData[CpuIndex].Present = TRUE;
  if (SyncMode == SmmCpuSyncModeTradition) {
    ReleaseSemaphore (&mSmmMpSyncData->CpuData[BspIndex].Run);
  }

  /* No SmmStartupThisAp: the only release while inside is the exit. */
  WaitForSemaphore (&mSmmMpSyncData->CpuData[CpuIndex].Run);
  ASSERT (!mSmmMpSyncData->InsideSmm);

  ReleaseSemaphore (&mSmmMpSyncData->CpuData[BspIndex].Run);
  WaitForSemaphore (&mSmmMpSyncData->CpuData[CpuIndex].Run);
  mSmmMpSyncData->CpuData[CpuIndex].Present = FALSE;
  ReleaseSemaphore (&mSmmMpSyncData->CpuData[BspIndex].Run);
}

/* Rule (InitializeMpSyncData): everything clear, BspIndex = -1 (election
 * enabled), sync mode from PcdCpuSmmSyncMode (as negotiated). */
VOID
InitializeMpSyncData (VOID)
{
  ZeroMem ((VOID *)mSmmMpSyncData, sizeof (*mSmmMpSyncData));
  mSmmMpSyncData->BspIndex          = MAX_UINT32;
  mSmmMpSyncData->EffectiveSyncMode = gCompatPcds.CpuSmmSyncMode;
}

/* Rule (SmiRendezvous): OVMF's PlatformValidSmi is always TRUE. Check in
 * on Counter; a CPU arriving after the lockdown only waits for the exit.
 * Otherwise, if a BSP is already inside, be an AP; else run the platform
 * election (the APIC_BASE BSP bit) and be the BSP or an AP. Everyone
 * waits for AllCpusInSync to drop, then runs the RendezvousExit hook. */
VOID
EFIAPI
smmhp_smi_rendezvous (UINTN CpuIndex)
{
  BOOLEAN  BspInProgress;
  BOOLEAN  IsBsp;
  UINT8    SyncMode;

  ASSERT (CpuIndex < mMaxNumberOfCpus);
  SyncMode      = mSmmMpSyncData->EffectiveSyncMode;
  BspInProgress = mSmmMpSyncData->InsideSmm;

  if (ReleaseSemaphore (&mSmmMpSyncData->Counter) == 0) {
    while (mSmmMpSyncData->AllCpusInSync) {
      CpuPause ();
    }

    goto Exit;
  }

  if (BspInProgress) {
    APHandler (CpuIndex, SyncMode);
  } else {
    IsBsp = FALSE;
    if (!EFI_ERROR (PlatformSmmBspElection (&IsBsp))) {
      if (IsBsp) {
        mSmmMpSyncData->BspIndex = (UINT32)CpuIndex;
      }
    } else {
      InterlockedCompareExchange32 ((UINT32 *)&mSmmMpSyncData->BspIndex, MAX_UINT32, (UINT32)CpuIndex);
    }

    if (mSmmMpSyncData->BspIndex == CpuIndex) {
      BSPHandler (CpuIndex, SyncMode);
    } else {
      APHandler (CpuIndex, SyncMode);
    }
  }

  ASSERT (mSmmMpSyncData->CpuData[CpuIndex].Run == 0);
  while (mSmmMpSyncData->AllCpusInSync) {
    CpuPause ();
  }

Exit:
  SmmCpuFeaturesRendezvousExit (CpuIndex);
}
