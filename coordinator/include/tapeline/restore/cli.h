// The restore commands (docs/restore.md), as subcommands any CLI can mount:
// tapeline-restore, and the `tapeline` CLI as `tapeline restore ...` and
// `tapeline verify TAPE`.
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

// Only `verify TAPE` (add_restore_commands adds it too), for a CLI that
// mounts it at its top level (`tapeline verify TAPE`).
void add_verify_command(CLI::App& app, int* exit_code);

}  // namespace tapeline::restore
