/*
 * calls.c - the fuzzer's bottom layer: the system calls themselves. The
 * table of every call comes from the kernel's syscall.def, so a new call
 * is fuzzed as soon as it is listed there. Here the numbers are chosen
 * (mostly real ones, some with class bits in any combination, some wild
 * 64-bit values), and fuzz_raw_syscall makes the call with every register
 * loaded, so the checks can see any register the kernel fails to restore.
 * Above: worker.c, which makes and checks each call; the arguments come
 * from args.c. Shared declarations: fuzz.h.
 */
#include "fuzz.h"

#define EXIT_RARITY 8             /* exit is picked 8 times less often than others */

#define SYSCALL(name, number, nargs) { #name, (number), (nargs) },
const struct syscall_info syscalls[CALL_COUNT] = {
#include "syscall.def"
};
#undef SYSCALL

/* The call with exactly this number, or -1: any other number must give -ENOSYS. */
static int call_of_number(uint64_t number)
{
	for (int i = 0; i < CALL_COUNT; i++)
		if (syscalls[i].number == number)
			return i;
	return -1;
}

/* ---- choosing a number --------------------------------------------------------- */

static uint64_t random_base(uint64_t *r)
{
	switch (random_below(r, 4)) {
	case 0: return PICK(r, syscalls).number & SYS_BASE_MASK; /* a real base */
	case 1: return random_below(r, 1024);                     /* inside the table */
	case 2: return 1024 + random_below(r, 0x10000 - 1024);    /* past its end */
	default: return 0xffff - random_below(r, 4);
	}
}

/* Class bits (abi.h) in any combination, on a real or made-up base. */
static uint64_t class_bits_number(uint64_t *r)
{
	static const uint64_t class_bits[] = { SYS_CLASS_PATH, SYS_CLASS_FILE, SYS_ARG_SLICE,
					       SYS_ARG_MSLICE, SYS_RET_FILE };
	uint64_t number = random_base(r);

	for (unsigned i = 0; i < ARRAY_SIZE(class_bits); i++)
		if (one_in(r, 2))
			number |= class_bits[i];
	return number;
}

static uint64_t wild_number(uint64_t *r)
{
	switch (random_below(r, 4)) {
	case 0: return next_random(r);
	case 1: return (1UL << (32 + random_below(r, 32))) | PICK(r, syscalls).number;
	case 2: return random_below(r, 1UL << 32);
	default: return -1UL - random_below(r, 16);
	}
}

/* Sets c->raw.number, and c->call to its index in syscalls[] or -1. */
void choose_number(uint64_t *r, struct fuzz_call *c)
{
	do {
		switch (random_below(r, 10)) {
		case 0: c->raw.number = class_bits_number(r); break;
		case 1: c->raw.number = wild_number(r); break;
		default: c->raw.number = PICK(r, syscalls).number; break;
		}
		c->call = call_of_number(c->raw.number);
	} while (c->call == CALL_exit && !one_in(r, EXIT_RARITY));
}

/* ---- one raw system call, every register accounted for --------------------- */

/*
 * fuzz_raw_syscall(c) loads rax and the six argument registers, plus
 * seeded values in rbx, rbp, r12-r15, ORs rflags_set into RFLAGS, runs
 * `syscall`, clears NT and DF again and stores every register back. The
 * offsets below are checked against struct raw_call (fuzz.h).
 */
_Static_assert(__builtin_offsetof(struct raw_call, keep) == 56, "raw_call layout");
_Static_assert(__builtin_offsetof(struct raw_call, rflags_set) == 104, "raw_call layout");
_Static_assert(__builtin_offsetof(struct raw_call, arg_after) == 120, "raw_call layout");
_Static_assert(__builtin_offsetof(struct raw_call, keep_after) == 168, "raw_call layout");

__asm__(".text\n"
	".globl fuzz_raw_syscall\n"
	".type fuzz_raw_syscall, @function\n"
	"fuzz_raw_syscall:\n"
	"	pushq %rbx\n	pushq %rbp\n	pushq %r12\n"
	"	pushq %r13\n	pushq %r14\n	pushq %r15\n"
	"	pushq %rdi\n"                 /* the struct, for afterwards */
	"	movq 56(%rdi), %rbx\n	movq 64(%rdi), %rbp\n"
	"	movq 72(%rdi), %r12\n	movq 80(%rdi), %r13\n"
	"	movq 88(%rdi), %r14\n	movq 96(%rdi), %r15\n"
	"	movq 104(%rdi), %rax\n"
	"	pushfq\n	orq %rax, (%rsp)\n	popfq\n"
	"	movq 0(%rdi), %rax\n"
	"	movq 16(%rdi), %rsi\n	movq 24(%rdi), %rdx\n"
	"	movq 32(%rdi), %r10\n	movq 40(%rdi), %r8\n"
	"	movq 48(%rdi), %r9\n	movq 8(%rdi), %rdi\n"
	"	syscall\n"
	"	pushfq\n	andq $-0x4401, (%rsp)\n	popfq\n" /* NT and DF off */
	"	xchgq %rdi, (%rsp)\n"         /* rdi = the struct; the stack holds rdi */
	"	movq %rax, 112(%rdi)\n"
	"	movq %rsi, 128(%rdi)\n	movq %rdx, 136(%rdi)\n"
	"	movq %r10, 144(%rdi)\n	movq %r8, 152(%rdi)\n"
	"	movq %r9, 160(%rdi)\n"
	"	movq %rbx, 168(%rdi)\n	movq %rbp, 176(%rdi)\n"
	"	movq %r12, 184(%rdi)\n	movq %r13, 192(%rdi)\n"
	"	movq %r14, 200(%rdi)\n	movq %r15, 208(%rdi)\n"
	"	popq %rax\n	movq %rax, 120(%rdi)\n"
	"	popq %r15\n	popq %r14\n	popq %r13\n"
	"	popq %r12\n	popq %rbp\n	popq %rbx\n"
	"	ret\n"
	".size fuzz_raw_syscall, . - fuzz_raw_syscall\n");

static const char *const arg_registers[6] = { "rdi", "rsi", "rdx", "r10", "r8", "r9" };
static const char *const kept_registers[6] = { "rbx", "rbp", "r12", "r13", "r14", "r15" };

/* Every register but rax, rcx and r11 must survive `syscall`; else why says which. */
void check_registers(const struct raw_call *c, char *why, size_t size)
{
	for (int i = 0; i < 6 && !*why; i++) {
		if (c->arg_after[i] != c->arg[i])
			snprintf(why, size, "%s changed from 0x%lx to 0x%lx", arg_registers[i],
				 c->arg[i], c->arg_after[i]);
		else if (c->keep_after[i] != c->keep[i])
			snprintf(why, size, "%s changed from 0x%lx to 0x%lx", kept_registers[i],
				 c->keep[i], c->keep_after[i]);
	}
}

/* "name(args)" or "#0x123(args)", as the trace and INVARIANT lines print it. */
int describe_call(const struct fuzz_call *c, char *buf, size_t size)
{
	int nargs = c->call >= 0 ? syscalls[c->call].nargs : 6;
	int n = c->call >= 0 ? snprintf(buf, size, "%s(", syscalls[c->call].name)
			     : snprintf(buf, size, "#0x%lx(", c->raw.number);

	for (int i = 0; i < nargs; i++)
		n += snprintf(buf + n, size > (size_t)n ? size - (size_t)n : 0, "%s0x%lx",
			      i ? ", " : "", c->raw.arg[i]);
	n += snprintf(buf + n, size > (size_t)n ? size - (size_t)n : 0, ")%s%s",
		      c->raw.rflags_set & RFLAGS_NT ? " [NT]" : "",
		      c->raw.rflags_set & RFLAGS_DF ? " [DF]" : "");
	return n;
}
