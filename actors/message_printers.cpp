#include "actors/message_printers.hpp"

#include <caf/error.hpp>
#include <caf/system_messages.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/type_nr.hpp>

#include <typeindex>
#include <unordered_map>

#include "actors/message_json.hpp"
#include "actors/message_types.hpp"

namespace actorrent {

namespace {

using print_fn = void (*)(const void*, std::string&);

struct printer {
  std::string name;
  print_fn print = nullptr;
  bool is_struct = false;  // prints an object of its own fields
};

template <class T>
void print_value(const void* p, std::string& out) {
  json_inspector f(out);
  f.value(*static_cast<const T*>(p));
}

template <class T>
printer make_printer(const char* name) {
  constexpr bool is_struct =
      detail::has_describe<json_inspector, T>::value ||
      (caf::detail::is_inspectable<json_inspector, T>::value &&
       !std::is_same<T, sha1_hash>::value && !std::is_same<T, peer_address>::value);
  return printer{name, &print_value<T>, is_struct};
}

// Built once, on first use, from the one list of message types: read-only afterwards, so
// every scheduler thread may look up at once.
const std::unordered_map<std::type_index, printer>& printers() {
  static const auto table = [] {
    std::unordered_map<std::type_index, printer> t;
    auto add = [&](auto tag, const char* name) {
      using type = typename decltype(tag)::type;
      t.emplace(std::type_index(typeid(type)), make_printer<type>(name));
    };
    for_each_message_type(add);
    for_each_local_message_type(add);
    return t;
  }();
  return table;
}

std::string builtin_name(const caf::type_erased_tuple& content, std::size_t pos) {
  const auto nr = content.type(pos).first;
  if (nr == caf::type_nr<caf::atom_value>::value)
    return caf::to_string(*static_cast<const caf::atom_value*>(content.get(pos)));
  if (nr == caf::type_nr<caf::exit_msg>::value) return "exit_msg";
  if (nr == caf::type_nr<caf::down_msg>::value) return "down_msg";
  if (nr == caf::type_nr<caf::error>::value) return "error";
  if (nr == caf::type_nr<caf::timeout_msg>::value) return "timeout";
  if (nr != 0 && nr < caf::type_nrs) return caf::numbered_type_names[nr - 1];
  return "unknown";
}

const printer* find(const caf::type_erased_tuple& content, std::size_t pos) {
  const auto rtti = content.type(pos);
  if (rtti.first != 0 || rtti.second == nullptr) return nullptr;
  const auto& table = printers();
  auto i = table.find(std::type_index(*rtti.second));
  return i == table.end() ? nullptr : &i->second;
}

void append_error(std::string& out, const caf::error& e) {
  if (!e) {  // none: CAF 0.17's context() dereferences the missing data
    out += "{\"code\":0,\"category\":\"none\",\"context\":\"\"}";
    return;
  }
  out += "{\"code\":" + std::to_string(e.code()) + ",\"category\":\"" +
         caf::to_string(e.category()) + "\",\"context\":";
  // to_string of an empty message dereferences its null data too.
  append_json_string(out, e.context().empty() ? std::string() : caf::to_string(e.context()));
  out += '}';
}

// One element's value as JSON: its own fields for structs, a plain value otherwise.
void append_value(const caf::type_erased_tuple& content, std::size_t pos, std::string& out) {
  if (const auto* p = find(content, pos)) return p->print(content.get(pos), out);
  const auto nr = content.type(pos).first;
  if (nr == caf::type_nr<caf::exit_msg>::value) {
    const auto& m = *static_cast<const caf::exit_msg*>(content.get(pos));
    out += "{\"source\":" + std::to_string(m.source ? m.source.id() : 0) + ",\"reason\":";
    append_error(out, m.reason);
    out += '}';
  } else if (nr == caf::type_nr<caf::down_msg>::value) {
    const auto& m = *static_cast<const caf::down_msg*>(content.get(pos));
    out += "{\"source\":" + std::to_string(m.source ? m.source.id() : 0) + ",\"reason\":";
    append_error(out, m.reason);
    out += '}';
  } else if (nr == caf::type_nr<caf::error>::value) {
    append_error(out, *static_cast<const caf::error*>(content.get(pos)));
  } else {
    append_json_string(out, content.stringify(pos));
  }
}

bool is_object(const caf::type_erased_tuple& content, std::size_t pos) {
  if (const auto* p = find(content, pos)) return p->is_struct;
  const auto nr = content.type(pos).first;
  return nr == caf::type_nr<caf::exit_msg>::value || nr == caf::type_nr<caf::down_msg>::value ||
         nr == caf::type_nr<caf::error>::value;
}

}  // namespace

std::string element_type_name(const caf::type_erased_tuple& content) {
  std::string out;
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (i > 0) out += ',';
    const auto* p = find(content, i);
    out += p ? p->name : builtin_name(content, i);
  }
  return out;
}

void append_fields_json(const caf::type_erased_tuple& content, std::string& out) {
  if (content.size() == 1 && is_object(content, 0)) return append_value(content, 0, out);
  // An atom alone is the type already: no fields.
  if (content.size() == 1 && content.type(0).first == caf::type_nr<caf::atom_value>::value) {
    out += "{}";
    return;
  }
  out += '{';
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (i > 0) out += ',';
    if (content.size() == 1)
      out += "\"value\":";
    else
      out += "\"" + std::to_string(i) + "\":";
    append_value(content, i, out);
  }
  out += '}';
}

}  // namespace actorrent
