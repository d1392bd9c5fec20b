# Store images, signed with archk-mkimage (ARCHK_MKIMAGE: its target in the
# build of archk, its installed path in the SDK).
#
# archk_package(NAME PROGRAMS dest=target... FILES dest=source...) stages a
# directory tree for one package. archk_image(OUTPUT [KEY PREFIX]
# PACKAGES names...) packs and signs packages into an image; archk_image(OUTPUT
# [KEY PREFIX] PROGRAMS dest=target... FILES dest=source...) does the same for
# one package of those files, named after the image. PREFIX.key signs it
# (make one with "archk-mkimage keygen PREFIX"; archk then boots the image
# with --trust PREFIX.pub); without KEY, ARCHK_SIGNING_KEY (the build of
# archk sets it to its own key, which archk trusts).

function(archk_package name)
  cmake_parse_arguments(P "" "" "PROGRAMS;FILES" ${ARGN})
  set(dir ${CMAKE_BINARY_DIR}/packages/${name})
  set(cmds)
  set(deps)
  foreach(pair IN LISTS P_PROGRAMS P_FILES)
    string(REPLACE "=" ";" kv "${pair}")
    list(GET kv 0 dest)
    list(GET kv 1 src)
    get_filename_component(dest_dir "${dir}/${dest}" DIRECTORY)
    if(TARGET ${src})
      set(src_file $<TARGET_FILE:${src}>)
    else()
      set(src_file ${src})
    endif()
    list(APPEND cmds COMMAND ${CMAKE_COMMAND} -E make_directory ${dest_dir}
                     COMMAND ${CMAKE_COMMAND} -E copy ${src_file} ${dir}/${dest})
    list(APPEND deps ${src})
  endforeach()
  add_custom_command(OUTPUT ${dir}.stamp
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${dir}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    ${cmds}
    COMMAND ${CMAKE_COMMAND} -E touch ${dir}.stamp
    DEPENDS ${deps}
    COMMENT "Staging package ${name}")
  add_custom_target(package_${name} DEPENDS ${dir}.stamp)
endfunction()

function(archk_image output)
  cmake_parse_arguments(I "" "KEY" "PACKAGES;PROGRAMS;FILES" ${ARGN})
  get_filename_component(target_name ${output} NAME_WE)
  if(I_PROGRAMS OR I_FILES)
    archk_package(${target_name} PROGRAMS ${I_PROGRAMS} FILES ${I_FILES})
    list(APPEND I_PACKAGES ${target_name})
  endif()
  if(NOT I_KEY)
    if(NOT ARCHK_SIGNING_KEY)
      message(FATAL_ERROR "archk_image(${output}): give KEY PREFIX, a key made with "
                          "'archk-mkimage keygen PREFIX'")
    endif()
    set(I_KEY ${ARCHK_SIGNING_KEY})
  endif()
  set(args)
  set(deps)
  set(package_targets)
  foreach(name IN LISTS I_PACKAGES)
    list(APPEND args ${name}=${CMAKE_BINARY_DIR}/packages/${name})
    list(APPEND deps ${CMAKE_BINARY_DIR}/packages/${name}.stamp)
    list(APPEND package_targets package_${name})
  endforeach()
  add_custom_command(OUTPUT ${output}
    COMMAND ${ARCHK_MKIMAGE} build --key ${I_KEY}.key --out ${output} ${args}
    DEPENDS ${deps} ${ARCHK_MKIMAGE} ${I_KEY}.pub
    COMMENT "Building and signing ${output}")
  add_custom_target(image_${target_name} ALL DEPENDS ${output})
  # Packages staged in other directories must be staged first, by their owner.
  add_dependencies(image_${target_name} ${package_targets})
endfunction()
