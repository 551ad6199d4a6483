/* I/O ports of the simulated q35 machine (docs/platform-model.md cites
 * the QEMU source of each), plus the harness service port. */
#ifndef SMMHP_PORTS_H
#define SMMHP_PORTS_H

#define SMMHP_PORT_APM_CNT        0xB2  /* ICH9 APM control: write raises SMI */
#define SMMHP_PORT_APM_STS        0xB3
#define SMMHP_PORT_DEBUGCON       0x402 /* QEMU isa-debugcon, as OVMF uses it */
#define SMMHP_PORT_FWCFG_SEL      0x510
#define SMMHP_PORT_FWCFG_DATA     0x511
#define SMMHP_PORT_FWCFG_DMA_HI   0x514 /* big-endian 64-bit DMA address, high half */
#define SMMHP_PORT_FWCFG_DMA_LO   0x518 /* writing the low half starts the transfer */
#define SMMHP_PORT_PCI_ADDR       0xCF8
#define SMMHP_PORT_PCI_DATA       0xCFC
#define SMMHP_PORT_CPUHP_BASE     0x0CD8 /* ICH9 modern CPU hotplug block, 12 bytes */
#define SMMHP_PORT_CPUHP_LEN      12
#define SMMHP_PMBASE              0x600 /* OVMF programs ICH9 PMBASE to 0x600 */
#define SMMHP_PORT_PM1_CNT        (SMMHP_PMBASE + 0x04)
#define SMMHP_PORT_SMI_EN         (SMMHP_PMBASE + 0x30)
#define SMMHP_PORT_SMI_STS        (SMMHP_PMBASE + 0x34)

/* Harness service port (ours, not a QEMU device): a 32-bit OUT of a
 * request code; arguments in RBX/RCX/RDX of the writing vCPU, result in
 * RAX. Only services with no cross-CPU concurrency go through it. */
#define SMMHP_PORT_SERVICE        0x5A0
#define SMMHP_SVC_DELAY_US        1   /* rbx = microseconds of virtual time to sleep */
#define SMMHP_SVC_PHASE           2   /* rbx = enum smmhp_phase reached (boot milestones) */
#define SMMHP_SVC_OS_REPORT       3   /* rbx = event code, rcx = argument (OS actor reports) */
#define SMMHP_SVC_FATAL           4   /* rbx = address of a NUL-terminated reason (guest asserts) */
#define SMMHP_SVC_UNSUPPORTED     6   /* rbx = address of a NUL-terminated reason: the firmware
                                         stops on a platform feature its build does not support
                                         (upstream: RETURN_UNSUPPORTED, then CpuDeadLoop) */
#define SMMHP_SVC_CLOCK_NS        5   /* rax <- virtual time in ns since reset (TimerLib counter); a 32-bit caller also gets rcx <- bits 63:32 */

enum smmhp_phase {
  SMMHP_PHASE_RESET = 0,
  SMMHP_PHASE_NEGOTIATED = 1,   /* SMI features negotiated over fw_cfg */
  SMMHP_PHASE_RELOCATED = 2,    /* boot CPUs relocated out of 0x30000 */
  SMMHP_PHASE_SMM_READY = 3,    /* SMM drivers' entry points returned */
  SMMHP_PHASE_LOCKED = 4,       /* TSEG closed+locked, 0x30000 window locked */
  SMMHP_PHASE_OS = 5,           /* control handed to the OS actor */
};

/* I/O APIC / PCI: MCH is 00:00.0, ICH9 LPC is 00:1f.0. */
#define SMMHP_PCI_MCH_BDF         0x0000
#define SMMHP_PCI_LPC_BDF         ((0x1f << 3) | 0)

#endif
