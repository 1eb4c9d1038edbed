/* SPDX-License-Identifier: GPL-2.0 */
/*
 * t-return-insns: functions named as the hooked ones, each a case of
 * finding the return instructions; exp_* labels mark the expected ones.
 */
	.text
/* Two returns: `repz ret` and `ret $8`, after an endbr64. */
	.globl SSL_read
	.type SSL_read, @function
SSL_read:
	endbr64
	test %edi, %edi
	je 1f
exp_read_1:
	repz ret
1:
exp_read_2:
	ret $8
	.size SSL_read, .-SSL_read

/* A tail jump to a function without a symbol, followed path by path. */
	.globl SSL_write
	.type SSL_write, @function
SSL_write:
	endbr64
	test %esi, %esi
	jne helper
exp_write_1:
	ret
	.size SSL_write, .-SSL_write

helper:
	cmp $3, %edi
	jne 2f
exp_write_2:
	ret
2:	call abort@PLT
	xor %eax, %eax
exp_write_3:
	ret

/* A jump into a fragment elsewhere (gcc's .cold), which returns there. */
	.globl SSL_read_ex
	.type SSL_read_ex, @function
SSL_read_ex:
	endbr64
	test %edi, %edi
	js cold
exp_readex_1:
	ret
	.size SSL_read_ex, .-SSL_read_ex

/* A tail call through the PLT to a function of this file. */
	.globl SSL_write_ex
	.type SSL_write_ex, @function
SSL_write_ex:
	endbr64
	xor %ecx, %ecx
	jmp SSL_write_ex2@PLT
	.size SSL_write_ex, .-SSL_write_ex

	.globl SSL_write_ex2
	.type SSL_write_ex2, @function
SSL_write_ex2:
	endbr64
	mov $1, %eax
exp_writeex_1:
	ret
	.size SSL_write_ex2, .-SSL_write_ex2

/* An indirect tail call: uncertain. */
	.globl SSL_do_handshake
	.type SSL_do_handshake, @function
SSL_do_handshake:
	endbr64
	mov 8(%rdi), %rax
	jmp *%rax
	.size SSL_do_handshake, .-SSL_do_handshake

/* gcc's jump table: each case inside the function, each returning. */
	.globl gnutls_record_send
	.type gnutls_record_send, @function
gnutls_record_send:
	endbr64
	cmpl $2, %edi
	ja 9f
	mov %edi, %eax
	lea table(%rip), %rdx
	movslq (%rdx,%rax,4), %rax
	add %rdx, %rax
	notrack jmp *%rax
3:	mov $10, %eax
exp_send_1:
	ret
4:	mov $11, %eax
exp_send_2:
	ret
5:	mov $12, %eax
exp_send_3:
	ret
9:	mov $-1, %eax
exp_send_4:
	ret
	.size gnutls_record_send, .-gnutls_record_send

/* A jump table with a case outside the function: uncertain. */
	.globl PR_Read
	.type PR_Read, @function
PR_Read:
	endbr64
	cmpl $1, %edi
	ja 8f
	mov %edi, %eax
	lea table2(%rip), %rdx
	movslq (%rdx,%rax,4), %rax
	add %rdx, %rax
	jmp *%rax
8:	ret
	.size PR_Read, .-PR_Read

/* Through fd->methods: uncertain. */
	.globl PR_Write
	.type PR_Write, @function
PR_Write:
	endbr64
	mov (%rdi), %rax
	jmp *0x18(%rax)
	.size PR_Write, .-PR_Write

	.section .text.unlikely,"ax",@progbits
cold:
	mov $-1, %eax
exp_readex_2:
	ret

	.section .rodata
	.align 4
table:
	.long 3b - table
	.long 4b - table
	.long 5b - table
table2:
	.long 8b - table2
	.long cold - table2
	.section .note.GNU-stack,"",@progbits
