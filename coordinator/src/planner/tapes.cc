#include <algorithm>

#include "steps.h"

namespace tapeline::planner {
namespace {

tape_use fresh(const tape& t, bool load) {
  tape_use u;
  u.barcode = t.barcode;
  u.free_bytes = t.capacity;
  u.load = load;
  return u;
}

}  // namespace

rotation_state rotate(const context& ctx, const std::vector<bool>& kept,
                      plan& out) {
  const auto& tapes = ctx.in.tapes;
  rotation_state rs;
  rs.holds_kept.assign(tapes.size(), false);
  rs.scratch.assign(ctx.in.pools.size(), {});
  for (size_t ti = 0; ti < tapes.size(); ++ti)
    for (size_t o : ctx.tape_objects[ti])
      if (kept[o]) rs.holds_kept[ti] = true;
  for (size_t p = 0; p < ctx.in.pools.size(); ++p) {
    const media_pool& mp = ctx.in.pools[p];
    for (size_t ti : ctx.pool_tapes[p]) {
      const tape& t = tapes[ti];
      const std::string where =
          t.location.empty() ? "" : " (" + t.location + ")";
      if (rs.holds_kept[ti]) {
        if (t.state == tape_state::scratch) {
          out.warnings.push_back({severity::error, t.barcode,
                                  "tape " + t.barcode +
                                      " is marked scratch but holds retained "
                                      "backups: it is not used tonight; mark "
                                      "it full in the catalog "
                                      "(tapeline tapes full " +
                                      t.barcode + ")"});
        } else if (t.state == tape_state::full && mp.offsite) {
          out.tape_actions.push_back(
              {tape_action_kind::eject_offsite, t.barcode, mp.name,
               "full and still on site" + where + ": take it off-site"});
        }
        continue;
      }
      switch (t.state) {
        case tape_state::offsite:
        case tape_state::vaulted:
        case tape_state::expired:
          out.tape_actions.push_back(
              {tape_action_kind::recall, t.barcode, mp.name,
               "nothing on it is retained any more: recall it" + where +
                   " for reuse as scratch"});
          break;
        case tape_state::full:
          out.tape_actions.push_back(
              {tape_action_kind::return_to_scratch, t.barcode, mp.name,
               "nothing on it is retained any more: reuse it as scratch"});
          rs.scratch[p].push_back(ti);
          break;
        case tape_state::scratch:
          rs.scratch[p].push_back(ti);
          break;
        case tape_state::loaded:  // its drive decides (assign_tapes)
        case tape_state::retired:
          break;
      }
    }
  }
  return rs;
}

std::vector<drive_slot> assign_tapes(const context& ctx, rotation_state& rs,
                                     plan& out) {
  const auto& tapes = ctx.in.tapes;
  std::vector<drive_slot> slots;
  for (size_t p = 0; p < ctx.in.pools.size(); ++p) {
    const media_pool& mp = ctx.in.pools[p];
    auto& scratch = rs.scratch[p];
    for (size_t di : ctx.pool_drives[p]) {
      const drive& d = ctx.in.drives[di];
      drive_slot s;
      s.drive = di;
      s.pool = p;
      s.rate = d.rate;
      for (size_t ti = 0; ti < tapes.size(); ++ti) {
        const tape& t = tapes[ti];
        if (t.state != tape_state::loaded || t.drive != d.name) continue;
        const bool ours = t.pool == mp.name && t.media_type == mp.media_type;
        if (ours && !rs.holds_kept[ti]) {
          if (t.used > 0)
            out.tape_actions.push_back(
                {tape_action_kind::return_to_scratch, t.barcode, mp.name,
                 "nothing on it is retained any more: drive " + d.name +
                     " rewrites it from the start tonight"});
          s.tapes.push_back(fresh(t, false));
        } else if (ours && mp.mode == rotation::append_until_full &&
                   t.used < t.capacity) {
          tape_use u = fresh(t, false);
          u.free_bytes = t.capacity - t.used;
          s.tapes.push_back(u);
        } else {
          const bool leaves = ours && mp.offsite;
          out.tape_actions.push_back(
              {leaves ? tape_action_kind::eject_offsite
                      : tape_action_kind::eject,
               t.barcode, mp.name,
               "still in drive " + d.name + " from an earlier night: eject it" +
                   std::string(leaves ? " and take it off-site" : "") +
                   " before tonight's run"});
        }
      }
      if (s.tapes.empty() && !scratch.empty()) {
        s.tapes.push_back(fresh(tapes[scratch.front()], true));
        scratch.erase(scratch.begin());
      }
      for (auto& u : s.tapes) s.capacity += u.free_bytes;
      slots.push_back(std::move(s));
    }
  }
  return slots;
}

bool add_tape(const context& ctx, rotation_state& rs, drive_slot& slot) {
  const media_pool& mp = ctx.in.pools[slot.pool];
  auto& scratch = rs.scratch[slot.pool];
  if (mp.mode != rotation::append_until_full || scratch.empty() ||
      static_cast<int>(slot.tapes.size()) >= mp.max_tapes_per_drive)
    return false;
  slot.tapes.push_back(fresh(ctx.in.tapes[scratch.front()], true));
  slot.capacity += slot.tapes.back().free_bytes;
  scratch.erase(scratch.begin());
  return true;
}

}  // namespace tapeline::planner
