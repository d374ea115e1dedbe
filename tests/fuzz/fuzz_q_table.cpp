// libFuzzer target: tabrl's Q-table loader must reject any byte string with a FormatError,
// or return a table that round-trips, and never crash, leak or hit undefined behaviour.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <vector>

#include <tabrl/io/q_table.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  try {
    const auto q = tabrl::parse_q_table<double>(bytes, "fuzz");
    std::ostringstream out;
    tabrl::write_q_table(out, q);  // whatever loads must save again
  } catch (const tabrl::FormatError&) {
  }
  try {
    (void)tabrl::parse_q_table<float>(bytes, "fuzz", tabrl::Shape{48, 4});
  } catch (const tabrl::FormatError&) {
  }
  return 0;
}
