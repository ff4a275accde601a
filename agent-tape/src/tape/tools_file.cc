// docs/tape-format.md §2 (the tools file) and §3 (members).
#include "tapeline/tape/tools_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "tapeline/tapefmt/layout.h"
#include "tapeline/tapefmt/pax.h"

namespace tapeline::tape {

namespace fmt = tapeline::tapefmt;

const std::string& tools_readme() {
  static const std::string text = R"(Tapeline recovery tools
=======================

This is tape file 1 of a Tapeline tape. It holds tapeline-extract, a
static Linux x86-64 program that needs no Tapeline installation, database or
network, and this file. The full manual is docs/disaster-recovery.md in the
Tapeline sources.

Tape layout: file 0 label (TAPELINE.LABEL, JSON, gives record_size),
file 1 these tools, then one tar archive per backup object, and after each
night a catalog (TAPELINE.CATALOG) listing every object with its file number.
Every file is a pax tar archive. Use the non-rewinding device, and a tar
blocking factor of record_size / 512 (-b 512 for 256 KiB; -b 2048 reads
every Tapeline tape).

  mt -f /dev/nst0 setblk 0
  mt -f /dev/nst0 rewind
  tar -xO -b 2048 -f /dev/nst0 TAPELINE.LABEL     # label: record_size
  mt -f /dev/nst0 asf 1
  tar -x -b 2048 -f /dev/nst0                     # tapeline-extract, README.txt
  mt -f /dev/nst0 asf N                           # tape file N
  dd if=/dev/nst0 bs=1M of=fN.tar                 # save it to disk

  ./tapeline-extract list f*.tar                  # what each file holds
  ./tapeline-extract verify f*.tar                # SHA-256 against the trailer
  ./tapeline-extract extract fN.tar -o payload    # one object (parts in order
                                                  # when it spans tapes)
  ./tapeline-extract restore-chain -o disk.raw FULL.tar DELTA1.tar ...

A file set's payload is a zstd-compressed tar: zstd -dc X.tar.zst | tar -x.
)";
  return text;
}

namespace {

void add_member(const std::string& name, uint32_t mode, const std::string& data,
                int64_t mtime, std::string* out) {
  fmt::member_header h;
  h.name = name;
  h.mode = mode;
  h.size = data.size();
  h.mtime_sec = mtime;
  fmt::encode_header(h, out);
  *out += data;
  out->append(fmt::block_padding(data.size()), '\0');
}

}  // namespace

result<std::string> encode_tools_file(const std::string& binary_path,
                                      int64_t mtime, uint32_t record_size) {
  const std::string fix =
      "; install tapeline-extract there, or set extract_binary in the tape "
      "agent's configuration (\"\" labels tapes without the tools file)";
  std::ifstream in(binary_path, std::ios::binary);
  if (!in.is_open())
    return make_error(code::not_found, "cannot open the tools binary " +
                                           binary_path + ": " +
                                           std::strerror(errno) + fix);
  std::string binary((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
  if (in.bad())
    return make_error(code::io_error,
                      "cannot read the tools binary " + binary_path + fix);
  if (binary.empty())
    return make_error(code::invalid_argument,
                      "the tools binary " + binary_path + " is empty" + fix);
  std::string file;
  file.reserve(binary.size() + 8 * fmt::block_size + record_size);
  add_member(fmt::tools_member, 0755, binary, mtime, &file);
  add_member(fmt::tools_readme_member, 0644, tools_readme(), mtime, &file);
  fmt::encode_end_of_archive(&file);
  file.append((record_size - file.size() % record_size) % record_size, '\0');
  return file;
}

}  // namespace tapeline::tape
