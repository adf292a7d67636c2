// Every libFuzzer target of fuzz/ in one program: which one runs is the name it is called by,
// fuzz_TARGET (fuzz/CMakeLists.txt makes those names links to it). The targets exercise the same
// library code (reading, solving, validating, replaying), so one instrumented compile serves all of
// them where a compile each took about as long each. A target is the file fuzz/TARGET.cpp, unchanged:
// its LLVMFuzzerTestOneInput is renamed here to pinfuse_fuzz_TARGET.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define LLVMFuzzerTestOneInput pinfuse_fuzz_model_json
#include "model_json.cpp"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput pinfuse_fuzz_hardware_json
#include "hardware_json.cpp"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput pinfuse_fuzz_plan_json
#include "plan_json.cpp"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput pinfuse_fuzz_program_json
#include "program_json.cpp"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput pinfuse_fuzz_allocation_text
#include "allocation_text.cpp"
#undef LLVMFuzzerTestOneInput
#ifdef PINFUSE_HAS_ONNX
#define LLVMFuzzerTestOneInput pinfuse_fuzz_onnx_bytes
#include "onnx_bytes.cpp"
#undef LLVMFuzzerTestOneInput
#endif
#ifdef PINFUSE_HAS_TFLITE
#define LLVMFuzzerTestOneInput pinfuse_fuzz_tflite_bytes
#include "tflite_bytes.cpp"
#undef LLVMFuzzerTestOneInput
#endif

namespace {

using Target = int (*)(const std::uint8_t*, std::size_t);
Target chosen = nullptr;

}  // namespace

// libFuzzer calls this once, before any input, with the program's arguments.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  struct Named {
    std::string_view name;
    Target run;
  };
  static constexpr Named targets[] = {
      {"fuzz_model_json", pinfuse_fuzz_model_json},     {"fuzz_hardware_json", pinfuse_fuzz_hardware_json},
      {"fuzz_plan_json", pinfuse_fuzz_plan_json},       {"fuzz_program_json", pinfuse_fuzz_program_json},
      {"fuzz_allocation_text", pinfuse_fuzz_allocation_text},
#ifdef PINFUSE_HAS_ONNX
      {"fuzz_onnx_bytes", pinfuse_fuzz_onnx_bytes},
#endif
#ifdef PINFUSE_HAS_TFLITE
      {"fuzz_tflite_bytes", pinfuse_fuzz_tflite_bytes},
#endif
  };
  std::string_view name = *argc > 0 ? (*argv)[0] : "";
  name.remove_prefix(name.find_last_of('/') + 1);  // npos + 1 == 0: no directory
  for (const Named& t : targets)
    if (t.name == name) chosen = t.run;
  if (!chosen) {
    std::fprintf(stderr, "pinfuse fuzz: run this program as fuzz_TARGET (a link to it), not as '%.*s'\n",
                 int(name.size()), name.data());
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return chosen(data, size); }
