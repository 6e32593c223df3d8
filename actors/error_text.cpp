#include "actors/error_text.hpp"

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include <algorithm>

namespace actorrent {

namespace {

std::string in_words(std::string code) {
  std::replace(code.begin(), code.end(), '_', ' ');
  return code;
}

}  // namespace

std::string error_text(caf::actor_system& system, const caf::error& e) {
  if (!e) return "no error";
  const auto& ctx = e.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) return ctx.get_as<std::string>(0);
  if (e.category() == caf::atom("exit"))
    return in_words(caf::to_string(static_cast<caf::exit_reason>(e.code())));
  if (e.category() == caf::atom("system") && ctx.empty())
    return in_words(caf::to_string(static_cast<caf::sec>(e.code())));
  return system.render(e);
}

}  // namespace actorrent
