// The restore subcommands (cli.h): options, configuration, output.
#include "tapeline/restore/cli.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "tapeline/caf/node.h"
#include "tapeline/catalog/catalog.h"
#include "tapeline/catalog_tape/read_tape.h"
#include "tapeline/common/config.h"
#include "tapeline/common/log.h"
#include "tapeline/common/tls.h"
#include "tapeline/common/units.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/restore/restore_vdi.h"
#include "tapeline/restore/verify_tape.h"
#include "tapeline/restore/xapi_import.h"

namespace tapeline::restore {
namespace {

using nlohmann::json;

struct common_opts {
  std::string config, catalog, agent, drive, load;
  bool json = false;
  tls_options tls;
  xapi_options xapi;  // [xapi]: for --to xapi:SR-UUID
  std::string work_dir;
};

void add_common(CLI::App* c, common_opts& o, bool needs_agent) {
  c->add_option("-c,--config", o.config,
                "TOML file: [restore] catalog, agent, drive, load; [tls]");
  c->add_option("--catalog", o.catalog, "the catalog database (SQLite)");
  if (needs_agent) {
    c->add_option("--agent", o.agent, "tape agent HOST:PORT");
    c->add_option("--drive", o.drive, "drive name on that agent");
    c->add_option("--load", o.load,
                  "how tapes get into the drive: operator (ask on the "
                  "terminal, the default) or command (virtual drives: LOAD)")
        ->check(CLI::IsMember({"operator", "command"}));
  }
  c->add_flag("--json", o.json, "print a JSON summary on stdout");
}

// Fills what the command line left empty from the configuration file.
status load_config(common_opts& o) {
  if (o.config.empty()) return {};
  auto root = config::load_file(o.config);
  if (!root) return root.error();
  std::optional<config::table> t;
  TL_RETURN_IF_ERROR(root->optional_table("restore", &t));
  if (t) {
    std::string catalog, agent, drive, load;
    TL_RETURN_IF_ERROR(t->optional_path("catalog", &catalog));
    TL_RETURN_IF_ERROR(t->optional_string("agent", &agent));
    TL_RETURN_IF_ERROR(t->optional_string("drive", &drive));
    TL_RETURN_IF_ERROR(
        t->optional_one_of("load", &load, {"operator", "command"}));
    TL_RETURN_IF_ERROR(t->optional_path("work_dir", &o.work_dir));
    TL_RETURN_IF_ERROR(t->check_unknown_keys());
    if (o.catalog.empty()) o.catalog = catalog;
    if (o.agent.empty()) o.agent = agent;
    if (o.drive.empty()) o.drive = drive;
    if (o.load.empty()) o.load = load;
  }
  std::optional<config::table> x;
  TL_RETURN_IF_ERROR(root->optional_table("xapi", &x));
  if (x) {
    TL_RETURN_IF_ERROR(x->required_string("url", &o.xapi.url));
    TL_RETURN_IF_ERROR(x->required_path("credentials", &o.xapi.credentials));
    TL_RETURN_IF_ERROR(x->optional_path("cafile", &o.xapi.cafile));
    TL_RETURN_IF_ERROR(x->check_unknown_keys());
  }
  if (root->has("tls")) {
    auto tls = load_tls_section(*root);
    if (!tls) return tls.error();
    o.tls = *tls;
  }
  return root->check_unknown_keys();
}

status split_host_port(const std::string& s, std::string* host,
                       uint16_t* port) {
  auto i = s.rfind(':');
  int p = 0;
  if (i != std::string::npos) p = std::atoi(s.c_str() + i + 1);
  if (i == std::string::npos || i == 0 || p <= 0 || p > 65535)
    return make_error(code::invalid_argument,
                      "--agent must be HOST:PORT, got '" + s + "'");
  *host = s.substr(0, i);
  *port = static_cast<uint16_t>(p);
  return {};
}

// "2026-11-30", "2026-11-30T22:15[:00]" (UTC), or unix seconds.
result<int64_t> parse_time(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos)
    return static_cast<int64_t>(std::stoll(s));
  for (const char* f : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), f, &tm);
    if (end && *end == '\0') return static_cast<int64_t>(timegm(&tm));
  }
  return make_error(code::invalid_argument,
                    "--at '" + s +
                        "' is not a time: give YYYY-MM-DD[THH:MM[:SS]] (UTC) "
                        "or unix seconds");
}

int fail(const std::string& cmd, const status& st) {
  std::cerr << "tapeline-restore " << cmd << ": " << st.message() << "\n";
  return 1;
}

// The pieces every command needs: the catalog, an actor system, a client.
struct session {
  std::unique_ptr<catalog::catalog> cat;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<drive_client> client;
  std::unique_ptr<mount_handler> mount;
};

status open_session(common_opts& o, session& s) {
  TL_RETURN_IF_ERROR(load_config(o));
  if (o.catalog.empty())
    return make_error(code::invalid_argument,
                      "no catalog: give --catalog or [restore] catalog");
  auto cat = catalog::open(o.catalog);
  if (!cat) return cat.error();
  s.cat = std::move(*cat);
  if (o.agent.empty() || o.drive.empty())
    return make_error(code::invalid_argument,
                      "give the tape agent and drive (--agent HOST:PORT "
                      "--drive NAME, or [restore] agent and drive)");
  client_options co;
  TL_RETURN_IF_ERROR(split_host_port(o.agent, &co.host, &co.port));
  co.drive = o.drive;
  s.cfg = std::make_unique<caf::actor_system_config>();
  node::node_options no;
  no.tls = o.tls;
  no.role = "operator";
  TL_RETURN_IF_ERROR(node::prepare(*s.cfg, no));
  s.sys = std::make_unique<caf::actor_system>(*s.cfg);
  auto c = drive_client::connect(*s.sys, co);
  if (!c) return c.error();
  s.client = std::move(*c);
  if (o.load == "command") {
    s.mount = make_load_handler();
  } else {
    operator_options oo;
    oo.out = &std::cerr;
    s.mount = make_operator_handler(oo);
  }
  return {};
}

int run_vdi(common_opts& o, const std::string& vm, uint32_t disk,
            const std::string& at, const std::string& to) {
  catalog::find_query q;
  q.vm = vm;
  q.disk = disk;
  if (!at.empty()) {
    auto t = parse_time(at);
    if (!t) return fail("vdi", t.error());
    q.at = *t;
  }
  session s;
  if (auto st = open_session(o, s); !st) return fail("vdi", st);
  auto chains = s.cat->find(q);
  if (!chains) return fail("vdi", chains.error());
  if (chains->size() != 1)
    return fail(
        "vdi",
        make_error(code::invalid_argument,
                   "the catalog has " + std::to_string(chains->size()) +
                       " chains for " + vm + " disk " + std::to_string(disk)));
  const auto& chain = chains->front();
  if (!chain.offsite_tapes.empty()) {
    std::string t;
    for (const auto& b : chain.offsite_tapes) t += (t.empty() ? "" : ", ") + b;
    std::cerr << "tapeline-restore: the chain needs tapes that are off site: "
              << t << "; recall them first\n";
  }
  const bool to_xapi = to.rfind("xapi:", 0) == 0;
  if (to_xapi && o.xapi.url.empty())
    return fail("vdi", make_error(code::invalid_argument,
                                  "--to xapi:SR-UUID needs [xapi] url and "
                                  "credentials in the configuration"));
  std::string work;
  if (to_xapi) {
    std::string dir = o.work_dir.empty() ? "/var/tmp" : o.work_dir;
    std::string tmpl = dir + "/tapeline-restore-XXXXXX";
    if (!mkdtemp(tmpl.data()))
      return fail("vdi", make_error(code::io_error,
                                    "cannot make a work folder in " + dir +
                                        " ([restore] work_dir); it needs "
                                        "room for the disk and its layers"));
    work = tmpl;
  }
  struct cleanup_work {
    std::string dir;
    ~cleanup_work() {
      if (dir.empty()) return;
      ::unlink((dir + "/disk.raw").c_str());
      ::rmdir(dir.c_str());
    }
  } cleanup{work};
  restore_options ro;
  ro.to = to_xapi ? work + "/disk.raw" : to;
  ro.mount = s.mount.get();
  const bool tty = isatty(2);
  ro.on_progress = [tty](const std::string& line) {
    std::cerr << (tty ? "\r" : "") << "tapeline-restore: " << line
              << (tty ? "   " : "\n") << std::flush;
  };
  auto rep = restore_vdi(*s.client, chain, ro);
  if (tty) std::cerr << "\n";
  if (!rep) return fail("vdi", rep.error());
  std::string new_vdi;
  if (to_xapi) {
    import_spec is;
    is.sr_uuid = to.substr(5);
    is.raw_path = ro.to;
    is.name_label = vm + " disk " + std::to_string(disk) + " (restored)";
    is.description =
        "restored by Tapeline from object " + chain.steps.back().obj.id;
    auto v = import_to_xapi(o.xapi, is);
    if (!v) return fail("vdi", v.error());
    new_vdi = *v;
    rep->output = to;
  }
  double mbps = rep->seconds > 0 ? rep->read_bytes / rep->seconds / 1e6 : 0;
  if (o.json) {
    json j{{"vm", rep->vm},
           {"disk", rep->disk},
           {"output", rep->output},
           {"format", rep->format},
           {"disk_bytes", rep->disk_bytes},
           {"read_bytes", rep->read_bytes},
           {"seconds", rep->seconds},
           {"merge_seconds", rep->merge_seconds},
           {"MBps", mbps},
           {"vdi_uuid", new_vdi},
           {"objects", json::array()}};
    for (const auto& ob : rep->objects)
      j["objects"].push_back({{"object_id", ob.object_id},
                              {"kind", ob.kind},
                              {"where", ob.where},
                              {"bytes", ob.bytes},
                              {"sha256", ob.sha256},
                              {"verified", true}});
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& ob : rep->objects) {
      std::cout << ob.kind << " " << ob.object_id << ": "
                << format_bytes(ob.bytes) << " from";
      for (const auto& w : ob.where) std::cout << " " << w;
      std::cout << ", SHA-256 verified\n";
    }
    std::cout << rep->output << ": " << rep->format << " disk of "
              << format_bytes(rep->disk_bytes) << " (" << vm << " disk " << disk
              << ") from " << rep->objects.size() << " object(s), "
              << format_bytes(rep->read_bytes) << " read in " << rep->seconds
              << " s\n";
    if (!new_vdi.empty()) std::cout << "new VDI " << new_vdi << "\n";
  }
  return 0;
}

int run_verify(common_opts& o, const std::string& tape) {
  session s;
  if (auto st = open_session(o, s); !st) return fail("verify", st);
  auto entries = verify_tape(*s.client, *s.cat, tape, s.mount.get());
  if (!entries) return fail("verify", entries.error());
  size_t bad = 0;
  json all = json::array();
  for (const auto& e : *entries) {
    bad += !e.ok;
    if (o.json) {
      all.push_back({{"object_id", e.object_id},
                     {"name", e.name},
                     {"file_number", e.file_number},
                     {"part", e.part},
                     {"whole", e.whole},
                     {"bytes", e.bytes},
                     {"sha256", e.sha256},
                     {"ok", e.ok},
                     {"error", e.error}});
    } else if (e.ok) {
      std::cout << "ok      file " << e.file_number << "  " << e.object_id
                << " (" << e.name << ")  " << format_bytes(e.bytes)
                << (e.whole ? "  SHA-256 verified"
                            : "  part " + std::to_string(e.part) +
                                  " of a spanned object: length verified")
                << "\n";
    } else {
      std::cout << "FAILED  file " << e.file_number << "  " << e.error << "\n";
    }
  }
  if (o.json)
    std::cout << json{{"tape", tape}, {"objects", all}, {"failed", bad}}.dump(2)
              << "\n";
  if (bad > 0) {
    std::cerr << "tapeline-restore verify: " << bad << " of " << entries->size()
              << " object part(s) on " << tape
              << " failed; restore them from another copy\n";
    return 1;
  }
  return 0;
}

// Rebuilds the catalog from virtual cartridges on a shelf (tests and the
// quick start; a real site rebuilds from its drives).
int run_ingest(common_opts& o, const std::string& shelf,
               const std::vector<std::string>& barcodes) {
  if (auto st = load_config(o); !st) return fail("ingest-virtual", st);
  auto cat = catalog::open(o.catalog);
  if (!cat) return fail("ingest-virtual", cat.error());
  char tmpl[] = "/tmp/tapeline-ingest-XXXXXX";
  if (!mkdtemp(tmpl))
    return fail("ingest-virtual",
                make_error(code::io_error, "cannot make a temporary slot"));
  drive::virtual_drive_options vo;
  vo.name = "ingest";
  vo.slot_dir = tmpl;
  vo.library_dir = shelf;
  int rc = 0;
  {
    drive::virtual_drive d(vo);
    for (const auto& b : barcodes) {
      status st = d.load(b);
      if (st) st = d.open();
      if (st) st = catalog::ingest_loaded_tape(**cat, &d, std::time(nullptr));
      if (auto ej = d.eject(); st && !ej) st = ej;
      if (!st) {
        rc = fail("ingest-virtual", st.with_context("cartridge " + b));
        break;
      }
      std::cerr << "tapeline-restore: " << b << " ingested\n";
    }
  }
  ::rmdir(tmpl);
  return rc;
}

}  // namespace

void add_verify_command(CLI::App& app, int* exit_code) {
  auto ver_o = std::make_shared<common_opts>();
  auto tape = std::make_shared<std::string>();
  auto* ver = app.add_subcommand(
      "verify",
      "read every object on TAPE back through the drive and check it");
  add_common(ver, *ver_o, true);
  ver->add_option("tape", *tape, "the tape's barcode")->required();
  ver->callback([=] { *exit_code = run_verify(*ver_o, *tape); });
}

void add_restore_commands(CLI::App& app, int* exit_code) {
  auto vdi_o = std::make_shared<common_opts>();
  auto vm = std::make_shared<std::string>();
  auto disk = std::make_shared<uint32_t>(0);
  auto at = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto* vdi = app.add_subcommand(
      "vdi",
      "restore a VDI through the drive: the catalog's chain as of --at, each "
      "tape requested in order, every object's SHA-256 verified, merged into "
      "FILE.raw or FILE.vhd");
  add_common(vdi, *vdi_o, true);
  vdi->add_option("--vm", *vm, "VM name or uuid")->required();
  vdi->add_option("--disk", *disk, "disk number (VBD userdevice)")->required();
  vdi->add_option("--at", *at,
                  "restore the disk as it was at this time (UTC "
                  "YYYY-MM-DD[THH:MM[:SS]] or unix seconds); default newest");
  vdi->add_option("--to", *to,
                  "FILE.raw, FILE.vhd, or xapi:SR-UUID (a new VDI on that SR, "
                  "through [xapi])")
      ->required();
  vdi->callback([=] { *exit_code = run_vdi(*vdi_o, *vm, *disk, *at, *to); });

  add_verify_command(app, exit_code);

  auto ing_o = std::make_shared<common_opts>();
  auto shelf = std::make_shared<std::string>();
  auto barcodes = std::make_shared<std::vector<std::string>>();
  auto* ing = app.add_subcommand(
      "ingest-virtual",
      "rebuild the catalog from virtual cartridges on a shelf (tests, quick "
      "start)");
  add_common(ing, *ing_o, false);
  ing->add_option("--shelf", *shelf, "the cartridges' folder")->required();
  ing->add_option("barcodes", *barcodes, "cartridges to read")->required();
  ing->callback([=] { *exit_code = run_ingest(*ing_o, *shelf, *barcodes); });
}

}  // namespace tapeline::restore
