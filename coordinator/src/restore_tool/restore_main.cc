// tapeline-restore: restores through a tape agent's drive (docs/restore.md).
// The same subcommands will be mounted under the `tapeline` CLI.
#include <CLI/CLI.hpp>

#include "tapeline/common/log.h"
#include "tapeline/restore/cli.h"

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-restore: restore VDIs through a Tapeline tape agent's drive, "
      "and verify tapes (docs/restore.md).\n\n"
      "Examples:\n"
      "  tapeline-restore vdi -c restore.toml --vm vm01 --disk 0 --to "
      "disk0.raw\n"
      "  tapeline-restore vdi -c restore.toml --vm vm01 --disk 0 --at "
      "2026-11-28 --to disk0.vhd\n"
      "  tapeline-restore verify -c restore.toml LTO5-0003"};
  app.require_subcommand(1);
  int rc = 0;
  tapeline::restore::add_restore_commands(app, &rc);
  tapeline::log::options lo;
  lo.level = spdlog::level::warn;
  tapeline::log::setup(lo);
  CLI11_PARSE(app, argc, argv);
  return rc;
}
