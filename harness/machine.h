/* The simulated q35 machine: guest RAM, memory views, vCPUs, devices.
 *
 * vCPUs are saved Unicorn contexts run in turn on a small fixed set of
 * engines, one per memory view (SMM and normal), never an engine each.
 * docs/harness.md explains the run loop and why.
 */
#ifndef SMMHP_MACHINE_H
#define SMMHP_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unicorn/unicorn.h>

#include "dev_chipset.h"
#include "dev_cpuhp.h"
#include "dev_fwcfg.h"
#include "dev_smi_features.h"
#include "elfimage.h"
#include "evsink.h"
#include "park.h"
#include "sched_set.h"
#include "smmhp/memmap.h"
#include "trace.h"

#define MACHINE_MAX_CPUS SMMHP_MAX_CPUS
#define MACHINE_EVENTS_KEEP 2000000u /* event lines kept in memory (struct machine events_keep) */

enum view { VIEW_NORMAL = 0, VIEW_SMM = 1, VIEW_COUNT };

enum vcpu_state {
  VCPU_ABSENT = 0,  /* slot empty (not plugged, or ejected) */
  VCPU_WAIT_SIPI,   /* after reset/INIT: halted, waiting for a SIPI */
  VCPU_RUN,
  VCPU_HALTED,      /* executed HLT; an SMI, INIT or NMI wakes it */
  VCPU_SLEEP,       /* in a service-port delay until wake_time */
};

/* Platform semantics that differ between QEMU accelerators (platform-facts 1.6). */
enum accel { ACCEL_KVM = 0, ACCEL_TCG = 1 };

struct vcpu {
  int slot;
  uint32_t apic_id;
  enum vcpu_state state;
  bool bsp;              /* APIC_BASE MSR bit 8 (QEMU: CPU index 0) */
  bool in_smm;
  bool x2apic;           /* APIC_BASE MSR bit 10 (EXTD) */
  uint32_t smbase;
  bool relocated;        /* SMBASE was changed by an RSM since reset */
  bool smi_pending, init_pending, nmi_blocked;
  bool sipi_pending;
  uint8_t sipi_vector;
  uint32_t icr_high;     /* xAPIC ICR high half (destination) */
  uint32_t icr_low;
  bool resume_sleep;     /* SMI interrupted a service-port delay */
  bool was_wait_sipi;    /* TCG: SMI taken in wait-for-SIPI */
  bool reset_ctx_pending; /* ctx still to be set to the reset state (cpu_reset_ctx) */
  uc_context *ctx;       /* registers while not running */
  uc_context *pre_smm;   /* state at SMI entry: RSM restores its mode */
  uint32_t entry_smbase; /* SMBASE the current SMM entry used */
  uint64_t smm_map_rev;  /* revision / smbase the harness wrote at entry */
  uint32_t smm_map_smbase;
  uint64_t wake_time;
  uint64_t insns;        /* guest instructions retired (block granularity) */
  uint64_t smm_entries;
  uint64_t smm_entries_relocated; /* entries at an SMBASE an RSM had set */
  bool pending_rsm;      /* RSM seen by the invalid-instruction hook */
  bool halted_now;       /* HLT ended the last run */
  bool fault;            /* engine reported an unhandled fault */
  bool dead;             /* faulted: never scheduled again */
  uint64_t last_pause;   /* linear address of the last pause/hlt executed */
  uint64_t pauses;
  bool spinning;         /* its last slice ended in a pause loop */
  /* Parking (run.c, docs/harness.md "Parking spinning vCPUs"): a slice
   * that started and ended at a pause with the same registers, while no
   * memory, port or platform state changed, is a fixed point; until
   * m->wgen moves, the next pick of this vCPU replays its counts
   * instead of emulating it again. */
  uc_context *park_ctx;  /* second context buffer: the start of a spinning slice */
  bool paused_last;      /* the last slice ended at a pause (kept when the scheduler clears `spinning`) */
  bool parked;
  uint64_t park_gen, park_insns, park_vtime;
  unsigned park_blocks;
  struct park_reads park_reads; /* what its loop reads (park.c) */
  uint64_t feature_control; /* MSR 0x3A */
  uint64_t last_violation_addr;
  char fault_msg[160];
};

struct machine_config {
  unsigned boot_cpus, possible_cpus;
  bool smm;              /* firmware built with SMM (SMM_REQUIRE) */
  enum accel accel;
  bool sev;
  bool smi_negotiation_forced; /* test knob: negotiate all SMI features (dev_smi_features.h) */
  unsigned ext_tseg_mbytes; /* MCH extended TSEG (QEMU mch.extended-tseg-mbytes); 0: none, TSEG 8 MiB */
  unsigned apic_stride;  /* APIC ID = slot * stride (1: dense, as QEMU's default topology) */
  unsigned core_rules;   /* SMMHP_CORE_RULE_* for the platform SMM core (mailbox.h) */
  bool i386;             /* qemu-system-i386: revision 0x00020000 map, no long mode in CPUID */
  bool no_park;          /* --no-park: emulate every spinning slice (parking off) */
  uint64_t seed;
  uint64_t budget;       /* guest instructions per scenario step */
  uint64_t smi_host_features; /* etc/smi/supported-features */
  /* Older-QEMU settings (`machine ... qemu=`, docs/bugs.md): no SMI
   * feature gating of CPU device_add/device_del (QEMU < 5.2); legacy CPU
   * hotplug block accepting only byte accesses under TCG (QEMU 5.1..7.2.0) */
  bool smi_no_cpu_gating;
  bool cpuhp_legacy_byte_only;
  bool cpuhp_scan_ignores_fw_remove; /* qemu=unplug-v1 (B5's review finding) */
  struct trace_config trace;  /* --trace groups, file, insn filter (trace.h) */
};

struct special_hooks;
struct block_cache;
struct upstream_fns;
struct sev_model;
struct coverage;
struct gdb;

struct machine {
  struct machine_config cfg;
  uint8_t *ram;                        /* ram_size bytes, shared by all engines */
  uint64_t ram_size;                   /* low RAM: TSEG base + TSEG size (machine_ram_size) */
  uc_engine *uc[VIEW_COUNT];
  bool view_tseg_hidden, view_window_hidden; /* current holes in the normal view */
  uint64_t hole_tseg_base, hole_tseg_size;
  unsigned dropped_writes;
  struct vcpu cpu[MACHINE_MAX_CPUS];
  unsigned ncpus;                      /* possible CPUs = slots */
  struct vcpu *cur;                    /* vCPU running on an engine right now */
  enum view cur_view;

  struct cpuhp cpuhp;
  struct fwcfg fwcfg;
  struct smi_features smif;
  struct chipset chipset;

  struct elfimage fw, os;
  bool fw_loaded, os_loaded;
  struct upstream_fns *upfns;          /* upstream functions executed (upstream_fns.h) */
  struct sev_model *sev;               /* SEV memory encryption (sev.h); NULL when sev=off */
  struct coverage *coverage;           /* line coverage being recorded, or NULL (coverage.h) */
  struct gdb *gdb;                     /* gdb stub (gdbstub.h), NULL without --gdb */

  /* events, log and trace hash */
  struct evsink ev;                    /* structured events (hashed, matched) */
  struct evsink trace;                 /* QEMU-format trace lines (not hashed) */
  FILE *trace_out;
  struct trace_insn *tinsn;            /* insn group hook state (trace.c) */
  void (*log)(void *ctx, const char *line);
  void *log_ctx;
  uint64_t trace_hash;
  char **events; size_t nevents, events_cap;
  /* Events kept in `events`: at most events_keep (0: all). The ones past
   * it only reach the hash, the log and event_watch (the scenario runner
   * matches its expectations on them as they come). */
  size_t events_keep;
  uint64_t events_dropped;
  void (*event_watch)(void *ctx, const char *line);
  void *event_watch_ctx;
  char dbg_line[MACHINE_MAX_CPUS][256]; unsigned dbg_len[MACHINE_MAX_CPUS];

  /* time and scheduling */
  uint64_t vtime;                      /* virtual time in ns: retired instructions plus delays */
  uint64_t retired;                    /* guest instructions retired (budgets count these) */
  uint64_t rng;
  uint64_t step_hash; uint64_t nswitches;
  char step_order[256]; unsigned step_order_len, step_order_entries;
  unsigned quantum_left;               /* blocks left in the current slice */
  bool sched_dirty;                    /* a vCPU's state or pending events changed: machine_run rescans */
  bool sched_self_dirty;               /* only slice_cpu's changed: it alone is looked at again */
  struct vcpu *slice_cpu;              /* the vCPU of the current (or last) slice */
  struct sched_set sched_run, sched_busy; /* runnable vCPUs; those not spinning (run.c) */
  uint64_t wgen;                       /* bumped by every change a spin loop could observe (parking) */
  bool park_rec;                       /* this slice may be a fixed point: note its blocks (park.c) */
  bool park_blk_overflow;
  unsigned park_nblk;
  struct { uint64_t addr; uint32_t size; } park_blk[PARK_MAX_BLOCKS];
  struct park_cache *park_cache;       /* analysed loops (park.c) */
  uint64_t parked_slices;              /* slices replayed for parked vCPUs (of nswitches) */
  unsigned max_slice;                  /* slice length is 1..max_slice blocks (seeded) */
  bool stop_requested;                 /* ask the running vCPU to stop at the next boundary */
  bool rescan;                         /* the stop was only to add hooks: run_slice resumes */
  bool stopped_by_us;                  /* the last stop was ours, at stop_linear */
  uint64_t stop_linear;
  uint64_t budget_end;
  int phase;                           /* enum smmhp_phase reported by firmware */
  bool os_ready;
  bool s3_pending;                     /* PM1_CNT asked for S3: the run loop suspends (s3.c) */

  /* translation bookkeeping */
  uint32_t *page_gen;                  /* bumped when a page holding code is written */
  uint8_t *code_page;                  /* page has been translated by some engine */
  uint32_t *seen_gen[VIEW_COUNT];
  struct special_hooks *hooks[VIEW_COUNT];
  uint8_t *dirty_mark[VIEW_COUNT];     /* page written since this engine last ran */
  uint32_t *dirty_list[VIEW_COUNT]; size_t ndirty[VIEW_COUNT];
  uc_context *tmpl_real;               /* fresh real-mode state (from a UC_MODE_16 engine) */
  uc_context *tmpl_flat;               /* boot CPUs' reset state: flat 64-bit, or 32-bit for IA32 firmware */
  struct entry_tmpl { uint64_t cs_base; uint16_t ip; uc_context *ctx; } *entry_tmpl;
  size_t nentry_tmpl;
  struct block_cache *bcache;
  uint8_t *os_written;                 /* bitmap: byte last written by the OS outside SMM */
  uint8_t *snap_dirty;                 /* page written since the snapshot (snapshot.c), or NULL */

  /* verdict state */
  bool hang, violation, fatal, faulted, refused;
  bool unsupported;                    /* with fatal: the firmware met a feature its build lacks */
  struct injections *injections;       /* inject.c */
  unsigned deferred_slot, deferred_countdown; /* hotplug_ops.c: device_add when=soon */
  struct vcpu *last_slice_cpu;         /* the vCPU of the last slice (event context) */
  unsigned violations;
};

/* lifecycle */
int machine_init(struct machine *m, const struct machine_config *cfg);
uint64_t machine_ram_size(const struct machine_config *cfg);
void machine_free(struct machine *m);
int machine_load_firmware(struct machine *m, const char *fw_elf, const char *os_elf, char *err, size_t errlen);
/* 0, or -1 with a message naming fw_elf when firmware of fw_bits (64 X64,
 * 32 IA32) cannot run on the platform (qemu-system-i386 needs IA32). */
int machine_fw_fits_platform(bool i386, int fw_bits, const char *fw_elf, char *err, size_t errlen);
int machine_power_on(struct machine *m, char *err, size_t errlen);

/* events */
void machine_event(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* physical memory as the platform (DMA, save-state) sees it */
void machine_phys_read(struct machine *m, uint64_t addr, void *buf, size_t len);
void machine_phys_write(struct machine *m, uint64_t addr, const void *buf, size_t len);
/* a write by the harness into guest RAM: invalidates translations */
void machine_code_written(struct machine *m, uint64_t addr, size_t len);

/* vCPU events (IPIs, SMIs, plug) */
struct vcpu *machine_cpu_by_apic(struct machine *m, uint32_t apic_id);
void machine_raise_smi(struct machine *m, struct vcpu *v, const char *why);
void machine_send_ipi(struct machine *m, struct vcpu *src, uint32_t icr_low, uint32_t dest, bool x2apic);
int machine_cpu_plug(struct machine *m, unsigned slot, bool hotplug);
void machine_cpu_unplug(struct machine *m, unsigned slot);

/* running */
enum run_result { RUN_DONE, RUN_BUDGET, RUN_STUCK, RUN_FATAL };
typedef bool (*run_until_fn)(struct machine *m, void *arg);
enum run_result machine_run(struct machine *m, run_until_fn done, void *arg, uint64_t budget);

/* symbolization: "Symbol+0xOFF" for any guest address, copies included */
void machine_symbolize(struct machine *m, uint64_t addr, char *buf, size_t len);
/* firmware link address of code the firmware copied to addr, or 0 */
uint64_t machine_copy_origin(struct machine *m, uint64_t addr);

#endif
