// Serialises a value into a CAF message and back, as a send to a remote node does: a type
// that is not registered, or whose inspect overload misses a field, fails here.
#pragma once

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <vector>

namespace actorrent::test {

template <class T>
T round_trip(caf::actor_system& sys, const T& value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto msg = caf::make_message(value);
  REQUIRE_FALSE(sink(msg));
  caf::binary_deserializer source{sys, buf};
  caf::message out;
  REQUIRE_FALSE(source(out));
  REQUIRE(out.match_elements<T>());
  return out.get_as<T>(0);
}

}  // namespace actorrent::test
