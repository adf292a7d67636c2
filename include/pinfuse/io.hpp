#pragma once
// Files: model, hardware, plan and command-stream JSON; allocation instances as text.
// Not included (optional dependencies): io/ilp_files.hpp (Eigen), io/onnx_import.hpp (ONNX), io/tflite_import.hpp (flatbuffers).
#include "pinfuse/io/allocation_text.hpp"
#include "pinfuse/io/files.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/json_reader.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/io/plan_json.hpp"
#include "pinfuse/io/program_json.hpp"
