#include "protocol/wire_framer.hpp"

#include <algorithm>

namespace actorrent {

namespace {

constexpr std::size_t prefix_size = 4;

// Above this, the buffer of a straddling frame is freed once the frame has been used, so a
// connection does not hold the memory of one large bitfield for its whole life.
constexpr std::size_t kept_capacity = 64 * 1024;

std::uint32_t get_u32(const char* p) {
  auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

}  // namespace

expected<wire::message, wire_error> decode_frame(const frame& f) {
  auto decoded = wire::decode_message(f.payload);
  if (!decoded) {
    wire_error e = decoded.error();
    e.offset = f.offset;
    return make_unexpected(std::move(e));
  }
  return decoded;
}

wire_framer::wire_framer(std::uint32_t max_frame_length, framer_start start)
    : max_frame_length_(max_frame_length), awaiting_handshake_(start == framer_start::handshake) {}

template <class T>
expected<T, wire_error> wire_framer::fail(wire_error e) {
  error_ = e;
  std::string().swap(partial_);
  delivered_from_partial_ = false;
  return make_unexpected(std::move(e));
}

std::optional<wire_error> wire_framer::check_length(std::uint32_t length, std::uint64_t offset) {
  if (length <= max_frame_length_) return std::nullopt;
  return wire_error{wire_errc::frame_too_large,
                    "frame length " + std::to_string(length) + " exceeds the maximum of " +
                        std::to_string(max_frame_length_) + " bytes",
                    offset};
}

void wire_framer::take(std::string_view& input, std::size_t n) {
  partial_.append(input.data(), n);
  input.remove_prefix(n);
  consumed_ += n;
}

void wire_framer::release_delivered() {
  if (!delivered_from_partial_) return;
  delivered_from_partial_ = false;
  if (partial_.capacity() > kept_capacity) {
    std::string().swap(partial_);
  } else {
    partial_.clear();
  }
}

expected<std::optional<handshake>, wire_error> wire_framer::next_handshake(
    std::string_view& input) {
  using result = std::optional<handshake>;
  if (error_) return make_unexpected(*error_);
  if (!awaiting_handshake_) {
    return make_unexpected(wire_error{wire_errc::wrong_state,
                                      "next_handshake() called when no handshake is expected",
                                      consumed_});
  }
  const std::uint64_t start = consumed_ - partial_.size();
  const bool in_place = partial_.empty() && input.size() >= handshake_size;
  if (!in_place) take(input, std::min(handshake_size - partial_.size(), input.size()));
  const std::string_view bytes = in_place ? input.substr(0, handshake_size) : partial_;

  auto decoded = decode_handshake(bytes);
  if (!decoded) {
    wire_error e = decoded.error();
    e.offset += start;
    return fail<result>(std::move(e));
  }
  if (!*decoded) return result{};
  if (in_place) {
    input.remove_prefix(handshake_size);
    consumed_ += handshake_size;
  }
  partial_.clear();
  awaiting_handshake_ = false;
  return decoded;
}

expected<std::optional<frame>, wire_error> wire_framer::next(std::string_view& input) {
  using result = std::optional<frame>;
  if (error_) return make_unexpected(*error_);
  if (awaiting_handshake_) {
    return make_unexpected(wire_error{wire_errc::wrong_state,
                                      "next() called before the handshake was read", consumed_});
  }
  release_delivered();

  if (partial_.empty()) {
    // The fast path: the frame lies in the caller's buffer.
    if (input.size() >= prefix_size) {
      const std::uint32_t length = get_u32(input.data());
      if (auto e = check_length(length, consumed_)) return fail<result>(std::move(*e));
      if (input.size() - prefix_size >= length) {
        const frame f{input.substr(prefix_size, length), consumed_};
        input.remove_prefix(prefix_size + length);
        consumed_ += prefix_size + length;
        return result{f};
      }
    }
    take(input, input.size());
    return result{};
  }

  // A frame that began in an earlier input: gather it, checking its length before its body.
  const std::uint64_t start = consumed_ - partial_.size();
  if (partial_.size() < prefix_size) {
    take(input, std::min(prefix_size - partial_.size(), input.size()));
    if (partial_.size() < prefix_size) return result{};
    if (auto e = check_length(get_u32(partial_.data()), start)) return fail<result>(std::move(*e));
  }
  const std::size_t total = prefix_size + get_u32(partial_.data());
  take(input, std::min(total - partial_.size(), input.size()));
  if (partial_.size() < total) return result{};
  delivered_from_partial_ = true;
  return result{frame{std::string_view(partial_).substr(prefix_size), start}};
}

}  // namespace actorrent
