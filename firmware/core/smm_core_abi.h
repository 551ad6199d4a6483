/* What the harness needs to know about the platform SMM core (values only,
 * usable from C and, through nasm's %define-compatible subset, from NASM).
 * Candidates for include/smmhp/ once the lead integrates.
 */
#ifndef SMMHP_SMM_CORE_ABI_H
#define SMMHP_SMM_CORE_ABI_H

/* APM command the boot code writes to 0xB2 to run the SMM drivers' entry
 * points in SMM (our stand-in for PiSmmIpl's SMM communication). Not 2/3
 * (ICH9 ACPI enable/disable) and not 4 (ICH9_APM_CNT_CPU_HOTPLUG). */
#define SMMHP_APM_CMD_DISPATCH   0xDD

/* Low RAM (outside every SMRAM range) that the boot code uses for code
 * which must keep running after TSEG is closed: the boot APs' park loop
 * and the BSP's lock-and-jump-to-OS routine. Page 0x4000 is otherwise
 * unused in memmap.h. */
#ifndef SMMHP_BOOT_LOWCODE_PAGE
#define SMMHP_BOOT_LOWCODE_PAGE  0x00004000u
#endif
#define SMMHP_AP_PARK_LOOP       (SMMHP_BOOT_LOWCODE_PAGE + 0x000u) /* cli; hlt; jmp back */
#define SMMHP_LOCK_AND_GO        (SMMHP_BOOT_LOWCODE_PAGE + 0x100u) /* lock TSEG, report, jump to OS */

/* GDT selectors loaded by the SMI entry stub (smi_entry.nasm). */
#define SMMHP_SMM_SEL_CODE32     0x08
#define SMMHP_SMM_SEL_DATA       0x10
#define SMMHP_SMM_SEL_CODE64     0x18

#endif
