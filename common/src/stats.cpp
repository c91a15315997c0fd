#include "rt/stats.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <vector>

namespace rt {

double percentile_sorted(std::span<const double> sorted, double p) {
  assert(!sorted.empty() && p > 0 && p <= 100);
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  // The small epsilon keeps p/100 * n from rounding up past an exact rank: 99.9% of 1,000 is
  // rank 999, but 0.999 * 1000 evaluates to 999.0000000000001 in binary floating point.
  double exact = p / 100.0 * static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(exact - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Summary summarize(std::span<const double> samples) {
  Summary s;
  if (samples.empty()) return s;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  s.count = sorted.size();
  s.min = sorted.front();
  s.max = sorted.back();
  s.median = percentile_sorted(sorted, 50);
  s.p99 = percentile_sorted(sorted, 99);
  s.p999 = percentile_sorted(sorted, 99.9);
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(s.count);
  return s;
}

}  // namespace rt
