# GDB remote protocol layer (host/gdb_protocol.c): framing, command parsing,
# registers and the target description; no I/O, so no other sources needed.
archk_unit_test(test_gdb_protocol
  SOURCES test_gdb_protocol.c ${PROJECT_SOURCE_DIR}/host/gdb_protocol.c)
target_include_directories(test_gdb_protocol PRIVATE
  ${PROJECT_SOURCE_DIR}/kernel
  ${PROJECT_SOURCE_DIR}/host
  ${PROJECT_SOURCE_DIR}/abi/include)
