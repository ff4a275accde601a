// The drive actor in process, without a network (docs/wire-protocol.md):
// a real caf::actor_system, a detached drive_actor over a drive_controller
// and a virtual drive, and scoped actors as senders. Each bad-input case
// (malformed, oversize, gap, duplicate, CRC, credit, size, lost peer) must
// fail its stream with the right code and a clear message, after which the
// drive takes the next stream; the tape read back by volume_reader and GNU
// tar then holds the good objects whole and the failed one incomplete.
//
// Deterministic: every step awaits a reply with a timeout that only fires on
// failure. The credit case holds the drive inside a record write (a gated
// drive wrapper) so that the overrunning chunks are queued before any credit
// can be returned.
#include "tapeline/tape_agent/drive_actor.h"

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <condition_variable>
#include <mutex>

#include "../tape/tape_test_util.h"
#include "tapeline/caf/wire.h"
#include "tapeline/common/checksum.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape/volume_reader.h"

namespace tapeline::tape_agent {
namespace {

using namespace std::chrono_literals;
using tape::testing::random_bytes;
using tape::testing::run;

constexpr uint32_t rs = 64 * 1024;  // record size
constexpr uint32_t chunk_size = 64 * 1024;
constexpr uint64_t buffer = 1u << 20;  // the drive's RAM buffer
constexpr auto answer = 30s;           // only reached when a test fails

// Forwards to a drive; while the gate is closed, write_record() blocks
// (and says so), so a test can hold the drive actor inside a write.
class gated_drive final : public drive::tape_drive {
 public:
  explicit gated_drive(std::unique_ptr<drive::tape_drive> d)
      : d_(std::move(d)) {}
  void close_gate() {
    std::lock_guard<std::mutex> lk(m_);
    closed_ = true;
  }
  void open_gate() {
    std::lock_guard<std::mutex> lk(m_);
    closed_ = false;
    cv_.notify_all();
  }
  // True once a write is held at the closed gate.
  bool wait_until_held(std::chrono::seconds t) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, t, [&] { return held_; });
  }
  std::string describe() const override { return d_->describe(); }
  status open() override { return d_->open(); }
  result<drive::drive_info> info() override { return d_->info(); }
  result<drive::write_outcome> write_record(const void* p, size_t n) override {
    {
      std::unique_lock<std::mutex> lk(m_);
      if (closed_) {
        held_ = true;
        cv_.notify_all();
        cv_.wait(lk, [&] { return !closed_; });
        held_ = false;
      }
    }
    return d_->write_record(p, n);
  }
  result<drive::read_result> read_record(void* b, size_t c) override {
    return d_->read_record(b, c);
  }
  status write_filemarks(unsigned n) override { return d_->write_filemarks(n); }
  status space_files(int n) override { return d_->space_files(n); }
  status space_to_eod() override { return d_->space_to_eod(); }
  status rewind() override { return d_->rewind(); }
  status eject() override { return d_->eject(); }

 private:
  std::unique_ptr<drive::tape_drive> d_;
  std::mutex m_;
  std::condition_variable cv_;
  bool closed_ = false;
  bool held_ = false;
};

v1::Frame chunk_frame(uint64_t id, uint64_t seq, const std::string& data) {
  v1::Frame f;
  auto* c = f.mutable_chunk();
  c->set_stream_id(id);
  c->set_seq(seq);
  c->set_data(data);
  c->set_crc32c(crc32c(data.data(), data.size()));
  return f;
}

v1::Frame close_frame(uint64_t id, uint64_t total, const std::string& sha) {
  v1::Frame f;
  f.mutable_close()->set_stream_id(id);
  f.mutable_close()->set_total_bytes(total);
  f.mutable_close()->set_sha256(sha);
  return f;
}

// One sender: a scoped actor speaking the stream protocol to the drive.
class sender {
 public:
  sender(caf::actor_system& sys, caf::actor drive, uint64_t id)
      : self_(sys), drive_(std::move(drive)), id_(id) {}

  uint64_t id() const { return id_; }
  uint64_t credit() const { return credit_; }

  void send(v1::Frame f) { self_->send(drive_, wire::encode(f)); }
  void send_bytes(std::string bytes) {
    self_->send(drive_, wire::wire_frame{std::move(bytes)});
  }

  // The next frame from the drive; nullopt on timeout. Counts credit.
  std::optional<v1::Frame> next(std::chrono::seconds t = answer) {
    std::optional<v1::Frame> out;
    self_->receive(
        [&](wire::wire_frame& w) {
          v1::Frame f;
          if (!wire::decode(w, f).ok()) return;
          if (f.has_accepted()) credit_ += f.accepted().credit_bytes();
          if (f.has_credit()) credit_ += f.credit().bytes();
          out = std::move(f);
        },
        caf::after(t) >> [] {});
    return out;
  }

  // Opens a stream; returns the drive's first answer (accepted or result).
  v1::Frame open(const std::string& name, int64_t expected) {
    v1::Frame f;
    auto* o = f.mutable_open();
    o->set_stream_id(id_);
    o->set_drive("t1");
    o->mutable_manifest()->set_object_id(name);
    o->mutable_manifest()->set_name(name);
    o->mutable_manifest()->set_expected_size(expected);
    o->set_max_chunk(chunk_size);
    send(f);
    auto r = next();
    EXPECT_TRUE(r) << "no answer to open " << name;
    return r ? *r : v1::Frame{};
  }

  // Sends `data` from chunk `seq` on, within the credit granted.
  void send_data(const std::string& data, uint64_t& seq) {
    for (size_t off = 0; off < data.size(); off += chunk_size) {
      std::string part = data.substr(off, chunk_size);
      while (credit_ < part.size()) {
        auto f = next();
        ASSERT_TRUE(f) << "no credit from the drive";
        ASSERT_FALSE(f->has_result()) << f->result().error();
      }
      credit_ -= part.size();
      send(chunk_frame(id_, seq++, part));
    }
  }

  // Waits for the stream's result, skipping credits.
  v1::StreamResult result() {
    for (;;) {
      auto f = next();
      EXPECT_TRUE(f) << "no result from the drive for stream " << id_;
      if (!f) return {};
      if (f->has_result()) return f->result();
    }
  }

  // A command, answered as a request.
  v1::DriveCommandReply command(v1::DriveCommand::Op op) {
    v1::Frame q;
    q.mutable_command()->set_op(op);
    q.mutable_command()->set_drive("t1");
    v1::DriveCommandReply out;
    self_->request(drive_, answer, wire::encode(q))
        .receive(
            [&](wire::wire_frame& w) {
              v1::Frame f;
              ASSERT_TRUE(wire::decode(w, f).ok());
              out = f.reply();
            },
            [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

 private:
  caf::scoped_actor self_;
  caf::actor drive_;
  uint64_t id_;
  uint64_t credit_ = 0;
};

struct drive_actor_test : ::testing::Test {
  std::string dir;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<drive_controller> ctl;
  gated_drive* gate = nullptr;
  caf::actor drive;
  uint64_t next_id = 100;

  void SetUp() override {
    char tmpl[] = "/tmp/tapeline-actor-XXXXXX";
    dir = mkdtemp(tmpl);
    run("mkdir -p " + dir + "/shelf " + dir + "/slot");
  }
  void TearDown() override {
    stop();
    run("rm -rf " + dir);
  }

  drive::virtual_drive_options vd_options() {
    drive::virtual_drive_options o;
    o.name = "t1";
    o.slot_dir = dir + "/slot";
    o.library_dir = dir + "/shelf";
    return o;
  }
  std::string slot_cartridge() { return dir + "/slot/TA0001.vtape"; }

  // Creates cartridge TA0001 on the shelf and loads it into the slot.
  void load_cartridge(bool write_protected = false) {
    drive::cartridge_spec s;
    s.barcode = "TA0001";
    s.capacity_bytes = 256ull << 20;
    s.write_protected = write_protected;
    ASSERT_TRUE(drive::create_cartridge(dir + "/shelf", s).ok());
    drive::virtual_drive vd(vd_options());
    ASSERT_TRUE(vd.load("TA0001").ok());
  }

  // Spawns the drive actor and waits until it has read (or labelled) the
  // tape: a STATUS answer comes after the start message is handled.
  void start() {
    cfg = std::make_unique<caf::actor_system_config>();
    wire::register_types(*cfg);
    sys = std::make_unique<caf::actor_system>(*cfg);
    auto g = std::make_unique<gated_drive>(
        std::make_unique<drive::virtual_drive>(vd_options()));
    gate = g.get();
    drive_options o;
    o.name = "t1";
    o.pool = "test";
    o.record_size = rs;
    o.buffer_bytes = buffer;
    ctl = std::make_shared<drive_controller>(o, std::move(g),
                                             [](const v1::DriveEvent&) {});
    drive = sys->spawn<caf::detached>(drive_actor, ctl);
    caf::anon_send(drive, start_atom::value);
    sender s(*sys, drive, 0);
    s.command(v1::DriveCommand::STATUS);
  }

  // Stops the actor (it closes the session) and the system.
  void stop() {
    if (!sys) return;
    if (gate) gate->open_gate();
    {
      caf::scoped_actor self{*sys};
      self->send_exit(drive, caf::exit_reason::user_shutdown);
      self->wait_for(drive);
    }
    drive = nullptr;
    senders.clear();
    sys.reset();
    cfg.reset();
    ctl.reset();
    gate = nullptr;
  }

  // A sender that lives until stop() (the system waits for it).
  sender* new_sender() {
    senders.push_back(std::make_unique<sender>(*sys, drive, next_id++));
    return senders.back().get();
  }
  std::vector<std::unique_ptr<sender>> senders;

  // Streams a whole object and expects it written.
  void write_good(const std::string& name, const std::string& data,
                  int64_t expected) {
    auto s = new_sender();
    auto a = s->open(name, expected);
    ASSERT_TRUE(a.has_accepted()) << a.result().error();
    uint64_t seq = 0;
    s->send_data(data, seq);
    s->send(close_frame(s->id(), data.size(),
                        sha256_hex(data.data(), data.size())));
    auto r = s->result();
    ASSERT_TRUE(r.ok()) << v1::ErrorCode_Name(r.code()) << ": " << r.error();
    EXPECT_EQ(r.payload_bytes(), data.size());
    EXPECT_EQ(r.sha256(), sha256_hex(data.data(), data.size()));
    ASSERT_EQ(r.extents_size(), 1);
    EXPECT_EQ(r.extents(0).volume_id(), "TA0001");
  }
};

// What the tape holds after stop(): objects by name, in tape-file order.
struct tape_object {
  std::string name;
  uint32_t file = 0;
  bool complete = false;
};

// Reads the tape back with volume_reader: the catalog lists `expect` in
// order; complete objects restore with the SHA-256 of `payloads`, the others
// are refused as not restorable, and GNU tar finds no trailer in them.
void check_tape(drive_actor_test& t,
                const std::vector<std::pair<std::string, bool>>& expect,
                const std::map<std::string, std::string>& payloads) {
  drive::virtual_drive vd(t.vd_options());
  tape::volume_reader r(&vd);
  auto label = r.read_label();
  ASSERT_TRUE(label.ok()) << label.error().to_string();
  EXPECT_EQ(label->volume_id(), "TA0001");
  auto cat = r.read_catalog();
  ASSERT_TRUE(cat.ok()) << cat.error().to_string();
  ASSERT_EQ(cat->entries_size(), static_cast<int>(expect.size()));
  for (int i = 0; i < cat->entries_size(); ++i) {
    const auto& e = cat->entries(i);
    const auto& [name, complete] = expect[i];
    SCOPED_TRACE(name);
    EXPECT_EQ(e.manifest().name(), name);
    EXPECT_EQ(e.complete(), complete);
    EXPECT_FALSE(e.continues());
    sha256 h;
    auto o = r.read_object(e.file_number(), [&](const char* p, size_t n) {
      h.update(p, n);
      return status{};
    });
    if (complete) {
      ASSERT_TRUE(o.ok()) << o.error().to_string();
      std::string got = h.hex_digest();
      EXPECT_EQ(got,
                sha256_hex(payloads.at(name).data(), payloads.at(name).size()));
      EXPECT_EQ(o->trailer.sha256(), got);
    } else {
      ASSERT_FALSE(o.ok());
      EXPECT_NE(o.error().message().find("not restorable"), std::string::npos)
          << o.error().message();
      std::string dump = t.dir + "/dump.tar", listing;
      std::string bytes;
      ASSERT_TRUE(drive::read_cartridge_file(t.slot_cartridge(),
                                             e.file_number(),
                                             [&](const char* p, size_t n) {
                                               bytes.append(p, n);
                                               return status{};
                                             })
                      .ok());
      tape::testing::write_file(dump, bytes);
      run("tar -tf " + dump, &listing);  // GNU tar: truncated archive
      EXPECT_EQ(listing.rfind("TAPELINE.OBJECT\n", 0), 0u) << listing;
      EXPECT_EQ(listing.find("TAPELINE.TRAILER"), std::string::npos) << listing;
    }
  }
}

TEST_F(drive_actor_test, writes_small_streams_of_known_and_unknown_size) {
  load_cartridge();
  start();
  std::string a = random_bytes(300000, 1), b = random_bytes(3000000, 2);
  write_good("a.bin", a, a.size());
  write_good("b.bin", b, -1);  // segments, and credit returned on the way
  auto fin = new_sender()->command(v1::DriveCommand::FINISH_SESSION);
  ASSERT_TRUE(fin.ok()) << fin.error();
  stop();
  check_tape(*this, {{"a.bin", true}, {"b.bin", true}},
             {{"a.bin", a}, {"b.bin", b}});
}

// One bad stream: how to break it, and what the drive must answer.
struct bad_case {
  const char* name;
  v1::ErrorCode code;
  const char* message;  // a substring of the result's error
  std::function<void(drive_actor_test&, sender&)> run;
};

void PrintTo(const bad_case& c, std::ostream* os) {
  *os << c.name;
}

// Two good chunks first, so the failure lands mid-object.
void two_chunks(sender& s, uint64_t& seq) {
  s.send_data(random_bytes(2 * chunk_size, 9), seq);
}

const bad_case bad_cases[] = {
    {"malformed", v1::MALFORMED_FRAME, "malformed frame",
     [](drive_actor_test&, sender& s) {
       uint64_t seq = 0;
       two_chunks(s, seq);
       v1::Frame probe;
       // Field 2 claims 16 bytes and has 3: not a Frame.
       std::string junk(
           "\x12\x10"
           "abc",
           5);
       ASSERT_FALSE(wire::decode(wire::wire_frame{junk}, probe).ok());
       s.send_bytes(junk);
     }},
    {"oversize", v1::OVERSIZE_FRAME, "exceeds the",
     [](drive_actor_test&, sender& s) {
       uint64_t seq = 0;
       two_chunks(s, seq);
       auto f =
           chunk_frame(s.id(), seq, std::string(wire::max_frame_bytes, 'x'));
       auto w = wire::encode(f);
       ASSERT_GT(w.bytes.size(), wire::max_frame_bytes);
       s.send_bytes(w.bytes);
     }},
    {"gap", v1::SEQUENCE_GAP, "gap (expected 2)",
     [](drive_actor_test&, sender& s) {
       uint64_t seq = 0;
       two_chunks(s, seq);
       s.send(chunk_frame(s.id(), 3, "late"));
     }},
    {"duplicate", v1::SEQUENCE_DUPLICATE, "duplicate (expected 2)",
     [](drive_actor_test&, sender& s) {
       uint64_t seq = 0;
       two_chunks(s, seq);
       s.send(chunk_frame(s.id(), 1, "again"));
     }},
    {"bad_crc", v1::BAD_CHECKSUM, "CRC32C mismatch",
     [](drive_actor_test&, sender& s) {
       uint64_t seq = 0;
       two_chunks(s, seq);
       auto f = chunk_frame(s.id(), seq, "flipped");
       f.mutable_chunk()->set_crc32c(f.chunk().crc32c() ^ 1);
       s.send(f);
     }},
    {"credit", v1::CREDIT_EXCEEDED, "exceeded its credit",
     [](drive_actor_test& t, sender& s) {
       // Hold the drive in its first record write, queue a whole buffer
       // more than was granted, then let it go: no credit can come back
       // before the drive reads the overrunning chunk.
       t.gate->close_gate();
       uint64_t seq = 0;
       std::string data = random_bytes(chunk_size, 4);
       s.send(chunk_frame(s.id(), seq++, data));
       ASSERT_TRUE(t.gate->wait_until_held(answer));
       ASSERT_EQ(s.credit(), buffer);
       for (uint64_t sent = chunk_size; sent <= buffer; sent += chunk_size)
         s.send(chunk_frame(s.id(), seq++, data));
       t.gate->open_gate();
     }},
    {"size_on_close", v1::SIZE_MISMATCH, "sender says 131073 bytes",
     [](drive_actor_test&, sender& s) {
       uint64_t seq = 0;
       two_chunks(s, seq);
       s.send(close_frame(s.id(), 2 * chunk_size + 1, std::string(64, 'a')));
     }},
};

struct drive_actor_bad_input : drive_actor_test,
                               ::testing::WithParamInterface<bad_case> {};

TEST_P(drive_actor_bad_input, fails_the_stream_and_takes_the_next) {
  const bad_case& c = GetParam();
  load_cartridge();
  start();
  std::string a = random_bytes(200000, 1), z = random_bytes(150000, 3);
  write_good("a.bin", a, a.size());
  {
    auto s = new_sender();
    auto acc = s->open("bad.bin", 1 << 20);
    ASSERT_TRUE(acc.has_accepted()) << acc.result().error();
    c.run(*this, *s);
    auto r = s->result();
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.code(), c.code)
        << v1::ErrorCode_Name(r.code()) << ": " << r.error();
    EXPECT_NE(r.error().find(c.message), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("drive t1"), std::string::npos) << r.error();
    EXPECT_EQ(r.stream_id(), s->id());
  }
  write_good("z.bin", z, z.size());
  stop();  // closes the session: catalog
  check_tape(*this, {{"a.bin", true}, {"bad.bin", false}, {"z.bin", true}},
             {{"a.bin", a}, {"z.bin", z}});
}

INSTANTIATE_TEST_SUITE_P(cases, drive_actor_bad_input,
                         ::testing::ValuesIn(bad_cases),
                         [](const ::testing::TestParamInfo<bad_case>& i) {
                           return i.param.name;
                         });

// The sender's actor dies mid-stream: the drive notices through monitoring,
// fails the object as PEER_LOST (an event, nobody to answer) and goes on.
TEST_F(drive_actor_test, lost_sender_fails_the_object_and_the_drive_goes_on) {
  load_cartridge();
  start();
  auto watcher = std::make_unique<caf::scoped_actor>(*sys);
  v1::Frame sub;
  sub.mutable_command()->set_op(v1::DriveCommand::SUBSCRIBE);
  (*watcher)
      ->request(drive, answer, wire::encode(sub))
      .receive([](wire::wire_frame&) {},
               [](caf::error& e) { FAIL() << caf::to_string(e); });
  std::string a = random_bytes(100000, 1), z = random_bytes(100000, 3);
  write_good("a.bin", a, a.size());
  {
    auto s = std::make_unique<sender>(*sys, drive, next_id++);
    ASSERT_TRUE(s->open("lost.bin", -1).has_accepted());
    uint64_t seq = 0;
    s->send_data(random_bytes(5 * chunk_size, 7), seq);
  }  // the sender's actor terminates here
  bool failed = false;
  while (!failed) {
    bool got = false;
    (*watcher)->receive(
        [&](wire::wire_frame& w) {
          v1::Frame f;
          ASSERT_TRUE(wire::decode(w, f).ok());
          got = true;
          if (f.has_event() &&
              f.event().kind() == v1::DriveEvent::OBJECT_FAILED) {
            failed = true;
            EXPECT_EQ(f.event().code(), v1::PEER_LOST);
            EXPECT_EQ(f.event().object_id(), "lost.bin");
            EXPECT_NE(f.event().message().find("sender lost"),
                      std::string::npos)
                << f.event().message();
          }
        },
        caf::after(answer) >> [] {});
    ASSERT_TRUE(got) << "no OBJECT_FAILED event after the sender died";
  }
  watcher.reset();
  write_good("z.bin", z, z.size());
  stop();
  check_tape(*this, {{"a.bin", true}, {"lost.bin", false}, {"z.bin", true}},
             {{"a.bin", a}, {"z.bin", z}});
}

TEST_F(drive_actor_test, second_open_while_streaming_is_drive_busy) {
  load_cartridge();
  start();
  auto first = new_sender();
  ASSERT_TRUE(first->open("first.bin", 10).has_accepted());
  auto second = new_sender();
  auto busy = second->open("second.bin", 10);
  ASSERT_TRUE(busy.has_result());
  EXPECT_FALSE(busy.result().ok());
  EXPECT_EQ(busy.result().code(), v1::DRIVE_BUSY);
  EXPECT_NE(busy.result().error().find("drive t1 is busy"), std::string::npos)
      << busy.result().error();
  EXPECT_EQ(busy.result().stream_id(), second->id());
  // The first stream is unharmed.
  std::string data = "0123456789";
  uint64_t seq = 0;
  first->send_data(data, seq);
  first->send(close_frame(first->id(), 10, sha256_hex(data.data(), 10)));
  auto r = first->result();
  EXPECT_TRUE(r.ok()) << r.error();
}

TEST_F(drive_actor_test, open_on_an_empty_drive_is_no_media) {
  start();
  auto s = new_sender();
  auto f = s->open("x.bin", 10);
  ASSERT_TRUE(f.has_result());
  EXPECT_FALSE(f.result().ok());
  EXPECT_EQ(f.result().code(), v1::NO_MEDIA);
  EXPECT_NE(f.result().error().find("drive t1"), std::string::npos)
      << f.result().error();
  EXPECT_NE(f.result().error().find("no cartridge loaded; load one"),
            std::string::npos)
      << f.result().error();
}

TEST_F(drive_actor_test, open_on_a_write_protected_blank_tape) {
  load_cartridge(/*write_protected=*/true);
  start();
  auto s = new_sender();
  auto f = s->open("x.bin", 10);
  ASSERT_TRUE(f.has_result());
  EXPECT_EQ(f.result().code(), v1::WRITE_PROTECTED) << f.result().error();
  EXPECT_NE(f.result().error().find("write-protected"), std::string::npos)
      << f.result().error();
}

TEST_F(drive_actor_test, open_on_a_write_protected_labelled_tape) {
  load_cartridge();
  start();
  std::string a = random_bytes(1000, 1);
  write_good("a.bin", a, a.size());
  stop();
  drive::virtual_drive vd(vd_options());
  ASSERT_TRUE(vd.eject().ok());
  ASSERT_TRUE(drive::set_write_protect(dir + "/shelf/TA0001.vtape", true).ok());
  ASSERT_TRUE(vd.load("TA0001").ok());
  start();
  auto s = new_sender();
  auto f = s->open("x.bin", 10);
  ASSERT_TRUE(f.has_result()) << "a write-protected tape accepted a stream";
  EXPECT_EQ(f.result().code(), v1::WRITE_PROTECTED) << f.result().error();
  EXPECT_NE(f.result().error().find("TA0001"), std::string::npos)
      << f.result().error();
  EXPECT_NE(f.result().error().find("write-protected"), std::string::npos)
      << f.result().error();
}

}  // namespace
}  // namespace tapeline::tape_agent
