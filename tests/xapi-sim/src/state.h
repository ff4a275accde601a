// The simulator's persistent state, in one folder:
//   STATE/db.json        the XAPI objects by class and ref, the layers, which
//                        layer is each VDI's leaf, the login credentials;
//   STATE/layers/*.img   one sparse file per layer (layer_files.h).
// db.json is rewritten atomically (write, fsync, rename) after every change.
// Sessions and tasks live in memory only, as XAPI's do not survive a restart.
//
// Thread-safety: every member is guarded by `mu`; callers lock it around
// any access (std::unique_lock<std::mutex> lk(st.mu)).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "chain.h"
#include "layer_files.h"
#include "tapeline/common/status.h"

namespace xapi_sim {

using json = nlohmann::json;

struct init_options {
  int vms = 2;
  int disks_per_vm = 1;
  uint64_t disk_size = 64ull << 20;
  uint64_t fill_bytes = 0;  // written at init into each disk (PRNG data)
  uint64_t seed = 1;
  std::string user = "root";
  std::string password = "password";
  uint64_t sr_size = 2040ull << 30;  // XAPI's max_vhd_size, the VDI limit
};

class state {
 public:
  // Creates a new pool in `dir` (which must not hold a db.json yet).
  static tapeline::result<std::unique_ptr<state>> create(const std::string& dir,
                                                         const init_options& o);
  static tapeline::result<std::unique_ptr<state>> open(const std::string& dir);

  std::mutex mu;
  json db = json::object();  // class -> ref -> record
  layer_set layers;
  std::map<std::string, std::string> vdi_leaf;  // VDI ref -> layer id
  std::string user, password;
  uint64_t vdi_limit = 0;  // VDI.resize / import beyond this: VDI_TOO_LARGE

  const std::string& dir() const { return dir_; }
  const layer_files& files() const { return files_; }

  // REQUIRES: mu held.
  tapeline::status save();
  // The record, or nullptr. REQUIRES: mu held.
  json* find(const std::string& cls, const std::string& ref);
  json& table(const std::string& cls) { return db[cls]; }

 private:
  explicit state(std::string dir)
      : dir_(std::move(dir)), files_(dir_ + "/layers") {}
  std::string dir_;
  layer_files files_;
};

std::string new_uuid();
std::string new_ref();  // "OpaqueRef:<uuid>"
constexpr const char* null_ref = "OpaqueRef:NULL";
// XAPI's datetime spelling: "20261129T22:15:00Z".
std::string xapi_time_now();

}  // namespace xapi_sim
