/* arena.h - a bump allocator that owns everything one request (or one import) allocates.
 * Freed in one go with ct_arena_free; callers never free piecemeal.
 * Allocation failure aborts the process (as ct_xmalloc). Not thread-safe: one owner. */
#ifndef CT_ARENA_H
#define CT_ARENA_H

#include <stddef.h>
#include "ct/err.h"

struct ct_arena;

/* Returns a new arena (caller frees with ct_arena_free). */
struct ct_arena *ct_arena_new(void);
/* Frees the arena and every block allocated from it. NULL is fine. */
void ct_arena_free(struct ct_arena *a);

/* Zeroed memory of n bytes, aligned for any type, owned by the arena. */
void *ct_arena_alloc(struct ct_arena *a, size_t n);
/* Copies of strings, owned by the arena. s may be NULL (returns NULL). */
char *ct_arena_strdup(struct ct_arena *a, const char *s);
char *ct_arena_strndup(struct ct_arena *a, const char *s, size_t n);
/* printf into arena memory. */
char *ct_arena_printf(struct ct_arena *a, const char *fmt, ...) CT_PRINTF(2, 3);
/* Total bytes handed out (for limits and metrics). */
size_t ct_arena_used(const struct ct_arena *a);

/* malloc/calloc/realloc/strdup that abort on failure. */
void *ct_xmalloc(size_t n);
void *ct_xcalloc(size_t n, size_t size);
void *ct_xrealloc(void *p, size_t n);
char *ct_xstrdup(const char *s);

#endif
