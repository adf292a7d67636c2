// Allocation instances as text (io/allocation_text.hpp): written and read back
// they are the same instance; every bad line is an input_error naming it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "pinfuse/io/allocation_text.hpp"

using namespace pinfuse;

namespace {

/// "where | reason" of the `Error` reading `text` throws, or "no error".
template <class Error>
std::string error_of(const std::string& text) {
  try {
    read_allocation_instance(text, "f.txt");
  } catch (const Error& e) {
    return e.where() + " | " + e.reason();
  }
  return "no error";
}

}  // namespace

TEST_CASE("an allocation instance written as text reads back the same", "[allocation_text]") {
  const AllocationInstance instance{262144, 64, {{200704, 1, 2}, {0, 3, 3}, {std::uint64_t(1) << 40, 0, 7}}};
  const std::string text = allocation_instance_text(instance, "two lines\nof comment");
  CHECK(text.rfind("# two lines\n# of comment\n262144 64\n200704 1 2\n", 0) == 0);
  const AllocationInstance read = read_allocation_instance(text, "x.txt");
  CHECK(read.capacity == instance.capacity);
  CHECK(read.alignment == instance.alignment);
  REQUIRE(read.requests.size() == instance.requests.size());
  for (std::size_t k = 0; k < read.requests.size(); ++k) {
    CHECK(read.requests[k].bytes == instance.requests[k].bytes);
    CHECK(read.requests[k].first_step == instance.requests[k].first_step);
    CHECK(read.requests[k].last_step == instance.requests[k].last_step);
  }
  // Windows line ends, tabs, blank lines and no buffers at all are fine.
  CHECK(read_allocation_instance("# c\r\n\r\n100\t4\r\n  \n7 0 1\r\n", "y").requests.size() == 1);
  CHECK(read_allocation_instance("100 4\n", "y").requests.empty());
}

TEST_CASE("a bad allocation instance names its line and the reason", "[allocation_text]") {
  CHECK(error_of<input_error>("") == "f.txt | no header line (CAPACITY ALIGNMENT)");
  CHECK(error_of<input_error>("# only a comment\n") == "f.txt | no header line (CAPACITY ALIGNMENT)");
  CHECK(error_of<input_error>("100\n") == "f.txt:1 | expected the header: CAPACITY ALIGNMENT");
  CHECK(error_of<input_error>("100 0\n") == "f.txt:1 | the alignment must be at least 1");
  CHECK(error_of<input_error>("100 4\n5 1\n") == "f.txt:2 | expected a buffer: BYTES FIRST_STEP LAST_STEP");
  CHECK(error_of<input_error>("100 4\n5 1 2 3\n") == "f.txt:2 | expected a buffer: BYTES FIRST_STEP LAST_STEP");
  CHECK(error_of<input_error>("100 4\n5 2 1\n") == "f.txt:2 | the buffer's last step is before its first");
  CHECK(error_of<input_error>("100 4\n\n-5 1 2\n") == "f.txt:3 | expected unsigned decimal numbers separated by spaces");
  CHECK(error_of<input_error>("100 4\n5.5 1 2\n") == "f.txt:2 | expected unsigned decimal numbers separated by spaces");
  CHECK(error_of<input_error>("100 4\n5x 1 2\n") == "f.txt:2 | expected unsigned decimal numbers separated by spaces");
  CHECK(error_of<input_error>("100 4\n18446744073709551616 1 2\n") == "f.txt:2 | a number past 2^64 - 1");
  CHECK(error_of<input_error>("100 4\n5 1 2\n# late\n") == "f.txt:3 | a comment after the first record");
}

TEST_CASE("an allocation instance past the limits is a limit_error naming its line", "[allocation_text]") {
  CHECK(error_of<limit_error>("100 2097152\n") == "f.txt:1 | the alignment exceeds 2^20");
  CHECK(error_of<limit_error>("281474976710657 4\n").rfind("f.txt:1 | the capacity's bytes exceed 2^48", 0) == 0);
  CHECK(error_of<limit_error>("100 4\n281474976710657 0 0\n").rfind("f.txt:2 | the buffer's bytes exceed 2^48", 0) == 0);
  // Each below the limit, together past it (2^48 + 64 aligned), at the second buffer.
  CHECK(error_of<limit_error>("100 64\n281474976710656 0 0\n1 1 1\n").rfind("f.txt:3 | the buffers' aligned bytes exceed", 0) == 0);
  CHECK(error_of<limit_error>("100 4\n5 0 1048576\n") == "f.txt:2 | a step past 1048575, the last an instance may have");
  CHECK(error_of<limit_error>("100 4\n5 0 1048575\n") == "no error");
  std::string long_lived = "100 4\n";
  for (int k = 0; k < 17; ++k) long_lived += "5 0 1048575\n";  // 2^20 buffer-steps each: 16 of them are 2^24
  CHECK(error_of<limit_error>(long_lived) == "f.txt:18 | the buffers are alive for more than 16777216 steps together");
}
