# rootfs.img validator (loader/image.c) and its tool (scripts/mkimage).
archk_unit_test(test_image
  SOURCES test_image.c
          ${PROJECT_SOURCE_DIR}/loader/image.c
          ${PROJECT_SOURCE_DIR}/scripts/mkimage/image_write.c
  LIBS PkgConfig::SODIUM)
target_include_directories(test_image PRIVATE
  ${PROJECT_SOURCE_DIR}/loader
  ${PROJECT_SOURCE_DIR}/abi/include
  ${PROJECT_SOURCE_DIR}/scripts/mkimage)

# archk-mkimage end to end: keygen, build, verify, list, tamper.
add_test(NAME unit.mkimage_cli
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mkimage_cli.sh $<TARGET_FILE:archk-mkimage>)
set_tests_properties(unit.mkimage_cli PROPERTIES TIMEOUT 60)
