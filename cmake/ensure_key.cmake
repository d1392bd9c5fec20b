# Generates the signing key PREFIX.key/PREFIX.pub with archk-mkimage unless
# it exists, then writes the C header that embeds its public half.
# Variables: TOOL, PREFIX, HEADER.
if(NOT EXISTS "${PREFIX}.key")
  get_filename_component(dir "${PREFIX}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  execute_process(COMMAND "${TOOL}" keygen "${PREFIX}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "archk-mkimage keygen failed")
  endif()
endif()
get_filename_component(header_dir "${HEADER}" DIRECTORY)
file(MAKE_DIRECTORY "${header_dir}")
execute_process(COMMAND "${TOOL}" pubkey-header "${PREFIX}.pub" "${HEADER}.tmp" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "archk-mkimage pubkey-header failed")
endif()
file(COPY_FILE "${HEADER}.tmp" "${HEADER}" ONLY_IF_DIFFERENT)
file(REMOVE "${HEADER}.tmp")
