// The report programs, one executable with a subcommand each:
//   reports quality [...]     every bundled model x SPM size x strategy (quality_report.cpp)
//   reports order [...]       the joint plan on a breadth-first vs the file vs a searched order (order_report.cpp)
//   reports solve_time [...]  joint solve time, order-free vs fixed order (solve_time_report.cpp)
//   reports threads           solve time on 1 and 2 threads (solve_time_report.cpp)
// The three are one translation unit (a unity build, benchmarks/CMakeLists.txt): they instantiate the same
// solvers, so one -O3 compile serves all three where three compiles took as long each.
#include <cstdio>
#include <exception>
#include <string_view>

namespace pinfuse_reports {
namespace quality {
int report(int argc, char** argv);
}
namespace order {
int report(int argc, char** argv);
}
namespace solve_time {
int report(int argc, char** argv);
int threads_report(int argc, char** argv);
}
}  // namespace pinfuse_reports

int main(int argc, char** argv) try {
  const std::string_view command = argc > 1 ? argv[1] : "";
  // Each report reads its options from argv[1] on, as when it was a program of its own.
  if (command == "quality") return pinfuse_reports::quality::report(argc - 1, argv + 1);
  if (command == "order") return pinfuse_reports::order::report(argc - 1, argv + 1);
  if (command == "solve_time") return pinfuse_reports::solve_time::report(argc - 1, argv + 1);
  if (command == "threads") return pinfuse_reports::solve_time::threads_report(argc - 1, argv + 1);
  std::fprintf(stderr,
               "usage: reports quality [--models DIR] [--hw HW.json] [--out DIR] [--time-limit-ms N]\n"
               "       reports order [--out DIR]\n"
               "       reports solve_time [--work-limit N] [--time-limit-ms N] [--runs N] [--models a,b]\n"
               "       reports threads\n");
  return 2;
} catch (const std::exception& e) {  // a model or hardware file that does not read, a report's own check
  std::fprintf(stderr, "reports: %s\n", e.what());
  return 1;
}
