// Names the fields of a message in its `inspect` overload, for the message log:
//
//   return f(caf::meta::type_name("block_written"), field("piece"), x.piece, ...);
//
// CAF 0.17 has no field names of its own (they came with 0.18's f.field()). Its serializers
// and to_string skip every annotation they do not know, so a named field travels between
// nodes exactly as before; the message log's JSON inspector uses the name for the value that
// follows it.
#pragma once

#include <caf/meta/annotation.hpp>

namespace actorrent {

struct field_name_t : caf::meta::annotation {
  constexpr explicit field_name_t(const char* n) : name(n) {}
  const char* name;
};

constexpr field_name_t field(const char* name) {
  return field_name_t{name};
}

}  // namespace actorrent
