// Solves a three-layer chain: proves the installed / embedded headers are usable.
#include <pinfuse/pinfuse.hpp>

#include <cstdio>

int main() {
  using namespace pinfuse;
  Network g;
  Layer in;
  in.name = "in";
  in.output = {16, 16, 8};
  Layer conv;
  conv.name = "conv";
  conv.kind = LayerKind::conv2d;
  conv.filters = 8;
  conv.rows = conv.cols = Window1D{3, 1, 1, 1, 1, false};
  Layer out;
  out.name = "out";
  out.kind = LayerKind::output;
  const LayerId a = add_layer(g, in);
  const LayerId b = add_layer(g, conv, {a});
  add_layer(g, out, {b});
  infer_shapes(g);
  const Hardware hw;
  const ReferenceAccelerator accel(g, hw);
  const Plan plan = solve_joint(g, accel, scratchpad_of(hw));
  const bool ok = validate_plan(g, plan, accel, scratchpad_of(hw)).ok();
  std::printf("%zu group(s), %llu cycles, %s\n", plan.groups.size(), (unsigned long long)plan.totals.latency_cycles,
              ok ? "valid" : "INVALID");
  return ok ? 0 : 1;
}
