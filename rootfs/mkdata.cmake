# Writes the data file of the I/O level examples: 4096 lines of 64 bytes
# (256 KiB), each the first 63 hex digits of SHA-256 of its number.
# cmake -DOUT=FILE -P mkdata.cmake
set(lines "")
foreach(i RANGE 4095)
  string(SHA256 h "${i}")
  string(SUBSTRING "${h}" 0 63 h)
  string(APPEND lines "${h}\n")
endforeach()
file(WRITE ${OUT} "${lines}")
