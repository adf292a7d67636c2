// Regression tests for the reliability review (issue 11): counts past 2^48 are
// limit_errors, never wrapped; bad JSON is an input_error with the right place;
// output files are checked; a problem without a fitting plan is no_plan_fits.
#include <catch2/catch.hpp>

#include <filesystem>
#include <limits>
#include <string>

#include "pinfuse/io/files.hpp"
#include "pinfuse/pinfuse.hpp"

using namespace pinfuse;

namespace {

Network model(const std::string& layers, int dtype_bytes = 1) {
  return read_model(io::parse_text(R"({"format": "pinfuse-model", "version": 1, "name": "x", "dtype_bytes": )" +
                                       std::to_string(dtype_bytes) + R"(, "layers": [)" + layers + "]}",
                                   "model.json"));
}

/// The error of type E (or derived from it) that `make` throws.
template <class E, class Make>
E thrown(const Make& make) {
  try {
    make();
  } catch (const E& e) {
    return e;
  }
  FAIL("no error of the expected type");
  throw;  // unreachable
}

}  // namespace

TEST_CASE("sizes, MACs and extents past the limits are limit_errors naming the layer", "[reliability]") {
  // 2^60 elements of 16 bytes: 2^64 bytes, which once wrapped to 0 and solved with 0 B of traffic.
  const limit_error huge = thrown<limit_error>(
      [] { model(R"({"name": "in", "type": "input", "shape": [1048576, 1048576, 1048576]})", 16); });
  CHECK(huge.where() == "/layers/0");
  CHECK_THAT(huge.reason(), Catch::Contains("2^48"));
  // A concat's channels past INT_MAX (was signed overflow): 2100 times 2^20 channels.
  std::string inputs = "\"a\"";
  for (int i = 1; i < 2100; ++i) inputs += ", \"a\"";
  const limit_error channels = thrown<limit_error>([&] {
    model(R"({"name": "a", "type": "input", "shape": [1, 1, 1048576]},
             {"name": "cat", "type": "concat", "inputs": [)" + inputs + "]}");
  });
  CHECK(channels.where() == "/layers/1");
  // Resize height x scale and a transposed conv's output past INT_MAX.
  CHECK(thrown<limit_error>([] {
          model(R"({"name": "a", "type": "input", "shape": [65536, 1, 1]},
                   {"name": "up", "type": "resize", "inputs": ["a"], "scale": 65536})");
        }).where() == "/layers/1");
  CHECK(thrown<limit_error>([] {
          model(R"({"name": "a", "type": "input", "shape": [65536, 1, 1]},
                   {"name": "t", "type": "conv2d_transpose", "inputs": ["a"], "filters": 1, "kernel": 1, "stride": 65536})");
        }).where() == "/layers/1");
  // MACs past 2^48 in one layer: 2^28 outputs x 2^10 filters x 2^10 channels x 9 taps.
  CHECK_THAT(thrown<limit_error>([] {
               model(R"({"name": "a", "type": "input", "shape": [16384, 16384, 1024]},
                        {"name": "c", "type": "conv2d", "inputs": ["a"], "filters": 1024, "kernel": 3, "padding": "same"})");
             }).reason(),
             Catch::Contains("MACs"));
  // A window whose dilation x kernel (2^40) passes int is a plain input_error (it does not fit), not undefined behaviour.
  CHECK_THROWS_WITH(model(R"({"name": "a", "type": "input", "shape": [8, 8, 1]},
                             {"name": "c", "type": "conv2d", "inputs": ["a"], "filters": 1, "kernel": 1048576, "dilation": 1048576})"),
                    Catch::Contains("does not fit"));
}

TEST_CASE("hardware too slow for a model is a limit_error at the cost model, not a wrapped latency", "[reliability]") {
  const Network g = model(R"({"name": "a", "type": "input", "shape": [512, 512, 64]},
                             {"name": "c", "type": "conv2d", "inputs": ["a"], "filters": 64, "kernel": 3, "padding": "same"})");
  Hardware hw = read_hardware(io::parse_text(R"({"format": "pinfuse-hardware", "version": 1, "name": "slow",
      "compute": {"macs_per_cycle": 0.001, "conv_utilization": 0.001, "depthwise_utilization": 0.001,
                  "fc_utilization": 0.001, "vector_elements_per_cycle": 0.001},
      "dma": {"dram_bytes_per_cycle": 0.001, "setup_cycles": 4294967296}})",
                                                 "hw.json"));
  CHECK_THROWS_AS(ReferenceAccelerator(g, hw), limit_error);
  hw = Hardware{};
  CHECK_NOTHROW(ReferenceAccelerator(g, hw));
}

TEST_CASE("sums of scores saturate and plan totals past the limit are limit_errors", "[reliability]") {
  const std::uint64_t most = std::numeric_limits<std::uint64_t>::max();
  CHECK((Score{most, 1} + Score{5, 2}) == Score{most, 3});
  CHECK(OffchipBytes{most, 1, 0}.total() == most);
  PlannedGroup g;
  g.cost.latency_cycles = quantity_limit;
  CHECK(sum_costs({g}).latency_cycles == quantity_limit);
  CHECK_THROWS_AS(sum_costs({g, g}), limit_error);
}

TEST_CASE("JSON: repeated keys, numbers past a double, unsigned values and escaped pointers", "[reliability]") {
  const input_error twice = thrown<input_error>(
      [] { model(R"({"name": "in", "type": "input", "shape": [4, 4, 4]}, {"name": "o", "name": "p", "type": "output"})"); });
  CHECK(twice.where() == "model.json:/layers/1");
  CHECK_THAT(twice.reason(), Catch::Contains("\"name\" appears twice"));
  CHECK_THROWS_AS(io::parse_text("[1e999]", "x.json"), input_error);
  CHECK_THROWS_WITH(io::parse_text("{\"a\": ", "x.json"), Catch::Contains("x.json: malformed JSON"));
  // 2^64 - 1 is reported as itself, not as -1.
  CHECK_THROWS_WITH(read_model(io::parse_text(R"({"format": "pinfuse-model", "version": 1, "name": "x",
                                                  "dtype_bytes": 18446744073709551615, "layers": []})",
                                              "m.json")),
                    Catch::Contains("got 18446744073709551615"));
  // RFC 6901: "a/b" is the token "a~1b", "m~n" is "m~0n".
  const input_error unknown =
      thrown<input_error>([] { model(R"({"name": "in", "type": "input", "shape": [4, 4, 4], "a/b~c": 1})"); });
  CHECK(unknown.where() == "/layers/0/a~1b~0c");
}

TEST_CASE("files: a directory or a missing file to read, and a full device to write, are input_errors", "[reliability]") {
  const std::string dir = std::filesystem::temp_directory_path().string();
  CHECK_THROWS_WITH(load_model(dir), Catch::Contains("is a directory"));
  CHECK_THROWS_WITH(load_model(dir + "/pinfuse-no-such-file.json"), Catch::Contains("cannot open"));
  if (std::filesystem::exists("/dev/full"))
    CHECK_THROWS_WITH(io::write_text_file("/dev/full", std::string(1 << 16, 'x')), Catch::Contains("No space left"));
  const std::string path = dir + "/pinfuse-reliability-write.txt";
  io::write_text_file(path, "written\n");
  CHECK(io::read_text_file(path) == "written\n");
  std::filesystem::remove(path);
}

TEST_CASE("no plan fits is its own error type, apart from bad input", "[reliability]") {
  const Network g = model(R"({"name": "a", "type": "input", "shape": [64, 64, 64]},
                             {"name": "c", "type": "conv2d", "inputs": ["a"], "filters": 64, "kernel": 3, "padding": "same"})");
  Hardware hw;
  hw.spm_bytes = 1024;
  const ReferenceAccelerator accel(g, hw);
  for (const Strategy s : all_strategies) {
    INFO(to_string(s));
    const no_plan_fits e = thrown<no_plan_fits>([&] { solve(s, g, accel, scratchpad_of(hw)); });
    CHECK_THAT(e.reason(), Catch::Contains("fits the SPM"));
  }
}

TEST_CASE("no plan fits names the layer that cannot run, not where the search began", "[reliability]") {
  // 'narrow' (1x1) runs in 16 KiB; 'wide' (7x7) reads 7 rows of 4 KiB and cannot, alone or fused.
  // A side branch gives the order-free search two orders (a chain would take the fixed-order DP).
  const Network g = model(R"({"name": "a", "type": "input", "shape": [64, 64, 64]},
                             {"name": "narrow", "type": "conv2d", "inputs": ["a"], "filters": 64, "kernel": 1},
                             {"name": "side", "type": "conv2d", "inputs": ["narrow"], "filters": 64, "kernel": 1},
                             {"name": "wide", "type": "conv2d", "inputs": ["narrow"], "filters": 64, "kernel": 7, "padding": "same"},
                             {"name": "sum", "type": "add", "inputs": ["wide", "side"]},
                             {"name": "last", "type": "conv2d", "inputs": ["sum"], "filters": 64, "kernel": 1})");
  Hardware hw;
  hw.spm_bytes = 16 << 10;
  const ReferenceAccelerator accel(g, hw);
  for (const Strategy s : all_strategies)
    for (const OrderMode mode : {OrderMode::file, OrderMode::free}) {
      INFO(to_string(s) << (mode == OrderMode::free ? ", order free" : ", file order"));
      SolveOptions opt;
      opt.order_mode = mode;
      const no_plan_fits e = thrown<no_plan_fits>([&] { solve(s, g, accel, scratchpad_of(hw), opt); });
      CHECK(e.where() == "layer 'wide'");
      CHECK_THAT(e.reason(), Catch::Contains("cannot run alone"));
    }
  hw.spm_bytes = 32 << 10;  // and at 32 KiB it runs
  CHECK(solve(Strategy::joint, g, ReferenceAccelerator(g, hw), scratchpad_of(hw)).status.optimal);
}

TEST_CASE("hardware JSON: energy fields must be finite and non-negative, with the field's pointer", "[reliability][energy]") {
  const auto energy_error = [](const nlohmann::json& value) {
    return thrown<input_error>([&] { read_hardware({{"format", "pinfuse-hardware"}, {"energy", {{"mac_pj", value}}}}); });
  };
  for (const double bad : {-0.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(), 2e6}) {
    CAPTURE(bad);
    const input_error e = energy_error(bad);
    CHECK(e.where() == "/energy/mac_pj");
    CHECK_THAT(e.reason(), Catch::Contains("an energy must be finite and from 0 to 1e6 pJ"));
  }
  CHECK_THAT(energy_error("cheap").reason(), Catch::Contains("expected a number"));
  CHECK(thrown<input_error>([] { read_hardware(io::parse_text(R"({"energy": {"dram_pj_per_byte": -1}})", "hw.json")); })
            .where() == "/energy/dram_pj_per_byte");
  CHECK(thrown<input_error>([] { read_hardware(io::parse_text(R"({"energy": {"sram_pj": 1}})", "hw.json")); }).where() ==
        "/energy/sram_pj");
  const Hardware hw = read_hardware(io::parse_text(
      R"({"energy": {"dram_pj_per_byte": 0, "spm_read_pj_per_byte": 1.5, "spm_write_pj_per_byte": 2, "mac_pj": 0.1, "vector_op_pj": 0.05}})",
      "hw.json"));
  CHECK(hw.dram_pj_per_byte == 0);
  CHECK(hw.spm_read_pj_per_byte == 1.5);
  CHECK(hw.spm_write_pj_per_byte == 2);
  CHECK(hw.mac_pj == 0.1);
  CHECK(hw.vector_op_pj == 0.05);
  CHECK(read_hardware(io::parse_text("{}", "hw.json")).mac_pj == Hardware{}.mac_pj);  // the defaults
}

TEST_CASE("hardware JSON: halo_caching is a boolean, on by default", "[reliability][halo]") {
  CHECK(read_hardware(io::parse_text("{}", "hw.json")).halo_caching);
  CHECK_FALSE(read_hardware(io::parse_text(R"({"halo_caching": false})", "hw.json")).halo_caching);
  CHECK(thrown<input_error>([] { read_hardware(io::parse_text(R"({"halo_caching": "yes"})", "hw.json")); }).where() ==
        "/halo_caching");
}
