/* Forced include (-include) for every firmware object, upstream and ours.
 *
 * edk2's build tool generates an AutoGen.h per module; this one stands in
 * for all of them. It pulls in what AutoGen.h does for a DXE_SMM_DRIVER
 * (the widest module type we build: newer trees' headers, e.g. HobLib.h,
 * need PiDxe.h) and maps every PCD that the compiled upstream code reads
 * or writes to either a constant (FixedAtBuild on the real platform) or a
 * field of gCompatPcds (dynamic PCDs that the SMM core or upstream code
 * sets at run time). Values follow OVMF's OvmfPkgX64.dsc (SMM_REQUIRE
 * build) and the package .dec defaults; docs/firmware-build.md lists them.
 *
 * A PCD missing here shows up as an "undeclared _PCD_GET_MODE_..." error
 * when a new edk2 release starts using it: add it, do not guess silently.
 */
#ifndef SMMHP_AUTOGEN_H
#define SMMHP_AUTOGEN_H

#include <PiDxe.h>
#include <PiSmm.h>
#include <Library/BaseLib.h>
#include <Library/DebugLib.h>
#include <Library/UefiBootServicesTableLib.h>
#include <Library/UefiDriverEntryPoint.h>
#include <Library/PcdLib.h>

/* Module identity, from the INF of the driver under test (generated). */
extern GUID   gEfiCallerIdGuid;
extern CHAR8  *gEfiCallerBaseName;

/* Run-time PCD storage (struct compat_pcds; the SMM core fills it) and
 * the other entry points of the compatibility layer. */
#include "compat.h"

/* PcdSetXxS on a dynamic PCD: store, report success (as PcdLib does). */
#define COMPAT_PCD_SET(Field, Value) \
  ((gCompatPcds.Field = (Value)), (RETURN_STATUS)RETURN_SUCCESS)

/* ---- dynamic PCDs: read and written at run time ------------------------ */
#define _PCD_GET_MODE_64_PcdCpuHotPlugDataAddress   gCompatPcds.CpuHotPlugDataAddress
#define _PCD_SET_MODE_64_S_PcdCpuHotPlugDataAddress(V)  COMPAT_PCD_SET (CpuHotPlugDataAddress, V)
#define _PCD_GET_MODE_64_PcdCpuHotEjectDataAddress  gCompatPcds.CpuHotEjectDataAddress
#define _PCD_SET_MODE_64_S_PcdCpuHotEjectDataAddress(V) COMPAT_PCD_SET (CpuHotEjectDataAddress, V)
#define _PCD_GET_MODE_BOOL_PcdQ35SmramAtDefaultSmbase  gCompatPcds.Q35SmramAtDefaultSmbase
#define _PCD_SET_MODE_BOOL_S_PcdQ35SmramAtDefaultSmbase(V) COMPAT_PCD_SET (Q35SmramAtDefaultSmbase, V)
#define _PCD_GET_MODE_64_PcdCpuSmmApSyncTimeout     gCompatPcds.CpuSmmApSyncTimeout
#define _PCD_SET_MODE_64_S_PcdCpuSmmApSyncTimeout(V)    COMPAT_PCD_SET (CpuSmmApSyncTimeout, V)
#define _PCD_GET_MODE_64_PcdCpuSmmApSyncTimeout2    gCompatPcds.CpuSmmApSyncTimeout2
#define _PCD_SET_MODE_64_S_PcdCpuSmmApSyncTimeout2(V)   COMPAT_PCD_SET (CpuSmmApSyncTimeout2, V)
#define _PCD_GET_MODE_8_PcdCpuSmmSyncMode           gCompatPcds.CpuSmmSyncMode
#define _PCD_SET_MODE_8_S_PcdCpuSmmSyncMode(V)          COMPAT_PCD_SET (CpuSmmSyncMode, V)
#define _PCD_GET_MODE_32_PcdCpuMaxLogicalProcessorNumber  gCompatPcds.CpuMaxLogicalProcessorNumber
#define _PCD_SET_MODE_32_S_PcdCpuMaxLogicalProcessorNumber(V) COMPAT_PCD_SET (CpuMaxLogicalProcessorNumber, V)
#define _PCD_GET_MODE_32_PcdCpuBootLogicalProcessorNumber gCompatPcds.CpuBootLogicalProcessorNumber
#define _PCD_SET_MODE_32_S_PcdCpuBootLogicalProcessorNumber(V) COMPAT_PCD_SET (CpuBootLogicalProcessorNumber, V)

/* Set by PlatformPei from the SEV status the reset vector read (CPUID
 * 0x8000001F, MSR 0xC0010131); derived the same way on demand here. */
#define _PCD_GET_MODE_64_PcdConfidentialComputingGuestAttr   compat_pcd_cc_guest_attr ()
#define _PCD_GET_MODE_64_PcdPteMemoryEncryptionAddressOrMask compat_pcd_pte_enc_mask ()

/* ---- feature PCDs -------------------------------------------------------- */
#ifndef SMMHP_SMM_REQUIRE
#define SMMHP_SMM_REQUIRE  1 /* OVMF -D SMM_REQUIRE: the only build CpuHotplugSmm is in */
#endif
#define _PCD_VALUE_PcdSmmSmramRequire           ((BOOLEAN)SMMHP_SMM_REQUIRE)
#define _PCD_GET_MODE_BOOL_PcdSmmSmramRequire   _PCD_VALUE_PcdSmmSmramRequire
#define _PCD_VALUE_PcdVerifyNodeInList          ((BOOLEAN)0)
#define _PCD_GET_MODE_BOOL_PcdVerifyNodeInList  _PCD_VALUE_PcdVerifyNodeInList

/* ---- fixed-at-build PCDs --------------------------------------------------- */
#define _PCD_VALUE_PcdCpuLocalApicBaseAddress         0xFEE00000U
#define _PCD_GET_MODE_32_PcdCpuLocalApicBaseAddress   _PCD_VALUE_PcdCpuLocalApicBaseAddress
#define _PCD_VALUE_PcdCpuInitIpiDelayInMicroSeconds   10000U
#define _PCD_GET_MODE_32_PcdCpuInitIpiDelayInMicroSeconds _PCD_VALUE_PcdCpuInitIpiDelayInMicroSeconds
#define _PCD_VALUE_PcdMaximumLinkedListLength         1000000U
#define _PCD_GET_MODE_32_PcdMaximumLinkedListLength   _PCD_VALUE_PcdMaximumLinkedListLength
#define _PCD_VALUE_PcdMaximumAsciiStringLength        1000000U
#define _PCD_GET_MODE_32_PcdMaximumAsciiStringLength  _PCD_VALUE_PcdMaximumAsciiStringLength
#define _PCD_VALUE_PcdMaximumUnicodeStringLength      1000000U
#define _PCD_GET_MODE_32_PcdMaximumUnicodeStringLength _PCD_VALUE_PcdMaximumUnicodeStringLength
#define _PCD_VALUE_PcdMaximumDevicePathNodeCount      0U
#define _PCD_GET_MODE_32_PcdMaximumDevicePathNodeCount _PCD_VALUE_PcdMaximumDevicePathNodeCount
/* BaseLib's SetJump/LongJump NASM reads this one by symbol, as edk2's
 * library AutoGen.h maps FixedAtBuild PCDs (compat_pcd.c defines it). */
#define _PCD_VALUE_PcdControlFlowEnforcementPropertyMask 0U
extern CONST UINT32  _gPcd_FixedAtBuild_PcdControlFlowEnforcementPropertyMask;
#define _PCD_GET_MODE_32_PcdControlFlowEnforcementPropertyMask _gPcd_FixedAtBuild_PcdControlFlowEnforcementPropertyMask
#define _PCD_VALUE_PcdSpeculationBarrierType          0x01U /* LFENCE */
#define _PCD_GET_MODE_8_PcdSpeculationBarrierType     _PCD_VALUE_PcdSpeculationBarrierType
#define _PCD_VALUE_PcdSpinLockTimeout                 10000000U
#define _PCD_GET_MODE_32_PcdSpinLockTimeout           _PCD_VALUE_PcdSpinLockTimeout
#define _PCD_VALUE_PcdDebugPropertyMask               0x2FU /* OVMF: assert, print, code, clear, deadloop */
#define _PCD_GET_MODE_8_PcdDebugPropertyMask          _PCD_VALUE_PcdDebugPropertyMask
#define _PCD_VALUE_PcdDebugClearMemoryValue           0xAFU
#define _PCD_GET_MODE_8_PcdDebugClearMemoryValue      _PCD_VALUE_PcdDebugClearMemoryValue
#define _PCD_VALUE_PcdFixedDebugPrintErrorLevel       0xFFFFFFFFU
#define _PCD_GET_MODE_32_PcdFixedDebugPrintErrorLevel _PCD_VALUE_PcdFixedDebugPrintErrorLevel
#ifndef SMMHP_DEBUG_PRINT_LEVEL
#define SMMHP_DEBUG_PRINT_LEVEL  0x8000004FU /* OVMF default: no DEBUG_VERBOSE */
#endif
#define _PCD_VALUE_PcdDebugPrintErrorLevel            SMMHP_DEBUG_PRINT_LEVEL
#define _PCD_GET_MODE_32_PcdDebugPrintErrorLevel      _PCD_VALUE_PcdDebugPrintErrorLevel
#define _PCD_VALUE_PcdAcpiS3Enable                    ((BOOLEAN)1)
#define _PCD_GET_MODE_BOOL_PcdAcpiS3Enable            _PCD_VALUE_PcdAcpiS3Enable

#endif
