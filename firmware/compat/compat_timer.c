/* TimerLib instance over the harness's virtual clock: delays advance
 * virtual time (SendInitSipiSipi's INIT and SIPI waits among them), and
 * the performance counter is that clock in nanoseconds (1 GHz). */
#include "compat.h"
#include <Library/TimerLib.h>

UINTN
EFIAPI
MicroSecondDelay (
  IN UINTN  MicroSeconds
  )
{
  compat_delay_us (MicroSeconds);
  return MicroSeconds;
}

UINTN
EFIAPI
NanoSecondDelay (
  IN UINTN  NanoSeconds
  )
{
  compat_delay_us ((NanoSeconds + 999) / 1000);
  return NanoSeconds;
}

UINT64
EFIAPI
GetPerformanceCounter (
  VOID
  )
{
  return compat_clock_ns ();
}

UINT64
EFIAPI
GetPerformanceCounterProperties (
  OUT UINT64  *StartValue   OPTIONAL,
  OUT UINT64  *EndValue     OPTIONAL
  )
{
  if (StartValue != NULL) {
    *StartValue = 0;
  }

  if (EndValue != NULL) {
    *EndValue = MAX_UINT64;
  }

  return 1000000000ull;
}

UINT64
EFIAPI
GetTimeInNanoSecond (
  IN UINT64  Ticks
  )
{
  return Ticks;
}
