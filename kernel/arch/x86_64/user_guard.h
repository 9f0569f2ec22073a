/*
 * user_guard.h - SMEP and SMAP (user_guard.c): the CPU refuses kernel
 * execution of, and kernel access to, user pages.
 */
#ifndef ANODE_USER_GUARD_H
#define ANODE_USER_GUARD_H

#define USER_GUARD_SMEP (1u << 0)
#define USER_GUARD_SMAP (1u << 1)

/* Turns on what the CPU supports; returns the USER_GUARD_* bits now on. */
unsigned user_guard_enable(void);

#endif
