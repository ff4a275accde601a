// The XAPI client against xapi-sim (docs/xapi.md): one simulator for the
// suite, over HTTPS (verified against its self-signed certificate), its
// pool-member listener, and its Unix socket. Oracles: the sim's own
// read-back (xapi-sim ctl sha256), sha256sum, and qemu-img for VHD exports.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include "tapeline/common/checksum.h"
#include "tapeline/testing/support.h"
#include "tapeline/xapi/client.h"
#include "tapeline/xapi/http_reader.h"
#include "tapeline/xapi/import.h"
#include "tapeline/xapi/metadata.h"
#include "tapeline/xapi/vms.h"

namespace tapeline::xapi {
namespace {

using nlohmann::json;
using tapeline::testing::run;

std::string bin() {
  const char* b = std::getenv("TAPELINE_BIN");
  return b ? b : TAPELINE_BINARY_DIR "/bin";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

class xapi_sim_test : public ::testing::Test {
 protected:
  static inline std::string dir, sock, cert;
  static inline int https_port = 0, member_port = 0;
  static inline pid_t sim = -1;

  static void SetUpTestSuite() {
    char t[] = "/tmp/tapeline-xapi-XXXXXX";
    ASSERT_NE(mkdtemp(t), nullptr);
    dir = t;
    sock = dir + "/xapi.sock";
    cert = dir + "/cert.pem";
    std::string out;
    ASSERT_EQ(run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
                  "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                      dir + "/key.pem -out " + cert,
                  &out),
              0)
        << out;
    ASSERT_EQ(run(bin() + "/xapi-sim init --state " + dir +
                      "/state --vms 2 --disks-per-vm 2 --disk-size 16M "
                      "--fill 6M --seed 7 --user root --password pw",
                  &out),
              0)
        << out;
    std::string ready = dir + "/ready";
    ASSERT_EQ(mkfifo(ready.c_str(), 0600), 0);
    sim = fork();
    if (sim == 0) {
      int log = ::open((dir + "/sim.log").c_str(), O_WRONLY | O_CREAT, 0644);
      dup2(log, 1);
      dup2(log, 2);
      std::string exe = bin() + "/xapi-sim";
      execl(exe.c_str(), "xapi-sim", "serve", "--state",
            (dir + "/state").c_str(), "--https", "127.0.0.1:0", "--cert",
            cert.c_str(), "--key", (dir + "/key.pem").c_str(), "--unix",
            sock.c_str(), "--slave-https", "127.0.0.1:0", "--ready-file",
            ready.c_str(), (char*)nullptr);
      _exit(127);
    }
    // Blocks until the sim has bound its listeners and writes the ports
    // (or exits, closing nothing: then the read below gets EOF).
    std::ifstream in(ready);
    in >> https_port >> member_port;
    ASSERT_GT(https_port, 0) << run("cat " + dir + "/sim.log", &out) << out;
  }

  static void TearDownTestSuite() {
    if (sim > 0) {
      kill(sim, SIGTERM);
      waitpid(sim, nullptr, 0);
    }
    run("rm -rf '" + dir + "'");
  }

  static std::string ctl(const std::string& args) {
    std::string out;
    int rc = run(bin() + "/xapi-sim ctl --unix " + sock + " " + args + " 2>&1",
                 &out);
    EXPECT_EQ(rc, 0) << args << ": " << out;
    return trim(out);
  }

  static endpoint https(int port) {
    endpoint ep;
    ep.host = "127.0.0.1";
    ep.port = port;
    ep.cafile = cert;
    return ep;
  }
  static endpoint local() { return *parse_endpoint("unix://" + sock); }
  static credentials root() { return {"root", "pw"}; }

  // The first disk of the first VM.
  static disk_info first_disk(client& c) {
    auto vms = list_vms(c);
    EXPECT_TRUE(vms.ok() && !vms->empty());
    auto disks = vm_disks(c, vms->front().ref, "VM " + vms->front().name_label);
    EXPECT_TRUE(disks.ok() && !disks->empty());
    return disks->front();
  }

  // Reads a whole export through `cap`-byte reads into a SHA-256.
  static result<std::string> drain(http_reader& r, size_t cap, uint64_t* bytes,
                                   const std::string& file = {}) {
    std::vector<char> buf(cap);
    sha256 sum;
    std::ofstream out;
    if (!file.empty()) out.open(file, std::ios::binary);
    for (;;) {
      auto n = r.read(buf.data(), buf.size());
      if (!n) return n.error();
      if (*n == 0) break;
      sum.update(buf.data(), *n);
      if (out.is_open()) out.write(buf.data(), *n);
    }
    *bytes = r.bytes_read();
    return sum.hex_digest();
  }
};

TEST_F(xapi_sim_test, LoginLogoutOverHttpsAndUnixSocket) {
  for (endpoint ep : {https(https_port), local()}) {
    client c(ep, root());
    ASSERT_TRUE(c.login().ok()) << ep.to_string();
    EXPECT_TRUE(c.logged_in());
    auto ref = c.session_ref();
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(ref->rfind("OpaqueRef:", 0), 0u);
    ASSERT_TRUE(c.logout().ok());
    EXPECT_FALSE(c.logged_in());
  }
}

TEST_F(xapi_sim_test, WrongPasswordIsRefusedWithoutShowingIt) {
  client c(https(https_port), {"root", "not-the-password"});
  status st = c.login();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), code::permission_denied);
  EXPECT_EQ(xapi_code(st), "SESSION_AUTHENTICATION_FAILED") << st.message();
  EXPECT_EQ(st.message().find("not-the-password"), std::string::npos);
  EXPECT_NE(st.message().find("credentials file"), std::string::npos);
}

TEST_F(xapi_sim_test, UntrustedCertificateIsRefusedUnlessInsecure) {
  endpoint ep = https(https_port);
  ep.cafile = "/etc/ssl/certs/ca-certificates.crt";
  client strict(ep, root());
  status st = strict.login();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("insecure"), std::string::npos) << st.message();
  ep.insecure = true;
  client lax(ep, root());
  EXPECT_TRUE(lax.login().ok());
}

TEST_F(xapi_sim_test, LogsInAgainAfterSessionInvalid) {
  client c(local(), root());
  ASSERT_TRUE(c.login().ok());
  std::string before = *c.session_ref();
  ctl("expire-sessions");
  auto vms = list_vms(c);
  ASSERT_TRUE(vms.ok()) << vms.error().message();
  EXPECT_EQ(vms->size(), 2u);
  EXPECT_NE(*c.session_ref(), before);
}

TEST_F(xapi_sim_test, FollowsHostIsSlaveToTheMaster) {
  client c(https(member_port), root());
  ASSERT_TRUE(c.login().ok());
  EXPECT_EQ(c.current_endpoint().port, https_port);
  EXPECT_EQ(c.current_endpoint().cafile, cert);
  EXPECT_TRUE(list_vms(c).ok());
}

TEST_F(xapi_sim_test, HandleInvalidNamesTheObject) {
  client c(local(), root());
  auto r =
      c.call("VDI.get_record",
             json::array({"OpaqueRef:00000000-dead-beef-0000-000000000000"}),
             "disk 1 of VM web01");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(xapi_code(r.error()), "HANDLE_INVALID");
  EXPECT_EQ(r.error().error_code(), code::not_found);
  EXPECT_EQ(r.error().message().rfind(
                "XAPI HANDLE_INVALID: VDI OpaqueRef:00000000… (disk 1 of VM "
                "web01)",
                0),
            0u)
      << r.error().message();
}

TEST_F(xapi_sim_test, ListAndFindVmsSkipDom0AndTemplates) {
  client c(local(), root());
  auto vms = list_vms(c);
  ASSERT_TRUE(vms.ok()) << vms.error().message();
  ASSERT_EQ(vms->size(), 2u);
  auto by_name = find_vm(c, vms->back().name_label);
  ASSERT_TRUE(by_name.ok()) << by_name.error().message();
  EXPECT_EQ(by_name->ref, vms->back().ref);
  auto by_uuid = find_vm(c, vms->back().uuid);
  ASSERT_TRUE(by_uuid.ok());
  EXPECT_EQ(by_uuid->ref, vms->back().ref);
  auto none = find_vm(c, "no-such-vm");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().error_code(), code::not_found);
  auto disks = vm_disks(c, vms->front().ref, "VM x");
  ASSERT_TRUE(disks.ok());
  ASSERT_EQ(disks->size(), 2u);
  EXPECT_EQ((*disks)[0].userdevice, "0");
  EXPECT_EQ((*disks)[0].virtual_size, 16u << 20);
}

TEST_F(xapi_sim_test, SnapshotTagListDestroyLeavesNoVdiBehind) {
  client c(local(), root());
  auto vdis_before = c.call("VDI.get_all");
  ASSERT_TRUE(vdis_before.ok());
  auto vm = list_vms(c)->front();
  auto snap = snapshot_vm(c, vm.ref, "tapeline test",
                          {"tapeline.snapshot", "job-42", 1700000000},
                          "VM " + vm.name_label);
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  auto rec = get_vm(c, *snap);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->other_config["tapeline.snapshot"], "job-42");
  EXPECT_EQ(*c.call("VM.get_is_a_template", json::array({*snap})), false);
  auto tagged = list_tagged_snapshots(c, "tapeline.snapshot");
  ASSERT_TRUE(tagged.ok()) << tagged.error().message();
  ASSERT_EQ(tagged->size(), 1u);
  EXPECT_EQ(tagged->front().snapshot.ref, *snap);
  EXPECT_EQ(tagged->front().tag_value, "job-42");
  EXPECT_EQ(tagged->front().created, 1700000000);
  EXPECT_FALSE(tagged->front().snapshot.snapshot_time.empty());
  EXPECT_EQ(tagged->front().snapshot.snapshot_of, vm.ref);
  auto disks = vm_disks(c, *snap, "snapshot");
  ASSERT_TRUE(disks.ok());
  ASSERT_EQ(disks->size(), 2u);
  EXPECT_GT(c.call("VDI.get_all")->size(), vdis_before->size());

  ASSERT_TRUE(destroy_snapshot(c, *snap, "snapshot of " + vm.name_label).ok());
  for (const auto& d : *disks)
    EXPECT_EQ(xapi_code(c.call("VDI.get_record", json::array({d.vdi})).error()),
              "HANDLE_INVALID");
  EXPECT_EQ(xapi_code(c.call("VM.get_record", json::array({*snap})).error()),
            "HANDLE_INVALID");
  EXPECT_EQ(c.call("VDI.get_all")->size(), vdis_before->size());
  EXPECT_TRUE(list_tagged_snapshots(c, "tapeline.snapshot")->empty());
  // Destroying again: everything is gone already, which is success.
  EXPECT_TRUE(destroy_snapshot(c, *snap, "snapshot").ok());
}

TEST_F(xapi_sim_test, RawExportMatchesTheSimOverUnixAndHttps) {
  for (endpoint ep : {local(), https(https_port)}) {
    client c(ep, root());
    disk_info d = first_disk(c);
    auto r = open_export(c, {d.vdi,
                             vdi_format::raw,
                             {},
                             {},
                             "disk 0",
                             std::chrono::milliseconds(10000)});
    ASSERT_TRUE(r.ok()) << r.error().message();
    uint64_t bytes = 0;
    auto sum = drain(**r, 1000003, &bytes);  // odd size: splits callbacks
    ASSERT_TRUE(sum.ok()) << sum.error().message();
    EXPECT_EQ(bytes, d.virtual_size);
    EXPECT_EQ(*sum, ctl("sha256 --vdi " + d.vdi));
    EXPECT_EQ((*r)->final_task().status, "success");
  }
}

TEST_F(xapi_sim_test, VhdExportConvertsBackToTheSameDisk) {
  client c(local(), root());
  disk_info d = first_disk(c);
  auto r = open_export(c, {d.vdi_uuid,
                           vdi_format::vhd,
                           {},
                           {},
                           "disk 0",
                           std::chrono::milliseconds(10000)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  uint64_t bytes = 0;
  std::string vhd = dir + "/d.vhd";
  ASSERT_TRUE(drain(**r, 64 * 1024, &bytes, vhd).ok());
  std::string out;
  // force_size_calc: the footer's current size, not qemu's CHS guess.
  ASSERT_EQ(
      run("qemu-img convert --image-opts driver=vpc,force_size_calc="
          "current_size,file.filename=" +
              vhd + " -O raw " + dir + "/d.raw && sha256sum " + dir + "/d.raw",
          &out),
      0)
      << out;
  EXPECT_EQ(out.substr(0, 64), ctl("sha256 --vdi " + d.vdi));
}

TEST_F(xapi_sim_test, RedirectIsFollowedWithTheSameSession) {
  client c(https(https_port), root());
  disk_info d = first_disk(c);
  ctl("fault --kind redirect");
  auto r = open_export(c, {d.vdi,
                           vdi_format::raw,
                           {},
                           {},
                           "disk 0",
                           std::chrono::milliseconds(10000)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  uint64_t bytes = 0;
  auto sum = drain(**r, 1 << 20, &bytes);
  ASSERT_TRUE(sum.ok()) << sum.error().message();
  EXPECT_EQ(*sum, ctl("sha256 --vdi " + d.vdi));
  EXPECT_EQ(ctl("faults"), "[]");  // the redirect was taken
}

TEST_F(xapi_sim_test, CutStreamIsAnErrorNotAShortSuccess) {
  for (endpoint ep : {local(), https(https_port)}) {
    client c(ep, root());
    disk_info d = first_disk(c);
    ctl("fault --kind export_cut --after-bytes 3000000");
    auto r = open_export(c, {d.vdi,
                             vdi_format::raw,
                             {},
                             {},
                             "disk 0 of VM a",
                             std::chrono::milliseconds(10000)});
    ASSERT_TRUE(r.ok()) << r.error().message();
    uint64_t bytes = 0;
    auto sum = drain(**r, 1 << 20, &bytes);
    ASSERT_FALSE(sum.ok()) << ep.to_string() << " got " << bytes << " bytes";
    EXPECT_NE(sum.error().message().find("disk 0 of VM a"), std::string::npos)
        << sum.error().message();
    EXPECT_LT((*r)->bytes_read(), d.virtual_size);
  }
}

TEST_F(xapi_sim_test, Http500IsAnErrorWithStatusAndBody) {
  client c(local(), root());
  disk_info d = first_disk(c);
  ctl("fault --kind export_500");
  auto r = open_export(c, {d.vdi,
                           vdi_format::vhd,
                           {},
                           {},
                           "disk 0 of VM a",
                           std::chrono::milliseconds(10000)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("HTTP 500"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("disk 0 of VM a"), std::string::npos);
}

TEST_F(xapi_sim_test, ImportRoundTrip) {
  client c(local(), root());
  auto vms = list_vms(c);
  auto disks = vm_disks(c, vms->back().ref, "VM b");
  ASSERT_TRUE(disks.ok() && disks->size() == 2);
  // Disk 0 of VM b, exported, goes into disk 1 of VM b.
  const disk_info &from = (*disks)[0], &to = (*disks)[1];
  ASSERT_EQ(from.virtual_size, to.virtual_size);
  std::string raw = dir + "/from.raw";
  ctl("read --vdi " + from.vdi + " --out " + raw);
  std::ifstream in(raw, std::ios::binary);
  status st = import_raw(c,
                         {to.vdi, vdi_format::raw, from.virtual_size,
                          "disk 1 of VM b", std::chrono::milliseconds(10000)},
                         [&](char* buf, size_t cap) -> result<size_t> {
                           in.read(buf, cap);
                           return static_cast<size_t>(in.gcount());
                         });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(ctl("sha256 --vdi " + to.vdi), ctl("sha256 --vdi " + from.vdi));
}

TEST_F(xapi_sim_test, ImportOfMoreThanTheDiskIsRefused) {
  client c(local(), root());
  disk_info d = first_disk(c);
  std::string zeros(1 << 20, '\0');
  status st = import_raw(c,
                         {d.vdi, vdi_format::raw, d.virtual_size + (1 << 20),
                          "disk 0", std::chrono::milliseconds(10000)},
                         [&](char* buf, size_t cap) -> result<size_t> {
                           size_t n = std::min(cap, zeros.size());
                           std::memcpy(buf, zeros.data(), n);
                           return n;
                         });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("400"), std::string::npos) << st.message();
}

TEST_F(xapi_sim_test, XmlDbDumpAndMetadata) {
  client c(local(), root());
  auto r = open_xmldbdump(c);
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::string xml;
  std::vector<char> buf(4096);
  for (;;) {
    auto n = (*r)->read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok()) << n.error().message();
    if (!*n) break;
    xml.append(buf.data(), *n);
  }
  auto vm = list_vms(c)->front();
  EXPECT_NE(xml.find("<database>"), std::string::npos);
  EXPECT_NE(xml.find(vm.uuid), std::string::npos);

  auto meta = vm_metadata_json(c, vm.ref);
  ASSERT_TRUE(meta.ok()) << meta.error().message();
  EXPECT_EQ((*meta)["vm"]["record"]["uuid"], vm.uuid);
  EXPECT_EQ((*meta)["vdis"].size(), 2u);
  EXPECT_EQ((*meta)["vbds"][0]["record"]["userdevice"], "0");
}

}  // namespace
}  // namespace tapeline::xapi
