/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a derived instance's payload registers with the runtime: its
 * .twin.instance section (hv/payload/glue.c), handed to twin_register()
 * by the payload's pre-apply hook.  Shared by Xen and the payload build.
 */
#ifndef __TWIN_DESC_H__
#define __TWIN_DESC_H__

#define TWIN_DESC_MAGIC     0x43534454U /* "TDSC" */
/*
 * A deliberately unsafe build, for the fault campaigns' own test only
 * (tdh faults --unsafe): SVM hands the instance Xen's own addresses
 * unchecked, so that a wild write reaches Xen and the campaign can be
 * shown to report the crash.  Xen registers it only when booted with
 * twin-unsafe-tests; twinctl loads it only with --force.
 */
#define TWIN_DESC_MAGIC_UNSAFE 0x55534454U /* "TDSU" */

#define TWIN_MAX_INTRS      8   /* interrupt handlers of one payload */

struct twin_desc {
    uint32_t magic;
    uint32_t version;                           /* TWIN_INTERFACE_VERSION */
    char driver[TWIN_DRIVER_NAME];              /* derived from (e1000, e1000e) */
    long (*xmit)(uint64_t skb, uint64_t netdev);    /* e1000_xmit_frame */
    long (*poll)(uint64_t napi, long budget);       /* e1000_clean, e1000e_poll */
    /*
     * Every interrupt handler the driver may request, in the order of its
     * entries file (hv/payload/DRIVER.entries): twin_attach.handler[]
     * picks one per vector.
     */
    uint32_t nr_intrs;
    long (*intr[TWIN_MAX_INTRS])(long irq, uint64_t netdev);
    int32_t uc_page_frag_free;  /* that binding's upcall id, or -1 */
    /*
     * The recovery paths' own tests (TWIN_OP_SELFTEST), in the payload's
     * text like the instance: an invalid opcode, a loop that only the
     * watchdog ends, a function whose return slot is overwritten between
     * its shadow stack push and pop units, and a memcpy() into the frames
     * below the caller's %rsp, which are the runtime's while it copies.
     */
    void (*test_fault)(void);
    void (*test_spin)(void);
    void (*test_return)(void);
    void (*test_frame)(void);
};

#endif /* __TWIN_DESC_H__ */
