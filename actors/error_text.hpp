// A caf::error as a person reads it, for logs, exit messages and experiment summaries: the
// reason it carries (the actors here raise errors with one), or its code in words ("remote
// link unreachable", "request timeout") instead of CAF's "exit_reason(remote_link_unreachable)".
#pragma once

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

#include <string>

namespace actorrent {

std::string error_text(caf::actor_system& system, const caf::error& e);

}  // namespace actorrent
