// FrozenLake and Taxi frames: sizes and the exact colours of known cells.

#include <catch2/catch.hpp>

#include <tabrl/viz/env_frames.hpp>

using tabrl::viz::Rgb;

TEST_CASE("render_frozen_lake: size and cell colours", "[viz][frames]") {
  const tabrl::FrozenLake lake;  // SFFF / FHFH / FFFH / HFFG
  const tabrl::viz::FrameStyle st;
  const std::vector<int> trail{0, 1};
  const auto img = tabrl::viz::render_frozen_lake(lake, 2, trail);
  REQUIRE(img.width() == 4 * 32 + 1);
  REQUIRE(img.height() == 4 * 32 + 1);
  auto corner = [&](int s) { return img.at((s % 4) * 32 + 2, (s / 4) * 32 + 2); };  // away from discs
  REQUIRE(corner(0) == st.start);
  REQUIRE(corner(5) == st.cliff);   // hole
  REQUIRE(corner(15) == st.goal);
  REQUIRE(corner(6) == st.background);
  REQUIRE(img.at(2 * 32 + 16, 16) == st.agent);   // agent in state 2
  REQUIRE(img.at(1 * 32 + 16, 16) == st.trail);   // trail dot in state 1
  REQUIRE(img.at(0, 0) == st.grid);
  const tabrl::FrozenLake big(tabrl::FrozenLake::map_8x8());
  REQUIRE(tabrl::viz::render_frozen_lake(big, 0).width() == 8 * 32 + 1);
  REQUIRE_THROWS_AS(tabrl::viz::render_frozen_lake(lake, 16), tabrl::InvalidArgument);
}

TEST_CASE("render_taxi: stands, destination, walls, passenger and taxi", "[viz][frames]") {
  const tabrl::viz::TaxiStyle st;
  // Taxi at (2, 2), passenger waiting at Y (stand 2), destination G (stand 1).
  const auto img = tabrl::viz::render_taxi(tabrl::Taxi::encode(2, 2, 2, 1));
  REQUIRE(img.width() == 5 * 32 + 1);
  REQUIRE(img.height() == 5 * 32 + 1);
  REQUIRE(img.at(0 * 32 + 4, 0 * 32 + 4) == st.stands[0]);           // R, not the destination
  REQUIRE(img.at(4 * 32 + 2, 0 * 32 + 2) == st.wall);                // G is framed: destination
  REQUIRE(img.at(4 * 32 + 8, 0 * 32 + 8) == st.stands[1]);
  REQUIRE(img.at(0 * 32 + 16, 4 * 32 + 16) == st.passenger);         // waiting at Y
  REQUIRE(img.at(2 * 32 + 16, 2 * 32 + 16) == st.frame.agent);       // the taxi
  REQUIRE(img.at(2 * 32, 0 * 32 + 16) == st.wall);                   // wall between (0,1) and (0,2)
  REQUIRE(img.at(1 * 32 + 16, 2 * 32 + 16) == st.frame.background);  // an open cell
  // With the passenger aboard the taxi changes colour and no passenger waits at a stand.
  const auto aboard = tabrl::viz::render_taxi(tabrl::Taxi::encode(2, 2, 4, 1));
  REQUIRE(aboard.at(2 * 32 + 16, 2 * 32 + 16) == st.taxi_with_passenger);
  REQUIRE(aboard.at(0 * 32 + 16, 4 * 32 + 16) == st.stands[2]);
  REQUIRE_THROWS_AS(tabrl::viz::render_taxi(500), tabrl::InvalidArgument);
}
