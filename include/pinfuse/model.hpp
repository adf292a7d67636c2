#pragma once
// The bundled graph type, pinfuse::Network, with shape inference and statistics.
#include "pinfuse/model/activation_ops.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"
#include "pinfuse/model/statistics.hpp"
