#include "json_util.h"

#include <cstdlib>

namespace tapeline::xapi::detail {

using nlohmann::json;

namespace {
const json* field(const json& rec, const char* key) {
  if (!rec.is_object()) return nullptr;
  auto it = rec.find(key);
  return it == rec.end() ? nullptr : &*it;
}
}  // namespace

std::string str(const json& rec, const char* key) {
  const json* f = field(rec, key);
  if (!f || f->is_null()) return {};
  return f->is_string() ? f->get<std::string>() : f->dump();
}

bool boolean(const json& rec, const char* key) {
  const json* f = field(rec, key);
  if (!f) return false;
  if (f->is_boolean()) return f->get<bool>();
  return f->is_string() && f->get<std::string>() == "true";
}

int64_t int64(const json& rec, const char* key) {
  const json* f = field(rec, key);
  if (!f) return 0;
  if (f->is_number_integer()) return f->get<int64_t>();
  if (f->is_number()) return static_cast<int64_t>(f->get<double>());
  if (f->is_string())
    return std::strtoll(f->get<std::string>().c_str(), nullptr, 10);
  return 0;
}

std::vector<std::string> strings(const json& rec, const char* key) {
  std::vector<std::string> out;
  const json* f = field(rec, key);
  if (f && f->is_array())
    for (const auto& s : *f)
      if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

std::map<std::string, std::string> string_map(const json& rec,
                                              const char* key) {
  std::map<std::string, std::string> out;
  const json* f = field(rec, key);
  if (f && f->is_object())
    for (auto it = f->begin(); it != f->end(); ++it)
      out[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  return out;
}

}  // namespace tapeline::xapi::detail
