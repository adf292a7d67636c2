#pragma once
// The pinfuse tool: the progress line a long solve shows on stderr.
#include <cstdio>
#include <string>
#include <utility>

#include <unistd.h>

#include "pinfuse/pinfuse.hpp"
#include "solve_statistics.hpp"

namespace pinfuse::cli {

/// The progress line on stderr once a solve has run for a second: rewritten in
/// place on a terminal (at most 10 times a second), else a line every 5 s.
class ProgressLine : public SolveObserver {
 public:
  explicit ProgressLine(std::string label) : label_(std::move(label)), terminal_(isatty(STDERR_FILENO) == 1) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() override {
    if (terminal_ && shown_) std::fputs("\r\x1b[K", stderr);  // the result follows on a clean line
  }
  SolveControl progress(const SolveStatistics& st) override {
    const double every_ms = terminal_ ? 100 : 5000;
    if (st.elapsed_ms < 1000 || (shown_ && st.elapsed_ms - last_ms_ < every_ms)) return SolveControl::proceed;
    shown_ = true;
    last_ms_ = st.elapsed_ms;
    std::fprintf(stderr, "%s%s: %.0f s, %s%s", terminal_ ? "\r\x1b[K" : "", label_.c_str(), st.elapsed_ms / 1000,
                 statistics_text(st).c_str(), terminal_ ? "" : "\n");
    std::fflush(stderr);
    return SolveControl::proceed;
  }

 private:
  std::string label_;
  bool terminal_;
  bool shown_ = false;
  double last_ms_ = 0;
};

}  // namespace pinfuse::cli
