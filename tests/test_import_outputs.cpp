// The output choice of both importers (io/detail/import/outputs.hpp), without either format:
// where a layout tail (a detector's predictions reshaped for its decoder) starts and what it cuts.
#include <catch2/catch.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/io/detail/import/outputs.hpp"

using namespace pinfuse;

TEST_CASE("a layout tail starts at a map reshaped into another rank and goes through no maps", "[import]") {
  using import_detail::layout_start;
  using import_detail::no_map;
  CHECK(layout_start({1, 24, 20, 20}, {1, 6, 4, 20, 20}, false) == "turns the map [1, 24, 20, 20] into [1, 6, 4, 20, 20]");
  CHECK(layout_start({1, 20, 20, 24}, {1, 2400, 4}, false) == "turns the map [1, 20, 20, 24] into [1, 2400, 4]");
  CHECK(layout_start({1, 32, 1, 4}, {1, 32, 4}, true) == "turns [1, 32, 1, 4] into [1, 32, 4]");  // made by a reshape
  CHECK(layout_start({1, 8, 4, 4}, {1, 32, 1, 4}, false).empty());  // 4-D: a reshape of the map (or an error), no tail
  CHECK(layout_start({1, 8, 4, 4}, {1, 128}, false).empty());       // flattened into a vector: an fc reads it
  CHECK(layout_start({2, 8, 4, 4}, {2, 8, 16}, false).empty());     // not a batch-1 map
  CHECK(no_map({1, 3, 85, 20, 20}));
  CHECK(no_map({1, 3, -1, -1, 85}));  // YOLOv5's boxes plus a grid whose extents shape inference leaves open: rank 5
  CHECK(no_map({1, 1200, 85}));
  CHECK(no_map({3, 4}));
  CHECK_FALSE(no_map({1, 85, 20, 20}));
  CHECK_FALSE(no_map({1, 3, -1, 20}));
  CHECK_FALSE(no_map({1, 1000}));  // a vector
  CHECK_FALSE(no_map({1000}));
  CHECK_FALSE(no_map({-1, 85}));   // perhaps a vector of a dynamic batch
  CHECK_FALSE(no_map({}));         // a scalar, or dims not known
}

TEST_CASE("a layout tail is cut at its reshape and only where every op after it is a tail's", "[import]") {
  using import_detail::GraphNode;
  const import_detail::OutputRules rules{[](std::string_view op) { return op == "ArgMax"; },
                                         [](std::string_view op) { return op == "Conv"; },
                                         [](std::string_view op) { return op == "Shape"; },
                                         [](std::string_view op) { return op == "Reshape" || op == "Transpose"; }};
  const auto node = [](const std::string& op, const std::string& in, const std::string& out, const std::string& layout,
                       bool maps) { return GraphNode{op, {in}, {out}, "node '" + out + "'", {}, layout, maps}; };
  const std::string rank5 = "turns the map [1, 8, 2, 2] into [1, 2, 4, 2, 2]";
  // x -> Conv -> Sigmoid -> Reshape (rank 5) -> Transpose, the graph output; a Shape of it reads no data.
  std::vector<GraphNode> nodes{node("Conv", "x", "c", "", true), node("Sigmoid", "c", "s", "", true),
                               node("Reshape", "s", "r", rank5, false), node("Transpose", "r", "t", "", false),
                               node("Shape", "t", "shape", "", true)};
  import_detail::OutputChoice choice = import_detail::choose_outputs(nodes, {"t"}, {}, {"x"}, rules);
  CHECK(choice.outputs == std::vector<std::string>{"s"});  // the Sigmoid before the tail's reshape stays
  CHECK(choice.dropped == std::map<std::string, std::size_t>{{"Reshape", 1}, {"Transpose", 1}});
  // An op that is no tail's after it (an LSTM, which the import then reports): nothing is cut.
  nodes.push_back(node("LSTM", "t", "h", "", false));
  choice = import_detail::choose_outputs(nodes, {"h"}, {}, {"x"}, rules);
  CHECK(choice.outputs == std::vector<std::string>{"h"});
  CHECK(choice.dropped.empty());
  // A graph input reshaped at once: no node of the network makes it, so no tail either.
  choice = import_detail::choose_outputs({node("Reshape", "x", "r", rank5, false)}, {"r"}, {}, {"x"}, rules);
  CHECK(choice.outputs == std::vector<std::string>{"r"});
}
