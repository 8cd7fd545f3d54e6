// Text and JSON Lines output; see output.hpp.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "output.hpp"

namespace concheck::analyzer {

std::string relative_if_under(const std::string& file, const std::string& base) {
  if (base.empty() || file.size() <= base.size() || !file.starts_with(base)) return file;
  if (base.back() == '/') return file.substr(base.size());
  if (file[base.size()] != '/') return file;
  return file.substr(base.size() + 1);
}

std::string render_text(const std::vector<diagnostic>& diagnostics, const output_context& context) {
  std::string out;
  for (const auto& d : diagnostics) {
    out += fmt::format("{}:{}:{}: warning: {} [concheck-{}]\n", relative_if_under(d.where.file, context.cwd),
                       d.where.line, d.where.column, d.message, d.rule);
    for (const auto& n : d.notes)
      out += fmt::format("{}:{}:{}: note: {}\n", relative_if_under(n.where.file, context.cwd), n.where.line,
                         n.where.column, n.message);
  }
  return out;
}

std::string render_json(const std::vector<diagnostic>& diagnostics, const output_context&) {
  std::string out;
  for (const auto& d : diagnostics) {
    nlohmann::ordered_json notes = nlohmann::ordered_json::array();
    for (const auto& n : d.notes)
      notes.push_back({{"file", n.where.file},
                       {"line", n.where.line},
                       {"column", n.where.column},
                       {"message", n.message}});
    nlohmann::ordered_json line = {{"rule", d.rule},       {"file", d.where.file},
                                   {"line", d.where.line}, {"column", d.where.column},
                                   {"message", d.message}, {"notes", std::move(notes)}};
    out += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace concheck::analyzer
