#pragma once
// Reading the reference accelerator's parameters (docs/reference-accelerator.md).
#include <cmath>
#include <string>

#include "pinfuse/accel/hardware.hpp"
#include "pinfuse/io/json_reader.hpp"

namespace pinfuse {

/// Every field is optional and defaults to the Hardware{} value; unknown fields are errors.
inline Hardware read_hardware(const nlohmann::json& doc) {
  const io::Node root = io::Node(doc, "").object();
  root.only({"format", "version", "name", "spm", "compute", "dma", "fused_weights", "halo_caching", "clock_mhz", "energy"});
  if (root.has("format") && root.at("format").string() != "pinfuse-hardware")
    root.at("format").fail("expected \"pinfuse-hardware\"");
  if (root.has("version")) root.at("version").integer(1, 1);
  Hardware hw;
  if (root.has("name")) hw.name = root.at("name").string();
  if (root.has("spm")) {
    const io::Node spm = root.at("spm").object();
    spm.only({"bytes", "alignment", "reserved_bytes"});
    if (spm.has("bytes")) hw.spm_bytes = std::uint64_t(spm.at("bytes").integer(1, 1LL << 40));
    if (spm.has("alignment")) hw.spm_alignment = std::uint64_t(spm.at("alignment").integer(1, 1LL << 20));
    if (spm.has("reserved_bytes"))
      hw.spm_reserved_bytes = std::uint64_t(spm.at("reserved_bytes").integer(0, std::int64_t(hw.spm_bytes) - 1));
  }
  if (root.has("compute")) {
    const io::Node c = root.at("compute").object();
    c.only({"macs_per_cycle", "conv_utilization", "depthwise_utilization", "fc_utilization", "vector_elements_per_cycle"});
    if (c.has("macs_per_cycle")) hw.macs_per_cycle = c.at("macs_per_cycle").number(1e-3, 1e9);
    if (c.has("conv_utilization")) hw.conv_utilization = c.at("conv_utilization").number(1e-3, 1);
    if (c.has("depthwise_utilization")) hw.depthwise_utilization = c.at("depthwise_utilization").number(1e-3, 1);
    if (c.has("fc_utilization")) hw.fc_utilization = c.at("fc_utilization").number(1e-3, 1);
    if (c.has("vector_elements_per_cycle"))
      hw.vector_elements_per_cycle = c.at("vector_elements_per_cycle").number(1e-3, 1e9);
  }
  if (root.has("dma")) {
    const io::Node d = root.at("dma").object();
    d.only({"dram_bytes_per_cycle", "setup_cycles", "double_buffering"});
    if (d.has("dram_bytes_per_cycle")) hw.dram_bytes_per_cycle = d.at("dram_bytes_per_cycle").number(1e-3, 1e9);
    if (d.has("setup_cycles")) hw.dma_setup_cycles = std::uint64_t(d.at("setup_cycles").integer(0, 1LL << 32));
    if (d.has("double_buffering")) hw.double_buffering = d.at("double_buffering").boolean();
  }
  if (root.has("fused_weights")) {
    const std::size_t i = root.at("fused_weights").choice({"resident", "streamed", "auto"});
    hw.fused_weights = static_cast<WeightPolicy>(i);
  }
  if (root.has("halo_caching")) hw.halo_caching = root.at("halo_caching").boolean();
  if (root.has("clock_mhz")) hw.clock_mhz = root.at("clock_mhz").number(1e-3, 1e6);
  if (root.has("energy")) {
    const io::Node e = root.at("energy").object();
    e.only({"dram_pj_per_byte", "spm_read_pj_per_byte", "spm_write_pj_per_byte", "mac_pj", "vector_op_pj"});
    // Finite and non-negative; at most 1e6 pJ (1 uJ) per byte or op.
    for (const auto& [key, field] : {std::pair{"dram_pj_per_byte", &hw.dram_pj_per_byte},
                                     std::pair{"spm_read_pj_per_byte", &hw.spm_read_pj_per_byte},
                                     std::pair{"spm_write_pj_per_byte", &hw.spm_write_pj_per_byte},
                                     std::pair{"mac_pj", &hw.mac_pj}, std::pair{"vector_op_pj", &hw.vector_op_pj}}) {
      if (!e.has(key)) continue;
      const io::Node n = e.at(key);
      if (!n.value().is_number()) n.fail("expected a number (pJ)");
      *field = n.value().get<double>();
      if (!(std::isfinite(*field) && *field >= 0 && *field <= 1e6))
        n.fail("an energy must be finite and from 0 to 1e6 pJ, got " + n.value().dump());
    }
  }
  return hw;
}

inline Hardware load_hardware(const std::string& path) {
  return io::read_file(path, [](const nlohmann::json& doc) { return read_hardware(doc); });
}

}  // namespace pinfuse
