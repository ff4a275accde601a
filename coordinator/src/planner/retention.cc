#include "tapeline/planner/retention.h"

#include <algorithm>
#include <map>

#include "tapeline/planner/calendar.h"

namespace tapeline::planner {

day gfs_release(day night, const gfs_keep& keep, bool last_of_week,
                bool last_of_month) {
  day r = night + keep.daily;
  if (last_of_week && keep.weekly > 0)
    r = std::max(r, week_start(week_index(night) + keep.weekly));
  if (last_of_month && keep.monthly > 0)
    r = std::max(r, month_start(month_index(night) + keep.monthly));
  return r;
}

retention_table::retention_table(const indexed& ix, day today,
                                 const std::vector<gfs_keep>& keeps,
                                 const std::vector<bool>& pinned)
    : today_(today), night_(ix.night), group_(ix.group), parent_(ix.parent) {
  const size_t n = night_.size();
  floor_.assign(n, 0);
  rule_floor_.assign(n, 0);
  std::vector<size_t> by_source(n);
  for (size_t i = 0; i < n; ++i) by_source[i] = i;
  // Per source, ascending nights (input order breaks ties).
  std::stable_sort(by_source.begin(), by_source.end(), [&](size_t a, size_t b) {
    if (ix.source[a] != ix.source[b]) return ix.source[a] < ix.source[b];
    return night_[a] < night_[b];
  });
  for (size_t k = 0; k < n; ++k) {
    const size_t i = by_source[k];
    const bool newest =
        k + 1 == n || ix.source[by_source[k + 1]] != ix.source[i];
    const day next = newest ? kForever : night_[by_source[k + 1]];
    // A week or month counts once it is over: tonight's object would
    // otherwise take its place.
    const day d = night_[i];
    const bool low =
        week_index(d) < week_index(today) && week_index(next) != week_index(d);
    const bool lom = month_index(d) < month_index(today) &&
                     month_index(next) != month_index(d);
    gfs_keep no_daily = keeps[group_[i]];
    no_daily.daily = 0;
    const day f = gfs_release(d, no_daily, low, lom);
    rule_floor_[i] = f;
    floor_[i] = newest || (i < pinned.size() && pinned[i]) ? kForever : f;
  }
  order_.resize(n);
  for (size_t i = 0; i < n; ++i) order_[i] = i;
  std::stable_sort(order_.begin(), order_.end(),
                   [&](size_t a, size_t b) { return night_[a] > night_[b]; });
}

std::vector<day> retention_table::releases(const std::vector<int>& daily,
                                           bool pins) const {
  const std::vector<day>& floor = pins ? floor_ : rule_floor_;
  std::vector<day> r(night_.size());
  for (size_t i = 0; i < r.size(); ++i)
    r[i] = std::max(night_[i] + daily[group_[i]], floor[i]);
  // Dependants hold their parents; children are newer, so come first.
  for (size_t i : order_)
    if (parent_[i] >= 0) r[parent_[i]] = std::max(r[parent_[i]], r[i]);
  return r;
}

retention_result retention_table::evaluate(
    const std::vector<int>& daily) const {
  retention_result res;
  res.release = releases(daily);
  res.kept.resize(res.release.size());
  for (size_t i = 0; i < res.release.size(); ++i)
    res.kept[i] = today_ < res.release[i];
  return res;
}

retention_result evaluate_retention(
    const std::vector<retained_object>& objects, day today,
    const std::function<gfs_keep(const std::string&)>& keep_of,
    const std::set<std::string>& pinned) {
  std::map<std::string, size_t> sources;
  std::map<std::string, size_t> by_id;
  std::vector<gfs_keep> keeps;
  retention_table::indexed ix;
  std::vector<bool> pin;
  for (size_t i = 0; i < objects.size(); ++i) {
    const retained_object& o = objects[i];
    auto [it, fresh] = sources.emplace(o.source, keeps.size());
    if (fresh) keeps.push_back(keep_of(o.source));
    by_id.emplace(o.id, i);
    ix.night.push_back(o.night);
    ix.source.push_back(it->second);
    ix.group.push_back(it->second);
    ix.is_delta.push_back(o.kind == backup_kind::delta);
    pin.push_back(pinned.count(o.id) > 0);
  }
  retention_result broken;
  for (const retained_object& o : objects) {
    auto p = by_id.find(o.parent);
    const bool has = o.kind == backup_kind::delta && p != by_id.end();
    ix.parent.push_back(has ? static_cast<long>(p->second) : -1);
    if (o.kind == backup_kind::delta && !has) broken.broken.push_back(o.id);
  }
  std::sort(broken.broken.begin(), broken.broken.end());
  retention_table t(ix, today, keeps, pin);
  std::vector<int> daily;
  for (auto& k : keeps) daily.push_back(k.daily);
  retention_result r = t.evaluate(daily);
  r.broken = std::move(broken.broken);
  return r;
}

}  // namespace tapeline::planner
