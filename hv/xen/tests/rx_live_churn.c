/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The set of live receive mappings under churn: 200,000 random maps and
 * unmaps of 3,000 buffers, with a receive descriptor posted after each.
 * The buffers are chosen so that their hash slots crowd into 400 of the
 * set's slots, across its end: long runs, and deletions inside them.
 * A post must be taken exactly when the buffer is mapped and no other
 * slot holds it (a slot lets go of its buffer when given another): a
 * bug in the set's deletions would either lose a live buffer (a refusal
 * the instance did not earn) or keep an unmapped one (the NIC writing
 * into memory dom0's stack owns).  The model here is a plain array.
 */
#include "desc_host.h"

#define COUNT   64
#define NBUF    3000
#define FIRST   256                 /* dom0's frames for them */
#define FRAMES  3000
#define STEPS   200000
#define NOBODY  (-1)

static bool mapped[NBUF];
static int owner[NBUF];             /* the slot that holds it, or NOBODY */
static int slot_buf[COUNT];         /* what each slot was last given */

static uint64_t addrs[NBUF];

static uint64_t addr_of(int b)
{
    return addrs[b];
}

static uint32_t rnd(void)
{
    static uint64_t x = 88172645463325252ULL;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;

    return x >> 11;
}

int main(void)
{
    unsigned int step, taken = 0, refused = 0;
    uint32_t tail = 0;
    int b, i;

    host_init(false, COUNT);
    host_more_dom0(FIRST, FRAMES);
    /* 64-byte aligned addresses whose slots lie in the last 200 or first 200 */
    for ( b = 0, i = 0; b < NBUF; i++ )
    {
        uint64_t a = FRAME(FIRST) + (uint64_t)i * 64;
        unsigned int s = twin_addr_slot(a, 13);     /* desc_guard.c's size */

        check(a + 2048 <= FRAME(FIRST + FRAMES), "too few candidates");
        if ( s < 200 || s >= 8192 - 200 )
            addrs[b++] = a;
    }
    host_ring(true, 0, 0);
    check(!host_attach(), "attach");
    for ( i = 0; i < NBUF; i++ )
        owner[i] = NOBODY;
    for ( i = 0; i < COUNT; i++ )
        slot_buf[i] = NOBODY;

    for ( step = 0; step < STEPS; step++ )
    {
        bool expect, got;
        unsigned int before;

        b = rnd() % NBUF;
        if ( !mapped[b] )
            host_map(addr_of(b), 2048, true);
        else
        {
            host_unmap(addr_of(b), true);
            if ( owner[b] != NOBODY && slot_buf[owner[b]] == b )
                slot_buf[owner[b]] = NOBODY;
            owner[b] = NOBODY;
        }
        mapped[b] = !mapped[b];

        /* post another buffer at the tail: the NIC has taken all */
        b = rnd() % NBUF;
        expect = mapped[b] && (owner[b] == NOBODY || owner[b] == (int)tail);
        host_set_reg(REG_RDBAL + RING_HEAD, tail);
        rx_desc(tail)[0] = addr_of(b);
        before = host_refusals();
        got = host_tail(true, (tail + 1) % COUNT) == (tail + 1) % COUNT;
        check(got == expect && host_refusals() == before + !got,
              "step %u: buffer %d (mapped %d, held by %d) at slot %u: %s",
              step, b, mapped[b], owner[b], tail,
              got ? "taken" : "refused");
        if ( !got )
            continue;
        if ( slot_buf[tail] != NOBODY && slot_buf[tail] != b &&
             owner[slot_buf[tail]] == (int)tail )
            owner[slot_buf[tail]] = NOBODY;
        slot_buf[tail] = b;
        owner[b] = tail;
        tail = (tail + 1) % COUNT;
        taken++;
    }
    refused = STEPS - taken;
    check(taken > STEPS / 8 && refused > STEPS / 8,
          "a one-sided run: %u taken, %u refused", taken, refused);
    puts("ok");

    return 0;
}
