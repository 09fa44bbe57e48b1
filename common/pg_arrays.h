// Array literals for $n::text[], $n::uuid[] and $n::bigint[] parameters: libpqxx 6.4 has no
// array parameters, and one array per column lets a statement write many rows in one round trip.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace oms {

// Each element quoted, with '"' and '\' escaped, so any text is safe.
std::string PgTextArray(const std::vector<std::string>& values);
std::string PgIntArray(const std::vector<int64_t>& values);

}  // namespace oms
