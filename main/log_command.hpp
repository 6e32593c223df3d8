// `actorrent log <show|stats|follow|tree|timeline> FILE...`: reading the actor message log
// (docs/message-log.md).
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_log_command(CLI::App& app);

}  // namespace actorrent
