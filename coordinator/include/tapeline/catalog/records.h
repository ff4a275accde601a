// The catalog's records: plain values, no database types (docs/catalog.md).
//
// Times are Unix seconds (int64), always passed in by the caller: the
// catalog never reads a clock. Object ids are the ids of ObjectManifest
// (proto/tapeline/v1/tape.proto); tapes are named by barcode (volume id).
// Copyable values; no shared state; not thread-safe to mutate concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tapeline::catalog {

enum class tape_state {
  scratch,  // free to be labelled and written
  loaded,   // in a drive, being appended to
  full,     // written; on site, in the library or on a shelf
  offsite,  // taken off site (air gap)
  vaulted,  // in the long-term vault
  expired,  // nothing retained is left on it; not yet back in scratch
  retired,  // worn or damaged; never written again
};

enum class object_state {
  pending,     // planned, or rebuilt from a tape while parts are missing
  writing,     // a drive is writing it, or reported extents not yet verified
  restorable,  // every extent durable and the SHA-256 verified
  failed,      // aborted, or a checksum did not match
  expired,     // past its retention; its extents may be overwritten
};

enum class job_state { queued, running, done, failed, cancelled };

enum class delivery_state { pending, sent, failed };

// "scratch", "loaded", ...; parse_* return nullopt for an unknown word.
const char* to_string(tape_state s);
const char* to_string(object_state s);
const char* to_string(job_state s);
const char* to_string(delivery_state s);
std::optional<tape_state> parse_tape_state(const std::string& s);
std::optional<object_state> parse_object_state(const std::string& s);
std::optional<job_state> parse_job_state(const std::string& s);
std::optional<delivery_state> parse_delivery_state(const std::string& s);

// True when a tape in this state is away from the site (needs a recall).
bool is_offsite(tape_state s);

struct tape {
  std::string barcode;  // volume id, e.g. LTO5-0007
  std::string pool;
  std::string media_type;  // "LTO-4", "LTO-5"
  uint64_t capacity_bytes = 0;
  uint64_t bytes_used = 0;
  tape_state state = tape_state::scratch;
  std::string location;    // free text: "drive lto5", "safe B", ...
  std::string label_uuid;  // empty until labelled
  std::string media_set;
  uint32_t media_set_seq = 0;
  uint32_t record_size = 0;
  int64_t labelled_at = 0;  // 0: never
  int64_t updated_at = 0;
};

// Object kinds as in tape.proto's ObjectKind, by name: "vdi_full",
// "vdi_delta", "pool_metadata", "file_set", "blob".
struct object {
  std::string id;
  std::string kind;
  std::string vm_name;
  std::string vm_uuid;
  std::string vdi_uuid;
  uint32_t disk = 0;
  std::string parent_id;  // chain parent (deltas); empty for a full
  bool delta = false;
  std::string payload_format;             // "raw", "vhd", "tar.zst", "blob"
  int64_t expected_size = -1;             // -1: unknown when written
  std::optional<uint64_t> payload_bytes;  // as reported by the drive
  std::string sha256;         // the drive's (trailer's), lowercase hex
  std::string source_sha256;  // the sender's, when verified
  int64_t created_at = 0;
  std::optional<int64_t> expires_at;  // nullopt: kept until a policy says
  object_state state = object_state::pending;
  std::string error;  // why it failed
};

// One part of an object on one tape file (tape-format.md §6, §7).
struct extent {
  std::string object_id;
  std::string barcode;
  uint32_t file_number = 0;
  uint32_t part = 0;
  uint64_t payload_offset = 0;
  uint64_t payload_length = 0;
  uint64_t first_block = 0;
  uint64_t records = 0;
  bool continues = false;  // the object goes on on the next volume
  bool complete = false;   // durable: the part's tape file was closed whole
};

// What a drive's StreamResult says about one object (wire-protocol.md).
struct write_report {
  std::string object_id;
  uint64_t payload_bytes = 0;
  std::string sha256;  // from the trailer the drive wrote
  std::vector<extent> extents;
};

// One tape as read back: its label and every object part its catalog files
// list (see rebuild.h). Objects are listed once per part's manifest.
struct tape_contents {
  tape label;
  std::vector<object> objects;
  std::vector<extent> extents;
};

struct job {
  int64_t id = 0;
  std::string kind;  // "backup", "restore", "verify", ...
  job_state state = job_state::queued;
  uint32_t attempts = 0;  // times it entered running
  std::string last_error;
  std::string drive;
  std::vector<std::string> object_ids;
  int64_t created_at = 0;
  int64_t started_at = 0;   // 0: not yet
  int64_t finished_at = 0;  // 0: not yet
  int64_t updated_at = 0;
  std::string spec;  // what it does, as JSON (the coordinator's order)
};

struct schedule {
  std::string name;
  std::string cron;       // "30 22 * * 1-5"
  std::string time_zone;  // IANA, e.g. "Europe/London"
  std::string policy;
  bool enabled = true;
  int64_t last_run = 0;  // 0: never
  int64_t next_run = 0;  // 0: not computed
};

struct delivery {
  std::string channel;  // "log", "email", "webhook", "watch"
  delivery_state state = delivery_state::pending;
  uint32_t attempts = 0;
  std::string last_error;
  int64_t updated_at = 0;
};

struct notification {
  int64_t id = 0;
  std::string kind;  // "tape_ejected", "mount_request", "recall", ...
  std::string message;  // one line: "take LTO5-0007 off-site"
  std::string details;  // the notifier's JSON form of the event; "" if none
  std::string barcode;  // target tape, if any
  std::string drive;    // target drive, if any
  int64_t job_id = 0;   // target job, 0 if none
  int64_t created_at = 0;
  int64_t acknowledged_at = 0;  // 0: not acknowledged
  std::string ack_by;
  std::vector<delivery> deliveries;
};

// One step of a restore: an object and where its parts are, in part order.
struct restore_step {
  object obj;
  std::vector<extent> extents;
};

// The chain that restores one disk as of a time: a full, then its deltas in
// order. `offsite_tapes` lists every tape of the chain that is not on site.
struct restore_chain {
  std::string vm_uuid;
  std::string vm_name;
  uint32_t disk = 0;
  std::vector<restore_step> steps;  // restore order: full first
  std::vector<std::string> offsite_tapes;
  std::string note;  // why the chain stops short, if it does
};

}  // namespace tapeline::catalog
