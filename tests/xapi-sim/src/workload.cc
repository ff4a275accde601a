#include "workload.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "keystream.h"
#include "model.h"
#include "prng.h"

namespace xapi_sim {

using tapeline::code;
using tapeline::make_error;
using tapeline::status;

namespace {

// Writes keystream bytes of (seed, stream) over [off, off + n) of the
// leaf's file.
status write_random(int fd, const std::string& path, uint64_t seed,
                    uint64_t stream, char* buf, uint64_t off, size_t n) {
  keystream(seed, stream, buf, n);
  size_t done = 0;
  while (done < n) {
    ssize_t w =
        ::pwrite(fd, buf + done, n - done, static_cast<off_t>(off + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      return make_error(code::io_error,
                        "cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(w);
  }
  return status::ok_status();
}

struct leaf_file {
  std::string leaf, path;
  int fd = -1;
  ~leaf_file() {
    if (fd >= 0) ::close(fd);
  }
};

status open_leaf(state& st, const std::string& vdi, leaf_file* lf) {
  auto leaf = writable_leaf(st, vdi);
  if (!leaf.ok()) return leaf.error();
  lf->leaf = *leaf;
  lf->path = st.files().path(lf->leaf);
  lf->fd = ::open(lf->path.c_str(), O_WRONLY | O_CLOEXEC);
  if (lf->fd < 0)
    return make_error(code::io_error,
                      "cannot open " + lf->path + ": " + std::strerror(errno));
  return status::ok_status();
}

}  // namespace

status fill_vdi(state& st, const std::string& vdi, uint64_t bytes,
                uint64_t seed) {
  const uint64_t size = st.find("VDI", vdi)->at("virtual_size");
  bytes = std::min(bytes, size);
  const uint32_t whole = bytes == size
                             ? block_count(size)
                             : static_cast<uint32_t>(bytes / block_size);
  auto leaf = writable_leaf(st, vdi);
  if (!leaf.ok()) return leaf.error();
  // The whole blocks become a generated layer under a new file leaf; an
  // empty leaf only this VDI uses is dropped first, so chains stay short.
  std::string below = *leaf;
  std::vector<std::string> leaves;
  for (const auto& [_, id] : st.vdi_leaf) leaves.push_back(id);
  if (st.layers.get(below).allocated() == 0 &&
      st.layers.references(below, leaves) <= 1) {
    const std::string gone = below;
    below = st.layers.get(gone).parent;
    st.layers.erase(gone);
    st.files().remove(gone);
  }
  if (whole > 0) {
    const std::string gen = new_uuid();
    st.layers.add_generated(gen, below, size, seed, whole);
    below = gen;
  }
  const std::string top = new_uuid();
  TL_RETURN_IF_ERROR(st.files().create(top, size));
  st.layers.add(top, below, size);
  st.vdi_leaf[vdi] = top;
  const uint64_t tail = uint64_t{whole} * block_size;
  if (bytes > tail) {  // a partial block: real bytes in the file leaf
    leaf_file lf;
    TL_RETURN_IF_ERROR(open_leaf(st, vdi, &lf));
    std::unique_ptr<char[]> buf(new char[block_size]);
    TL_RETURN_IF_ERROR(prepare_block(st, vdi, lf.leaf, whole, true));
    TL_RETURN_IF_ERROR(write_random(lf.fd, lf.path, seed, whole, buf.get(),
                                    tail, static_cast<size_t>(bytes - tail)));
  }
  refresh_utilisation(st);
  return st.save();
}

tapeline::result<std::vector<uint32_t>> write_blocks(state& st,
                                                     const std::string& vdi,
                                                     uint32_t count,
                                                     uint64_t seed) {
  const uint64_t size = st.find("VDI", vdi)->at("virtual_size");
  const uint32_t n = block_count(size);
  prng rng(seed);
  std::set<uint32_t> chosen;
  if (count >= n) {
    for (uint32_t b = 0; b < n; ++b) chosen.insert(b);
  } else {
    while (chosen.size() < count)
      chosen.insert(static_cast<uint32_t>(rng.below(n)));
  }
  leaf_file lf;
  TL_RETURN_IF_ERROR(open_leaf(st, vdi, &lf));
  std::unique_ptr<char[]> buf(new char[block_size]);
  for (uint32_t b : chosen) {
    const uint64_t off = uint64_t{b} * block_size;
    const size_t len = static_cast<size_t>(std::min(block_size, size - off));
    TL_RETURN_IF_ERROR(prepare_block(st, vdi, lf.leaf, b, false));
    TL_RETURN_IF_ERROR(
        write_random(lf.fd, lf.path, rng.next(), b, buf.get(), off, len));
  }
  refresh_utilisation(st);
  TL_RETURN_IF_ERROR(st.save());
  return std::vector<uint32_t>(chosen.begin(), chosen.end());
}

}  // namespace xapi_sim
