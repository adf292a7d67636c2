#pragma once
// Floors no plan beats, for reports: the compulsory off-chip traffic and the
// roofline latency of a model on the reference accelerator.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/model/statistics.hpp"

namespace pinfuse {

/// Model inputs read once, model outputs written once, every weight read once (bytes).
inline OffchipBytes compulsory_offchip(const Network& g) {
  OffchipBytes c;
  const Problem p = make_problem(g);
  for (const FeatureMap& f : p.fms) {
    if (f.producer_position < 0) c.fm_read += f.bytes;
    if (f.model_output) c.fm_write += f.bytes;
  }
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) c.weights += weight_bytes(g, v);
  return c;
}

/// Roofline floor (cycles): max(every row no plan can skip computed once, compulsory bytes / DRAM bandwidth).
inline std::uint64_t roofline_latency(const Network& g, const ReferenceAccelerator& accel) {
  std::uint64_t compute = 0;
  for (LayerId v = 0; v < boost::num_vertices(g); ++v)
    if (layer_role(g, v) == LayerRole::compute) compute += accel.least_compute_cycles(v);
  const double dma = double(compulsory_offchip(g).total()) / accel.hardware().dram_bytes_per_cycle;
  return std::max(compute, std::uint64_t(std::ceil(dma)));
}

}  // namespace pinfuse
