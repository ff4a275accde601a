#include "tapeline/vhd/merge_files.h"

#include <unistd.h>

#include <memory>

#include "tapeline/vhd/chain.h"
#include "tapeline/vhd/file_io.h"
#include "tapeline/vhd/image.h"

namespace tapeline::vhd {

result<uint64_t> merge_files(const std::vector<std::string>& layers,
                             bool raw_base, merged_format format,
                             const std::string& out) {
  if (layers.empty())
    return make_error(code::invalid_argument, "no layers to merge");
  std::vector<std::unique_ptr<file_source>> sources;
  std::vector<std::unique_ptr<image>> images;
  chain c;
  for (size_t i = 0; i < layers.size(); ++i) {
    auto s = file_source::open(layers[i]);
    if (!s) return s.error();
    sources.push_back(std::move(*s));
    if (i == 0 && raw_base) {
      c.raw_base = sources.back().get();
      continue;
    }
    auto img = image::open(sources.back().get());
    if (!img) return img.error().with_context(layers[i]);
    images.push_back(std::make_unique<image>(std::move(*img)));
    if (i == 0)
      c.vhd_base = images.back().get();
    else
      c.deltas.push_back(images.back().get());
  }
  TL_RETURN_IF_ERROR(check_chain(c));
  auto sink = file_sink::create(out);
  if (!sink) return sink.error();
  status st = format == merged_format::raw ? merge_to_raw(c, sink->get())
                                           : merge_to_vhd(c, {}, sink->get());
  if (st) st = (*sink)->close();
  if (!st) {
    if (out != "-") ::unlink(out.c_str());
    return st.with_context("merging the chain into " + out);
  }
  return chain_size(c);
}

}  // namespace tapeline::vhd
