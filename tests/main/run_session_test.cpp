#include <catch2/catch.hpp>

#include "main/run_session.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

TEST_CASE("run_session: a download is polled often, a seeding session once per display",
          "[run_session]") {
  // A download must end soon after it completes.
  CHECK(progress_poll_interval(true) <= 100ms);
  // A seeding session only redraws once a second: polling faster costs a request per torrent
  // per poll (bench/scale: most of an idle 200-torrent session's CPU at 20 polls a second).
  CHECK(progress_poll_interval(false) == 1000ms);
}
