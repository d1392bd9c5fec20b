# Unit tests of the share driver's path rules (drivers/share_path.c), compiled for the host.
archk_unit_test(test_share_path SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_share_path.c
  ${CMAKE_CURRENT_LIST_DIR}/../../drivers/share_path.c)
target_include_directories(test_share_path PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../abi/include
  ${CMAKE_CURRENT_LIST_DIR}/../../drivers)
