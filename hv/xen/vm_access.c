/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The support code's accesses to driver-VM memory.  They go through the
 * same software TLB as the derived instance's (the same probe, written in
 * C; svm_translate() on a miss), so they are checked, counted and refused
 * exactly like the instance's own: after a refusal the access lands in
 * SVM's sink page and the instance is disabled when the entry returns.
 */
#include <xen/lib.h>
#include <xen/string.h>
#include <asm/system.h>

#include "twin.h"

uint64_t twin_c_hits;

static bool crosses(uint64_t va, unsigned int size)
{
    return (va & (SVM_PAGE_SIZE - 1)) + size > SVM_PAGE_SIZE;
}

uint64_t vm_read(uint64_t va, unsigned int size)
{
    uint64_t v = 0;
    const void *p;

    if ( crosses(va, size) )
    {
        vm_copy_in(&v, va, size);
        return v;
    }
    p = vm_ptr(va, size, false);
    switch ( size )
    {
    case 1: return *(const volatile uint8_t *)p;
    case 2: return *(const volatile uint16_t *)p;
    case 4: return *(const volatile uint32_t *)p;
    default: return *(const volatile uint64_t *)p;
    }
}

void vm_write(uint64_t va, unsigned int size, uint64_t val)
{
    void *p;

    if ( crosses(va, size) )
    {
        vm_copy_out(va, &val, size);
        return;
    }
    p = vm_ptr(va, size, true);
    switch ( size )
    {
    case 1: *(volatile uint8_t *)p = val; break;
    case 2: *(volatile uint16_t *)p = val; break;
    case 4: *(volatile uint32_t *)p = val; break;
    default: *(volatile uint64_t *)p = val; break;
    }
}

/*
 * Bytes of [va, va + n) within va's page.  The bulk helpers translate
 * each piece whole (svm_translate_piece()): a page only part of which the
 * instance may reach (Xen's stack page) is checked for all of the piece,
 * not for its first byte.
 */
static size_t piece(uint64_t va, size_t n)
{
    size_t room = SVM_PAGE_SIZE - (va & (SVM_PAGE_SIZE - 1));

    return n < room ? n : room;
}

bool vm_copy_in(void *dst, uint64_t va, size_t n)
{
    while ( n )
    {
        size_t k = piece(va, n);

        memcpy(dst, (void *)(unsigned long)svm_translate_piece(va, k, false), k);
        dst += k;
        va += k;
        n -= k;
    }

    return !svm_disabled;
}

bool vm_copy_out(uint64_t va, const void *src, size_t n)
{
    while ( n )
    {
        size_t k = piece(va, n);

        memcpy((void *)(unsigned long)svm_translate_piece(va, k, true), src, k);
        src += k;
        va += k;
        n -= k;
    }

    return !svm_disabled;
}

bool vm_set(uint64_t va, int c, size_t n)
{
    while ( n )
    {
        size_t k = piece(va, n);

        memset((void *)(unsigned long)svm_translate_piece(va, k, true), c, k);
        va += k;
        n -= k;
    }

    return !svm_disabled;
}

/*
 * Atomic compare-and-exchange on driver-VM memory (dom0 runs on other
 * CPUs at the same time).  False, with *old updated, if the value was not
 * *old; also false once SVM refused anything, so no caller loops on the
 * sink page.
 */
bool vm_cmpxchg(uint64_t va, unsigned int size, uint64_t *old, uint64_t new)
{
    void *p;
    uint64_t prev;

    if ( crosses(va, size) || svm_disabled )
        return false;
    p = vm_ptr(va, size, true);
    if ( svm_disabled )
        return false;
    if ( size == 4 )
        prev = cmpxchg((uint32_t *)p, (uint32_t)*old, (uint32_t)new);
    else
        prev = cmpxchg((uint64_t *)p, *old, new);
    if ( prev == *old )
        return true;
    *old = prev;

    return false;
}
