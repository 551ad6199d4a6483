/* AP-arrival timeout in virtual time, per
 * UefiCpuPkg/PiSmmCpuDxeSmm/SyncTimer.c (edk2 2022.11): the timeout is
 * PcdCpuSmmApSyncTimeout microseconds, converted once to performance
 * counter ticks at init; a timer is the counter value at its start. In
 * 2022.11 both arrival rounds use this one PCD (PcdCpuSmmApSyncTimeout2
 * arrived in edk2-stable202405). */
#include "core.h"
#include <Library/TimerLib.h>

STATIC UINT64   mTimeoutTicks;
STATIC UINT64   mCounterStart;
STATIC UINT64   mCounterEnd;

VOID
InitializeSmmTimer (VOID)
{
  UINT64  Hz;

  Hz            = GetPerformanceCounterProperties (&mCounterStart, &mCounterEnd);
  mTimeoutTicks = DivU64x32 (MultU64x64 (Hz, gCompatPcds.CpuSmmApSyncTimeout), 1000000);
}

UINT64
StartSyncTimer (VOID)
{
  return GetPerformanceCounter ();
}

/* Elapsed ticks since Timer, allowing for a counter that wraps in either
 * direction between its start and end values. */
BOOLEAN
IsSyncTimerTimeout (UINT64 Timer)
{
  UINT64  Now;
  UINT64  Elapsed;
  UINT64  Span;

  Now = GetPerformanceCounter ();
  if (mCounterEnd >= mCounterStart) {
    Span    = mCounterEnd - mCounterStart;
    Elapsed = (Now >= Timer) ? Now - Timer : Span - (Timer - Now) + 1;
  } else {
    Span    = mCounterStart - mCounterEnd;
    Elapsed = (Now <= Timer) ? Timer - Now : Span - (Now - Timer) + 1;
  }

  return (BOOLEAN)(Elapsed >= mTimeoutTicks);
}
