#pragma once
// Checked arithmetic, errors, the solver-facing problem (layers in an order, FMs) and small utilities.
#include "pinfuse/core/align.hpp"
#include "pinfuse/core/checked.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/interval_sweep.hpp"
#include "pinfuse/core/layer.hpp"
#include "pinfuse/core/monotone_search.hpp"
#include "pinfuse/core/parallel_for.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/core/topological_order.hpp"
