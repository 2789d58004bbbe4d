// KindHandlers: each verb goes to the handler of the request's kind; a kind without one, and a
// handler's own defaults, answer "not-implemented" as the Plugin defaults do.

#include "plugin/kind_handler.h"

#include <catch2/catch.hpp>

namespace supctl::plugin {
namespace {

class Answering final : public KindHandler {
 public:
  const model::KindSchema& schema() const override { return schema_; }
  ReadResponse read(const ReadRequest&) const override {
    ReadResponse response;
    response.operations.push_back({"test.get", model::Json::object()});
    return response;
  }

 private:
  model::KindSchema schema_{.kind = "answering", .plugin = "test"};
};

std::string only_error(const diag::Diagnostics& diagnostics) {
  REQUIRE(diagnostics.all().size() == 1);
  CHECK(diagnostics.all()[0].code == "not-implemented");
  return diagnostics.all()[0].summary;
}

TEST_CASE("KindHandlers sends each verb to its kind's handler and refuses the kinds it has none for") {
  std::vector<std::unique_ptr<KindHandler>> all;
  all.push_back(std::make_unique<Answering>());
  const KindHandlers handlers(std::move(all));
  REQUIRE(handlers.schemas().size() == 1);
  CHECK(handlers.schemas()[0].kind == "answering");

  ReadResponse read = handlers.read("test", ReadRequest{model::Address{"answering", "a"}});
  REQUIRE(read.operations.size() == 1);
  CHECK(read.operations[0].name == "test.get");
  // The handler's defaults for what it does not override.
  CHECK(only_error(handlers.apply("test", ApplyRequest{model::Address{"answering", "a"}}).diagnostics) ==
        "the test plugin cannot change answering yet");
  // A kind no handler owns.
  CHECK(only_error(handlers.read("test", ReadRequest{model::Address{"other", "b"}}).diagnostics) ==
        "the test plugin cannot read other yet");
  CHECK(only_error(handlers.observe("test", ObserveRequest{model::Address{"other", "b"}}).diagnostics) ==
        "the test plugin cannot read other yet");
}

}  // namespace
}  // namespace supctl::plugin
