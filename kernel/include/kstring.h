/* kstring.h - memory and string helpers (lib/string.c). */
#ifndef ANODE_KSTRING_H
#define ANODE_KSTRING_H

#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
/* The first byte c in s[0..n), or NULL. */
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* The first place needle occurs in haystack, or NULL. */
char *strstr(const char *haystack, const char *needle);
size_t strlcpy(char *dst, const char *src, size_t size);
/* Parses an unsigned decimal or 0x-hex number; 0 on success, -1 if malformed. */
int str_to_u64(const char *s, uint64_t *out);

#endif
