# Unit tests of the ELF loader (loader/elf_loader.c) against a real guest
# binary, malformed variants of it built in memory, and host executables the
# loader must refuse. Native static executables are built from
# elf_corpus/native.c when the toolchain can link them; otherwise their test
# cases are skipped.
include(CheckCSourceCompiles)

# Checks that the host toolchain links a static program with the given link
# options, caching the answer in result_var.
function(archk_check_static_link result_var)
  set(CMAKE_REQUIRED_LINK_OPTIONS ${ARGN})
  check_c_source_compiles("int main(void) { return 0; }" ${result_var})
endfunction()

# Builds elf_corpus/native.c as executable name with the given compile and
# link option when the toolchain supports it; sets path_var to its file path
# (a generator expression) or to "" when it cannot be built.
function(archk_native_elf name path_var compile_option link_option)
  string(TOUPPER "ARCHK_CAN_LINK_${name}" can_link)
  archk_check_static_link(${can_link} ${link_option} ${compile_option})
  if(${can_link})
    add_executable(${name} ${CMAKE_CURRENT_LIST_DIR}/elf_corpus/native.c)
    target_compile_options(${name} PRIVATE ${compile_option})
    target_link_options(${name} PRIVATE ${link_option})
    set(${path_var} $<TARGET_FILE:${name}> PARENT_SCOPE)
  else()
    set(${path_var} "" PARENT_SCOPE)
  endif()
endfunction()

archk_native_elf(elf_native_static ELF_STATIC_PATH -fno-pie "-static;-no-pie")
archk_native_elf(elf_native_static_pie ELF_STATIC_PIE_PATH -fPIE -static-pie)

archk_unit_test(test_elf SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_elf.c LIBS archk_loader)
target_compile_definitions(test_elf PRIVATE
  ELF_GUEST_PATH="$<TARGET_FILE:hello>"
  ELF_STATIC_PATH="${ELF_STATIC_PATH}"
  ELF_STATIC_PIE_PATH="${ELF_STATIC_PIE_PATH}")
add_dependencies(test_elf hello)
foreach(native IN ITEMS elf_native_static elf_native_static_pie)
  if(TARGET ${native})
    add_dependencies(test_elf ${native})
  endif()
endforeach()
