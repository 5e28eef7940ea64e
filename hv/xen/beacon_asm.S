/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Beacons of the domain Xen is about to run, for instruction accounting
 * (qemu-e1000-tracing/plugins/insn-regions.c): the scheduler calls the one
 * of the next vCPU's domain (hv/patches/0009, twin_domain_beacon()), and
 * the plugin watches their first instructions.  dom0's and a PV domU's
 * kernels run at the same virtual addresses: only this tells the plugin
 * whose kernel (and user space) the instructions that follow are.
 * Separate functions in assembly, so no compiler merges them.
 */
        .text
        .globl  twin_beacon_dom0, twin_beacon_domu, twin_beacon_idle

        .type   twin_beacon_dom0, @function
twin_beacon_dom0:
        ret
        .size   twin_beacon_dom0, . - twin_beacon_dom0

        .type   twin_beacon_domu, @function
twin_beacon_domu:
        ret
        .size   twin_beacon_domu, . - twin_beacon_domu

        .type   twin_beacon_idle, @function
twin_beacon_idle:
        ret
        .size   twin_beacon_idle, . - twin_beacon_idle
