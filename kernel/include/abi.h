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

/* Every call's number by name (SYS_open, SYS_read, ...), from syscall.def:
 * the `a` field of a scheme packet says which call a request is. */
enum syscall_number {
#define SYSCALL(name, number, nargs) SYS_##name = (number),
#include "syscall.def"
#undef SYSCALL
};

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

/* open flags (Redox's classic values). The access mode is a two-bit field. */
#define O_RDONLY 0x00010000
#define O_WRONLY 0x00020000
#define O_RDWR 0x00030000
#define O_ACCMODE 0x00030000
#define O_NONBLOCK 0x00040000
#define O_APPEND 0x00080000
#define O_CLOEXEC 0x01000000
#define O_CREAT 0x02000000
#define O_TRUNC 0x04000000
#define O_EXCL 0x08000000
#define O_DIRECTORY 0x10000000
#define O_STAT 0x20000000

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* st_mode: the type in the top four bits, permissions below (Redox's values). */
#define MODE_TYPE 0xf000
#define MODE_DIR 0x4000
#define MODE_FILE 0x8000
#define MODE_CHR 0x2000
#define MODE_FIFO 0x1000

/* fstat's result. Fixed layout, no implicit padding. */
struct stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint32_t st_mode;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_size;
	uint64_t st_blksize;
	uint64_t st_blocks;
};

/*
 * One request of a user scheme, as its daemon reads it from the scheme fd
 * and writes it back with a = the result (handouts/lab4-schemes.md §5).
 * a: the system call's number; b: the handle (or, for open and unlink, the
 * path's address); c, d: a buffer's address and length, or the call's
 * other arguments. Addresses point into the daemon's bounce window.
 */
struct scheme_packet {
	uint64_t id;
	uint64_t pid;
	uint32_t uid;
	uint32_t gid;
	uint64_t a, b, c, d;
};
#define SCHEME_PACKET_BYTES 56
_Static_assert(sizeof(struct scheme_packet) == SCHEME_PACKET_BYTES, "the protocol's packet size");
_Static_assert(sizeof(struct stat) == 56, "struct stat has no padding");

/* waitpid status: exit code in bits 8-15, or the fault that killed it in 0-6. */
#define WAIT_EXITED(code) (((code) & 0xff) << 8)
#define WAIT_KILLED(signal) ((signal) & 0x7f)
#define SIGTRAP 5
#define SIGKILL 9
#define SIGSEGV 11

#endif
