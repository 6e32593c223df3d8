// What the message log writes for a message's content: its type name and its fields as JSON
// (message_json.hpp), for every type of actors/message_types.hpp, CAF's own system messages
// and atoms.
#pragma once

#include <caf/fwd.hpp>

#include <string>

namespace actorrent {

// The registered name of the content's type: "picked", "exit_msg", an atom's text ("tick"),
// or for a tuple of several values their names joined by ','.
std::string element_type_name(const caf::type_erased_tuple& content);

// Appends the content's fields as one JSON object: a struct's own fields, {"value": v} for a
// single plain value, {"0": v0, "1": v1, ...} for several values.
void append_fields_json(const caf::type_erased_tuple& content, std::string& out);

}  // namespace actorrent
