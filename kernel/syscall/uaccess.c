/*
 * uaccess.c - copying between the kernel and user memory (lab 3,
 * handout §3). No other file touches a user pointer.
 *
 * The range is checked first, page by page, against the address space's
 * page tables: the whole range must lie in the user half (no wrap-around),
 * every page must be present and user-accessible, and writable if the
 * kernel is writing. Only then are the bytes copied, through the direct
 * map, so a bad pointer is an error return and a failed call has changed
 * nothing.
 */
#include <stdbool.h>

#include "compiler.h"
#include "errno.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "proc.h"
#include "uaccess.h"
#include "vm.h"

/* True if every page of [va, va + len) is mapped for user access (and writable if asked). */
static bool uaccess_range_ok(uint64_t pml4, uint64_t va, uint64_t len, bool write)
{
	// LAB 3.3 BEGIN: no wrap, nothing past USER_END, each PTE present+user(+write); handout §3
	uint64_t pte;

	if (va + len < va || va + len > USER_END)
		return false;
	for (uint64_t page = ALIGN_DOWN(va, PAGE_SIZE); page < va + len; page += PAGE_SIZE) {
		if (!vm_translate(pml4, page, NULL, &pte) || !(pte & PTE_USER))
			return false;
		if (write && !(pte & PTE_WRITE))
			return false;
	}
	return true;
	// LAB 3.3 STUB
	// lab_not_implemented(3, "uaccess_range_ok");
	// LAB 3.3 END
}

/* Copies between kernel buf and user va, a page at a time through the direct map. */
static void uaccess_copy(uint64_t pml4, uint64_t va, void *buf, uint64_t len, bool to_user)
{
	uint8_t *k = buf;

	while (len > 0) {
		uint64_t pa, chunk = PAGE_SIZE - (va % PAGE_SIZE);

		if (chunk > len)
			chunk = len;
		vm_translate(pml4, va, &pa, NULL);
		if (to_user)
			memcpy(P2V(pa), k, chunk);
		else
			memcpy(k, P2V(pa), chunk);
		va += chunk;
		k += chunk;
		len -= chunk;
	}
}

int copy_from_user(void *dst, struct user_ptr src, uint64_t len)
{
	uint64_t pml4 = proc_current()->pml4;

	if (!uaccess_range_ok(pml4, src.addr, len, false))
		return -EFAULT;
	uaccess_copy(pml4, src.addr, dst, len, false);
	return 0;
}

int copy_to_user(struct user_ptr dst, const void *src, uint64_t len)
{
	uint64_t pml4 = proc_current()->pml4;

	if (!uaccess_range_ok(pml4, dst.addr, len, true))
		return -EFAULT;
	uaccess_copy(pml4, dst.addr, (void *)src, len, true);
	return 0;
}

int user_check_readable(struct user_ptr p, uint64_t len)
{
	return uaccess_range_ok(proc_current()->pml4, p.addr, len, false) ? 0 : -EFAULT;
}

int user_check_writable(struct user_ptr p, uint64_t len)
{
	return uaccess_range_ok(proc_current()->pml4, p.addr, len, true) ? 0 : -EFAULT;
}

int copy_to_space(uint64_t pml4, uint64_t va, const void *src, uint64_t len)
{
	if (!uaccess_range_ok(pml4, va, len, true))
		return -EFAULT;
	uaccess_copy(pml4, va, (void *)src, len, true);
	return 0;
}
