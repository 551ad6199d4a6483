/* The AML methods of QEMU's \_SB.CPUS device (CSCN, CEJ0, COST, CSTA),
 * performed as an ACPI interpreter performs them: same register, same
 * width, same order. Source: QEMU 7.2 hw/acpi/cpu.c build_cpus_aml;
 * docs/os-actor.md lists every access with the AML it comes from.
 */
#include <stdint.h>

#include "hw.h"
#include "os.h"

/* Register block at SMMHP_PORT_CPUHP_BASE, as the DSDT declares it: the
 * PRST region, a ByteAcc/WriteAsZeros field for the flags byte and the
 * command, a DWordAcc field for the selector and the command data. */
#define CSEL   (SMMHP_PORT_CPUHP_BASE + 0)  /* DWORD, write */
#define CFLG   (SMMHP_PORT_CPUHP_BASE + 4)  /* byte: CPEN CINS CRMV CEJ0 CEJF */
#define CCMD   (SMMHP_PORT_CPUHP_BASE + 5)  /* byte, write */
#define CDAT   (SMMHP_PORT_CPUHP_BASE + 8)  /* DWORD */

#define CPEN   (1u << 0)  /* read: CPU present */
#define CINS   (1u << 1)  /* read: insert event; write 1: clear it */
#define CRMV   (1u << 2)  /* read: remove event; write 1: clear it */
#define CEJ0   (1u << 3)  /* write 1: eject */
#define CEJF   (1u << 4)  /* write 1: ask firmware to eject (fw_remove) */

#define CMD_GET_NEXT_CPU_WITH_EVENT 0
#define CMD_OST_EVENT               1
#define CMD_OST_STATUS              2

#define OVMF_CPUHP_SMI_CMD 4      /* QEMU's constant of the same name */
#define CPUS_PER_PASS      255    /* CNEW/CEJL: ACPI 1.0 Package size */

#define NOTIFY_DEVICE_CHECK  1
#define NOTIFY_EJECT_REQUEST 3

_Static_assert(NOTIFY_DEVICE_CHECK == SMMHP_OS_EV_DEVICE_CHECK &&
               NOTIFY_EJECT_REQUEST == SMMHP_OS_EV_EJECT_REQUEST,
               "report codes are the ACPI Notify codes");

/* CPLK, the AML mutex every method above takes. A spinlock in OS memory,
 * global so that a hang report can name it. */
volatile uint32_t os_cplk;

/* CNEW and CEJL, the method-local packages. */
static uint32_t os_cnew[CPUS_PER_PASS];
static uint32_t os_cejl[CPUS_PER_PASS];

static void cplk_acquire(void)
{
  while (__atomic_exchange_n(&os_cplk, 1u, __ATOMIC_ACQUIRE) != 0)
    while (os_cplk != 0)
      cpu_pause();
}

static void cplk_release(void)
{
  __atomic_store_n(&os_cplk, 0u, __ATOMIC_RELEASE);
}

/* One helper per field access; the field's access width is the I/O width. */
static void csel_write(uint32_t uid) { outl(CSEL, uid); }
/* CSCN's SMI upcall, out of line with global labels, so that scenarios
 * can inject an event right before the OUT (the window of bug B3: the
 * new CPU exists when the SMI is broadcast) or right after it (B4's: it
 * does not). */
static void __attribute__((noinline)) cscn_smi_upcall(void)
{
  __asm__ volatile(".globl os_cscn_smi_out\n"
                   "os_cscn_smi_out:\n\t"
                   "outb %%al, %%dx\n"
                   ".globl os_cscn_smi_done\n"
                   "os_cscn_smi_done:\n"
                   : : "a"((uint8_t)OVMF_CPUHP_SMI_CMD), "d"((uint16_t)SMMHP_PORT_APM_CNT) : "memory");
}

static void ccmd_write(uint8_t cmd) { outb(CCMD, cmd); }
static uint32_t cdat_read(void) { return inl(CDAT); }
static void cdat_write(uint32_t v) { outl(CDAT, v); }
static uint8_t cflg_read(void) { return inb(CFLG); }
/* WriteAsZeros: storing 1 to a one-bit field writes the byte with only that bit. */
static void cflg_write(uint8_t bit) { outb(CFLG, bit); }

/* CTFY(uid, event): an If per possible CPU, Notify(Cxxx, event) on the
 * match, so a uid outside 0..len-1 notifies nobody. The OS's Notify
 * handler is the report to the harness. */
static void ctfy(struct smmhp_mailbox *mb, uint32_t uid, uint32_t event, uint32_t *notified)
{
  if (uid >= mb->acpi_cpu_count)
    return;
  if (*notified < SMMHP_MAILBOX_MAX_CPUS) {
    mb->collected[*notified] = uid;
    mb->collected_event[*notified] = (uint8_t)event;
  }
  (*notified)++;
  svc_os_report(event, uid);
}

static const char no_cpu_count[] =
    "os: mailbox acpi_cpu_count is 0: the harness did not fill the DSDT facts";

uint32_t acpi_cscn(struct smmhp_mailbox *mb)
{
  /* DSDT constants, fixed when QEMU built the table. */
  const uint32_t len = mb->acpi_cpu_count;
  const int cejl = mb->acpi_cscn_variant == SMMHP_CSCN_CEJL;
  const int smi = mb->acpi_smi_cpuhp != 0;
  uint32_t notified = 0;
  /* Locals of the method. The DSDT is revision 1, so AML integers are
   * 32 bits wide: uint32_t wraps where the interpreter does. */
  uint32_t uid, has_job, has_event, num_added, num_ej, idx;

  if (len == 0)
    svc_call(SMMHP_SVC_FATAL, (uintptr_t)no_cpu_count, 0);

  cplk_acquire();
  uid = 0;
  has_job = 1;
  while (has_job == 1) {
    has_job = 0;
    has_event = 1;
    num_added = 0;
    num_ej = 0;

    while (has_event == 1 && uid < len) {
      has_event = 0;
      csel_write(uid);
      ccmd_write(CMD_GET_NEXT_CPU_WITH_EVENT);
      if (cdat_read() < uid)          /* scan wrapped: done */
        break;
      if (num_added == CPUS_PER_PASS || (cejl && num_ej == CPUS_PER_PASS)) {
        has_job = 1;                  /* a list is full: another pass */
        break;
      }
      uid = cdat_read();
      if (!cejl) {
        /* 7.2: insert wins; a remove is notified and cleared at once. */
        if (cflg_read() & CINS) {
          os_cnew[num_added++] = uid;
          has_event = 1;
        } else if (cflg_read() & CRMV) {
          ctfy(mb, uid, NOTIFY_EJECT_REQUEST, &notified);
          cflg_write(CRMV);
          has_event = 1;
        }
      } else {
        /* CEJL variant: both events are queued, both flags read. */
        if (cflg_read() & CINS) {
          os_cnew[num_added++] = uid;
          has_event = 1;
        }
        if (cflg_read() & CRMV) {
          os_cejl[num_ej++] = uid;
          has_event = 1;
        }
      }
      uid++;
    }

    /* Upcall so firmware pulls the new CPUs in before the OS wakes them. */
    if (smi && num_added > 0)
      cscn_smi_upcall();

    for (idx = 0; idx < num_added; idx++) {
      uid = os_cnew[idx];             /* uid keeps the last one: next pass starts there */
      ctfy(mb, uid, NOTIFY_DEVICE_CHECK, &notified);
      csel_write(uid);
      cflg_write(CINS);
    }
    if (cejl) {
      for (idx = 0; idx < num_ej; idx++) {
        uid = os_cejl[idx];
        ctfy(mb, uid, NOTIFY_EJECT_REQUEST, &notified);
        csel_write(uid);
        cflg_write(CRMV);
      }
    }
  }
  cplk_release();
  return notified;
}

void acpi_cej0(struct smmhp_mailbox *mb, uint32_t uid)
{
  cplk_acquire();
  csel_write(uid);
  if (mb->acpi_fw_unplug) {
    cflg_write(CEJF);
    outb(SMMHP_PORT_APM_CNT, OVMF_CPUHP_SMI_CMD);
  } else {
    cflg_write(CEJ0);
  }
  cplk_release();
}

void acpi_cost(uint32_t uid, uint32_t event, uint32_t status)
{
  cplk_acquire();
  csel_write(uid);
  ccmd_write(CMD_OST_EVENT);
  cdat_write(event);
  ccmd_write(CMD_OST_STATUS);
  cdat_write(status);
  cplk_release();
}

uint32_t acpi_csta(uint32_t uid)
{
  uint32_t sta;

  cplk_acquire();
  csel_write(uid);
  sta = 0;
  if (cflg_read() & CPEN)
    sta = 0xF;
  cplk_release();
  return sta;
}
