#pragma once
// Model import: the problems an import finds, reported together in one input_error.
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/core/error.hpp"

namespace pinfuse::import_detail {

class Problems {
 public:
  void add(std::string where, std::string reason) { problems_.push_back({std::move(where), std::move(reason)}); }

  /// A node of an op type the importer does not know: one problem per op type (placed at
  /// its first node, `where`), which counts the nodes and names the first ones.
  void unsupported(const std::string& op_type, std::string where, std::string node_name) {
    grouped("\n" + op_type, std::move(where), "operator " + op_type + " is not supported", std::move(node_name));
  }

  /// A node's problem that other nodes of its op type may share (Keras' 19 Maximum nodes
  /// after LeakyReLUs): one problem per op type and reason (the names it quotes left out),
  /// placed at the first node, which counts the nodes and names the first ones.
  void node(const std::string& op_type, std::string where, std::string reason, std::string node_name) {
    std::string key = op_type + "\n";
    bool quoted = false;
    for (const char c : reason) {
      if (c == '\'') quoted = !quoted;
      else if (!quoted) key += c;
    }
    grouped(key, std::move(where), std::move(reason), std::move(node_name));
  }

  /// One input_error for all problems: where() is the first one's place, the reason lists the others.
  void report() const {
    if (problems_.empty()) return;
    std::vector<std::pair<std::string, std::string>> problems = problems_;
    for (const auto& [key, at] : groups_) {
      const auto& [index, names] = at;
      if (names.size() < 2) continue;
      std::string& reason = problems[index].second;
      reason += " (";
      reason += std::to_string(names.size());
      reason += " nodes: ";
      for (std::size_t k = 0; k < names.size() && k < 5; ++k) reason += (k ? ", '" : "'") + names[k] + "'";
      reason += names.size() > 5 ? ", ...)" : ")";
    }
    std::string reason = problems.front().second;
    if (problems.size() > 1) {
      reason += "; ";
      reason += std::to_string(problems.size() - 1);
      reason += problems.size() == 2 ? " more problem:" : " more problems:";
      for (std::size_t i = 1; i < problems.size(); ++i) {
        reason += "\n  ";
        reason += problems[i].first;
        reason += ": ";
        reason += problems[i].second;
      }
    }
    throw input_error(problems.front().first, reason);
  }

 private:
  /// The problem of group `key` (placed at its first node): added once, then its nodes counted.
  void grouped(const std::string& key, std::string where, std::string reason, std::string node_name) {
    const auto [it, first] = groups_.try_emplace(key, problems_.size(), std::vector<std::string>{});
    if (first) add(std::move(where), std::move(reason));
    it->second.second.push_back(std::move(node_name));
  }

  std::vector<std::pair<std::string, std::string>> problems_;  ///< place, reason
  /// group key -> its problem's index and the nodes that have it
  std::map<std::string, std::pair<std::size_t, std::vector<std::string>>> groups_;
};

}  // namespace pinfuse::import_detail
