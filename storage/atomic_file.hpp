// Replacing a file so that a crash at any instant leaves either the old content or the new,
// never a mix: write a temporary file beside it, fsync, rename over, fsync the directory.
// Used for resume data and for files the CLI writes (.torrent output).
#pragma once

#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace actorrent {

// On failure: the error names the path and the reason; the old file is untouched.
expected<bool, std::string> write_file_atomically(const std::string& path, std::string_view data);

}  // namespace actorrent
