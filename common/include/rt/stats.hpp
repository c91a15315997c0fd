// Summary statistics over measured samples (latencies, per-operation costs).
#pragma once

#include <cstddef>
#include <span>

namespace rt {

struct Summary {
  std::size_t count = 0;
  double min = 0;
  double median = 0;
  double mean = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
};

// Percentiles use the nearest-rank method on the sorted samples: p99 of 100 samples is the
// 99th smallest, an observed value, never an interpolation. With fewer than 1,000 samples
// p999 is the maximum; say so when printing it. Empty input gives an all-zero Summary.
Summary summarize(std::span<const double> samples);

// The nearest-rank percentile (0 < p <= 100) of already sorted samples (non-empty).
double percentile_sorted(std::span<const double> sorted, double p);

}  // namespace rt
