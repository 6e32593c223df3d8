#include "engine/piece_hash_cursor.hpp"

#include <algorithm>

namespace actorrent {

piece_hash_cursor::piece_hash_cursor(std::uint32_t num_pieces, std::int64_t piece_length,
                                     std::int64_t total_length)
    : num_pieces_(num_pieces), piece_length_(piece_length), total_length_(total_length) {}

std::int64_t piece_hash_cursor::piece_size(std::uint32_t piece) const {
  if (piece + 1 < num_pieces_) return piece_length_;
  return total_length_ - piece_length_ * static_cast<std::int64_t>(num_pieces_ - 1);
}

piece_hash_cursor::piece_state& piece_hash_cursor::state(std::uint32_t piece) {
  auto& s = state_[piece];
  if (!s) {
    s = std::make_unique<piece_state>();
    s->written.assign(static_cast<std::size_t>((piece_size(piece) + block_size - 1) / block_size),
                      false);
  }
  return *s;
}

bool piece_hash_cursor::valid_block(std::uint32_t piece, std::int64_t offset,
                                    std::int64_t length) const {
  if (piece >= num_pieces_ || offset < 0 || offset % block_size != 0) return false;
  auto size = piece_size(piece);
  return offset < size && length == std::min(block_size, size - offset);
}

bool piece_hash_cursor::at_cursor(std::uint32_t piece, std::int64_t offset) const {
  auto it = state_.find(piece);
  return offset == (it == state_.end() ? 0 : it->second->cursor);
}

void piece_hash_cursor::hash_block(std::uint32_t piece, const char* data, std::int64_t length) {
  auto& s = state(piece);
  s.ctx.update(data, static_cast<std::size_t>(length));
  s.cursor += length;
}

bool piece_hash_cursor::block_written(std::uint32_t piece, std::int64_t offset) {
  auto& s = state(piece);
  auto index = static_cast<std::size_t>(offset / block_size);
  if (!s.written[index]) {
    s.written[index] = true;
    ++s.blocks_written;
  }
  return s.blocks_written == s.written.size();
}

std::int64_t piece_hash_cursor::cursor(std::uint32_t piece) const {
  auto it = state_.find(piece);
  return it == state_.end() ? 0 : it->second->cursor;
}

sha1_hash piece_hash_cursor::finish(std::uint32_t piece, const char* rest,
                                    std::int64_t rest_length) {
  auto& s = state(piece);
  if (rest_length > 0) s.ctx.update(rest, static_cast<std::size_t>(rest_length));
  auto digest = s.ctx.finish();
  state_.erase(piece);
  return digest;
}

void piece_hash_cursor::reset(std::uint32_t piece) {
  state_.erase(piece);
}

}  // namespace actorrent
