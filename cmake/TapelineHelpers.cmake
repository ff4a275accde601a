# tapeline_library(NAME DIR PUBLIC_INCLUDE DEPS...)
#   A static library from every .cc file in DIR. Skipped while DIR is empty.
function(tapeline_library name dir include)
  file(GLOB _srcs CONFIGURE_DEPENDS "${dir}/*.cc")
  if(NOT _srcs)
    return()
  endif()
  add_library(${name} STATIC ${_srcs})
  target_include_directories(${name} PUBLIC "${include}")
  target_link_libraries(${name} PUBLIC ${ARGN})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# tapeline_tests(DIR DEPS...)
#   One GoogleTest binary per DIR/*_test.cc, each test registered with CTest.
function(tapeline_tests dir)
  file(GLOB _tests CONFIGURE_DEPENDS "${dir}/*_test.cc")
  foreach(_t ${_tests})
    get_filename_component(_n "${_t}" NAME_WE)
    add_executable(${_n} "${_t}")
    set_target_properties(${_n} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
    target_link_libraries(${_n} PRIVATE ${ARGN} GTest::gtest GTest::gmock GTest::gtest_main)
    target_include_directories(${_n} PRIVATE "${PROJECT_SOURCE_DIR}/tests/support/include")
    target_compile_definitions(${_n} PRIVATE
      TAPELINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      TAPELINE_BINARY_DIR="${PROJECT_BINARY_DIR}")
    gtest_discover_tests(${_n} DISCOVERY_TIMEOUT 60
      PROPERTIES ENVIRONMENT "TAPELINE_BIN=${CMAKE_BINARY_DIR}/bin")
  endforeach()
endfunction()
