// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into a copy of the instance's payload, bad-interface.livepatch,
 * for the test that Xen's loader refuses an instance that names a Xen
 * symbol outside the TwinDrivers support interface: twin_disable() is one
 * of the runtime's own functions in Xen (so without the check the payload
 * would load), and not part of the interface: an instance must not
 * decide for the runtime.  (twinctl leaves twin_* names to Xen.)
 */
void twin_disable(unsigned int reason, unsigned long where);
void twin_outside(void);

void twin_outside(void)
{
	twin_disable(0, 0);
}
