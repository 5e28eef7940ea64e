# expect: undecodable bytes
# sfence behind a 66 prefix (the retired pcommit) and behind lock: not a fence this verifier knows
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	.byte	0x66, 0x0f, 0xae, 0xf8
	rs_ret
