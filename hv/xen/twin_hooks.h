/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TwinDrivers runtime's hooks into Xen's core (hv/patches), installed
 * as xen/include/xen/twin_hooks.h by hv/xen.mk.
 */
#ifndef __XEN_TWIN_HOOKS_H__
#define __XEN_TWIN_HOOKS_H__

#include <xen/types.h>

struct cpu_user_regs;
struct domain;
struct page_info;
struct pirq;

/* livepatch_elf.c: may this payload's undefined symbol resolve? */
bool twin_livepatch_symbol_ok(const char *payload, bool is_instance,
                              const char *name);
/* irq.c, do_IRQ_guest(): the e1000's interrupt goes to the instance */
bool twin_pirq_intercept(struct domain *d, struct pirq *pirq);
/* traps.c, extable_fixup(): an exception in the instance's code */
bool twin_fault_fixup(struct cpu_user_regs *regs);
/* apic.c, apic_timer_interrupt(): the instance's run-time watchdog */
void twin_watchdog_tick(struct cpu_user_regs *regs);
/* sched/core.c, sched_context_switch(): instruction accounting's beacon */
void twin_domain_beacon(const struct domain *d);
/*
 * mm.c, _get_page_type(): a writable page is asked for another type, the
 * retries-th time; true if the instance's TLB held it writable and let go
 * (look again)
 */
bool twin_page_retype(struct page_info *pg, unsigned int retries);

#endif /* __XEN_TWIN_HOOKS_H__ */
