/*
 * abi.h - the system-call ABI shared by the kernel and user space
 * (handouts/lab3-syscalls.md §2): class bits, flag values (Redox classic)
 * and the structs that cross the boundary. Included by kernel and user code alike, so it uses
 * only fixed-width types.
 */
#ifndef ANODE_ABI_H
#define ANODE_ABI_H

#include <stdint.h>

#define SYS_CLASS_PATH 0x10000000
#define SYS_CLASS_FILE 0x20000000
#define SYS_ARG_SLICE 0x01000000
#define SYS_ARG_MSLICE 0x02000000
#define SYS_RET_FILE 0x00100000
#define SYS_BASE_MASK 0x0000ffff

/* Redox map flags, for fmap and mprotect. */
#define PROT_NONE 0x00000000
#define PROT_EXEC 0x00010000
#define PROT_WRITE 0x00020000
#define PROT_READ 0x00040000
#define MAP_SHARED 0x0001
#define MAP_PRIVATE 0x0002

/* fmap with this fd maps anonymous zeroed memory. */
#define FMAP_ANONYMOUS_FD (~0UL)

/* waitpid options */
#define WNOHANG 1

/* clone flags: none means fork */
#define CLONE_NONE 0

#define CLOCK_REALTIME 1
#define CLOCK_MONOTONIC 4

struct fmap_request {
	uint64_t offset;
	uint64_t size;
	uint64_t flags;
	uint64_t address; /* hint; 0 = kernel chooses */
};

struct timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* waitpid status: exit code in bits 8-15, or the fault that killed it in 0-6. */
#define WAIT_EXITED(code) (((code) & 0xff) << 8)
#define WAIT_KILLED(signal) ((signal) & 0x7f)
#define SIGTRAP 5
#define SIGKILL 9
#define SIGSEGV 11

#endif
