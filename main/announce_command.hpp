// `actorrent announce <tracker-url> ...`: one announce (or scrape) to one tracker, printed:
// for checking a tracker by hand, and for tests against other trackers.
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_announce_command(CLI::App& app);

}  // namespace actorrent
