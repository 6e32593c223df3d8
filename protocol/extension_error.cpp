#include "protocol/extension_error.hpp"

namespace actorrent {

std::string extension_error::to_string() const {
  return message + " at byte " + std::to_string(offset);
}

extension_error bencode_failure(std::string_view what, const bdecode_error& error) {
  return {std::string(what) + ": invalid bencode: " + actorrent::to_string(error.code),
          error.offset};
}

}  // namespace actorrent
