# Unit tests of kernel pieces (arenas, handle tables, mapping windows, VMOs), linked against the
# kernel library with the host hooks replaced by the fakes of hook_fakes.c.
foreach(test IN ITEMS test_arena test_handle test_maparea test_vmo test_wait)
  archk_unit_test(${test}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${test}.c ${CMAKE_CURRENT_LIST_DIR}/hook_fakes.c
    LIBS archk_kernel)
  target_include_directories(${test} PRIVATE ${PROJECT_SOURCE_DIR}/kernel)
endforeach()

# The I/O queue ring index checks (pure arithmetic).
archk_unit_test(test_ring SOURCES test_ring.c)
target_include_directories(test_ring PRIVATE ${PROJECT_SOURCE_DIR}/kernel)

# The idle spin's kick hand-shake (host/idle_spin.h), crossed by two threads.
archk_unit_test(test_idle_spin SOURCES test_idle_spin.c LIBS Threads::Threads)

# The scheduler's run queues (pure data structure).
archk_unit_test(test_runq SOURCES test_runq.c ${PROJECT_SOURCE_DIR}/kernel/runq.c)
target_include_directories(test_runq PRIVATE ${PROJECT_SOURCE_DIR}/kernel ${PROJECT_SOURCE_DIR}/abi/include)

# The scheduler's policy, against recording hook fakes.
archk_unit_test(test_sched SOURCES test_sched.c sched_fakes.c hook_fakes.c
                LIBS archk_kernel PkgConfig::SODIUM)
target_include_directories(test_sched PRIVATE ${PROJECT_SOURCE_DIR}/kernel ${PROJECT_SOURCE_DIR}/abi/include)

# Split virtqueues on both sides: the device's (kernel/virtq.c) against the
# driver library's (drivers/lib/virtio.c, compiled for the host with its
# system calls faked in the test).
archk_unit_test(test_virtq SOURCES test_virtq.c ${PROJECT_SOURCE_DIR}/drivers/lib/virtio.c
                hook_fakes.c LIBS archk_kernel)
target_include_directories(test_virtq PRIVATE ${PROJECT_SOURCE_DIR}/kernel
                           ${PROJECT_SOURCE_DIR}/drivers ${PROJECT_SOURCE_DIR}/abi/include)
