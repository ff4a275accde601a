#include "tapeline/hv_agent/sources.h"

#include <cstring>

#include "tapeline/common/clock.h"
#include "tapeline/common/log.h"
#include "tapeline/tapefmt/pax.h"
#include "tapeline/xapi/http_reader.h"
#include "tapeline/xapi/metadata.h"
#include "tapeline/xapi/vms.h"

namespace tapeline::hv_agent {
namespace {

// The pool database dump can be large, but not unbounded.
constexpr uint64_t max_metadata_bytes = 1ull << 30;

class memory_source final : public stream::byte_source {
 public:
  explicit memory_source(std::string data) : data_(std::move(data)) {}
  result<size_t> read(char* buf, size_t cap) override {
    size_t n = std::min(cap, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

void add_member(const std::string& name, const std::string& data, int64_t now,
                std::string* tar) {
  tapefmt::encode_member_header(name, data.size(), now, tar);
  tar->append(data);
  tar->append(tapefmt::block_padding(data.size()), '\0');
}

// A file name part from a VM name: no '/', no leading dot.
std::string safe_name(const std::string& s) {
  std::string out;
  for (char ch : s) out += (ch == '/' || ch == '\0') ? '_' : ch;
  if (out.empty() || out[0] == '.') out = "_" + out;
  return out;
}

result<std::string> pool_metadata_tar(xapi::client& c, int64_t now) {
  auto r = xapi::open_xmldbdump(c);
  if (!r) return r.error();
  std::string xml, buf(1 << 20, '\0');
  for (;;) {
    auto n = (*r)->read(buf.data(), buf.size());
    if (!n) return n.error().with_context("pool database dump");
    if (*n == 0) break;
    xml.append(buf.data(), *n);
    if (xml.size() > max_metadata_bytes)
      return make_error(code::invalid_argument,
                        "the pool database dump exceeds 1 GiB; refusing to "
                        "hold it in memory");
  }
  std::string tar;
  add_member("pool/xmldbdump.xml", xml, now, &tar);
  auto vms = xapi::list_vms(c);
  if (!vms) return vms.error();
  for (auto& vm : *vms) {
    auto j = xapi::vm_metadata_json(c, vm.ref);
    if (!j) return j.error();
    add_member("vms/" + safe_name(vm.name_label) + "-" + vm.uuid + ".json",
               j->dump(2) + "\n", now, &tar);
  }
  tapefmt::encode_end_of_archive(&tar);
  log::get("hv.metadata")
      ->info("pool metadata: database dump of {} bytes and {} VMs", xml.size(),
             vms->size());
  return tar;
}

// The file set, with its report saved at the end.
class file_set_source final : public stream::byte_source {
 public:
  file_set_source(std::unique_ptr<fileset::source> s,
                  std::shared_ptr<std::string> report)
      : src_(std::move(s)), report_(std::move(report)) {}
  ~file_set_source() override {
    if (report_ && report_->empty())
      *report_ = fileset::to_json(src_->progress());
  }
  result<size_t> read(char* buf, size_t cap) override {
    auto n = src_->read(buf, cap);
    if (n && *n == 0 && report_) *report_ = fileset::to_json(src_->progress());
    return n;
  }

 private:
  std::unique_ptr<fileset::source> src_;
  std::shared_ptr<std::string> report_;
};

}  // namespace

export_task pool_metadata_task(const client_factory& make_client,
                               const drive_target& target,
                               const stream_settings& settings,
                               const std::string& host_name, int64_t now) {
  export_task t;
  t.what = "pool metadata";
  t.target = target;
  t.settings = settings;
  auto& m = t.manifest;
  m.set_object_id(random_hex(16));
  m.set_kind(v1::POOL_METADATA);
  m.set_name("pool-metadata.tar");
  m.set_payload_format("tar");
  m.set_expected_size(-1);
  m.set_created_unix(now);
  (*m.mutable_labels())["host"] = host_name;
  t.open = [make_client,
            now]() -> result<std::unique_ptr<stream::byte_source>> {
    auto c = make_client();
    if (!c) return c.error();
    auto tar = pool_metadata_tar(**c, now);
    if (!tar) return tar.error();
    return std::unique_ptr<stream::byte_source>(
        std::make_unique<memory_source>(std::move(*tar)));
  };
  return t;
}

export_task file_set_task(const fileset::options& opts, const std::string& name,
                          const drive_target& target,
                          const stream_settings& settings,
                          const std::string& host_name, int64_t now,
                          std::shared_ptr<std::string> report_json) {
  export_task t;
  t.what = "file set " + name;
  t.target = target;
  t.settings = settings;
  auto& m = t.manifest;
  m.set_object_id(random_hex(16));
  m.set_kind(v1::FILE_SET);
  m.set_name(name + (opts.compress ? ".tar.zst" : ".tar"));
  m.set_payload_format(opts.compress ? "tar.zst" : "tar");
  m.set_expected_size(-1);
  m.set_created_unix(now);
  auto& l = *m.mutable_labels();
  l["host"] = host_name;
  std::string roots;
  for (auto& r : opts.roots) roots += (roots.empty() ? "" : " ") + r.path;
  l["roots"] = roots;
  t.open = [opts,
            report_json]() -> result<std::unique_ptr<stream::byte_source>> {
    auto s = fileset::source::open(opts);
    if (!s) return s.error();
    return std::unique_ptr<stream::byte_source>(
        std::make_unique<file_set_source>(std::move(*s), report_json));
  };
  return t;
}

}  // namespace tapeline::hv_agent
