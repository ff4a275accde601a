// Reading XAPI records (JSON objects) leniently: a missing field reads as
// empty, an int64 may come as a number or a decimal string. Internal.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tapeline::xapi::detail {

std::string str(const nlohmann::json& rec, const char* key);
bool boolean(const nlohmann::json& rec, const char* key);
int64_t int64(const nlohmann::json& rec, const char* key);
std::vector<std::string> strings(const nlohmann::json& rec, const char* key);
std::map<std::string, std::string> string_map(const nlohmann::json& rec,
                                              const char* key);

}  // namespace tapeline::xapi::detail
