# Restores through the drive (docs/restore.md): the tapeline_restore library
# (drive client, mount handlers, chain restore, verify TAPE, the CLI's
# subcommands) and the tapeline-restore tool.
set(_inc "${CMAKE_CURRENT_SOURCE_DIR}/include")
tapeline_library(tapeline_restore "${CMAKE_CURRENT_SOURCE_DIR}/src/restore" "${_inc}"
  tapeline_catalog_tape tapeline_caf tapeline_vhd tapeline_xapi
  nlohmann_json::nlohmann_json
  CAF::openssl)
if(TARGET tapeline_restore)
  tapeline_tests("${CMAKE_CURRENT_SOURCE_DIR}/tests/restore" tapeline_restore)
  add_executable(tapeline-restore
    "${CMAKE_CURRENT_SOURCE_DIR}/src/restore_tool/restore_main.cc")
  target_link_libraries(tapeline-restore PRIVATE tapeline_restore)
endif()

# The `tapeline` CLI (coordinator.cmake, included after this file) mounts
# the restore commands: link it once every part is defined.
function(_tapeline_restore_link_cli)
  if(TARGET tapeline AND TARGET tapeline_restore)
    target_link_libraries(tapeline PRIVATE tapeline_restore)
  endif()
endfunction()
cmake_language(DEFER CALL _tapeline_restore_link_cli)
