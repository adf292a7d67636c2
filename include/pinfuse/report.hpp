#pragma once
// Charts: SVG occupancy and sweeps.
#include "pinfuse/report/svg.hpp"
