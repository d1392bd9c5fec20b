# Unit tests of the guest runtime's string, formatting and heap code, compiled
# for the host. rt_rename.h is force-included so the runtime's C library names
# become rt_* and do not clash with the host's C library.
set(RT_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}/../../abi/runtime)

add_library(archk_rt_host STATIC
  ${RT_SOURCE_DIR}/string.c
  ${RT_SOURCE_DIR}/ctype.c
  ${RT_SOURCE_DIR}/sort.c
  ${RT_SOURCE_DIR}/fmt.c
    ${RT_SOURCE_DIR}/malloc.c
  ${RT_SOURCE_DIR}/lock.c
  ${RT_SOURCE_DIR}/env.c
  ${RT_SOURCE_DIR}/path.c
  ${CMAKE_CURRENT_LIST_DIR}/rt_host_futex.c)
target_compile_options(archk_rt_host PRIVATE
  -ffreestanding -fno-builtin -include ${CMAKE_CURRENT_LIST_DIR}/rt_rename.h
  ${ARCHK_WARNINGS})
target_include_directories(archk_rt_host PUBLIC ${CMAKE_CURRENT_LIST_DIR}/../../abi/include)

archk_unit_test(test_runtime_string SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_runtime_string.c LIBS archk_rt_host)
archk_unit_test(test_runtime_fmt SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_runtime_fmt.c LIBS archk_rt_host)
archk_unit_test(test_runtime_malloc SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_runtime_malloc.c LIBS archk_rt_host)
archk_unit_test(test_runtime_env SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_runtime_env.c LIBS archk_rt_host)

# The network address code is plain C without library calls: compiled as it is.
archk_unit_test(test_netaddr SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_netaddr.c
  ${RT_SOURCE_DIR}/netaddr.c)
target_include_directories(test_netaddr PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../abi/include)
