// What one drive does, without the actor around it (STYLE.md rule 5).
//
// A drive_controller owns one tape_drive and one volume_writer and runs one
// object stream at a time: it validates frames (stream_receiver), keeps the
// payload in a bounded RAM buffer, writes full records to tape, spans onto
// the next cartridge at end of medium, and answers commands. It performs
// blocking device I/O, so its owner is a detached actor (drive_actor.h).
//
// Every method returns the frames to send back to the stream's sender; events
// for subscribers go to the event callback. Thread-safety: none; one owner.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tapeline/drive/drive.h"
#include "tapeline/tape/part_reader.h"
#include "tapeline/tape/volume_writer.h"
#include "tapeline/tape_agent/stream_receiver.h"
#include "tapeline/v1/stream.pb.h"

namespace tapeline::tape_agent {

struct drive_options {
  std::string name;
  std::string media_type = "LTO-5";
  std::string pool = "default";
  uint32_t record_size = 256 * 1024;
  uint64_t buffer_bytes = 512ull << 20;
  uint32_t max_chunk = 4u << 20;
  bool auto_label = true;  // label a blank tape when it is loaded
  // tapeline-extract, written after the label of every tape this drive
  // labels (docs/tape-format.md §2); empty: none.
  std::string extract_binary;
  // Virtual drives only: at end of medium, eject the full cartridge and load
  // the next blank one from the shelf, as an autoloader would.
  std::function<status()> autoload;
  // Virtual drives only: LOAD moves cartridge BARCODE from the shelf into
  // the drive (a restore asks for the tapes it needs this way).
  std::function<status(const std::string& barcode)> load;
  // Poll interval while waiting for a cartridge, seconds.
  double media_poll_seconds = 1.0;
  // Keep the drive streaming: while the stream is open and the buffer is
  // less than half full, write no faster than the stream's average input
  // rate, so a bursty sender does not drain the buffer and stop the tape
  // (a backhitch). Above half full, or once the sender closed, write freely.
  bool pacing = true;
  // Monotonic seconds; steady_clock when empty. Tests pass a fake.
  std::function<double()> clock;
};

using event_callback = std::function<void(const v1::DriveEvent&)>;

class drive_controller {
 public:
  drive_controller(drive_options opts, std::unique_ptr<drive::tape_drive> d,
                   event_callback on_event);
  ~drive_controller();

  const drive_options& options() const { return opts_; }
  // Replaces the event callback (the drive actor installs its own).
  void set_event_callback(event_callback cb) { on_event_ = std::move(cb); }

  // Readies the drive: reads the label of a loaded tape, labels a blank one
  // when auto_label is set. An empty drive is fine (state: no media).
  status start();

  std::vector<v1::Frame> on_open(const v1::StreamOpen& o);
  std::vector<v1::Frame> on_chunk(v1::StreamChunk& c);  // takes c.data
  // A chunk read in place: keeps `frame` and uses bytes [off, off + n).
  std::vector<v1::Frame> on_chunk(uint64_t stream_id, uint64_t seq,
                                  uint32_t crc, std::string&& frame, size_t off,
                                  size_t n);
  std::vector<v1::Frame> on_close(const v1::StreamClose& c);
  std::vector<v1::Frame> on_abort(const v1::StreamAbort& a);
  // The sender's node or actor went away mid-stream.
  std::vector<v1::Frame> on_peer_lost(const std::string& why);

  v1::DriveCommandReply on_command(const v1::DriveCommand& c);

  // READ (docs/wire-protocol.md "Reading back"): starts streaming the part
  // in tape file c.file_number of tape c.volume_id to the caller. Returns
  // the StreamOpen frame; on refusal `reply` says why and nothing returns.
  // Chunks follow from pump() as the caller grants credit (on_credit()).
  std::vector<v1::Frame> on_read(const v1::DriveCommand& c,
                                 v1::DriveCommandReply* reply);
  std::vector<v1::Frame> on_credit(const v1::StreamCredit& c);
  bool reading() const { return read_ != nullptr; }

  // Writes up to `budget` buffered bytes to tape. Returns frames (credits,
  // the result when an object completes). Call while wants_pump().
  std::vector<v1::Frame> pump(uint64_t budget);
  bool wants_pump() const;
  // True when the last pump() held data back to pace the drive: pump again
  // after a short delay rather than at once.
  bool throttled() const { return throttled_; }
  // True while a mount request is outstanding (poll with pump()).
  bool waiting_for_media() const { return state_ == state::waiting_for_media; }

  bool busy() const { return receiver_.has_value() || read_ != nullptr; }
  uint64_t stream_id() const {
    return receiver_ ? receiver_->stream_id() : read_ ? read_id_ : 0;
  }
  v1::DriveStatus status_report();

  // Closes the session (catalog file) if objects were written. Used at
  // shutdown and before eject.
  status finish_session();

 private:
  enum class state { no_media, ready, writing, waiting_for_media, failed };

  status mount_loaded_tape();
  status label_tape(v1::TapeLabel l, bool force = false);
  std::vector<v1::Frame> fail_stream(v1::ErrorCode c, const std::string& why);
  std::vector<v1::Frame> complete_stream();
  std::vector<v1::Frame> deliver_result();
  status feed_writer(uint64_t budget, std::vector<v1::Frame>& out);
  status on_writer_progress(const result<tape::progress>& p);
  status try_continue_on_new_volume();
  void emit(v1::DriveEvent::Kind k, const std::string& msg,
            v1::ErrorCode code = v1::ERROR_CODE_UNSPECIFIED);
  v1::Frame credit_frame(uint64_t bytes) const;
  void drop_buffer();
  // The read side (drive_controller_read.cc).
  std::vector<v1::Frame> pump_read(uint64_t budget);
  std::vector<v1::Frame> end_read(v1::Frame last);
  status return_to_append_point();
  status load_cartridge(const std::string& barcode);

  drive_options opts_;
  std::unique_ptr<drive::tape_drive> drive_;
  std::unique_ptr<tape::volume_writer> writer_;
  event_callback on_event_;
  state state_ = state::no_media;
  v1::TapeLabel label_;

  // The stream in progress.
  std::optional<stream_receiver> receiver_;
  // Received payload, oldest first: each piece is a received buffer and the
  // range of it not yet written.
  struct piece {
    std::string buf;
    size_t begin = 0;
    size_t end = 0;
  };
  std::deque<piece> queue_;
  uint64_t buffered_ = 0;      // bytes in queue_ not yet written
  uint64_t receipt_due_ = 0;   // received since the last receipt
  uint64_t segment_left_ = 0;  // unknown size: bytes left in segment
  uint64_t segment_bytes_ = 0;
  bool object_begun_ = false;
  double last_media_poll_ = 0;
  uint64_t files_in_session_ = 0;  // tape files since the last catalog
  bool finishing_ = false;         // trailer pending on the next tape
  v1::ObjectTrailer trailer_;
  std::vector<std::string> object_volumes_;  // volume of each part

  // The READ in progress, if any.
  std::unique_ptr<tape::part_reader> read_;
  uint64_t read_id_ = 0;
  uint64_t next_read_id_ = 1;
  uint64_t read_credit_ = 0;  // bytes the requester lets us send
  uint64_t read_seq_ = 0;
  uint64_t read_bytes_ = 0;
  bool remount_ = false;  // a read moved the tape off the append point

  // Pacing (drive_options::pacing).
  double now() const;
  uint64_t paced_budget(uint64_t budget);
  double stream_start_ = -1;  // time of the first chunk
  uint64_t bytes_in_ = 0;     // payload received on this stream
  double allowance_ = 0;      // bytes the pacer lets through now
  double last_pace_ = 0;
  bool throttled_ = false;
};

}  // namespace tapeline::tape_agent
