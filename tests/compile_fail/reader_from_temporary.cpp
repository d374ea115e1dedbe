// Compile-fail check: a BinaryReader keeps a view of its bytes, so building one from a
// temporary vector (gone before the first read) must not compile. With -DTABRL_CONTROL the
// bytes live in a variable and the same program compiles.

#include <vector>

#include <tabrl/serialization.hpp>

int main() {
#ifdef TABRL_CONTROL
  const std::vector<unsigned char> bytes(8, 0);
  tabrl::BinaryReader reader(bytes, "control");
#else
  tabrl::BinaryReader reader(std::vector<unsigned char>(8, 0), "temporary");
#endif
  return reader.remaining() == 8 ? 0 : 1;
}
