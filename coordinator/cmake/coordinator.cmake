# The coordinator's service (tapeline_coordinator) and its daemon,
# tapeline-coordinator; the operator CLI, tapeline.
find_package(date CONFIG REQUIRED)
tapeline_library(tapeline_coordinator "${CMAKE_CURRENT_SOURCE_DIR}/src/coordinator" "${_inc}"
  tapeline_catalog tapeline_planner tapeline_scheduler tapeline_notifier
  tapeline_control date::date-tz
  nlohmann_json::nlohmann_json)
if(TARGET tapeline_coordinator)
  tapeline_tests("${CMAKE_CURRENT_SOURCE_DIR}/tests/coordinator" tapeline_coordinator)
  add_executable(tapeline-coordinator "${CMAKE_CURRENT_SOURCE_DIR}/src/tools/coordinator_main.cc")
  target_link_libraries(tapeline-coordinator PRIVATE tapeline_coordinator)
  add_executable(tapeline "${CMAKE_CURRENT_SOURCE_DIR}/src/tools/cli_main.cc")
  target_link_libraries(tapeline PRIVATE tapeline_coordinator)
endif()
