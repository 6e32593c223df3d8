// SHA-1 digests (info-hashes, piece hashes, peer ids share the 20-byte shape) computed with
// OpenSSL's EVP interface, which uses the CPU's SHA extensions where present.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace actorrent {

// 20 raw bytes. Used for info-hashes, piece hashes, peer ids and DHT node ids.
struct sha1_hash {
  static constexpr std::size_t size = 20;
  std::array<std::uint8_t, size> bytes{};

  static sha1_hash from_bytes(std::string_view raw);  // raw.size() must be 20
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  std::string hex() const;  // lowercase

  friend bool operator==(const sha1_hash& a, const sha1_hash& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const sha1_hash& a, const sha1_hash& b) { return a.bytes != b.bytes; }
  friend bool operator<(const sha1_hash& a, const sha1_hash& b) { return a.bytes < b.bytes; }
};

sha1_hash sha1(std::string_view data);

// Incremental hashing: for pieces hashed block by block as they arrive.
class sha1_context {
 public:
  sha1_context();
  ~sha1_context();
  sha1_context(const sha1_context&) = delete;
  sha1_context& operator=(const sha1_context&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  sha1_hash finish();  // the context is reset and can be reused afterwards

 private:
  ::evp_md_ctx_st* ctx_;
};

}  // namespace actorrent
