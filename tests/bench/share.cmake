# share_read_seq (scripts/bench-share): the guest reader and an image with
# the share driver, which the reader starts itself (bare: init starts no drivers).
archk_add_guest(bench_share bench_share.c)
archk_package(benchshare PROGRAMS bench/bench_share=bench_share)
archk_image(${CMAKE_BINARY_DIR}/share_bench.img PACKAGES bare drivers benchshare)
