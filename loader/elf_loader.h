/*
 * The ELF loader: accepts x86-64 static-pie executables only (ET_DYN, no
 * interpreter, no shared libraries, only relative relocations) and copies
 * them into a partition. It implements hook_load_elf and hook_symbolize.
 */
#ifndef LOADER_ELF_LOADER_H
#define LOADER_ELF_LOADER_H

#include "../kernel/hooks.h"

/* Checks an ELF image without loading it (used by tests and fuzzing):
 * 0, or -1 with the reason in err. max_len bounds the loaded span. */
int elf_validate(const uint8_t *file, size_t size, size_t max_len, char *err, size_t errlen);

#endif
