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
  bool halo_caching = true;                ///< a fused group may keep its intermediates' overlap rows between row tiles (§2)
  double clock_mhz = 1000;                 ///< only to print milliseconds
  // Energy (docs/reference-accelerator.md §11; defaults from Horowitz, ISSCC 2014, 45 nm, 8-bit data)
  double dram_pj_per_byte = 162.5;         ///< DRAM access: 1.3 nJ per 64-bit word / 8 (pJ/B)
  double spm_read_pj_per_byte = 12.5;      ///< 1 MB SRAM read: 100 pJ per 64-bit word / 8 (pJ/B)
  double spm_write_pj_per_byte = 12.5;     ///< SRAM write, taken equal to a read (pJ/B)
  double mac_pj = 0.23;                    ///< 8-bit multiply 0.2 pJ + 8-bit add 0.03 pJ (pJ/MAC)
  double vector_op_pj = 0.03;              ///< 8-bit add (pJ/op)
};

}  // namespace pinfuse
