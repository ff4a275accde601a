#include <algorithm>
#include <map>
#include <set>

#include "steps.h"
#include "tapeline/planner/calendar.h"

namespace tapeline::planner {
namespace {

struct night_state {
  const context& ctx;
  std::vector<candidate>& cands;
  std::vector<drive_slot>& slots;
  std::vector<std::vector<size_t>> items;     // per pool, candidate indices
  std::vector<std::vector<size_t>> unplaced;  // per pool
  std::map<size_t, std::pair<size_t, change>> moved;  // item: from, change

  std::vector<drive_slot*> slots_of(size_t pool) {
    std::vector<drive_slot*> v;
    for (auto& s : slots)
      if (s.pool == pool) v.push_back(&s);
    return v;
  }
  uint64_t capacity(size_t pool) {
    uint64_t c = 0;
    for (auto* s : slots_of(pool)) c += s->capacity;
    return c;
  }
  uint64_t demand(size_t pool) {
    uint64_t d = 0;
    for (size_t i : items[pool]) d += cands[i].obj.bytes;
    return d;
  }
  void replace(size_t pool) {
    for (auto* s : slots_of(pool)) {
      s->planned = 0;
      s->busy = 0;
      s->items.clear();
    }
    for (size_t i : items[pool]) cands[i].placed = false;
    unplaced[pool] = place(cands, items[pool], slots_of(pool));
  }
  // "tonight's LTO-4 tape on drive lto4 has 210 GB free"
  std::string room(size_t pool) {
    auto ss = slots_of(pool);
    size_t ntapes = 0;
    std::string drives;
    for (auto* s : ss) {
      ntapes += s->tapes.size();
      drives += (drives.empty() ? "" : ", ") + ctx.in.drives[s->drive].name;
    }
    const std::string& media = ctx.in.pools[pool].media_type;
    if (ntapes == 0)
      return "no " + media + " tape of pool '" + ctx.in.pools[pool].name +
             "' can be loaded tonight";
    return "tonight's " + media + (ntapes > 1 ? " tapes" : " tape") + " on " +
           (ss.size() > 1 ? "drives " : "drive ") + drives + " " +
           (ntapes > 1 ? "have " : "has ") + human_bytes(capacity(pool)) +
           " free";
  }
};

void grow_append_pool(night_state& ns, rotation_state& rs, size_t p) {
  while (!ns.unplaced[p].empty()) {
    auto ss = ns.slots_of(p);
    std::stable_sort(ss.begin(), ss.end(), [](auto* a, auto* b) {
      return a->capacity - a->planned < b->capacity - b->planned;
    });
    bool added = false;
    for (auto* s : ss)
      if ((added = add_tape(ns.ctx, rs, *s))) break;
    if (!added) return;
    ns.replace(p);
  }
}

void move_to_overflow(night_state& ns, size_t p, plan& out) {
  const auto& in = ns.ctx.in;
  const std::string why = ns.room(p) + " and pool '" + in.pools[p].name +
                          "' needs " + human_bytes(ns.demand(p));
  std::vector<size_t> still;
  for (size_t i : ns.unplaced[p]) {
    candidate& c = ns.cands[i];
    const policy& pol = in.policies[ns.ctx.sources[c.src].policy];
    bool moved = false;
    for (const std::string& qn : pol.overflow_pools) {
      const size_t q = ns.ctx.pool_index.at(qn);
      if (q == p || !place(ns.cands, {i}, ns.slots_of(q)).empty()) continue;
      ns.items[p].erase(std::find(ns.items[p].begin(), ns.items[p].end(), i));
      ns.items[q].push_back(i);
      c.obj.pool = qn;
      ns.moved[i] = {
          p, change{change_kind::moved, c.obj.label,
                    c.obj.label + ": moved from pool '" + in.pools[p].name +
                        "' to pool '" + qn + "' (" + in.pools[q].media_type +
                        "): " + why}};
      moved = true;
      break;
    }
    if (!moved) still.push_back(i);
  }
  ns.unplaced[p] = still;
}

// After deferrals made room, work moved away from pool p comes back.
void reclaim(night_state& ns, size_t p) {
  std::vector<size_t> back;
  for (auto& [i, m] : ns.moved)
    if (m.first == p) back.push_back(i);
  std::sort(back.begin(), back.end(), [&](size_t a, size_t b) {
    return ns.cands[a].obj.bytes > ns.cands[b].obj.bytes;
  });
  std::set<size_t> touched;
  for (size_t i : back) {
    candidate& c = ns.cands[i];
    const size_t q = ns.ctx.pool_index.at(c.obj.pool);
    auto* slot_of = [&]() -> drive_slot* {
      for (auto* sl : ns.slots_of(q))
        if (std::count(sl->items.begin(), sl->items.end(), i)) return sl;
      return nullptr;
    }();
    if (!place(ns.cands, {i}, ns.slots_of(p)).empty()) continue;
    if (slot_of) {
      slot_of->items.erase(
          std::find(slot_of->items.begin(), slot_of->items.end(), i));
      slot_of->planned -= c.obj.bytes;
      touched.insert(q);
    }
    ns.items[q].erase(std::find(ns.items[q].begin(), ns.items[q].end(), i));
    ns.items[p].push_back(i);
    c.obj.pool = ns.ctx.in.pools[p].name;
    c.placed = true;
    ns.moved.erase(i);
  }
  for (size_t q : touched) ns.replace(q);
}

void defer_fulls(night_state& ns, size_t p, plan& out) {
  const auto& in = ns.ctx.in;
  if (ns.capacity(p) == 0) return;  // deltas would not fit either
  // What pool p needed before any of its work moved, and the room the
  // overflow pools had for it.
  uint64_t need_all = ns.demand(p);
  std::map<size_t, uint64_t> took;  // overflow pool: bytes moved there
  for (auto& [i, m] : ns.moved)
    if (m.first == p) {
      need_all += ns.cands[i].obj.bytes;
      took[ns.ctx.pool_index.at(ns.cands[i].obj.pool)] += ns.cands[i].obj.bytes;
    }
  std::string why = ns.room(p) + " and pool '" + in.pools[p].name + "' needs " +
                    human_bytes(static_cast<double>(need_all));
  for (auto& [q, bytes] : took) {
    uint64_t left = 0;
    for (auto* sl : ns.slots_of(q)) left += sl->capacity - sl->planned;
    why += "; overflow pool '" + in.pools[q].name + "' had room for " +
           human_bytes(static_cast<double>(left + bytes));
  }
  const std::string tomorrow = weekday_name(weekday(in.today + 1));
  while (!ns.unplaced[p].empty()) {
    std::vector<size_t> eligible;
    for (size_t i : ns.items[p]) {
      const candidate& c = ns.cands[i];
      if (c.obj.kind == backup_kind::full && c.can_delta &&
          c.delta_bytes < c.full_bytes)
        eligible.push_back(i);
    }
    if (eligible.empty()) return;
    std::sort(eligible.begin(), eligible.end(), [&](size_t a, size_t b) {
      const candidate& x = ns.cands[a];
      const candidate& y = ns.cands[b];
      if (x.base_chain != y.base_chain) return x.base_chain < y.base_chain;
      const double sx = x.full_bytes - x.delta_bytes;
      const double sy = y.full_bytes - y.delta_bytes;
      if (sx != sy) return sx > sy;
      return x.obj.id < y.obj.id;
    });
    double need = 0;
    for (size_t i : ns.unplaced[p]) need += ns.cands[i].obj.bytes;
    double saved = 0;
    for (size_t i : eligible) {
      if (saved >= need) break;
      candidate& c = ns.cands[i];
      saved += c.full_bytes - c.delta_bytes;
      const policy& pol = in.policies[ns.ctx.sources[c.src].policy];
      c.obj.kind = backup_kind::delta;
      c.obj.base = c.base;
      c.obj.chain_length = c.base_chain + 1;
      c.obj.bytes = static_cast<uint64_t>(c.delta_bytes);
      out.changes.push_back(
          {change_kind::deferred, c.obj.label,
           c.obj.label + ": full deferred to " + tomorrow +
               ", a delta tonight (chain " +
               std::to_string(c.obj.chain_length) + " of at most " +
               std::to_string(pol.max_chain_length) + "): " + why});
    }
    ns.replace(p);
    reclaim(ns, p);
  }
}

void report_unplaced(night_state& ns, const rotation_state& rs, size_t p,
                     plan& out) {
  const auto& in = ns.ctx.in;
  if (ns.unplaced[p].empty()) return;
  const media_pool& mp = in.pools[p];
  uint64_t bytes = 0;
  std::string names;
  size_t shown = 0;
  for (size_t i : ns.unplaced[p]) {
    bytes += ns.cands[i].obj.bytes;
    if (shown++ < 3)
      names += (names.empty() ? "" : ", ") + ns.cands[i].obj.label;
  }
  if (ns.unplaced[p].size() > 3)
    names += " and " + std::to_string(ns.unplaced[p].size() - 3) + " more";
  std::string todo;
  if (ns.slots_of(p).empty()) {
    todo = "give pool '" + mp.name + "' a drive";
  } else if (!rs.scratch[p].empty()) {
    todo = "load another scratch tape of pool '" + mp.name + "' (" +
           in.tapes[rs.scratch[p].front()].barcode + " is free) when the " +
           "first fills, or allow more tapes per drive";
  } else {
    std::string recalls;
    for (auto& a : out.tape_actions)
      if (a.kind == tape_action_kind::recall && a.pool == mp.name)
        recalls += (recalls.empty() ? "" : ", ") + a.barcode;
    todo = "load another scratch tape of pool '" + mp.name + "' (" +
           mp.media_type + "): none is on site; " +
           (recalls.empty() ? "label a new tape into the pool"
                            : "recall " + recalls + " or label a new tape");
  }
  out.warnings.push_back({severity::error, mp.name,
                          std::to_string(ns.unplaced[p].size()) +
                              " backup(s) of pool '" + mp.name + "' (" +
                              human_bytes(static_cast<double>(bytes)) + ": " +
                              names + ") do not fit tonight: " + ns.room(p) +
                              " after every allowed change: " + todo});
}

}  // namespace

void schedule_night(const context& ctx, std::vector<candidate>& cands,
                    std::vector<drive_slot>& slots, rotation_state& rs,
                    plan& out) {
  const size_t np = ctx.in.pools.size();
  night_state ns{ctx, cands, slots, {}, {}, {}};
  ns.items.assign(np, {});
  ns.unplaced.assign(np, {});
  for (size_t i = 0; i < cands.size(); ++i)
    ns.items[ctx.sources[cands[i].src].pool].push_back(i);
  for (size_t p = 0; p < np; ++p) {
    ns.replace(p);
    grow_append_pool(ns, rs, p);
  }
  for (size_t p = 0; p < np; ++p)
    if (!ns.unplaced[p].empty()) move_to_overflow(ns, p, out);
  std::vector<change> deferred;
  std::swap(deferred, out.changes);
  for (size_t p = 0; p < np; ++p) defer_fulls(ns, p, out);
  for (size_t p = 0; p < np; ++p)  // what deferring did not make fit
    if (!ns.unplaced[p].empty()) move_to_overflow(ns, p, out);
  std::swap(deferred, out.changes);
  for (auto& [i, m] : ns.moved) out.changes.push_back(m.second);
  out.changes.insert(out.changes.end(), deferred.begin(), deferred.end());
  for (size_t p = 0; p < np; ++p) report_unplaced(ns, rs, p, out);
}

}  // namespace tapeline::planner
