#include "model/schema.h"

namespace supctl::model {

const AttributeSchema* KindSchema::attribute(std::string_view name) const {
  for (const AttributeSchema& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace supctl::model
