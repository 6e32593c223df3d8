// Every field of every message has a name, for the message log (docs/message-log.md): in each
// `inspect` overload, every value is preceded by exactly one actorrent::field("name"), and the
// names within one type are non-empty and unique. The types checked are the ones
// register_message_types() registers (actors/message_types.hpp); nested structs and vector
// elements are checked through their own inspect.
#include <catch2/catch.hpp>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/node_id.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

#include "actors/field_name.hpp"
#include "actors/message_types.hpp"

using namespace actorrent;

namespace {

// What the checker learned about one type's inspect.
struct type_report {
  std::string type_name;  // its caf::meta::type_name, empty when it has none
  std::size_t values = 0;
  std::vector<std::string> problems;
};

// Reports by type, each type inspected once however often it is nested.
using report_map = std::map<std::type_index, type_report>;

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

// CAF's own types have inspect overloads meant for CAF's serializers (they need a context):
// to the message log they are single values (an actor is its id).
template <class T>
struct is_caf_value
    : std::integral_constant<
          bool, std::is_same<T, caf::actor>::value || std::is_same<T, caf::actor_addr>::value ||
                    std::is_same<T, caf::strong_actor_ptr>::value ||
                    std::is_same<T, caf::weak_actor_ptr>::value ||
                    std::is_same<T, caf::error>::value || std::is_same<T, caf::node_id>::value> {};

template <class T>
void check_type(report_map& reports);

// An inspector that reads an inspect call's arguments in order: annotations and values.
class field_checker {
 public:
  using result_type = void;
  [[maybe_unused]] static constexpr bool reads_state = true;
  [[maybe_unused]] static constexpr bool writes_state = false;

  field_checker(report_map& reports, type_report& report) : reports_(reports), report_(report) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (visit(xs), ...);
    if (pending_) problem("field(\"" + *pending_ + "\") names no value");
    pending_.reset();
  }

 private:
  template <class T>
  void visit(T& x) {
    using U = std::decay_t<T>;
    if constexpr (std::is_same<U, caf::meta::type_name_t>::value) {
      report_.type_name = x.value ? x.value : "";
    } else if constexpr (std::is_same<U, field_name_t>::value) {
      std::string name = x.name ? x.name : "";
      if (pending_)
        problem("field(\"" + *pending_ + "\") is followed by field(\"" + name +
                "\"), not by a value");
      if (name.empty())
        problem("an empty field name (before value " + std::to_string(report_.values + 1) + ")");
      else if (!names_.insert(name).second)
        problem("field name \"" + name + "\" is used twice");
      pending_ = std::move(name);
    } else if constexpr (std::is_base_of<caf::meta::annotation, U>::value) {
      // hex_formatted, omittable, ...: they qualify the value that follows, they name nothing.
    } else {
      ++report_.values;
      if (!pending_) {
        std::string after = last_name_.empty() ? "" : " (it follows \"" + last_name_ + "\")";
        problem("value " + std::to_string(report_.values) + " has no field name" + after);
      } else {
        last_name_ = *pending_;
      }
      pending_.reset();
      check_nested<U>();
    }
  }

  // A value that is a struct of ours (or a vector of them) is checked as a type of its own.
  template <class U>
  void check_nested() {
    if constexpr (is_vector<U>::value) {
      check_nested<typename U::value_type>();
    } else if constexpr (std::is_class<U>::value && !is_caf_value<U>::value &&
                         (has_inspect<U>(0) || has_describe<U>(0))) {
      check_type<U>(reports_);
    }
  }

 public:
  // Local-only messages say what the log prints of them in describe(), not inspect().
  template <class U>
  static constexpr auto has_describe(int)
      -> decltype(describe(std::declval<field_checker&>(), std::declval<U&>()), bool()) {
    return true;
  }
  template <class U>
  static constexpr bool has_describe(...) {
    return false;
  }

 private:
  template <class U>
  static constexpr auto has_inspect(int)
      -> decltype(inspect(std::declval<field_checker&>(), std::declval<U&>()), bool()) {
    return true;
  }
  template <class U>
  static constexpr bool has_inspect(...) {
    return false;
  }

  void problem(std::string text) { report_.problems.push_back(std::move(text)); }

  report_map& reports_;
  type_report& report_;
  std::optional<std::string> pending_;  // a field name waiting for its value
  std::set<std::string> names_;
  std::string last_name_;  // of the last named value
};

template <class T>
void check_type(report_map& reports) {
  if constexpr (is_vector<T>::value) {
    check_type<typename T::value_type>(reports);
  } else {
    auto [it, fresh] = reports.emplace(std::type_index(typeid(T)), type_report{});
    if (!fresh) return;
    type_report& report = it->second;  // std::map: stays valid while nested types are added
    T value{};
    field_checker f{reports, report};
    if constexpr (field_checker::has_describe<T>(0))
      describe(f, value);
    else
      inspect(f, value);
  }
}

template <class T>
const type_report& report_of(const report_map& reports) {
  return reports.at(std::type_index(typeid(T)));
}

// Every type the checker reached, with its problems listed in the failure message.
void check_reports(const report_map& reports) {
  for (const auto& [index, report] : reports) {
    INFO("type " << (report.type_name.empty() ? index.name() : report.type_name));
    for (const auto& p : report.problems)
      FAIL_CHECK(p);
  }
}

}  // namespace

TEST_CASE("every field of every registered message type has a unique name", "[messages]") {
  report_map reports;
  for_each_message_type(
      [&](auto tag, const char*) { check_type<typename decltype(tag)::type>(reports); });
  check_reports(reports);

  // The walk saw the values (a checker that sees nothing passes everything); that it reaches
  // nested structs is checked on the test types below.
  CHECK(report_of<torrent_parts>(reports).values == 5);
  CHECK(report_of<torrent_progress>(reports).values == 19);
  CHECK(report_of<tracker_completed>(reports).values == 0);
}

TEST_CASE("every field of every local-only message type has a unique name", "[messages]") {
  report_map reports;
  for_each_local_message_type(
      [&](auto tag, const char*) { check_type<typename decltype(tag)::type>(reports); });
  check_reports(reports);
  CHECK(report_of<blocks_arrived>(reports).values == 3);
  CHECK(report_of<arrived_block>(reports).values == 3);  // reached through blocks_arrived
  CHECK(report_of<disk_job>(reports).values == 1);
}

TEST_CASE("a registered message's type_name is the name it is registered under", "[messages]") {
  report_map reports;
  for_each_message_type([&](auto tag, const char* name) {
    using T = typename decltype(tag)::type;
    if constexpr (!is_vector<T>::value) {
      check_type<T>(reports);
      INFO("registered as " << name);
      CHECK(report_of<T>(reports).type_name == name);
    }
  });
}

// ---- the checker itself catches what it is for ----

namespace fields_test {

struct unnamed_value {
  int a = 0;
  int b = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unnamed_value& x) {
  return f(caf::meta::type_name("unnamed_value"), field("a"), x.a, x.b);
}

struct doubled_name {
  int a = 0;
  int b = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, doubled_name& x) {
  return f(caf::meta::type_name("doubled_name"), field("a"), x.a, field("a"), x.b);
}

struct two_names_one_value {
  int a = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, two_names_one_value& x) {
  return f(caf::meta::type_name("two_names_one_value"), field("a"), field("b"), x.a);
}

struct empty_and_dangling {
  int a = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, empty_and_dangling& x) {
  return f(caf::meta::type_name("empty_and_dangling"), field(""), x.a, field("b"));
}

struct outer {
  std::vector<unnamed_value> inner;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outer& x) {
  return f(caf::meta::type_name("outer"), field("inner"), x.inner);
}

}  // namespace fields_test

TEST_CASE("the field checker finds unnamed values, doubled and empty names", "[messages]") {
  report_map reports;
  check_type<fields_test::unnamed_value>(reports);
  check_type<fields_test::doubled_name>(reports);
  check_type<fields_test::two_names_one_value>(reports);
  check_type<fields_test::empty_and_dangling>(reports);
  check_type<fields_test::outer>(reports);
  CHECK(report_of<fields_test::unnamed_value>(reports).problems ==
        std::vector<std::string>{"value 2 has no field name (it follows \"a\")"});
  CHECK(report_of<fields_test::doubled_name>(reports).problems ==
        std::vector<std::string>{"field name \"a\" is used twice"});
  CHECK(report_of<fields_test::two_names_one_value>(reports).problems ==
        std::vector<std::string>{"field(\"a\") is followed by field(\"b\"), not by a value"});
  CHECK(report_of<fields_test::empty_and_dangling>(reports).problems ==
        std::vector<std::string>{"an empty field name (before value 1)",
                                 "field(\"b\") names no value"});
  // The vector's element type was reached through outer's inspect (and checked once).
  CHECK(report_of<fields_test::outer>(reports).problems.empty());
  CHECK(reports.size() == 5);
}
