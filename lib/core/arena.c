/* arena.c - bump allocator in chained blocks; big requests get a block of their own.
 * See include/ct/arena.h for ownership rules. */
#include "ct/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 8192
#define ALIGN 16

struct block {
    struct block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct ct_arena {
    struct block *head;
    size_t total;
};

void *ct_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("clausetrack: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *ct_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("clausetrack: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *ct_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("clausetrack: out of memory\n", stderr);
        abort();
    }
    return q;
}

char *ct_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ct_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

struct ct_arena *ct_arena_new(void)
{
    return ct_xcalloc(1, sizeof(struct ct_arena));
}

void ct_arena_free(struct ct_arena *a)
{
    if (!a)
        return;
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *ct_arena_alloc(struct ct_arena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    struct block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > BLOCK_SIZE / 2 ? n : BLOCK_SIZE;
        struct block *nb = ct_xmalloc(sizeof *nb + size);
        nb->size = size;
        nb->used = 0;
        if (size == n && b) {
            /* big block: keep the current block at the head for further small allocations */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

char *ct_arena_strndup(struct ct_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = ct_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ct_arena_strdup(struct ct_arena *a, const char *s)
{
    return s ? ct_arena_strndup(a, s, strlen(s)) : NULL;
}

char *ct_arena_printf(struct ct_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = ct_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

size_t ct_arena_used(const struct ct_arena *a)
{
    return a->total;
}
