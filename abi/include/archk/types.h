/*
 * Basic types shared by archk and its guests. Guests are built freestanding,
 * so this header depends only on the compiler's <stdint.h> and <stddef.h>.
 */
#ifndef ARCHK_TYPES_H
#define ARCHK_TYPES_H

#include <stddef.h>
#include <stdint.h>

/*
 * A handle value as a guest sees it. Values are scrambled per process: they
 * are opaque, never 0, and meaningless in any other process.
 */
typedef uint32_t archk_handle_t;

#define ARCHK_HANDLE_INVALID ((archk_handle_t)0)

/* Kernel object identifier: unique for the life of one archk run. */
typedef uint64_t archk_koid_t;

#endif
