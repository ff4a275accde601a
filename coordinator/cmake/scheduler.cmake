# The scheduler (issue #4): cron expressions in IANA time zones, the due-run
# decision and the [[schedule]] configuration. A pure library: no actors, no
# clock reads; "now" is passed in (docs/scheduler.md).
find_package(date CONFIG REQUIRED)  # libhowardhinnant-date-dev; reads tzdata
set(_inc "${CMAKE_CURRENT_SOURCE_DIR}/include")
tapeline_library(tapeline_scheduler "${CMAKE_CURRENT_SOURCE_DIR}/src/scheduler" "${_inc}"
  tapeline_common date::date-tz)
if(TARGET tapeline_scheduler)
  tapeline_tests("${CMAKE_CURRENT_SOURCE_DIR}/tests/scheduler" tapeline_scheduler)
endif()
