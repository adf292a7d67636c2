#pragma once
// The reference accelerator: hardware description, tiling, cost model, command emitter, cost floors.
// Not included (internals, through reference_accelerator.hpp): accel/detail/ (the command emitter's steps).
#include "pinfuse/accel/bounds.hpp"
#include "pinfuse/accel/buffer_kinds.hpp"
#include "pinfuse/accel/hardware.hpp"
#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/accel/tiling.hpp"
#include "pinfuse/accel/tiling_keys.hpp"
