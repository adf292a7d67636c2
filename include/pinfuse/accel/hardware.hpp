#pragma once
// Parameters of the reference accelerator (see docs/reference-accelerator.md).
#include <cstdint>
#include <string>

namespace pinfuse {

/// How a fused group keeps its weights.
enum class WeightPolicy {
  resident,  ///< all weights of the group loaded once, kept for the whole group
  streamed,  ///< reloaded layer by layer for every tile into one buffer (traffic x tiles)
  automatic  ///< whichever of the two is better for the group
};

struct Hardware {
  std::string name = "mobile-npu";
  // Scratchpad
  std::uint64_t spm_bytes = 1u << 20;      ///< SPM size (bytes)
  std::uint64_t spm_reserved_bytes = 0;    ///< not available to pinfuse (bytes)
  std::uint64_t spm_alignment = 64;        ///< buffer start alignment (bytes)
  // Compute
  double macs_per_cycle = 1024;            ///< peak MAC array throughput (MAC/cycle)
  double conv_utilization = 0.9;           ///< fraction of peak reached by dense conv2d
  double depthwise_utilization = 0.25;     ///< ... by depthwise / grouped conv2d
  double fc_utilization = 0.5;             ///< ... by fully connected layers
  double vector_elements_per_cycle = 64;   ///< vector unit (pool, add, mul, concat, resize, activation)
  // DMA
  double dram_bytes_per_cycle = 16;        ///< DRAM bandwidth (bytes/cycle)
  std::uint64_t dma_setup_cycles = 64;     ///< fixed cost of each DMA transfer (cycles)
  bool double_buffering = true;            ///< overlap DMA with compute (else serialized)
  WeightPolicy fused_weights = WeightPolicy::automatic;
  double clock_mhz = 1000;                 ///< only to print milliseconds
};

}  // namespace pinfuse
