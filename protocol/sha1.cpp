#include "protocol/sha1.hpp"

#include <openssl/evp.h>

#include <cassert>
#include <new>

#include "protocol/hex.hpp"

namespace actorrent {

sha1_hash sha1_hash::from_bytes(std::string_view raw) {
  assert(raw.size() == size);
  sha1_hash h;
  for (std::size_t i = 0; i < size; ++i)
    h.bytes[i] = static_cast<std::uint8_t>(raw[i]);
  return h;
}

std::string sha1_hash::hex() const {
  return to_hex(view());
}

sha1_hash sha1(std::string_view data) {
  sha1_context ctx;
  ctx.update(data);
  return ctx.finish();
}

sha1_context::sha1_context() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha1(), nullptr) != 1) throw std::bad_alloc();
}

sha1_context::~sha1_context() {
  EVP_MD_CTX_free(ctx_);
}

void sha1_context::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(ctx_, data, size);
}

sha1_hash sha1_context::finish() {
  sha1_hash h;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, h.bytes.data(), &len);
  EVP_DigestInit_ex(ctx_, EVP_sha1(), nullptr);
  return h;
}

}  // namespace actorrent
