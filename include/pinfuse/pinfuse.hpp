#pragma once
// Everything in one include: every folder's umbrella header (each says which of
// its headers need an optional dependency and are left out). Prefer the folder
// umbrellas or the individual headers in a large build.
#include "pinfuse/accel.hpp"
#include "pinfuse/concepts.hpp"
#include "pinfuse/core.hpp"
#include "pinfuse/io.hpp"
#include "pinfuse/memory.hpp"
#include "pinfuse/model.hpp"
#include "pinfuse/plan.hpp"
#include "pinfuse/report.hpp"
#include "pinfuse/solvers.hpp"
