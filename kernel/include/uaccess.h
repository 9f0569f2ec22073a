/*
 * uaccess.h - the only way into user memory (syscall/uaccess.c).
 *
 * A user address is a struct user_ptr: code cannot dereference it by
 * mistake; only the functions here turn it into bytes, after checking
 * that every page of the range is mapped, user-accessible and, for
 * writes, writable. A bad pointer gives -EFAULT, never a fault.
 */
#ifndef ANODE_UACCESS_H
#define ANODE_UACCESS_H

#include <stdint.h>

struct user_ptr {
	uint64_t addr;
};

static inline struct user_ptr user_ptr(uint64_t addr)
{
	return (struct user_ptr){ addr };
}

static inline struct user_ptr user_ptr_add(struct user_ptr p, uint64_t offset)
{
	return (struct user_ptr){ p.addr + offset };
}

/* Copy len bytes; 0 on success, -EFAULT (nothing copied) on a bad range. */
int copy_from_user(void *dst, struct user_ptr src, uint64_t len);
int copy_to_user(struct user_ptr dst, const void *src, uint64_t len);
/* 0 if all of [p, p + len) is readable user memory, else -EFAULT. */
int user_check_readable(struct user_ptr p, uint64_t len);
/* 0 if all of [p, p + len) is writable user memory, else -EFAULT. */
int user_check_writable(struct user_ptr p, uint64_t len);
/* Writes into another address space's user half (exec's initial stack). */
int copy_to_space(uint64_t pml4, uint64_t va, const void *src, uint64_t len);

#endif
