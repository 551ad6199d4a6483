/* Harness services with no cross-CPU concurrency: phase reports, virtual
 * time, fatal errors. The harness implements them at SMMHP_PORT_SERVICE. */
#include "compat.h"
#include "compat_svc.h"

VOID
compat_report_phase (UINTN Phase)
{
  compat_svc (SMMHP_SVC_PHASE, Phase, 0);
}

VOID
compat_delay_us (UINT64 MicroSeconds)
{
  compat_svc (SMMHP_SVC_DELAY_US, MicroSeconds, 0);
}

UINT64
compat_clock_ns (VOID)
{
  return compat_svc (SMMHP_SVC_CLOCK_NS, 0, 0);
}

/* Upstream meets RETURN_UNSUPPORTED from a library it cannot continue
 * without and stops (ASSERT_EFI_ERROR, CpuDeadLoop): the harness reports
 * the reason as the verdict "unsupported". */
VOID
compat_unsupported (CONST CHAR8 *Reason)
{
  compat_svc (SMMHP_SVC_UNSUPPORTED, (UINTN)Reason, 0);
  for ( ; ; ) {
    CpuDeadLoop ();
  }
}

VOID
compat_fatal (CONST CHAR8 *Reason)
{
  compat_svc (SMMHP_SVC_FATAL, (UINTN)Reason, 0);
  /* The harness stops the CPU; should it return, stay here visibly. */
  for ( ; ; ) {
    CpuDeadLoop ();
  }
}
