#pragma once
// The concepts a user type models: Graph, CostModel (and its extensions), MemoryConstraint, CommandEmitter.
#include "pinfuse/concepts/command_emitter.hpp"
#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
