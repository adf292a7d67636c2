#pragma once
// Plain SVG charts for reports, with no dependency: a line chart (e.g. latency
// over SPM size) and the SPM occupancy of a plan over time.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/plan/plan.hpp"

namespace pinfuse::svg {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  ///< (x, y), x ascending
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log2_x = false;  ///< e.g. SPM sizes that double
  bool x_bytes = false; ///< label x ticks as 256K, 1M (binary units)
  std::vector<Series> series;
};

namespace detail {

inline const char* color(std::size_t i) {
  static const char* palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"};
  return palette[i % (sizeof palette / sizeof *palette)];
}

inline std::string escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// 262144 -> "256K", 1048576 -> "1M": binary sizes for axis ticks.
inline std::string bytes_label(double bytes) {
  char buf[32];
  if (bytes >= 1048576) std::snprintf(buf, sizeof buf, "%gM", bytes / 1048576);
  else if (bytes >= 1024) std::snprintf(buf, sizeof buf, "%gK", bytes / 1024);
  else std::snprintf(buf, sizeof buf, "%g", bytes);
  return buf;
}

/// 1, 2 or 5 times a power of ten, so that about `count` ticks span [0, max].
inline double tick_step(double max, int count) {
  const double raw = max / count;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

/// 1234567 -> "1.23M", 2048 -> "2.05k": short labels for axis ticks.
inline std::string short_number(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e3) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

struct Frame {
  double width = 760, height = 440, left = 80, right = 170, top = 40, bottom = 60;
  double plot_w() const { return width - left - right; }
  double plot_h() const { return height - top - bottom; }
};

inline std::string open(const Frame& f, const std::string& title) {
  char head[512];
  std::snprintf(head, sizeof head,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
                "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                "<text x=\"%.0f\" y=\"24\" font-size=\"15\" font-weight=\"bold\">",
                f.width, f.height, f.left);
  return head + escape(title) + "</text>\n";
}

inline std::string text(double x, double y, const std::string& s, const char* anchor = "start", double rotate = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
  std::string out = buf;
  if (rotate != 0) {
    std::snprintf(buf, sizeof buf, " transform=\"rotate(%.0f %.1f %.1f)\"", rotate, x, y);
    out += buf;
  }
  return out + ">" + escape(s) + "</text>\n";
}

inline std::string line(double x1, double y1, double x2, double y2, const char* stroke, double width = 1) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"/>\n",
                x1, y1, x2, y2, stroke, width);
  return buf;
}

inline std::string rect(double x, double y, double w, double h, const char* fill, const std::string& tip = "") {
  char buf[200];
  std::snprintf(buf, sizeof buf, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">", x, y, w, h, fill);
  return buf + (tip.empty() ? "" : "<title>" + escape(tip) + "</title>") + "</rect>\n";
}

/// Horizontal grid and labels for y in [0, y_max].
inline std::string y_axis(const Frame& f, double y_max, const std::string& label) {
  std::string out;
  const double step = tick_step(y_max, 5);
  for (double v = 0; v <= y_max * 1.0001; v += step) {
    const double y = f.top + f.plot_h() * (1 - v / y_max);
    out += line(f.left, y, f.left + f.plot_w(), y, "#e5e5e5");
    out += text(f.left - 6, y + 4, short_number(v), "end");
  }
  out += line(f.left, f.top, f.left, f.top + f.plot_h(), "#333");
  out += line(f.left, f.top + f.plot_h(), f.left + f.plot_w(), f.top + f.plot_h(), "#333");
  out += text(18, f.top + f.plot_h() / 2, label, "middle", -90);
  return out;
}

}  // namespace detail

inline std::string render(const LineChart& chart) {
  using namespace detail;
  const Frame f;
  double x_min = 1e300, x_max = -1e300, y_max = 0;
  for (const Series& s : chart.series)
    for (const auto& [x, y] : s.points) {
      const double xv = chart.log2_x ? std::log2(x) : x;
      x_min = std::min(x_min, xv);
      x_max = std::max(x_max, xv);
      y_max = std::max(y_max, y);
    }
  if (x_min > x_max) x_min = 0, x_max = 1;
  if (x_max == x_min) x_max = x_min + 1;
  y_max = y_max > 0 ? y_max * 1.08 : 1;
  const auto px = [&](double x) { return f.left + f.plot_w() * ((chart.log2_x ? std::log2(x) : x) - x_min) / (x_max - x_min); };
  const auto py = [&](double y) { return f.top + f.plot_h() * (1 - y / y_max); };

  std::string out = open(f, chart.title) + y_axis(f, y_max, chart.y_label);
  // x ticks at the data points of the first series (SPM sizes), else 5 even ticks
  std::vector<double> ticks;
  if (!chart.series.empty())
    for (const auto& p : chart.series.front().points) ticks.push_back(p.first);
  for (const double x : ticks) {
    out += line(px(x), f.top + f.plot_h(), px(x), f.top + f.plot_h() + 4, "#333");
    out += text(px(x), f.top + f.plot_h() + 18, chart.x_bytes ? bytes_label(x) : short_number(x), "middle");
  }
  out += text(f.left + f.plot_w() / 2, f.height - 16, chart.x_label, "middle");
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    std::string pts;
    char buf[64];
    for (const auto& [x, y] : s.points) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", px(x), py(y));
      pts += buf;
    }
    out += "<polyline fill=\"none\" stroke=\"" + std::string(color(i)) + "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
    for (const auto& [x, y] : s.points) {
      std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"", px(x), py(y));
      out += buf + std::string(color(i)) + "\"><title>" + escape(s.name) + ": " + short_number(y) + "</title></circle>\n";
    }
    const double ly = f.top + 10 + 20.0 * double(i);
    out += line(f.left + f.plot_w() + 16, ly - 4, f.left + f.plot_w() + 40, ly - 4, color(i), 3);
    out += text(f.left + f.plot_w() + 46, ly, s.name);
  }
  return out + "</svg>\n";
}

/// SPM occupancy of a plan over time: x is execution time (each group is as wide
/// as its latency), y is the SPM address; pinned FMs in their own colours, the
/// running group's buffers (tiles, weights) in grey. Plans without addresses
/// are drawn stacked (pinned FMs at the bottom).
template <Graph G>
std::string occupancy(const G& g, const Plan& plan, std::uint64_t capacity, const std::string& title) {
  using namespace detail;
  const Frame f;
  std::vector<std::string> names(num_vertices(g));
  for (auto [v, vend] = vertices(g); v != vend; ++v) names[get(boost::vertex_index, g, *v)] = layer_name(g, *v);
  const double total = double(std::max<std::uint64_t>(plan.totals.latency_cycles, 1));
  const double y_max = double(std::max(capacity, plan.layout.peak)) * 1.05;
  const auto px = [&](double cycles) { return f.left + f.plot_w() * cycles / total; };
  const auto ph = [&](double bytes) { return f.plot_h() * bytes / y_max; };
  const auto py = [&](double address) { return f.top + f.plot_h() - ph(address); };  // top edge of a block ending there

  std::string out = open(f, title) + y_axis(f, y_max, plan.layout.empty() ? "SPM bytes" : "SPM address");
  double t = 0;
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi) {
    const PlannedGroup& grp = plan.groups[gi];
    const double x0 = px(t), w = std::max(px(t + double(grp.cost.latency_cycles)) - x0, 0.3);
    double stack = 0;  // next free address when drawing stacked
    const auto block = [&](std::optional<std::uint64_t> offset, std::uint64_t bytes, const char* fill, const std::string& tip) {
      const double at = offset ? double(*offset) : stack;
      stack = at + double(bytes);
      out += rect(x0, py(at + double(bytes)), w, ph(double(bytes)), fill, tip);
    };
    for (std::size_t k = 0; k < plan.pinned.size(); ++k) {
      const PinnedFm& pin = plan.pinned[k];
      if (gi < pin.first_group || gi > pin.last_group) continue;
      block(plan.layout.empty() ? std::nullopt : std::optional(plan.layout.pinned[k]), pin.bytes, color(k),
            "pinned " + names[pin.vertex] + ": " + short_number(double(pin.bytes)) + " B");
    }
    for (std::size_t b = 0; b < grp.cost.buffers.size(); ++b)
      block(plan.layout.empty() ? std::nullopt : std::optional(plan.layout.buffers[gi][b]), grp.cost.buffers[b].bytes,
            "#bbbbbb", "group " + std::to_string(gi) + " (" + names[grp.layers.front()] + "): " + grp.cost.buffers[b].name +
                           " " + short_number(double(grp.cost.buffers[b].bytes)) + " B");
    t += double(grp.cost.latency_cycles);
  }
  const double cap_y = f.top + f.plot_h() - ph(double(capacity));
  out += line(f.left, cap_y, f.left + f.plot_w(), cap_y, "#e15759", 1.5);
  out += text(f.left + f.plot_w() + 6, cap_y + 4, "capacity");
  out += text(f.left + f.plot_w() / 2, f.height - 16, "time (cycles, " + short_number(total) + " in all)", "middle");
  out += rect(f.left + f.plot_w() + 16, f.top + 60, 14, 10, color(0));
  out += text(f.left + f.plot_w() + 36, f.top + 69, "pinned FMs");
  out += rect(f.left + f.plot_w() + 16, f.top + 80, 14, 10, "#bbbbbb");
  out += text(f.left + f.plot_w() + 36, f.top + 89, "group buffers");
  return out + "</svg>\n";
}

}  // namespace pinfuse::svg
