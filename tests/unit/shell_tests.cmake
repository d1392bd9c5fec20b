# Unit tests of the shell's pure parts (rootfs/sh): the parser, word
# expansion, the line editor and completion, compiled for the host against
# the runtime (runtime_tests.cmake renames its C library names).
set(SH_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}/../../rootfs/sh)

add_library(archk_sh_host STATIC
  ${SH_SOURCE_DIR}/parse.c
  ${SH_SOURCE_DIR}/expand.c
  ${SH_SOURCE_DIR}/vars.c
  ${SH_SOURCE_DIR}/edit.c
  ${SH_SOURCE_DIR}/complete.c)
target_compile_options(archk_sh_host PRIVATE
  -ffreestanding -fno-builtin -include ${CMAKE_CURRENT_LIST_DIR}/rt_rename.h ${ARCHK_WARNINGS})
target_link_libraries(archk_sh_host PUBLIC archk_rt_host)

archk_unit_test(test_shell SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_shell.c LIBS archk_sh_host)
