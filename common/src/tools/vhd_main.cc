// tapeline-vhd: inspect VHD files and merge a backup chain (a full and its
// deltas, as restored from tape) into a raw disk or one dynamic VHD.
// docs/vhd.md §7 says how the merge works; docs/disaster-recovery.md when
// to use it.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "tapeline/common/units.h"
#include "tapeline/vhd/chain.h"
#include "tapeline/vhd/file_io.h"
#include "tapeline/vhd/image.h"
#include "tapeline/vhd/merge_files.h"

namespace {

using namespace tapeline;

int fail(const status& st) {
  std::cerr << "tapeline-vhd: " << st.message() << "\n";
  return 1;
}

struct opened {
  std::unique_ptr<vhd::file_source> src;
  std::unique_ptr<vhd::image> img;
};

result<opened> open_vhd(const std::string& path) {
  opened o;
  auto s = vhd::file_source::open(path);
  if (!s) return s.error();
  o.src = std::move(*s);
  auto i = vhd::image::open(o.src.get());
  if (!i) return i.error();
  o.img = std::make_unique<vhd::image>(std::move(*i));
  return o;
}

int cmd_info(const std::vector<std::string>& files, bool json_out) {
  nlohmann::json all = nlohmann::json::array();
  for (auto& f : files) {
    auto o = open_vhd(f);
    if (!o) return fail(o.error());
    auto& img = *o->img;
    uint32_t allocated = 0;
    for (uint32_t i = 0; i < img.block_count(); ++i)
      allocated += img.has_block(i);
    nlohmann::json j = {{"file", f},
                        {"type", vhd::to_string(img.footer().type)},
                        {"virtual_size", img.footer().current_size},
                        {"block_size", img.header().block_size},
                        {"blocks", img.block_count()},
                        {"allocated_blocks", allocated},
                        {"unique_id", vhd::to_string(img.footer().unique_id)}};
    if (img.footer().type == vhd::disk_type::differencing)
      j["parent_id"] = vhd::to_string(img.header().parent_id);
    if (json_out) {
      all.push_back(j);
      continue;
    }
    std::cout << f << ": " << j["type"].get<std::string>() << " VHD, "
              << format_bytes(img.footer().current_size) << ", " << allocated
              << " of " << img.block_count() << " blocks of "
              << format_bytes(img.header().block_size) << " allocated, id "
              << j["unique_id"].get<std::string>();
    if (j.contains("parent_id"))
      std::cout << ", parent " << j["parent_id"].get<std::string>();
    std::cout << "\n";
  }
  if (json_out) std::cout << all.dump(2) << "\n";
  return 0;
}

int cmd_merge(const std::string& base, const std::vector<std::string>& deltas,
              bool raw_base, const std::string& format,
              const std::string& out) {
  std::vector<std::string> layers{base};
  layers.insert(layers.end(), deltas.begin(), deltas.end());
  auto size = vhd::merge_files(
      layers, raw_base,
      format == "raw" ? vhd::merged_format::raw : vhd::merged_format::vhd, out);
  if (!size) return fail(size.error());
  if (out != "-")
    std::cerr << "tapeline-vhd: " << out << ": " << format << " disk of "
              << format_bytes(*size) << " from " << 1 + deltas.size()
              << " layer(s)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-vhd: inspect VHD files and merge a restored backup chain.\n\n"
      "Examples:\n"
      "  tapeline-vhd info full.vhd delta1.vhd\n"
      "  tapeline-vhd merge -o disk.raw full.vhd delta1.vhd delta2.vhd\n"
      "  tapeline-vhd merge --format vhd -o disk.vhd full.vhd delta1.vhd\n"
      "  tapeline-vhd merge --raw-base -o disk.raw full.raw delta1.vhd"};
  app.require_subcommand(1);
  std::vector<std::string> files;
  bool json_out = false;
  auto* info = app.add_subcommand("info", "Describe VHD files.");
  info->add_option("files", files, "VHD files")->required();
  info->add_flag("--json", json_out, "print JSON");

  std::vector<std::string> chain;
  std::string out, format = "raw";
  bool raw_base = false;
  auto* merge = app.add_subcommand(
      "merge",
      "Merge a full and its deltas (oldest first) into one disk. Each delta's "
      "sectors replace the layer below where its bitmap says so.");
  merge->add_option("chain", chain, "the full, then the deltas, oldest first")
      ->required();
  merge->add_option("-o,--out", out, "output file, or - for stdout")
      ->required();
  merge->add_option("--format", format, "raw or vhd (dynamic)")
      ->check(CLI::IsMember({"raw", "vhd"}))
      ->capture_default_str();
  merge->add_flag("--raw-base", raw_base,
                  "the full is a raw image (an export with format=raw)");
  CLI11_PARSE(app, argc, argv);
  if (*info) return cmd_info(files, json_out);
  std::vector<std::string> deltas(chain.begin() + 1, chain.end());
  return cmd_merge(chain[0], deltas, raw_base, format, out);
}
