/* Scenario -> OS actor mailbox at SMMHP_MAILBOX_ADDR (guest RAM).
 *
 * The harness posts one command at a time on behalf of the scenario; the
 * OS actor (guest code on the OS boot CPU) polls `seq`, performs the
 * command with real port and MMIO accesses, then sets `done_seq = seq`.
 * Fields the platform generates at "ACPI table build" time (what QEMU's
 * DSDT would encode) are written by the harness before the OS starts.
 */
#ifndef SMMHP_MAILBOX_H
#define SMMHP_MAILBOX_H

#include <stdint.h>

enum smmhp_os_cmd {
  SMMHP_OS_NONE = 0,
  SMMHP_OS_CSCN = 1,        /* run \_SB.CPUS.CSCN as QEMU's AML does */
  SMMHP_OS_ONLINE = 2,      /* arg0 = APIC ID: INIT-SIPI-SIPI, wait until it reports online */
  SMMHP_OS_APM = 3,         /* arg0 = value: OUT 0xB2 (e.g. a broadcast SMI) */
  SMMHP_OS_CEJ0 = 4,        /* arg0 = selector: \_SB.CPUS.CEJ0 */
  SMMHP_OS_OFFLINE = 5,     /* arg0 = APIC ID: OS takes the CPU offline (INIT IPI: it waits for SIPI) */
  SMMHP_OS_POKE = 6,        /* arg0 = address, arg1 = byte: OS writes memory (malicious actor) */
  SMMHP_OS_OST = 7,         /* arg0 = selector, arg1 = source event, arg2 = status: \_SB.CPUS.COST */
  SMMHP_OS_STA = 8,         /* arg0 = selector: \_SB.CPUS.CSTA; result = 0xF present, 0 absent */
  SMMHP_OS_S3 = 9,          /* suspend to S3 (PM1_CNT SLP_TYP=1|SLP_EN); done after the OS resumed;
                               result = APs brought back online */
};

/* Which QEMU generated the DSDT's CSCN (docs/os-actor.md). */
enum smmhp_cscn_variant {
  SMMHP_CSCN_QEMU72 = 0,    /* QEMU 7.2: eject requests notified inside the scan loop */
  SMMHP_CSCN_CEJL = 1,      /* QEMU 10.0: eject requests queued in CEJL, notified after CNEW */
};

/* Event codes of SMMHP_SVC_OS_REPORT (rbx); rcx carries the argument.
 * Notify codes are the ACPI ones the AML passes to Notify(). */
enum smmhp_os_event {
  SMMHP_OS_EV_READY = 0,          /* rcx = 0: OS actor started, polling the mailbox */
  SMMHP_OS_EV_DEVICE_CHECK = 1,   /* rcx = selector: Notify(Cxxx, 1) from CSCN */
  SMMHP_OS_EV_EJECT_REQUEST = 3,  /* rcx = selector: Notify(Cxxx, 3) from CSCN */
  SMMHP_OS_EV_S3_RESUMED = 0x10,  /* rcx = APs re-onlined: the OS runs again after S3 */
  SMMHP_OS_EV_APIC_UNREACHABLE = 0x11, /* rcx = APIC ID: above 0xFE in xAPIC mode, not started */
  SMMHP_OS_EV_BAD_CMD = 0x100,    /* rcx = cmd: unknown command, result = ~0 */
};

#define SMMHP_OS_RESULT_BAD_CMD 0xFFFFFFFFu

#define SMMHP_MAILBOX_MAX_CPUS 4096 /* q35's possible-CPU limit since QEMU 9.0 */

struct smmhp_mailbox {
  volatile uint32_t seq;          /* +0x00 bumped by the harness per command */
  volatile uint32_t done_seq;     /* +0x04 set by the OS when the command finished */
  volatile uint32_t cmd;          /* +0x08 enum smmhp_os_cmd */
  volatile uint32_t arg0;         /* +0x0C */
  volatile uint32_t arg1;         /* +0x10 */
  volatile uint32_t result;       /* +0x14 command result (CSCN: Notify calls made = entries of collected[]) */
  volatile uint32_t acpi_smi_cpuhp; /* +0x18 DSDT has SMI0/SMIC: hot-plug SMI negotiated */
  volatile uint32_t acpi_fw_unplug; /* +0x1C DSDT's CEJ0 uses fw_remove + SMI */
  volatile uint32_t collected[SMMHP_MAILBOX_MAX_CPUS]; /* +0x20 CSCN: selectors (uids) notified, in order */
  volatile uint8_t online[SMMHP_MAILBOX_MAX_CPUS];     /* +0x4020 per APIC ID: 1 once the AP runs OS code */
  /* Written by the harness before the OS starts, as QEMU bakes them into the DSDT/MADT. */
  volatile uint32_t apic_id_of_uid[SMMHP_MAILBOX_MAX_CPUS]; /* +0x5020 _MAT: APIC ID of each selector */
  volatile uint32_t acpi_cpu_count;  /* +0x9020 possible CPUs (arch_ids->len): CSCN loop bound, CTFY range */
  volatile uint32_t acpi_cscn_variant; /* +0x9024 enum smmhp_cscn_variant */
  volatile uint32_t arg2;            /* +0x9028 third command argument (OST status) */
  volatile uint32_t reserved0;       /* +0x902C */
  volatile uint8_t collected_event[SMMHP_MAILBOX_MAX_CPUS]; /* +0x9030 CSCN: Notify code of collected[i] */
};

_Static_assert(__builtin_offsetof(struct smmhp_mailbox, collected) == 0x20, "mailbox layout");
_Static_assert(__builtin_offsetof(struct smmhp_mailbox, online) == 0x4020, "mailbox layout");
_Static_assert(__builtin_offsetof(struct smmhp_mailbox, apic_id_of_uid) == 0x5020, "mailbox layout");
_Static_assert(__builtin_offsetof(struct smmhp_mailbox, acpi_cpu_count) == 0x9020, "mailbox layout");
_Static_assert(__builtin_offsetof(struct smmhp_mailbox, collected_event) == 0x9030, "mailbox layout");
_Static_assert(sizeof(struct smmhp_mailbox) <= 0x10000, "mailbox fits SMMHP_MAILBOX_ADDR..SMMHP_MAILBOX_END");

/* Boot parameters the harness writes at SMMHP_PLATFORM_INFO_ADDR before
 * reset: what QEMU's command line fixes and firmware cannot probe. */
struct smmhp_platform_info {
  uint32_t magic;               /* SMMHP_PLATFORM_INFO_MAGIC */
  uint32_t os_entry;            /* OS actor entry point (BSP jumps there after boot) */
  uint32_t os_ap_entry;         /* OS actor AP entry (after the SIPI trampoline) */
  uint32_t reserved;
  uint32_t os_resume_entry;     /* +0x10 OS waking vector: the S3 resume path jumps there (flat 64-bit) */
  uint32_t core_rules;          /* +0x14 SMMHP_CORE_RULE_* bits: older PiSmmCpuDxeSmm rules to follow */
};
_Static_assert(__builtin_offsetof(struct smmhp_platform_info, core_rules) == 0x14, "platform info layout");
/* PiSmmCpuDxeSmm before 90e11edd16 (2020-02, bug B1a): S3 resume waits
 * for every possible CPU (ACPI_CPU_DATA.NumberOfCpus), not mNumberOfCpus. */
#define SMMHP_CORE_RULE_S3_WAIT_ALL_CPUS (1u << 0)
/* OVMF before 61a044c6c1..5e2e5647b9 (2018-03, bug B9): AmdSevDxe does not
 * map the initial SMRAM save-state map shared during boot-time SMBASE
 * relocation (modelled by the harness's SEV model, harness/sev.c). */
#define SMMHP_CORE_RULE_SEV_INITIAL_MAP_PRIVATE (1u << 1)
_Static_assert(__builtin_offsetof(struct smmhp_platform_info, os_resume_entry) == 0x10, "platform info layout");
#define SMMHP_PLATFORM_INFO_MAGIC 0x504d4d53u /* "SMMP" */

#endif
