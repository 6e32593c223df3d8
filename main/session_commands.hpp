// `download`, `seed` and `run`: the commands that start a client session.
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_session_commands(CLI::App& app);

}  // namespace actorrent
