#pragma once
// The library's entry points on a Network with the reference accelerator and
// its scratchpad, compiled once (reference_solvers.cpp) for the programs this
// project builds: the pinfuse tool, the tests and the benchmarks. Each of their
// translation units would otherwise instantiate every solver again (a
// translation unit calling solve() alone: 36 s of -O3 compile against 8 s for
// parsing the headers); these explicit instantiation declarations make it call
// the one copy instead. A build-time measure only: the library stays
// header-only and its users need none of this. CMake force-includes this
// header (-include) into the programs that link pinfuse_reference_solvers, so
// every translation unit (and every unity batch of the tests) sees the
// declarations before its first call.
#include "pinfuse/pinfuse.hpp"

namespace pinfuse {

extern template Plan solve<Network, ReferenceAccelerator, Scratchpad>(Strategy, const Network&, const ReferenceAccelerator&,
                                                                     const Scratchpad&, const SolveOptions&);
extern template Plan solve_joint<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                           const Scratchpad&, const SolveOptions&);
extern template Plan solve_fusion<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                            const Scratchpad&, const SolveOptions&);
extern template Plan solve_pinning<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                             const Scratchpad&, const SolveOptions&,
                                                                             std::span<const int>);
extern template Plan solve_layerwise<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                               const Scratchpad&, const SolveOptions&);
extern template ValidationReport validate_plan<Network, ReferenceAccelerator, Scratchpad>(const Network&, const Plan&,
                                                                                         const ReferenceAccelerator&,
                                                                                         const Scratchpad&);
extern template Program build_program<Network, ReferenceAccelerator, Scratchpad>(const Network&, const Plan&,
                                                                                const ReferenceAccelerator&,
                                                                                const Scratchpad&);
extern template ReplayReport replay_program<Network, Scratchpad>(const Network&, const Plan&, const Program&,
                                                                 const Scratchpad&);

}  // namespace pinfuse
