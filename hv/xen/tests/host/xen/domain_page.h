/* SPDX-License-Identifier: GPL-2.0 */
/* host stand-in: see xen_host.h */
#include "../xen_host.h"
