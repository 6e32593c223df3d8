// The clock every engine class is driven with: time is always passed in, so tests use a
// fake clock and the actors pass steady_clock::now().
#pragma once

#include <chrono>

namespace actorrent {

using engine_clock = std::chrono::steady_clock;

}  // namespace actorrent
