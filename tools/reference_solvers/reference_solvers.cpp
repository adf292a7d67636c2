// The one copy of the entry points reference_solvers.hpp declares.
#include "reference_solvers.hpp"

namespace pinfuse {

template Plan solve<Network, ReferenceAccelerator, Scratchpad>(Strategy, const Network&, const ReferenceAccelerator&,
                                                              const Scratchpad&, const SolveOptions&);
template Plan solve_joint<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                    const Scratchpad&, const SolveOptions&);
template Plan solve_fusion<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                     const Scratchpad&, const SolveOptions&);
template Plan solve_pinning<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                      const Scratchpad&, const SolveOptions&,
                                                                      std::span<const int>);
template Plan solve_layerwise<Network, ReferenceAccelerator, Scratchpad>(const Network&, const ReferenceAccelerator&,
                                                                        const Scratchpad&, const SolveOptions&);
template ValidationReport validate_plan<Network, ReferenceAccelerator, Scratchpad>(const Network&, const Plan&,
                                                                                  const ReferenceAccelerator&,
                                                                                  const Scratchpad&);
template Program build_program<Network, ReferenceAccelerator, Scratchpad>(const Network&, const Plan&,
                                                                         const ReferenceAccelerator&, const Scratchpad&);
template ReplayReport replay_program<Network, Scratchpad>(const Network&, const Plan&, const Program&, const Scratchpad&);

}  // namespace pinfuse
