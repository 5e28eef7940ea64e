/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twin_domain_beacon(): called by the scheduler just before it switches to
 * a vCPU of d (hv/patches/0009); see beacon.S.
 */
#include <xen/sched.h>
#include <xen/twin_hooks.h>

void twin_beacon_dom0(void);
void twin_beacon_domu(void);
void twin_beacon_idle(void);

void twin_domain_beacon(const struct domain *d)
{
    if ( is_idle_domain(d) )
        twin_beacon_idle();
    else if ( is_hardware_domain(d) )
        twin_beacon_dom0();
    else
        twin_beacon_domu();
}
