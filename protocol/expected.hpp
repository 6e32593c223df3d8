// expected<T, E>: a value or the reason there is none. C++17 has no std::expected; every
// parser in protocol/ returns one of these so that hostile input is an ordinary value,
// never an exception or a crash.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace actorrent {

template <class E>
struct unexpected {
  E error;
};

template <class E>
unexpected<std::decay_t<E>> make_unexpected(E&& e) {
  return {std::forward<E>(e)};
}

template <class T, class E>
class expected {
 public:
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  expected(unexpected<G> u) : state_(std::in_place_index<1>, std::move(u.error)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(state_));
  }
  const E& error() const {
    assert(!has_value());
    return std::get<1>(state_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> state_;
};

}  // namespace actorrent
