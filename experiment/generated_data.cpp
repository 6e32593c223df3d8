#include "experiment/generated_data.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <vector>

namespace actorrent {

namespace {

// SplitMix64's finaliser over (seed, index): statistically good, and any word of the stream
// is computed on its own.
std::uint64_t word_at(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

void generate_bytes(std::uint64_t seed, std::uint64_t offset, unsigned char* out,
                    std::size_t size) {
  std::uint64_t index = offset / 8;
  for (std::size_t done = 0; done < size; ++index) {
    std::uint64_t w = word_at(seed, index);
    for (int b = 0; b < 8 && done < size; ++b, ++done)
      out[done] = static_cast<unsigned char>(w >> (8 * b));
  }
}

std::optional<std::string> write_generated_file(const std::filesystem::path& file,
                                                std::uint64_t size, std::uint64_t seed) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(file, ec) && fs::file_size(file, ec) == size && !ec) return std::nullopt;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return file.parent_path().string() + ": " + ec.message();
  const auto temp = fs::path(file.string() + ".part");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return temp.string() + ": " + std::strerror(errno);
    std::vector<unsigned char> chunk(1 << 20);
    for (std::uint64_t at = 0; at < size; at += chunk.size()) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - at));
      generate_bytes(seed, at, chunk.data(), n);
      out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(n));
    }
    out.flush();
    if (!out) return temp.string() + ": write failed: " + std::strerror(errno);
  }
  fs::rename(temp, file, ec);
  if (ec) return file.string() + ": " + ec.message();
  return std::nullopt;
}

}  // namespace actorrent
