/*
 * Renames the guest runtime's C library functions to rt_* so the runtime can
 * be compiled for the host (force-included with -include) and tested next to
 * the host's own C library.
 *
 * Test files include it, then <archk/runtime.h> (which then declares the
 * rt_* functions), then define RT_RENAME_UNDO and include it again so that
 * the plain names mean the host's functions for the rest of the file.
 */
#ifndef RT_RENAME_UNDO

/* runtime.h's format(printf, ...) attributes now name "rt_printf". */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"

#define memcpy	  rt_memcpy
#define memmove	  rt_memmove
#define memset	  rt_memset
#define memcmp	  rt_memcmp
#define memchr	  rt_memchr
#define strlen	  rt_strlen
#define strnlen	  rt_strnlen
#define strcmp	  rt_strcmp
#define strncmp	  rt_strncmp
#define strchr	  rt_strchr
#define strrchr	  rt_strrchr
#define strcpy	  rt_strcpy
#define strlcpy	  rt_strlcpy
#define strdup	  rt_strdup
#define strtol	  rt_strtol
#define strtoul	  rt_strtoul
#define atoi	  rt_atoi
#define vsnprintf rt_vsnprintf
#define snprintf  rt_snprintf
#define printf	  rt_printf
#define puts	  rt_puts
#define malloc	  rt_malloc
#define calloc	  rt_calloc
#define realloc	  rt_realloc
#define free	  rt_free
#define strstr	  rt_strstr
#define isdigit	  rt_isdigit
#define isxdigit  rt_isxdigit
#define isalpha	  rt_isalpha
#define isalnum	  rt_isalnum
#define isupper	  rt_isupper
#define islower	  rt_islower
#define isspace	  rt_isspace
#define isprint	  rt_isprint
#define tolower	  rt_tolower
#define toupper	  rt_toupper
#define qsort	  rt_qsort

#else

#pragma GCC diagnostic pop

#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strcpy
#undef strlcpy
#undef strdup
#undef strtol
#undef strtoul
#undef atoi
#undef vsnprintf
#undef snprintf
#undef printf
#undef puts
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef strstr
#undef isdigit
#undef isxdigit
#undef isalpha
#undef isalnum
#undef isupper
#undef islower
#undef isspace
#undef isprint
#undef tolower
#undef toupper
#undef qsort
#undef RT_RENAME_UNDO

#endif
