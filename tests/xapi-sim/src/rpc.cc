#include "rpc.h"

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "sim_control.h"
#include "tasks.h"

namespace xapi_sim {

namespace {

const std::set<std::string> kClasses = {"pool", "host",   "SR",  "VM",
                                        "VBD",  "VDI",    "VIF", "network",
                                        "task", "session"};
// Fields a client may set with C.set_<field> (the datamodel's RW fields we
// model).
const std::set<std::string> kSettable = {
    "name_label",    "name_description", "other_config", "tags",
    "xenstore_data", "sm_config",        "is_a_template"};

rpc_error count_mismatch(const std::string& m, size_t expected, size_t got) {
  return {"MESSAGE_PARAMETER_COUNT_MISMATCH",
          {m, std::to_string(expected), std::to_string(got)}};
}

std::string str(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// An int parameter: a JSON number, or a decimal string as XML-RPC-minded
// clients send; nullopt otherwise.
std::optional<uint64_t> u64(const json& v) {
  if (v.is_number_unsigned() ||
      (v.is_number_integer() && v.get<int64_t>() >= 0))
    return v.get<uint64_t>();
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::strtoull(s.c_str(), nullptr, 10);
}

json session_record(state& st, const std::string& user,
                    const std::string& originator) {
  auto& hosts = st.table("host");
  return {
      {"uuid", new_uuid()},
      {"this_host",
       hosts.empty() ? std::string(null_ref) : hosts.begin().key()},
      {"this_user", null_ref},
      {"last_active", xapi_time_now()},
      {"pool", false},
      {"other_config", json::object()},
      {"is_local_superuser", true},
      {"subject", null_ref},
      {"validation_time", xapi_time_now()},
      {"auth_user_sid", ""},
      {"auth_user_name", user},
      {"rbac_permissions", json::array()},
      {"tasks", json::array()},
      {"parent", null_ref},
      {"originator", originator},
      {"client_certificate", false},
  };
}

using handler = std::function<rpc_result<json>(state&, const json&)>;
struct method_spec {
  size_t min_params, max_params;
  handler fn;
};

// Methods with their own behaviour; the generic accessors follow below.
const std::map<std::string, method_spec>& specific_methods() {
  static const std::map<std::string, method_spec> m = {
      {"VM.snapshot",
       {3, 4,
        [](state& st, const json& p) -> rpc_result<json> {
          auto r = snapshot_vm(st, str(p[1]), str(p[2]));
          if (!r.ok) return r.error;
          refresh_utilisation(st);
          st.save();
          return json(r.value);
        }}},
      {"VM.destroy",
       {2, 2,
        [](state& st, const json& p) -> rpc_result<json> {
          auto r = destroy_vm(st, str(p[1]));
          if (!r.ok) return r.error;
          st.save();
          return json();
        }}},
      {"VBD.destroy",
       {2, 2,
        [](state& st, const json& p) -> rpc_result<json> {
          auto r = destroy_vbd(st, str(p[1]));
          if (!r.ok) return r.error;
          st.save();
          return json();
        }}},
      {"VDI.snapshot",
       {2, 3,
        [](state& st, const json& p) -> rpc_result<json> {
          auto r = snapshot_vdi(st, str(p[1]));
          if (!r.ok) return r.error;
          st.save();
          return json(r.value);
        }}},
      {"VDI.destroy",
       {2, 2,
        [](state& st, const json& p) -> rpc_result<json> {
          auto r = destroy_vdi(st, str(p[1]));
          if (!r.ok) return r.error;
          st.save();
          return json();
        }}},
      {"VDI.create",
       {2, 2,
        [](state& st, const json& p) -> rpc_result<json> {
          const json& rec = p[1];
          const auto parsed = rec.is_object() && rec.contains("virtual_size")
                                  ? u64(rec["virtual_size"])
                                  : std::nullopt;
          if (!parsed) return rpc_error{"FIELD_TYPE_ERROR", {"virtual_size"}};
          const uint64_t size = *parsed;
          if (size > st.vdi_limit)
            return rpc_error{"VDI_TOO_LARGE",
                             {null_ref, std::to_string(st.vdi_limit)}};
          auto r = create_vdi(st, str(rec.value("name_label", json(""))), size);
          if (!r.ok) return r.error;
          json& v = *st.find("VDI", r.value);
          for (const char* k : {"name_description", "other_config", "sm_config",
                                "tags", "read_only", "sharable", "type"})
            if (rec.contains(k)) v[k] = rec[k];
          refresh_utilisation(st);
          st.save();
          return json(r.value);
        }}},
      {"VDI.resize",
       {3, 3,
        [](state& st, const json& p) -> rpc_result<json> {
          json* v = st.find("VDI", str(p[1]));
          if (!v) return rpc_error{"HANDLE_INVALID", {"VDI", str(p[1])}};
          const auto parsed = u64(p[2]);
          if (!parsed) return rpc_error{"FIELD_TYPE_ERROR", {"size"}};
          const uint64_t size = *parsed;
          if (size > st.vdi_limit)
            return rpc_error{"VDI_TOO_LARGE",
                             {str(p[1]), std::to_string(st.vdi_limit)}};
          if (size < (*v)["virtual_size"].get<uint64_t>())
            return rpc_error{"VDI_CANNOT_SHRINK", {}};  // SM refuses shrinks
          auto leaf = writable_leaf(st, str(p[1]));
          if (!leaf.ok())
            return rpc_error{"INTERNAL_ERROR", {leaf.error().message()}};
          if (auto s = st.files().create(*leaf, size); !s.ok())
            return rpc_error{"INTERNAL_ERROR", {s.message()}};
          (*v)["virtual_size"] = size;
          refresh_utilisation(st);
          st.save();
          return json();
        }}},
      {"task.create",
       {3, 3,
        [](state& st, const json& p) -> rpc_result<json> {
          return json(create_task(st, str(p[1]), str(p[2])));
        }}},
      {"task.destroy",
       {2, 2,
        [](state& st, const json& p) -> rpc_result<json> {
          if (!st.find("task", str(p[1])))
            return rpc_error{"HANDLE_INVALID", {"task", str(p[1])}};
          st.table("task").erase(str(p[1]));
          return json();
        }}},
      {"task.cancel",
       {2, 2,
        [](state& st, const json& p) -> rpc_result<json> {
          json* t = st.find("task", str(p[1]));
          if (!t) return rpc_error{"HANDLE_INVALID", {"task", str(p[1])}};
          if ((*t)["status"] == "pending") (*t)["status"] = "cancelled";
          return json();
        }}},
      {"pool.get_master",
       {2, 2,
        [](state& st, const json& p) -> rpc_result<json> {
          json* pool = st.find("pool", str(p[1]));
          if (!pool) return rpc_error{"HANDLE_INVALID", {"pool", str(p[1])}};
          return (*pool)["master"];
        }}},
  };
  return m;
}

// Whether `op` names an accessor of a field the class's records have.
bool known_object_op(const json& table, const std::string& op) {
  if (op == "get_record" || op == "add_tags" || op == "remove_tags")
    return true;
  if (table.empty()) return false;
  const json& rec = table.begin().value();
  for (const char* prefix : {"get_", "set_", "add_to_", "remove_from_"}) {
    const std::string pre = prefix;
    if (op.rfind(pre, 0) == 0 && rec.contains(op.substr(pre.size())))
      return true;
  }
  return false;
}

// C.get_all, get_all_records, get_record, get_by_uuid, get_by_name_label,
// get_<field>, set_<field>, add_to_<map>, remove_from_<map>, add_tags,
// remove_tags: the accessors XAPI generates for every class
// (ocaml/idl/datamodel_utils.ml).
rpc_result<json> generic(state& st, const std::string& method,
                         const std::string& cls, const std::string& op,
                         const json& p) {
  auto& table = st.table(cls);
  auto need = [&](size_t n) -> std::optional<rpc_error> {
    if (p.size() != n) return count_mismatch(method, n, p.size());
    return std::nullopt;
  };
  if (op == "get_all") {
    if (auto e = need(1)) return *e;
    json out = json::array();
    for (const auto& [ref, _] : table.items()) out.push_back(ref);
    return out;
  }
  if (op == "get_all_records") {
    if (auto e = need(1)) return *e;
    return table;
  }
  if (op == "get_by_uuid") {
    if (auto e = need(2)) return *e;
    for (const auto& [ref, rec] : table.items())
      if (rec.value("uuid", "") == str(p[1])) return json(ref);
    return rpc_error{"UUID_INVALID", {cls, str(p[1])}};
  }
  if (op == "get_by_name_label") {
    if (auto e = need(2)) return *e;
    json out = json::array();
    for (const auto& [ref, rec] : table.items())
      if (rec.value("name_label", "") == str(p[1])) out.push_back(ref);
    return out;
  }
  // The rest act on one object: (session, ref, ...). XAPI checks that the
  // method exists before counting parameters.
  if (!known_object_op(table, op))
    return rpc_error{"MESSAGE_METHOD_UNKNOWN", {method}};
  if (p.size() < 2) return count_mismatch(method, 2, p.size());
  const std::string ref = str(p[1]);
  json* rec = st.find(cls, ref);
  if (!rec) return rpc_error{"HANDLE_INVALID", {cls, ref}};
  if (op == "get_record") {
    if (auto e = need(2)) return *e;
    return *rec;
  }
  if (op.rfind("get_", 0) == 0 && rec->contains(op.substr(4))) {
    if (auto e = need(2)) return *e;
    return (*rec)[op.substr(4)];
  }
  if (op.rfind("set_", 0) == 0 && kSettable.count(op.substr(4)) &&
      rec->contains(op.substr(4))) {
    if (auto e = need(3)) return *e;
    (*rec)[op.substr(4)] = p[2];
    st.save();
    return json();
  }
  if (op == "add_tags" || op == "remove_tags") {
    if (auto e = need(3)) return *e;
    json& tags = (*rec)["tags"];
    auto it = std::find(tags.begin(), tags.end(), p[2]);
    if (op == "add_tags" && it == tags.end()) tags.push_back(p[2]);
    if (op == "remove_tags" && it != tags.end()) tags.erase(it);
    st.save();
    return json();
  }
  if (op.rfind("add_to_", 0) == 0 && rec->contains(op.substr(7)) &&
      (*rec)[op.substr(7)].is_object()) {
    if (auto e = need(4)) return *e;
    json& map = (*rec)[op.substr(7)];
    if (map.contains(str(p[2])))
      return rpc_error{"MAP_DUPLICATE_KEY",
                       {cls, op.substr(7), ref, str(p[2])}};
    map[str(p[2])] = str(p[3]);
    st.save();
    return json();
  }
  if (op.rfind("remove_from_", 0) == 0 && rec->contains(op.substr(12)) &&
      (*rec)[op.substr(12)].is_object()) {
    if (auto e = need(3)) return *e;
    (*rec)[op.substr(12)].erase(str(p[2]));
    st.save();
    return json();
  }
  return rpc_error{"MESSAGE_METHOD_UNKNOWN", {method}};
}

rpc_result<json> login(sim_context& ctx, listener_kind where, const json& p) {
  state& st = *ctx.st;
  if (p.size() < 2 || p.size() > 4)
    return count_mismatch("session.login_with_password", 4, p.size());
  if (where.pool_member)
    return rpc_error{"HOST_IS_SLAVE", {ctx.master_address}};
  const std::string user = str(p[0]), pw = str(p[1]);
  if (user != st.user || pw != st.password)
    return rpc_error{"SESSION_AUTHENTICATION_FAILED",
                     {user, "Authentication failure"}};
  const std::string ref = new_ref();
  st.table("session")[ref] =
      session_record(st, user, p.size() > 3 ? str(p[3]) : "");
  return json(ref);
}

}  // namespace

bool session_valid(state& st, const std::string& session) {
  return st.find("session", session) != nullptr;
}

void expire_all_sessions(state& st) {
  st.table("session") = json::object();
}

rpc_result<json> call_method(sim_context& ctx, listener_kind where,
                             const std::string& method, const json& params) {
  if (method.rfind("sim.", 0) == 0) return sim_call(ctx, method, params);
  state& st = *ctx.st;
  std::unique_lock<std::mutex> lk(st.mu);
  if (method == "session.login_with_password") return login(ctx, where, params);
  const size_t dot = method.find('.');
  const std::string cls = method.substr(0, dot);
  const std::string op = dot == std::string::npos ? "" : method.substr(dot + 1);
  const auto& specific = specific_methods();
  auto it = specific.find(method);
  if (it == specific.end() && !kClasses.count(cls) &&
      method != "session.logout")
    return rpc_error{"MESSAGE_METHOD_UNKNOWN", {method}};
  if (params.empty() || !session_valid(st, str(params[0])))
    return rpc_error{"SESSION_INVALID",
                     {params.empty() ? std::string() : str(params[0])}};
  if (method == "session.logout") {
    st.table("session").erase(str(params[0]));
    return json();
  }
  if (it != specific.end()) {
    if (params.size() < it->second.min_params ||
        params.size() > it->second.max_params)
      return count_mismatch(method, it->second.max_params, params.size());
    return it->second.fn(st, params);
  }
  return generic(st, method, cls, op, params);
}

std::string handle_jsonrpc(sim_context& ctx, listener_kind where,
                           const std::string& body, std::string* method) {
  json req = json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object() || !req.contains("method") ||
      !req["method"].is_string()) {
    // jsoncallback's `with Server_error` branch: a v2 envelope whose error
    // is the bare array.
    return json{{"jsonrpc", "2.0"},
                {"error", {"INTERNAL_ERROR", "cannot parse the JSON-RPC call"}},
                {"id", nullptr}}
        .dump();
  }
  const bool v2 = req.value("jsonrpc", "") == "2.0";
  const json id = req.contains("id") ? req["id"] : json(nullptr);
  *method = req["method"].get<std::string>();
  const json params = req.contains("params") && req["params"].is_array()
                          ? req["params"]
                          : json::array();
  // A malformed parameter (a number where a string belongs) must not take
  // the sim down: nlohmann::json throws, and this is the boundary.
  rpc_result<json> r = rpc_error{"INTERNAL_ERROR", {}};
  try {
    r = call_method(ctx, where, *method, params);
  } catch (const std::exception& e) {
    r = rpc_error{"INTERNAL_ERROR",
                  {std::string("bad parameters: ") + e.what()}};
  }
  json out;
  if (r.ok) {
    out = v2 ? json{{"jsonrpc", "2.0"}, {"result", r.value}, {"id", id}}
             : json{{"result", r.value}, {"error", nullptr}, {"id", id}};
  } else {
    json data = json::array();
    for (const auto& s : r.error.params) data.push_back(s);
    if (v2) {
      out = {
          {"jsonrpc", "2.0"},
          {"error", {{"code", 1}, {"message", r.error.code}, {"data", data}}},
          {"id", id}};
    } else {
      data.insert(data.begin(), r.error.code);
      out = {{"result", nullptr}, {"error", data}, {"id", id}};
    }
  }
  return out.dump();
}

}  // namespace xapi_sim
