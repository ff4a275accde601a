#include "context.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace tapeline::planner {
namespace {

status bad(const std::string& msg) {
  return make_error(code::invalid_argument, msg);
}

template <class T, class F>
status index_unique(const std::vector<T>& v, const char* what, F key,
                    std::map<std::string, size_t>& out) {
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string& k = key(v[i]);
    if (k.empty())
      return bad(std::string(what) + " #" + std::to_string(i + 1) +
                 " has no name: give every " + what + " a name");
    if (!out.emplace(k, i).second)
      return bad(std::string(what) + " '" + k +
                 "' is defined twice: " + "rename or remove one of them");
  }
  return {};
}

status check_policy(const context& ctx, const policy& p) {
  const std::string at = "policy '" + p.name + "': ";
  if (!ctx.pool_index.count(p.pool))
    return bad(at + "pool '" + p.pool + "' is not defined: define it or " +
               "name one of the configured pools");
  for (auto& o : p.overflow_pools)
    if (!ctx.pool_index.count(o))
      return bad(at + "overflow pool '" + o + "' is not defined");
  if (p.full_weekday < 0 || p.full_weekday > 6)
    return bad(at + "full_weekday must be 0 (Sunday) to 6 (Saturday)");
  if (p.max_chain_length < 0 || p.host_snapshot_days < 0)
    return bad(at + "max_chain_length and host_snapshot_days must be >= 0");
  if (p.keep.daily < 1 || p.keep.weekly < 0 || p.keep.monthly < 0)
    return bad(at + "keep.daily must be >= 1, weekly and monthly >= 0");
  if (p.min_daily_keep < 1 || p.min_daily_keep > p.keep.daily)
    return bad(at + "min_daily_keep must be between 1 and keep.daily (" +
               std::to_string(p.keep.daily) + ")");
  if (p.kind == schedule::weekly_full && p.max_chain_length < 1)
    return bad(at + "a weekly full needs max_chain_length >= 1 for its " +
               "daily deltas");
  return {};
}

void add_source(context& ctx, const std::string& id, const std::string& label,
                const std::string& pol, uint64_t size) {
  source_info s;
  s.id = id;
  s.label = label;
  s.policy = ctx.policy_index.at(pol);
  s.pool = ctx.pool_index.at(ctx.in.policies[s.policy].pool);
  s.size = size;
  auto h = ctx.in.history.find(id);
  static const std::vector<size_sample> none;
  s.trend = estimate_trend(h == ctx.in.history.end() ? none : h->second, size);
  ctx.sources.push_back(std::move(s));
}

status index_sources(context& ctx) {
  for (auto& v : ctx.in.fleet.vms) {
    if (!ctx.policy_index.count(v.policy))
      return bad("VM '" + v.name + "': policy '" + v.policy +
                 "' is not defined: assign a configured policy");
    for (size_t d = 0; d < v.disks.size(); ++d)
      add_source(ctx, v.disks[d].id, v.name + " disk " + std::to_string(d),
                 v.policy, v.disks[d].size);
  }
  for (auto& f : ctx.in.fleet.file_sets) {
    if (!ctx.policy_index.count(f.policy))
      return bad("file set '" + f.name + "': policy '" + f.policy +
                 "' is not defined: assign a configured policy");
    add_source(ctx, f.id, f.name, f.policy, f.size);
  }
  std::sort(ctx.sources.begin(), ctx.sources.end(),
            [](auto& a, auto& b) { return a.id < b.id; });
  for (size_t i = 0; i < ctx.sources.size(); ++i)
    if (!ctx.source_index.emplace(ctx.sources[i].id, i).second)
      return bad("source '" + ctx.sources[i].id + "' (" + ctx.sources[i].label +
                 ") appears twice in the inventory");
  return {};
}

void index_tapes(context& ctx, std::vector<warning>& warnings) {
  ctx.pool_tapes.assign(ctx.in.pools.size(), {});
  for (size_t i = 0; i < ctx.in.tapes.size(); ++i) {
    const tape& t = ctx.in.tapes[i];
    ctx.tape_index.emplace(t.barcode, i);
    if (t.state == tape_state::retired) continue;
    auto p = ctx.pool_index.find(t.pool);
    if (p == ctx.pool_index.end() ||
        ctx.in.pools[p->second].media_type != t.media_type) {
      warnings.push_back({severity::warning, t.barcode,
                          "tape " + t.barcode + " (" + t.media_type +
                              ", pool '" + t.pool +
                              "') matches no pool of that media type and is "
                              "not used: fix its pool in the catalog"});
      continue;
    }
    ctx.pool_tapes[p->second].push_back(i);
  }
  for (auto& v : ctx.pool_tapes)
    std::sort(v.begin(), v.end(), [&](size_t a, size_t b) {
      return ctx.in.tapes[a].barcode < ctx.in.tapes[b].barcode;
    });
}

void index_objects(context& ctx) {
  const auto& objs = ctx.in.objects;
  const size_t n = objs.size();
  ctx.source_objects.assign(ctx.sources.size(), {});
  auto& ix = ctx.object_ix;
  ix.night.resize(n);
  ix.source.resize(n);
  ix.group.resize(n);
  ix.parent.assign(n, -1);
  ix.is_delta.resize(n);
  std::unordered_map<std::string, size_t> orphans;  // sources not in use
  std::vector<size_t> misses;  // deltas whose parent is not just before
  for (size_t i = 0; i < n; ++i) {
    const retained_object& o = objs[i];
    ix.night[i] = o.night;
    ix.is_delta[i] = o.kind == backup_kind::delta;
    if (i > 0 && objs[i - 1].source == o.source) {  // catalogs group them
      ix.source[i] = ix.source[i - 1];
      ix.group[i] = ix.group[i - 1];
    } else if (auto s = ctx.source_index.find(o.source);
               s != ctx.source_index.end()) {
      ix.source[i] = s->second;
      ix.group[i] = ctx.sources[s->second].policy;
    } else {
      ix.source[i] = ctx.sources.size() +
                     orphans.emplace(o.source, orphans.size()).first->second;
      ix.group[i] = ctx.in.policies.size();
    }
    if (ix.is_delta[i]) {
      if (i > 0 && objs[i - 1].id == o.parent)  // the usual order
        ix.parent[i] = static_cast<long>(i - 1);
      else
        misses.push_back(i);
    }
  }
  if (!misses.empty()) {
    std::unordered_map<std::string_view, size_t> by_id;
    by_id.reserve(n);
    for (size_t i = 0; i < n; ++i) by_id.emplace(objs[i].id, i);
    for (size_t i : misses) {
      auto p = by_id.find(objs[i].parent);
      if (p == by_id.end())
        ctx.broken.push_back(objs[i].id);
      else
        ix.parent[i] = static_cast<long>(p->second);
    }
  }
  std::sort(ctx.broken.begin(), ctx.broken.end());
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return objs[a].night < objs[b].night;
  });
  ctx.chain_length.assign(n, 0);
  ctx.tape_objects.assign(ctx.in.tapes.size(), {});
  for (size_t i : order) {
    for (auto& b : objs[i].tapes) {
      auto t = ctx.tape_index.find(b);
      if (t != ctx.tape_index.end()) ctx.tape_objects[t->second].push_back(i);
    }
    if (ix.is_delta[i])
      ctx.chain_length[i] =
          ix.parent[i] < 0 ? 1 : ctx.chain_length[ix.parent[i]] + 1;
    if (ix.source[i] < ctx.sources.size())
      ctx.source_objects[ix.source[i]].push_back(i);
  }
}

}  // namespace

size_t context::policy_of_object(size_t object) const {
  return object_ix.group[object];
}

bool on_site(tape_state s) {
  return s == tape_state::scratch || s == tape_state::loaded ||
         s == tape_state::full;
}

std::string human_bytes(double b) {
  char buf[32];
  if (b >= 1e12)
    std::snprintf(buf, sizeof buf, "%.2f TB", b / 1e12);
  else if (b >= 1e9)
    std::snprintf(buf, sizeof buf, "%.0f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(buf, sizeof buf, "%.0f MB", b / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

status build_context(context& ctx, std::vector<warning>& warnings) {
  const planner_input& in = ctx.in;
  TL_RETURN_IF_ERROR(index_unique(
      in.pools, "pool", [](auto& p) -> auto& { return p.name; },
      ctx.pool_index));
  TL_RETURN_IF_ERROR(index_unique(
      in.policies, "policy", [](auto& p) -> auto& { return p.name; },
      ctx.policy_index));
  std::map<std::string, size_t> drives, tapes;
  TL_RETURN_IF_ERROR(index_unique(
      in.drives, "drive", [](auto& d) -> auto& { return d.name; }, drives));
  TL_RETURN_IF_ERROR(index_unique(
      in.tapes, "tape", [](auto& t) -> auto& { return t.barcode; }, tapes));
  for (auto& p : in.policies) TL_RETURN_IF_ERROR(check_policy(ctx, p));
  ctx.pool_drives.assign(in.pools.size(), {});
  for (auto& [name, i] : drives) {
    const drive& d = in.drives[i];
    auto p = ctx.pool_index.find(d.pool);
    if (p == ctx.pool_index.end())
      return bad("drive '" + d.name + "': pool '" + d.pool +
                 "' is not defined");
    if (in.pools[p->second].media_type != d.media_type)
      return bad("drive '" + d.name + "' writes " + d.media_type +
                 " but pool '" + d.pool + "' holds " +
                 in.pools[p->second].media_type +
                 " tapes: give the drive a pool of its media type");
    if (!(d.rate > 0))
      return bad("drive '" + d.name + "': rate must be > 0 bytes/s");
    ctx.pool_drives[p->second].push_back(i);
  }
  ctx.pool_policies.assign(in.pools.size(), {});
  for (size_t i = 0; i < in.policies.size(); ++i) {
    ctx.pool_policies[ctx.pool_index.at(in.policies[i].pool)].push_back(i);
    ctx.configured_daily.push_back(in.policies[i].keep.daily);
  }
  TL_RETURN_IF_ERROR(index_sources(ctx));
  index_tapes(ctx, warnings);
  index_objects(ctx);
  return {};
}

retention_table make_retention_table(const context& ctx) {
  gfs_keep orphan{1, 0, 0};
  std::vector<gfs_keep> keeps;
  for (auto& p : ctx.in.policies) {
    keeps.push_back(p.keep);
    orphan.daily = std::max(orphan.daily, p.keep.daily);
    orphan.weekly = std::max(orphan.weekly, p.keep.weekly);
    orphan.monthly = std::max(orphan.monthly, p.keep.monthly);
  }
  keeps.push_back(orphan);
  return retention_table(ctx.object_ix, ctx.in.today, keeps, {});
}

std::vector<int> daily_after_cut(const context& ctx,
                                 const std::vector<int>& pool_cut) {
  std::vector<int> d;
  int orphan = 1;
  for (auto& p : ctx.in.policies) {
    // Its own pool's cut, or a pool its work overflows to.
    int cut = pool_cut[ctx.pool_index.at(p.pool)];
    const size_t pi = d.size();
    if (pi < ctx.spills.size() && ctx.spills[pi])
      for (auto& o : p.overflow_pools)
        cut = std::max(cut, pool_cut[ctx.pool_index.at(o)]);
    d.push_back(std::max(p.min_daily_keep, p.keep.daily - cut));
    orphan = std::max(orphan, p.keep.daily);
  }
  d.push_back(orphan);
  return d;
}

}  // namespace tapeline::planner
