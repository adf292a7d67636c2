#pragma once
// The pinfuse tool: the solver's statistics as one line of text and as JSON.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "pinfuse/pinfuse.hpp"

namespace pinfuse::cli {

/// "12 states expanded, 3 pruned, ...": the solver's statistics on one line.
inline std::string statistics_text(const SolveStatistics& st) {
  char line[704];  // 14 counters of up to 20 digits and the text around them
  std::snprintf(line, sizeof line,
                "%llu states expanded, %llu pruned, %llu groups costed, %llu cache hits (%llu cached transitions), "
                "%llu memory refusals, %llu growth stops, %llu layers walked, %llu work, %llu incumbents, %llu bound rounds, "
                "%llu runs, %llu squeezes, %llu pins given up, %.1f ms",
                (unsigned long long)st.states_expanded, (unsigned long long)st.states_pruned,
                (unsigned long long)st.groups_costed, (unsigned long long)st.cache_hits,
                (unsigned long long)st.cached_transitions,
                (unsigned long long)st.memory_refusals, (unsigned long long)st.growth_stops, (unsigned long long)st.layers_walked,
                (unsigned long long)st.work(), (unsigned long long)st.incumbents,
                (unsigned long long)st.bound_rounds, (unsigned long long)st.runs, (unsigned long long)st.squeezes,
                (unsigned long long)st.pins_given_up, st.elapsed_ms);
  return line;
}

/// The solver's statistics as a JSON object.
inline nlohmann::json statistics_json(const SolveStatistics& st) {
  return {{"runs", st.runs},
          {"states_expanded", st.states_expanded},
          {"states_pruned", st.states_pruned},
          {"groups_costed", st.groups_costed},
          {"cache_hits", st.cache_hits},
          {"cached_transitions", st.cached_transitions},
          {"memory_refusals", st.memory_refusals},
          {"growth_stops", st.growth_stops},
          {"layers_walked", st.layers_walked},
          {"work", st.work()},
          {"incumbents", st.incumbents},
          {"bound_rounds", st.bound_rounds},
          {"squeezes", st.squeezes},
          {"pins_given_up", st.pins_given_up},
          {"elapsed_ms", st.elapsed_ms}};
}

}  // namespace pinfuse::cli
