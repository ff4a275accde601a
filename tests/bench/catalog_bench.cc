// Catalog benchmark: builds a catalog of about 1,000,000 objects (2 disks x
// N VMs x 365 nights; a weekly full and daily deltas per disk; one object
// per night spanning two tapes) through catalog::ingest (one transaction
// per week of nights, prepared statements), then times find() for random VMs,
// disks and times. Prints key=value lines; find_ms is the median (target < 10).
//
//   catalog_bench [--vms 1370] [--nights 365] [--queries 1000] [--db PATH]
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tapeline/catalog/catalog.h"
#include "tapeline/common/checksum.h"

using namespace tapeline::catalog;

namespace {

constexpr int64_t day = 86400;
constexpr int64_t epoch = 1767225600;  // 2026-01-01
constexpr uint64_t size = 1 << 30;

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

std::string object_id(int vm, int disk, int night) {
  return "vm" + std::to_string(vm) + "-d" + std::to_string(disk) + "-n" +
         std::to_string(night);
}

// One night: every disk of every VM, on two tapes; the object at the
// boundary spans them.
std::vector<tape_contents> night_of(int night, int vms) {
  std::vector<tape_contents> tapes(2);
  for (int i = 0; i < 2; ++i) {
    tape& t = tapes[i].label;
    t.barcode = "N" + std::to_string(night) + (i ? "B" : "A");
    t.pool = "vdi";
    t.media_type = "LTO-5";
    t.state = tape_state::full;
    t.record_size = 262144;
    t.labelled_at = epoch + night * day;
  }
  int total = 2 * vms, n = 0;
  uint32_t file[2] = {1, 1};
  for (int vm = 0; vm < vms; ++vm) {
    for (int disk = 0; disk < 2; ++disk, ++n) {
      object o;
      o.id = object_id(vm, disk, night);
      bool full = night == 0 || night % 7 == vm % 7;
      o.kind = full ? "vdi_full" : "vdi_delta";
      o.delta = !full;
      if (!full) o.parent_id = object_id(vm, disk, night - 1);
      o.vm_name = "vm-" + std::to_string(vm);
      o.vm_uuid = tapeline::sha256_hex(o.vm_name.data(), o.vm_name.size())
                      .substr(0, 36);
      o.vdi_uuid = o.vm_uuid.substr(0, 30) + "-" + std::to_string(disk);
      o.disk = disk;
      o.payload_format = "vhd";
      o.expected_size = size;
      o.created_at = epoch + night * day + n;
      o.payload_bytes = size;
      o.sha256 = tapeline::sha256_hex(o.id.data(), o.id.size());
      int on = n < total / 2 ? 0 : 1;
      if (n == total / 2 - 1) {  // spans A -> B
        tapes[0].extents.push_back(
            {o.id, "", file[0]++, 0, 0, size / 2, 0, 4096, true, true});
        tapes[1].extents.push_back(
            {o.id, "", file[1]++, 1, size / 2, size / 2, 0, 4096, false, true});
        tapes[1].objects.push_back(o);
        o.payload_bytes.reset();
        o.sha256.clear();
      } else {
        tapes[on].extents.push_back(
            {o.id, "", file[on]++, 0, 0, size, 0, 4096, false, true});
      }
      tapes[on].objects.push_back(std::move(o));
    }
  }
  return tapes;
}

}  // namespace

int main(int argc, char** argv) {
  int vms = 1370, nights = 365, queries = 1000;
  std::string db;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--vms") vms = atoi(argv[i + 1]);
    if (a == "--nights") nights = atoi(argv[i + 1]);
    if (a == "--queries") queries = atoi(argv[i + 1]);
    if (a == "--db") db = argv[i + 1];
  }
  std::string dir;
  if (db.empty()) {
    char t[] = "/tmp/tapeline-catalog-bench-XXXXXX";
    if (!mkdtemp(t)) return 1;
    dir = t;
    db = dir + "/catalog.db";
  }
  auto c = open(db);
  if (!c.ok()) {
    fprintf(stderr, "%s\n", c.error().to_string().c_str());
    return 1;
  }
  catalog& cat = **c;
  auto t0 = std::chrono::steady_clock::now();
  // A week of nights per transaction.
  for (int first = 0; first < nights; first += 7) {
    std::vector<tape_contents> week;
    for (int night = first; night < std::min(first + 7, nights); ++night)
      for (auto& t : night_of(night, vms)) week.push_back(std::move(t));
    auto st = cat.ingest(week, epoch + nights * day);
    if (!st.ok()) {
      fprintf(stderr, "week of night %d: %s\n", first, st.to_string().c_str());
      return 1;
    }
  }
  double build_ms = ms_since(t0);
  // The oldest nights' tapes went off site.
  for (int night = 0; night + 30 < nights; ++night)
    for (const char* s : {"A", "B"})
      (void)cat.move_tape("N" + std::to_string(night) + s, tape_state::offsite,
                          "vault", "bench", epoch + nights * day);

  std::mt19937_64 rng(42);
  std::vector<double> times;
  size_t steps = 0, offsite = 0;
  for (int q = 0; q < queries; ++q) {
    int vm = rng() % vms;
    find_query fq;
    fq.vm = "vm-" + std::to_string(vm);
    if (q % 2)  // by uuid half of the time
      fq.vm = tapeline::sha256_hex(fq.vm.data(), fq.vm.size()).substr(0, 36);
    fq.disk = rng() % 2;
    fq.at = epoch + int64_t(rng() % nights) * day + int64_t(rng() % day);
    auto t1 = std::chrono::steady_clock::now();
    auto r = cat.find(fq);
    times.push_back(ms_since(t1));
    if (!r.ok()) {
      fprintf(stderr, "find %s: %s\n", fq.vm.c_str(),
              r.error().to_string().c_str());
      return 1;
    }
    steps += r->front().steps.size();
    offsite += !r->front().offsite_tapes.empty();
  }
  std::sort(times.begin(), times.end());
  struct stat sb {};
  stat(db.c_str(), &sb);
  printf("objects=%llu\n", (unsigned long long)2 * vms * nights);
  printf("tapes=%d\n", 2 * nights);
  printf("build_s=%.1f\n", build_ms / 1000);
  printf("objects_per_s=%.0f\n", 2.0 * vms * nights / (build_ms / 1000));
  printf("db_mb=%.0f\n", sb.st_size / 1048576.0);
  printf("queries=%d\n", queries);
  printf("chain_steps_avg=%.2f\n", double(steps) / queries);
  printf("chains_with_offsite=%zu\n", offsite);
  printf("find_ms=%.3f\n", times[times.size() / 2]);
  printf("find_p99_ms=%.3f\n", times[times.size() * 99 / 100]);
  printf("find_max_ms=%.3f\n", times.back());
  c->reset();
  if (!dir.empty()) (void)system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
