/* SEV detection as OVMF's reset vector does it (OvmfPkg/ResetVector,
 * CheckSevFeatures): CPUID 0x8000001F EAX bit 1 says the CPU supports SEV,
 * then MSR 0xC0010131 (SEV_STATUS) says what is active: bit 0 SEV, bit 1
 * SEV-ES, bit 2 SEV-SNP. PlatformPei turns that into the PCDs below; the
 * upstream DxeMemEncryptSevLib (when the tree has it) reads those PCDs. */
#include "compat.h"
#include <Library/DebugLib.h>
#include <Library/MemEncryptSevLib.h>
#include <smmhp/memmap.h>

#define CPUID_MAX_EXT          0x80000000u
#define CPUID_MEM_ENCRYPT      0x8000001Fu
#define MSR_SEV_STATUS         0xC0010131u
#define SEV_STATUS_SEV         BIT0
#define SEV_STATUS_SEV_ES      BIT1
#define SEV_STATUS_SEV_SNP     BIT2

/* CONFIDENTIAL_COMPUTING_GUEST_ATTR values (MdePkg ConfidentialComputingGuestAttr.h). */
#define CC_ATTR_NOT_ENCRYPTED  0x000u
#define CC_ATTR_AMD_SEV        0x100u
#define CC_ATTR_AMD_SEV_ES     0x101u
#define CC_ATTR_AMD_SEV_SNP    0x102u

UINT64
compat_sev_status (VOID)
{
  UINT32  Eax;

  AsmCpuid (CPUID_MAX_EXT, &Eax, NULL, NULL, NULL);
  if (Eax < CPUID_MEM_ENCRYPT) {
    return 0;
  }

  AsmCpuid (CPUID_MEM_ENCRYPT, &Eax, NULL, NULL, NULL);
  if ((Eax & BIT1) == 0) {
    return 0;
  }

  return AsmReadMsr64 (MSR_SEV_STATUS);
}

UINT64
compat_pcd_cc_guest_attr (VOID)
{
  UINT64  Status;

  Status = compat_sev_status ();
  if ((Status & SEV_STATUS_SEV_SNP) != 0) {
    return CC_ATTR_AMD_SEV_SNP;
  }

  if ((Status & SEV_STATUS_SEV_ES) != 0) {
    return CC_ATTR_AMD_SEV_ES;
  }

  if ((Status & SEV_STATUS_SEV) != 0) {
    return CC_ATTR_AMD_SEV;
  }

  return CC_ATTR_NOT_ENCRYPTED;
}

/* QemuFwCfgDxe maps its DMA buffers through the IoMmu protocol, whose
 * SEV instance (OvmfPkg/IoMmuDxe/AmdSevIoMmu.c IoMmuMap) clears the C-bit
 * of the pages with MemEncryptSevClearPageEncMask and stops on failure
 * (ASSERT_EFI_ERROR, CpuDeadLoop). X64: the page is shared by the SEV
 * model's rule R3 (docs/sev-model.md). IA32: the tree's own
 * Ia32/MemEncryptSevLib.c runs and answers RETURN_UNSUPPORTED ("Memory
 * encryption bit is not accessible in 32-bit mode"); OvmfPkgIa32.dsc has
 * no AmdSevDxe either: SEV is not a supported IA32 configuration. */
VOID
compat_sev_share_dma_page (VOID)
{
#ifdef MDE_CPU_IA32
  RETURN_STATUS  Status;

 #if SMMHP_SEV_CLEAR_TAKES_FLUSH
  Status = MemEncryptSevClearPageEncMask (0, SMMHP_FWCFG_DMA_BUFFER, 1, TRUE);
 #else
  Status = MemEncryptSevClearPageEncMask (0, SMMHP_FWCFG_DMA_BUFFER, 1);
 #endif
  if (RETURN_ERROR (Status)) {
    DEBUG ((DEBUG_ERROR, "IoMmuMap: MemEncryptSevClearPageEncMask: %r\n", Status));
    compat_unsupported ("SEV with IA32 firmware: MemEncryptSevClearPageEncMask (IoMmu Map of the fw_cfg DMA page) returned RETURN_UNSUPPORTED");
  }
#endif
}

/* The C-bit: CPUID 0x8000001F EBX[5:0] is its position. */
UINT64
compat_pcd_pte_enc_mask (VOID)
{
  UINT32  Ebx;

  if ((compat_sev_status () & SEV_STATUS_SEV) == 0) {
    return 0;
  }

  AsmCpuid (CPUID_MEM_ENCRYPT, NULL, &Ebx, NULL, NULL);
  return LShiftU64 (1, Ebx & 0x3F);
}
