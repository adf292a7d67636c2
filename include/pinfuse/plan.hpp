#pragma once
// Plans: SPM layout, command streams, replay and validation.
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/plan/program.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"
