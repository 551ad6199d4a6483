/* Storage of the dynamic PCDs (AutoGen.h maps PcdGet/PcdSet onto it).
 * Defaults are OVMF's before PlatformPei and SmiFeatures.c change them:
 * OvmfPkgX64.dsc sets PcdCpuSmmSyncMode 0x01 and PcdCpuSmmApSyncTimeout
 * 100000 for SMM_REQUIRE builds; the rest are UefiCpuPkg.dec defaults.
 * The SMM core fills in the hot-plug data addresses, the SMRAM-at-default-
 * SMBASE flag and the CPU counts, as PlatformPei and PiSmmCpuDxeSmm do. */
#include "compat.h"

struct compat_pcds  gCompatPcds = {
  .CpuHotPlugDataAddress         = 0,
  .CpuHotEjectDataAddress        = 0,
  .Q35SmramAtDefaultSmbase       = FALSE,
  .CpuSmmApSyncTimeout           = 100000,
  .CpuSmmApSyncTimeout2          = 1000000,
  .CpuSmmSyncMode                = 0x01,
  .CpuMaxLogicalProcessorNumber  = 64,
  .CpuBootLogicalProcessorNumber = 0,
};

/* Upstream NASM reads FixedAtBuild PCDs by symbol (BaseLib's SetJump and
 * LongJump: ASM_PFX(PcdGet32 (PcdControlFlowEnforcementPropertyMask))). */
CONST UINT32  _gPcd_FixedAtBuild_PcdControlFlowEnforcementPropertyMask =
  _PCD_VALUE_PcdControlFlowEnforcementPropertyMask;
