#include "experiment/secret_file.hpp"

#include <cctype>

#include "main/read_file.hpp"

namespace actorrent {

expected<std::string, std::string> read_secret_file(const std::filesystem::path& file) {
  auto text = read_file(file.string(), 4096);
  if (!text) return make_unexpected(text.error());
  auto secret = std::move(*text);
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back())))
    secret.pop_back();
  if (secret.empty()) return make_unexpected(file.string() + " is empty");
  return secret;
}

}  // namespace actorrent
