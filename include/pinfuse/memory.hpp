#pragma once
// The SPM allocator and the bundled MemoryConstraint, Scratchpad.
#include "pinfuse/memory/allocation_request.hpp"
#include "pinfuse/memory/allocator.hpp"
#include "pinfuse/memory/scratchpad.hpp"
