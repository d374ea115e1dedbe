// error.hpp: the exception types, what each FormatProblem is called, and the message format
// `tabrl::Class::method: what must hold, got value`.

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

#include <tabrl/error.hpp>

static_assert(std::is_base_of_v<std::runtime_error, tabrl::Error>);
static_assert(std::is_base_of_v<tabrl::Error, tabrl::InvalidArgument>);
static_assert(std::is_base_of_v<tabrl::Error, tabrl::LogicError>);
static_assert(std::is_base_of_v<tabrl::Error, tabrl::IoError>);
static_assert(std::is_base_of_v<tabrl::Error, tabrl::FormatError>);

TEST_CASE("FormatProblem names and FormatError", "[error]") {
  using P = tabrl::FormatProblem;
  REQUIRE(tabrl::to_string(P::truncated) == "truncated");
  REQUIRE(tabrl::to_string(P::magic) == "wrong magic");
  REQUIRE(tabrl::to_string(P::version) == "unsupported version");
  REQUIRE(tabrl::to_string(P::scalar_type) == "wrong scalar type");
  REQUIRE(tabrl::to_string(P::checksum) == "checksum mismatch");
  REQUIRE(tabrl::to_string(P::shape) == "shape mismatch");
  REQUIRE(tabrl::to_string(P::kind) == "wrong kind");
  REQUIRE(tabrl::to_string(P::value) == "bad value");
  REQUIRE(tabrl::to_string(static_cast<P>(200)) == "unknown");
  const tabrl::FormatError e(P::kind, "file: wrong kind");
  REQUIRE(e.problem() == P::kind);
  REQUIRE(std::string(e.what()) == "file: wrong kind");
}

TEST_CASE("throw_invalid: tabrl::<who>: <what>, got <value>, doubles in full", "[error]") {
  REQUIRE_THROWS_WITH(tabrl::detail::throw_invalid("Thing::call", "x must be >= 0", -3),
                      "tabrl::Thing::call: x must be >= 0, got -3");
  REQUIRE_THROWS_AS(tabrl::detail::throw_invalid("Thing", "x", 1), tabrl::InvalidArgument);
  REQUIRE(tabrl::detail::concat(0.1) == "0.10000000000000001");  // 17 significant digits
  REQUIRE(tabrl::detail::concat("a", 1, 'b', 2.5) == "a1b2.5");
  STATIC_REQUIRE(tabrl::detail::is_negative(-1));
  STATIC_REQUIRE_FALSE(tabrl::detail::is_negative(0));
  STATIC_REQUIRE_FALSE(tabrl::detail::is_negative(255U));
}
