#pragma once
// Allocation instances as text: what the SPM allocator (memory/allocator.hpp) is
// asked to place, in a file a user can hand to someone else or keep as a test
// (tests/data/fragmented_layouts/ are such files, benchmarks/solve_bench.cpp
// times the allocator on them). The format, one record a line:
//
//   # a comment (only before the first record)
//   CAPACITY ALIGNMENT                  [B]: the limit to fit within, offsets' multiple
//   BYTES FIRST_STEP LAST_STEP          one per buffer: its size [B] and the steps it is alive (inclusive)
//
// Numbers are decimal; anything else (a sign, a fraction, a missing or an extra
// field, a buffer that ends before it starts) is an input_error naming the line.
// So that the allocator's sums and per-step tables stay exact and small, a
// limit_error rejects: capacity or the buffers' aligned bytes together past
// 2^48 (core/checked.hpp), an alignment past 2^20 (as a hardware file's), a
// step past kAllocationStepLimit, lifetimes together past kAllocationLifetimeLimit steps.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/core/align.hpp"
#include "pinfuse/core/checked.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/memory/allocation_request.hpp"

namespace pinfuse {

/// The most steps an instance read from text may span (a plan's steps are its groups) [steps].
inline constexpr std::uint64_t kAllocationStepLimit = std::uint64_t{1} << 20;
/// The most buffer-steps it may hold, the sum over buffers of the steps each is alive: the
/// allocator's per-step tables grow with it (its time with it times the buffers alive at a step) [steps].
inline constexpr std::uint64_t kAllocationLifetimeLimit = std::uint64_t{1} << 24;

/// Reads an instance written in the format above; `source` (a path) prefixes every error's place.
inline AllocationInstance read_allocation_instance(std::string_view text, const std::string& source) {
  AllocationInstance instance;
  bool header_read = false;
  std::size_t line_number = 0;
  std::uint64_t lifetimes = 0, aligned_bytes = 0;  // [steps], [B] so far
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = source + ":" + std::to_string(line_number);
    if (line.empty()) continue;
    if (line.front() == '#') {
      if (header_read) throw input_error(where, "a comment after the first record");
      continue;
    }
    std::vector<std::uint64_t> fields;
    while (!line.empty()) {
      if (line.front() == ' ' || line.front() == '\t') {
        line.remove_prefix(1);
        continue;
      }
      std::uint64_t value = 0;
      const auto [rest, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
      if (ec == std::errc::result_out_of_range) throw input_error(where, "a number past 2^64 - 1");
      if (ec != std::errc() || (rest != line.data() + line.size() && *rest != ' ' && *rest != '\t'))
        throw input_error(where, "expected unsigned decimal numbers separated by spaces");
      fields.push_back(value);
      line.remove_prefix(std::size_t(rest - line.data()));
    }
    if (fields.empty()) continue;  // blanks only
    if (!header_read) {
      if (fields.size() != 2) throw input_error(where, "expected the header: CAPACITY ALIGNMENT");
      if (fields[1] == 0) throw input_error(where, "the alignment must be at least 1");
      if (fields[1] > (std::uint64_t{1} << 20)) throw limit_error(where, "the alignment exceeds 2^20");
      if (fields[0] > quantity_limit) throw_past_limit("the capacity's bytes", where);
      instance.capacity = fields[0];
      instance.alignment = fields[1];
      header_read = true;
      continue;
    }
    if (fields.size() != 3) throw input_error(where, "expected a buffer: BYTES FIRST_STEP LAST_STEP");
    if (fields[2] < fields[1]) throw input_error(where, "the buffer's last step is before its first");
    if (fields[2] >= kAllocationStepLimit)
      throw limit_error(where, "a step past " + std::to_string(kAllocationStepLimit - 1) + ", the last an instance may have");
    lifetimes += fields[2] - fields[1] + 1;
    if (lifetimes > kAllocationLifetimeLimit)
      throw limit_error(where, "the buffers are alive for more than " + std::to_string(kAllocationLifetimeLimit) +
                                   " steps together");
    if (fields[0] > quantity_limit) throw_past_limit("the buffer's bytes", where);
    aligned_bytes = checked_add(aligned_bytes, align_up(fields[0], instance.alignment), "the buffers' aligned bytes", where);
    instance.requests.push_back({fields[0], std::size_t(fields[1]), std::size_t(fields[2])});
  }
  if (!header_read) throw input_error(source, "no header line (CAPACITY ALIGNMENT)");
  return instance;
}

/// The text of `instance` in the format above, after `comment` (its lines prefixed with "# ").
inline std::string allocation_instance_text(const AllocationInstance& instance, std::string_view comment = {}) {
  std::string text;
  while (!comment.empty()) {
    const std::size_t end = comment.find('\n');
    text += "# ";
    text += comment.substr(0, end);
    text += '\n';
    comment = end == std::string_view::npos ? std::string_view() : comment.substr(end + 1);
  }
  text += std::to_string(instance.capacity) + ' ' + std::to_string(instance.alignment) + '\n';
  for (const AllocationRequest& r : instance.requests)
    text += std::to_string(r.bytes) + ' ' + std::to_string(r.first_step) + ' ' + std::to_string(r.last_step) + '\n';
  return text;
}

}  // namespace pinfuse
