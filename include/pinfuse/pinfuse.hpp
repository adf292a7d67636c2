#pragma once
// Everything in one include. Prefer the individual headers in a large build.
#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/io/plan_json.hpp"
#include "pinfuse/io/program_json.hpp"
#include "pinfuse/memory/scratchpad.hpp"
#include "pinfuse/model/statistics.hpp"
#include "pinfuse/plan/program.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"
