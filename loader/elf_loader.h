/*
 * The ELF loader: accepts x86-64 static-pie executables only (ET_DYN, no
 * interpreter, no shared libraries, only relative relocations) and loads
 * them into a partition: read-only segments are mapped from the store image
 * file when it can, everything else is copied. It implements hook_load_elf
 * and hook_symbolize.
 */
#ifndef LOADER_ELF_LOADER_H
#define LOADER_ELF_LOADER_H

#include "../kernel/hooks.h"

/* Checks an ELF image without loading it (used by tests and fuzzing):
 * 0, or -1 with the reason in err. max_len bounds the loaded span. */
int elf_validate(const uint8_t *file, size_t size, size_t max_len, char *err, size_t errlen);

/*
 * The store image that executables handed to hook_load_elf come from: its
 * mapping [base, base+size) and a read-only descriptor of the same file, from
 * which read-only segments of a file lying in the mapping are mapped
 * (MAP_PRIVATE) instead of copied. Without it (fd -1) everything is copied.
 */
void elf_loader_use_image(const uint8_t *base, size_t size, int fd);

#endif
