// Events in plain words: subjects exactly as operators read them, the text,
// the JSON form, and the nightly report's table.
#include <gtest/gtest.h>

#include "tapeline/notifier/event.h"
#include "tapeline/notifier/report.h"

namespace tapeline::notifier {
namespace {

TEST(notify_event, TapeEjected) {
  auto e = tape_ejected("LTO5-0007", "vdi", "");
  EXPECT_EQ(e.kind, "tape_ejected");
  EXPECT_EQ(e.subject, "take LTO5-0007 off-site");
  EXPECT_EQ(e.barcode, "LTO5-0007");
  EXPECT_EQ(e.text,
            "Tape LTO5-0007 (pool vdi) was ejected. Take it off-site.\n"
            "Then record the move: tapeline tapes offsite LTO5-0007\n");
  EXPECT_EQ(e.fields["destination"], "off-site");
  EXPECT_EQ(tape_ejected("LTO5-0007", "vdi", "off-site").subject,
            "take LTO5-0007 off-site");
  EXPECT_EQ(tape_ejected("LTO4-0002", "files", "safe B").subject,
            "take LTO4-0002 to safe B");
}

TEST(notify_event, MountRequest) {
  auto e = mount_request("lto5", "vdi", {"LTO5-0003"});
  EXPECT_EQ(e.subject, "load a scratch tape of pool vdi, or LTO5-0003");
  EXPECT_EQ(e.drive, "lto5");
  EXPECT_EQ(e.barcode, "LTO5-0003");
  EXPECT_EQ(e.text,
            "Drive lto5 is waiting for a tape.\n"
            "Load a scratch tape of pool vdi, or one of these tapes of the "
            "pool:\n"
            "  LTO5-0003\n"
            "The backup continues when the tape is loaded.\n");
  EXPECT_EQ(mount_request("lto5", "vdi", {}).subject,
            "load a scratch tape of pool vdi");
  auto many = mount_request("lto5", "vdi", {"A", "B", "C", "D"});
  EXPECT_EQ(many.subject, "load a scratch tape of pool vdi, or A, B, C, ...");
  EXPECT_EQ(many.barcode, "");  // several candidates: acknowledged by drive
  EXPECT_EQ(many.fields["candidates"].size(), 4u);
}

TEST(notify_event, Recall) {
  auto e = recall("LTO5-0003", "the restore of VM web01 needs it");
  EXPECT_EQ(e.subject, "recall LTO5-0003 from off-site");
  EXPECT_EQ(e.text,
            "Bring tape LTO5-0003 back on site: the restore of VM web01 "
            "needs it.\nThen record it: tapeline tapes recall LTO5-0003\n");
}

TEST(notify_event, JobFailedAndDriveError) {
  auto j = job_failed(42, "backup of VM web01", "XAPI unreachable",
                      "check the hv agent on xcp1");
  EXPECT_EQ(j.subject, "job 42 failed: backup of VM web01");
  EXPECT_EQ(j.job_id, 42);
  EXPECT_NE(j.text.find("Error: XAPI unreachable\n"), std::string::npos);
  EXPECT_NE(j.text.find("Next step: check the hv agent on xcp1\n"),
            std::string::npos);
  auto d = drive_error("lto5", "EIO at record 1200\nsense: 03/11/00");
  EXPECT_EQ(d.subject, "drive lto5 error: EIO at record 1200");
  EXPECT_EQ(d.drive, "lto5");
  EXPECT_NE(d.text.find("sense: 03/11/00"), std::string::npos);
}

TEST(notify_event, JsonForm) {
  auto j = mount_request("lto5", "vdi", {"LTO5-0003"}).to_json();
  EXPECT_EQ(j["kind"], "mount_request");
  EXPECT_EQ(j["subject"], "load a scratch tape of pool vdi, or LTO5-0003");
  EXPECT_EQ(j["drive"], "lto5");
  EXPECT_EQ(j["fields"]["pool"], "vdi");
  EXPECT_EQ(j["fields"]["candidates"][0], "LTO5-0003");
  EXPECT_EQ(j["job_id"], 0);
  for (const auto& k : all_kinds()) EXPECT_TRUE(is_kind(k));
  EXPECT_FALSE(is_kind("tape_eject"));
}

nightly_report sample_report() {
  nightly_report r;
  r.night = "2025-07-01";
  r.written = {
      {"web01", 0, "vdi_full", 40ull << 30, "LTO5-0007", 3, 320},
      {"db02", 1, "vdi_delta", 512ull << 20, "LTO5-0007", 4, 0},
  };
  r.failures = {{"VM mail disk 0", "snapshot failed: SR full",
                 "free space on SR local, then run the job again"}};
  r.eject = {{"LTO5-0007", "from lto5"}};
  r.offsite = {{"LTO5-0007", "to bank safe"}};
  r.recall = {{"LTO5-0001", "for Friday's full"}};
  r.warnings = {"pool vdi has 2 scratch tapes left"};
  return r;
}

TEST(notify_event, NightlyReportTable) {
  auto e = report_event(sample_report());
  EXPECT_EQ(e.kind, "nightly_report");
  EXPECT_EQ(e.subject,
            "nightly report 2025-07-01: 2 objects, 40.5 GiB written, "
            "1 failure");
  EXPECT_EQ(e.text,
            "Nightly report for 2025-07-01\n"
            "\n"
            "Written: 2 objects, 40.5 GiB\n"
            "  VM     Disk  Kind       Size     Tape       File  Rate\n"
            "  web01  0     vdi_full   40 GiB   LTO5-0007  3     128 MiB/s\n"
            "  db02   1     vdi_delta  512 MiB  LTO5-0007  4     -\n"
            "\n"
            "Failed: 1\n"
            "  - VM mail disk 0: snapshot failed: SR full\n"
            "    next: free space on SR local, then run the job again\n"
            "\n"
            "Tomorrow morning:\n"
            "  - eject LTO5-0007 from lto5\n"
            "  - take off-site LTO5-0007 to bank safe\n"
            "  - recall LTO5-0001 for Friday's full\n"
            "\n"
            "Warnings:\n"
            "  - pool vdi has 2 scratch tapes left\n");
  EXPECT_EQ(e.fields["written"][0]["bytes"], 40ull << 30);
  EXPECT_EQ(e.fields["offsite"][0]["barcode"], "LTO5-0007");
  EXPECT_EQ(e.fields["failures"][0]["next_step"],
            "free space on SR local, then run the job again");
}

TEST(notify_event, QuietNight) {
  nightly_report r;
  r.night = "2025-07-02";
  auto e = report_event(r);
  EXPECT_EQ(e.subject,
            "nightly report 2025-07-02: 0 objects, 0 B written, no failures");
  EXPECT_NE(e.text.find("Tomorrow morning:\n  nothing to do\n"),
            std::string::npos);
}

}  // namespace
}  // namespace tapeline::notifier
