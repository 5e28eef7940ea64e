# expect: relocation
# A relocation that patches an opcode byte at load time.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	nop
	rs_ret
	.reloc	f, R_X86_64_32, jiffies
