/* device_add / device_del as the management layer issues them (QMP):
 * the platform's refusal rules, then the plug or the remove request. One
 * place for the scenario steps, injections and deferred events. */
#ifndef SMMHP_HOTPLUG_OPS_H
#define SMMHP_HOTPLUG_OPS_H

#include "machine.h"

enum hp_result { HP_DONE = 0, HP_REFUSED = 1, HP_SLOT_IN_USE = 2 };

/* Events: device_add slot= apic= / device_add_refused (dev_smi_features)
 * / device_add_failed reason=slot_in_use. */
enum hp_result machine_device_add(struct machine *m, unsigned slot);
/* Events: device_del slot= / device_del_refused (dev_smi_features or
 * dev_cpuhp's legacy-mode refusal). */
enum hp_result machine_device_del(struct machine *m, unsigned slot);

/* `device_add slot=N when=soon`: the plug happens at a scheduling point
 * the seeded scheduler picks within the next steps (1..DEFER_WINDOW
 * slices later), so a sweep over seeds lands it in every window. */
#define DEFER_WINDOW 96
void machine_defer_device_add(struct machine *m, unsigned slot);
/* Called by the run loop before each slice. */
void machine_deferred_tick(struct machine *m);
/* A step ended with the event still pending: it happens now. */
void machine_deferred_flush(struct machine *m);

#endif
