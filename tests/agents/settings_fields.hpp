#pragma once
// The settings every TD agent saves first (f64 gamma, f64 alpha, f64 epsilon, u8 duplicate
// rule), written field by field for the agents' save/load tests.

#include <cstdint>

#include <tabrl/serialization.hpp>

namespace tabrl::test {

struct SettingsFields {
  double gamma = 0.9, alpha = 0.25, epsilon = 0.05;
  std::uint8_t rule = 1;
  void write(BinaryWriter& w) const {
    w.value(gamma);
    w.value(alpha);
    w.value(epsilon);
    w.value(rule);
  }
};

}  // namespace tabrl::test
