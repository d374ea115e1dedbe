// run_flags.hpp: every setting of a tabrl::experiment::RunSpec as a command-line flag, for the
// example programs. One flag per run field (--alpha, --time-limit, ...), its help text and
// its current value as the shown default come from run_fields(), and the values are checked
// by set_field, so a bad value is reported as the field and its bound ("alpha must be in
// (0, 1], got '1.5'"), an empty one or "0x10" is not quietly read as a number, and a flag
// never swallows the next flag as its value.

#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include <tabrl/experiment/run.hpp>

namespace tabrl_examples {

/// The run flags given on a command line, as text until apply() checks them.
class RunFlags {
 public:
  /// Adds one option per run field to `app`, showing `defaults`' values.
  RunFlags(CLI::App& app, const tabrl::experiment::RunSpec& defaults) {
    for (const auto& field : tabrl::experiment::run_fields()) {
      std::string flag = "--" + std::string(field.name);
      for (char& c : flag) c = c == '_' ? '-' : c;
      auto* option = app.add_option(flag, values_[std::string(field.name)], std::string(field.help));
      option->default_str(field.get(defaults));
      // A value must be a value: "--episodes --quiet" is an error, not episodes = "--quiet".
      option->allow_extra_args(false)->expected(1);
      options_.emplace_back(std::string(field.name), option);
    }
  }

  /// The fields given on the command line, in field order.
  [[nodiscard]] std::vector<std::string> given() const {
    std::vector<std::string> out;
    for (const auto& [name, option] : options_) {
      if (option->count() > 0) out.push_back(name);
    }
    return out;
  }

  /// Sets the given fields on `spec` (throws tabrl::InvalidArgument naming the first bad one).
  void apply(tabrl::experiment::RunSpec& spec) const {
    for (const auto& name : given()) {
      const std::string& value = values_.at(name);
      if (!value.empty() && value.front() == '-' && value.size() > 1 && value[1] == '-') {
        throw tabrl::InvalidArgument("--" + name + " needs a value, got the flag '" + value + "'");
      }
      tabrl::experiment::set_field(spec, name, value);
    }
  }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::pair<std::string, CLI::Option*>> options_;
};

}  // namespace tabrl_examples
