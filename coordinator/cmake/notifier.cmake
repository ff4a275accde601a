# The notifier (docs/notifications.md): events stored as notifications in
# the catalog and delivered to the log, email (SMTP), a webhook and watchers.
set(_inc "${CMAKE_CURRENT_SOURCE_DIR}/include")
tapeline_library(tapeline_notifier "${CMAKE_CURRENT_SOURCE_DIR}/src/notifier" "${_inc}"
  tapeline_catalog tapeline_common CURL::libcurl OpenSSL::Crypto
  nlohmann_json::nlohmann_json spdlog::spdlog)
if(TARGET tapeline_notifier)
  tapeline_tests("${CMAKE_CURRENT_SOURCE_DIR}/tests/notifier" tapeline_notifier)
endif()
