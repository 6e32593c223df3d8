// Writes a message's fields as JSON for the message log, through the same `inspect` overloads
// CAF serializes them with (field names from actors/field_name.hpp). A hand-written writer,
// not nlohmann::json: it runs on the actors' threads for every logged message, so it appends
// straight into one string without building a tree.
//
//   inspect(f, block_written{peer 7, piece 3, offset 0, length 16384, ok, credit 16397})
//     → {"peer":7,"piece":3,"offset":0,"length":16384,"ok":true,"credit":16397}
//
// Special cases, so that a log reads like the protocol: a sha1_hash is hex, a peer_address
// "ip:port", an actor handle its id (0 for none), a pooled block buffer {"bytes": size} (its
// payload is never logged). Local-only messages, which CAF never serializes (they carry pooled
// buffers), describe themselves with `describe(f, x)` instead of `inspect`.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/atom.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "actors/block_pool.hpp"
#include "actors/field_name.hpp"
#include "protocol/hex.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

// Appends `s` as a JSON string literal: escaped so that the line is valid JSON whatever the
// bytes (valid UTF-8 kept as is), cut after max_json_string bytes with the full size noted.
constexpr std::size_t max_json_string = 512;
void append_json_string(std::string& out, std::string_view s);

namespace detail {

template <class Inspector, class T, class = void>
struct has_describe : std::false_type {};

template <class Inspector, class T>
struct has_describe<Inspector, T,
                    std::void_t<decltype(describe(std::declval<Inspector&>(), std::declval<T&>()))>>
    : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};

template <class T>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

}  // namespace detail

class json_inspector {
 public:
  using result_type = void;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;

  explicit json_inspector(std::string& out) : out_(out) {}

  // One struct: its inspect() calls this once with all its fields.
  template <class... Ts>
  void operator()(Ts&&... xs) {
    out_ += '{';
    bool first = true;
    const char* name = nullptr;
    std::size_t position = 0;
    (member(first, name, position, xs), ...);
    out_ += '}';
  }

  // A top-level value of any type (what a message element is).
  template <class T>
  void value(const T& x) {
    write(const_cast<T&>(x));
  }

 private:
  template <class T>
  void member(bool& first, const char*& name, std::size_t& position, T& x) {
    using type = std::decay_t<T>;
    if constexpr (std::is_same<type, field_name_t>::value) {
      name = x.name;
    } else if constexpr (caf::meta::is_annotation<type>::value) {
      // type_name, hex_formatted, omittable...: nothing to write
    } else {
      if (!first) out_ += ',';
      first = false;
      if (name) {
        append_json_string(out_, name);
      } else {
        out_ += '"';
        out_ += std::to_string(position);
        out_ += '"';
      }
      out_ += ':';
      ++position;
      name = nullptr;
      write(const_cast<type&>(x));
    }
  }

  template <class T>
  void write(T& x) {
    using type = std::decay_t<T>;
    if constexpr (std::is_same<type, bool>::value) {
      out_ += x ? "true" : "false";
    } else if constexpr (std::is_same<type, char>::value) {
      append_json_string(out_, std::string_view(&x, 1));
    } else if constexpr (std::is_enum<type>::value) {
      out_ += std::to_string(static_cast<long long>(x));
    } else if constexpr (std::is_integral<type>::value) {
      out_ += std::to_string(x);
    } else if constexpr (std::is_floating_point<type>::value) {
      if (std::isfinite(x)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(x));
        out_ += buf;
      } else {
        out_ += "null";
      }
    } else if constexpr (std::is_same<type, std::string>::value) {
      append_json_string(out_, x);
    } else if constexpr (std::is_same<type, sha1_hash>::value) {
      append_hex_string(x.bytes.data(), x.bytes.size());
    } else if constexpr (std::is_same<type, peer_address>::value) {
      append_json_string(out_, x.to_string());
    } else if constexpr (std::is_same<type, block_buffer>::value) {
      out_ += "{\"bytes\":";
      out_ += std::to_string(x.size());
      out_ += '}';
    } else if constexpr (std::is_same<type, caf::actor>::value ||
                         std::is_same<type, caf::actor_addr>::value) {
      out_ += std::to_string(x ? x.id() : 0);
    } else if constexpr (std::is_same<type, caf::strong_actor_ptr>::value) {
      out_ += std::to_string(x ? x->id() : 0);
    } else if constexpr (std::is_same<type, caf::atom_value>::value) {
      append_json_string(out_, caf::to_string(x));
    } else if constexpr (detail::is_duration<type>::value) {
      out_ += std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(x).count());
    } else if constexpr (detail::is_optional<type>::value) {
      if (x)
        write(*x);
      else
        out_ += "null";
    } else if constexpr (std::is_same<type, std::array<std::uint8_t, 20>>::value) {
      append_hex_string(x.data(), x.size());
    } else if constexpr (detail::is_vector<type>::value) {
      out_ += '[';
      bool first = true;
      for (auto& e : x) {
        if (!first) out_ += ',';
        first = false;
        write(e);
      }
      out_ += ']';
    } else if constexpr (detail::has_describe<json_inspector, type>::value) {
      describe(*this, x);
    } else if constexpr (caf::detail::is_inspectable<json_inspector, type>::value) {
      inspect(*this, x);
    } else {
      append_json_string(out_, caf::deep_to_string(x));
    }
  }

  void append_hex_string(const std::uint8_t* bytes, std::size_t n) {
    out_ += '"';
    out_ += to_hex(std::string_view(reinterpret_cast<const char*>(bytes), n));
    out_ += '"';
  }

  std::string& out_;
};

}  // namespace actorrent
