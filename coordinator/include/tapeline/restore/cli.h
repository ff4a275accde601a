// The restore commands (docs/restore.md), as subcommands any CLI can mount:
// tapeline-restore today, the `tapeline` CLI later.
//
//   vdi     --vm NAME --disk N [--at TIME] --to FILE.raw|FILE.vhd
//   verify  TAPE
//   ingest-virtual --shelf DIR BARCODE...   (tests, quick start)
//
// Each takes --config FILE (TOML: [restore] catalog, agent, drive, load;
// [tls] certificate, key, cafile), overridable by --catalog, --agent,
// --drive and --load, and --json. Progress, rate and ETA go to stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace tapeline::restore {

// Adds the subcommands to `app`. The chosen one runs when CLI11 calls its
// callback (after parsing) and stores its exit code in *exit_code, which
// must outlive `app`.
void add_restore_commands(CLI::App& app, int* exit_code);

}  // namespace tapeline::restore
