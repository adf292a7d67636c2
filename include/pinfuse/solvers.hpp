#pragma once
// Every solver: layerwise, fusion, pinning, joint (fixed order, order-free, order search), one entry point.
// Not included (optional dependencies): solvers/cbc.hpp (CBC), solvers/ilp.hpp (Eigen), solvers/ilp_model.hpp (Eigen).
// Not included (internals, through the headers above): solvers/detail/ (the DP engine, the order-free search, group
// settings and boundaries, the branch and bound).
#include "pinfuse/solvers/fusion.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "pinfuse/solvers/layerwise.hpp"
#include "pinfuse/solvers/observer.hpp"
#include "pinfuse/solvers/options.hpp"
#include "pinfuse/solvers/order_search.hpp"
#include "pinfuse/solvers/pinning.hpp"
#include "pinfuse/solvers/solve.hpp"
