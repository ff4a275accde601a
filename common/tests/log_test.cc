#include "tapeline/common/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sstream>

namespace tapeline::log {
namespace {

struct captured {
  std::ostringstream out;
  spdlog::sink_ptr sink;
  captured() {
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    sink->set_pattern("%n|%l|%v");
  }
};

options quiet(spdlog::sink_ptr sink, spdlog::level::level_enum level) {
  options opts;
  opts.console = false;
  opts.level = level;
  opts.extra_sinks = {std::move(sink)};
  return opts;
}

TEST(log, parses_levels) {
  EXPECT_EQ(*parse_level("debug"), spdlog::level::debug);
  EXPECT_EQ(*parse_level("warning"), spdlog::level::warn);
  EXPECT_EQ(*parse_level("off"), spdlog::level::off);
  auto bad = parse_level("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "expected one of trace, debug, info, warn, error, critical, off, "
            "got \"loud\"");
}

TEST(log, component_loggers_share_the_sinks_and_level) {
  captured cap;
  setup(quiet(cap.sink, spdlog::level::info));
  get("drive.lto5")->info("loaded {}", "LTO5-0007");
  get("catalog")->debug("not shown at info");
  get("catalog")->warn("slow");
  spdlog::info("default");
  EXPECT_EQ(cap.out.str(),
            "drive.lto5|info|loaded LTO5-0007\ncatalog|warning|slow\n"
            "tapeline|info|default\n");
}

TEST(log, setup_reconfigures_existing_loggers) {
  auto early = get("early");
  captured cap;
  setup(quiet(cap.sink, spdlog::level::warn));
  early->info("dropped");
  early->error("kept");
  EXPECT_EQ(cap.out.str(), "early|error|kept\n");
}

TEST(log, syslog_sink_can_be_set_up) {
  captured cap;
  auto opts = quiet(cap.sink, spdlog::level::info);
  opts.syslog = true;
  opts.ident = "tapeline-log-test";
  setup(opts);
  get("test")->info("to syslog and the capture");
  EXPECT_EQ(cap.out.str(), "test|info|to syslog and the capture\n");
  EXPECT_EQ(get("test")->sinks().size(), 2u);
}

TEST(log, redact_hides_secrets) {
  EXPECT_EQ(redact("hunter2"), "<redacted>");
  EXPECT_EQ(redact(""), "<empty>");
  EXPECT_EQ(redact_url("https://root:s3cret@xcp1.example.org/jsonrpc"),
            "https://root:<redacted>@xcp1.example.org/jsonrpc");
  EXPECT_EQ(redact_url("https://root@xcp1/jsonrpc"),
            "https://root@xcp1/jsonrpc");
  EXPECT_EQ(redact_url("https://xcp1:443/a@b"), "https://xcp1:443/a@b");
  EXPECT_EQ(redact_url("smtp://u:p:q@mail:25"), "smtp://u:<redacted>@mail:25");
}

}  // namespace
}  // namespace tapeline::log
