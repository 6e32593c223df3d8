// A node's shared secret, as both sides read it: the file's text without its trailing
// whitespace (an editor's final newline is not part of the secret).
#pragma once

#include <filesystem>
#include <string>

#include "protocol/expected.hpp"

namespace actorrent {

// An error names the file: unreadable, larger than 4 KiB, or empty.
expected<std::string, std::string> read_secret_file(const std::filesystem::path& file);

}  // namespace actorrent
