/* Boot and possible CPU counts, as OVMF's PEI phase finds them:
 * OvmfPkg/Library/PlatformInitLib/Platform.c
 * PlatformMaxCpuCountInitialization (edk2 2022.11). */
#include "core.h"
#include <Library/IoLib.h>
#include <Library/QemuFwCfgLib.h>
#include <IndustryStandard/QemuCpuHotplug.h>
#include <IndustryStandard/Q35MchIch9.h>
#include <Library/LocalApicLib.h>

VOID
smmhp_max_cpu_count_init (VOID)
{
  UINT16  BootCpuCount;
  UINT32  MaxCpuCount;
  UINT32  CmdData2;
  UINT32  Present;
  UINT32  Possible;
  UINT32  Selected;

  /* Rule: boot CPU count from fw_cfg FW_CFG_NB_CPUS (16-bit). */
  BootCpuCount = 0;
  if (QemuFwCfgIsAvailable ()) {
    QemuFwCfgSelectItem (QemuFwCfgItemSmpCpuCount);
    BootCpuCount = QemuFwCfgRead16 ();
  }

  /* Upstream falls back to a default and lets MpInitLib count APs until a
   * timeout; our boot CPUs report in without a timeout, so require it. */
  if (BootCpuCount == 0) {
    DEBUG ((DEBUG_ERROR, "smmhp: boot CPU count unavailable\n"));
    ASSERT (FALSE);
    CpuDeadLoop ();
  }

  /* Rule: switch the ICH9 CPU hotplug block to modern mode (selector 0
   * twice, command GET_PENDING) and read CMD_DATA2: nonzero means no
   * modern interface, so possible = boot count. */
  IoWrite32 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_W_CPU_SEL, 0);
  IoWrite32 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_W_CPU_SEL, 0);
  IoWrite8 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_W_CMD, QEMU_CPUHP_CMD_GET_PENDING);
  CmdData2 = IoRead32 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_R_CMD_DATA2);
  if (CmdData2 != 0) {
    DEBUG ((DEBUG_WARN, "smmhp: modern CPU hotplug interface unavailable\n"));
    MaxCpuCount = BootCpuCount;
  } else {
    /* Rule: walk selectors from 0, counting ENABLED CPUs, until selecting
     * the next one reads back 0 from CMD_DATA; possible = selectors
     * walked; a present count differing from fw_cfg's wins (QEMU v2.7
     * reset bug workaround). */
    Present  = 0;
    Possible = 0;
    IoWrite32 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_W_CPU_SEL, Possible);
    do {
      if ((IoRead8 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_R_CPU_STAT) & QEMU_CPUHP_STAT_ENABLED) != 0) {
        ++Present;
      }

      ++Possible;
      IoWrite32 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_W_CPU_SEL, Possible);
      Selected = IoRead32 (ICH9_CPU_HOTPLUG_BASE + QEMU_CPUHP_RW_CMD_DATA);
      ASSERT (Selected == Possible || Selected == 0);
    } while (Selected > 0);

    if (BootCpuCount != Present) {
      DEBUG ((DEBUG_WARN, "smmhp: QEMU v2.7 reset bug: BootCpuCount=%d Present=%u\n",
              BootCpuCount, Present));
      BootCpuCount = (UINT16)Present;
    }

    MaxCpuCount = Possible;
  }

  DEBUG ((DEBUG_INFO, "smmhp: BootCpuCount=%d MaxCpuCount=%u\n", BootCpuCount, MaxCpuCount));
  ASSERT (BootCpuCount <= MaxCpuCount);
  if (MaxCpuCount > SMMHP_MAX_CPUS) {
    /* The core's per-CPU arrays (core.h) end there: q35's own limit. */
    DEBUG ((DEBUG_ERROR, "smmhp: %u possible CPUs, the SMM core takes %u\n",
            MaxCpuCount, (UINT32)SMMHP_MAX_CPUS));
    ASSERT (FALSE);
    CpuDeadLoop ();
  }

  smmhp_platform_apic_mode_init (MaxCpuCount);
  gCompatPcds.CpuMaxLogicalProcessorNumber  = MaxCpuCount;
  gCompatPcds.CpuBootLogicalProcessorNumber = BootCpuCount;
}

/* The BSP's APIC mode as PEI leaves it, published for the APs. PlatformPei
 * runs this on every boot path, S3 resume included (OvmfPkg/PlatformPei/
 * Platform.c InitializePlatform calls MaxCpuCountInitialization before
 * any boot-mode check), so s3_resume.c calls it again. */
VOID
smmhp_platform_apic_mode_init (
  UINT32  MaxCpuCount
  )
{
  (VOID)MaxCpuCount; /* trees without the rule keep the reset mode */
#if SMMHP_PLATFORM_X2APIC_ABOVE_255
  /* Rule (PlatformInitLib/Platform.c PlatformMaxCpuCountInitialization): more than 255 possible CPUs put the BSP into
   * x2APIC mode here, in PEI (2025.02; not in 2022.11 or 2020.11:
   * firmware.mk checks the tree); MpInitLib's APs take the BSP's mode at
   * their first wake-up (MpLib.c ApWakeupFunction, InitialBspApicMode).
   * Older trees leave this to MpInitLib's AutoEnableX2Apic, which looks
   * at boot CPUs only (docs/platform-model.md, "APIC mode"). */
  if (MaxCpuCount > 255) {
    DEBUG ((DEBUG_INFO, "smmhp: enable x2apic mode\n"));
    SetApicMode (LOCAL_APIC_MODE_X2APIC);
  }
#endif
  smmhp_boot_apic_mode = GetApicMode ();
}
