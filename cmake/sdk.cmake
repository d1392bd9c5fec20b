# The SDK: what `cmake --install build --prefix DIR` puts in DIR for writing
# guest programs outside this tree (docs/guide.md):
#   bin/            archk, archk-mkimage, archk-gdb
#   include/archk/  the guest headers
#   lib/            libarchk_rt.a (the runtime, with _start)
#   lib/cmake/archk/  find_package(archk): archk::rt, archk_add_guest,
#                   archk_package, archk_image (cmake/guest.cmake, image.cmake)
#   lib/pkgconfig/archk.pc   the compile and link flags, for Makefiles
#   share/archk/    archk-gdb.py, the gdb helper archk-gdb loads
# Every path inside is relative to where the files are, so DIR can move.
include(CMakePackageConfigHelpers)

install(TARGETS archk archk-mkimage RUNTIME DESTINATION bin)
install(TARGETS archk_rt ARCHIVE DESTINATION lib)
install(DIRECTORY abi/include/archk DESTINATION include)
install(PROGRAMS scripts/archk-gdb DESTINATION bin)
install(FILES scripts/archk-gdb.py DESTINATION share/archk)

set(sdk ${CMAKE_BINARY_DIR}/sdk)
configure_file(cmake/archkConfig.cmake.in ${sdk}/archkConfig.cmake @ONLY)
write_basic_package_version_file(${sdk}/archkConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${sdk}/archkConfig.cmake ${sdk}/archkConfigVersion.cmake cmake/guest.cmake
              cmake/image.cmake
        DESTINATION lib/cmake/archk)

list(JOIN ARCHK_GUEST_CFLAGS " " ARCHK_PC_CFLAGS)
list(JOIN ARCHK_GUEST_LDFLAGS " " ARCHK_PC_LDFLAGS)
configure_file(cmake/archk.pc.in ${sdk}/archk.pc @ONLY)
install(FILES ${sdk}/archk.pc DESTINATION lib/pkgconfig)
