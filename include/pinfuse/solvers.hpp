#pragma once
// Every solver: layerwise, fusion, pinning, joint (fixed order, order-free, order search), one entry point.
// Not included (optional dependencies): solvers/cbc.hpp (CBC), solvers/ilp.hpp (Eigen), solvers/ilp_model.hpp (Eigen).
#include "pinfuse/solvers/dag_search.hpp"
#include "pinfuse/solvers/fusion.hpp"
#include "pinfuse/solvers/group_boundary.hpp"
#include "pinfuse/solvers/group_settings.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "pinfuse/solvers/layerwise.hpp"
#include "pinfuse/solvers/observer.hpp"
#include "pinfuse/solvers/options.hpp"
#include "pinfuse/solvers/order_search.hpp"
#include "pinfuse/solvers/pinning.hpp"
#include "pinfuse/solvers/segment_dp.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "pinfuse/solvers/suffix_bound.hpp"
