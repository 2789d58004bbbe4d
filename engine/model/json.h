#pragma once
/// The JSON type supctl's values, attribute maps, operations and plans share: keys keep the
/// order they were written in.

#include <nlohmann/json.hpp>

namespace supctl::model {

using Json = nlohmann::ordered_json;

}  // namespace supctl::model
