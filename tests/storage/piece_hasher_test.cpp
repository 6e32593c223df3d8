#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "storage/piece_hasher.hpp"

// Named: the file shares a unity batch with other tests.
namespace piece_hasher_test {

using namespace actorrent;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("hash_pieces hashes every piece, on several threads, like one-shot SHA-1", "[hasher]") {
  const std::size_t piece = 16384;
  std::string data = random_bytes(piece * 37 + 1000, 7);  // short last piece
  const auto count = static_cast<std::uint32_t>((data.size() + piece - 1) / piece);
  auto size_of = [&](std::uint32_t i) { return std::min(piece, data.size() - i * piece); };
  for (unsigned threads : {1u, 2u, 4u}) {
    std::atomic<std::uint32_t> last_progress{0};
    piece_hash_job job;
    job.num_pieces = count;
    job.piece_size = size_of;
    job.read = [&](std::uint32_t i, char* buf) {
      std::memcpy(buf, data.data() + i * piece, size_of(i));
      return piece_read_result{};
    };
    job.threads = threads;
    job.progress = [&](std::uint32_t done) {
      auto prev = last_progress.load();
      while (done > prev && !last_progress.compare_exchange_weak(prev, done)) {
      }
    };
    auto r = hash_pieces(job);
    REQUIRE_FALSE(r.failure);
    REQUIRE(r.hashes.size() == count);
    for (std::uint32_t i = 0; i < count; ++i) {
      REQUIRE(r.hashes[i]);
      CHECK(*r.hashes[i] == sha1(std::string_view(data).substr(i * piece, size_of(i))));
    }
    CHECK(last_progress == count);
  }
}

TEST_CASE("hash_pieces reports missing pieces and stops at a read failure", "[hasher]") {
  piece_hash_job job;
  job.num_pieces = 10;
  job.piece_size = [](std::uint32_t) { return std::size_t{100}; };
  job.read = [](std::uint32_t i, char* buf) {
    std::memset(buf, 'x', 100);
    if (i == 3) return piece_read_result{piece_read_status::missing, {}};
    return piece_read_result{};
  };
  auto r = hash_pieces(job);
  REQUIRE_FALSE(r.failure);
  CHECK_FALSE(r.hashes[3]);
  CHECK(r.hashes[4]);

  job.read = [](std::uint32_t i, char*) {
    if (i == 5) return piece_read_result{piece_read_status::failed, "dir/f: Input/output error"};
    return piece_read_result{};
  };
  auto failed = hash_pieces(job);
  REQUIRE(failed.failure);
  CHECK(*failed.failure == "dir/f: Input/output error");
}

TEST_CASE("hash_pieces stops when cancelled", "[hasher]") {
  std::atomic<bool> cancel{true};
  piece_hash_job job;
  job.num_pieces = 1000;
  job.piece_size = [](std::uint32_t) { return std::size_t{10}; };
  job.read = [](std::uint32_t, char*) { return piece_read_result{}; };
  job.cancel = &cancel;
  auto r = hash_pieces(job);
  REQUIRE(r.failure);
  CHECK(*r.failure == "cancelled");
}

}  // namespace piece_hasher_test
