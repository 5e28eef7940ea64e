# expect: accepted
# wmb(), rmb(), mb(): the three fences, and sfence's other ModRM encodings (0f ae f8-ff), order memory and touch none
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	sfence
	lfence
	mfence
	.byte	0x0f, 0xae, 0xf9
	rs_ret
