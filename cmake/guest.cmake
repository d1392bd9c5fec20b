# Guest programs: x86-64 static-pie ELF executables built against archk's ABI
# with no libc and no dynamic linker. archk_add_guest(NAME SOURCES...) creates
# the executable target NAME, linked with the guest runtime (target archk::rt,
# which carries the include path of <archk/...>). The same file serves the
# build of archk and, installed, the SDK (find_package(archk), docs/guide.md).

set(ARCHK_GUEST_CFLAGS
    -ffreestanding -fPIE -fno-stack-protector -fno-plt -fno-asynchronous-unwind-tables
    -fcf-protection=none -g -O2)
set(ARCHK_GUEST_LDFLAGS
    -static-pie -nostdlib -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,--build-id=none
    -Wl,-z,max-page-size=0x200000 -Wl,-z,common-page-size=0x200000 -Wl,-z,noexecstack)

function(archk_add_guest name)
  add_executable(${name} ${ARGN})
  target_compile_options(${name} PRIVATE ${ARCHK_GUEST_CFLAGS} ${ARCHK_WARNINGS})
  target_link_options(${name} PRIVATE ${ARCHK_GUEST_LDFLAGS})
  target_link_libraries(${name} PRIVATE archk::rt gcc)
endfunction()
