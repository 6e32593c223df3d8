#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include "actors/actor_setup.hpp"
#include "actors/error_text.hpp"

namespace error_text_test {

using namespace actorrent;

TEST_CASE("error_text: the reason an error carries, or its code in words", "[error_text]") {
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  CHECK(error_text(sys, caf::error{}) == "no error");
  CHECK(error_text(sys, caf::make_error(caf::exit_reason::remote_link_unreachable)) ==
        "remote link unreachable");
  CHECK(error_text(sys, caf::make_error(caf::exit_reason::user_shutdown)) == "user shutdown");
  CHECK(error_text(sys, caf::make_error(caf::sec::request_timeout)) == "request timeout");
  CHECK(error_text(sys, caf::make_error(caf::sec::runtime_error, std::string("disk full"))) ==
        "disk full");
  // Anything else: CAF's own rendering, which names the category.
  const auto other = caf::make_error(caf::sec::cannot_connect_to_node, std::string("a"), 7);
  CHECK(error_text(sys, other) == sys.render(other));
}

}  // namespace error_text_test
