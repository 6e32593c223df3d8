// The message log filters as the user gives them (`--actor`, `--type`, ...), unparsed: a
// header of its own so that the command line can hold them without the filter's regex and
// JSON machinery.
#pragma once

#include <string>
#include <vector>

namespace actorrent::msglog {

struct filter_options {
  std::vector<std::string> actors, types, torrents, peers, greps;
  std::string since, until;
};

}  // namespace actorrent::msglog
