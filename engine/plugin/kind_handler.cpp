#include "plugin/kind_handler.h"

namespace supctl::plugin {
namespace {

/// `call` on the handler of the request's kind, or a refusal when there is none.
template <typename Response, typename Request, typename Call>
Response dispatch(const KindHandlers& handlers, std::string_view plugin, const Request& request, std::string_view verb, Call call) {
  if (const KindHandler* handler = handlers.find(request.address.kind)) return call(*handler, request);
  return not_implemented<Response>(request.address, plugin, verb);
}

}  // namespace

ReadResponse KindHandler::read(const ReadRequest& request) const {
  return not_implemented<ReadResponse>(request.address, schema().plugin, "read");
}

ObserveResponse KindHandler::observe(const ObserveRequest& request) const {
  return not_implemented<ObserveResponse>(request.address, schema().plugin, "read");
}

DiffResponse KindHandler::diff(const DiffRequest& request) const { return generic_diff(request); }

ApplyResponse KindHandler::apply(const ApplyRequest& request) const {
  return not_implemented<ApplyResponse>(request.address, schema().plugin, "change");
}

KindHandlers::KindHandlers(std::vector<std::unique_ptr<KindHandler>> handlers) : handlers_(std::move(handlers)) {
  schemas_.reserve(handlers_.size());
  for (const auto& handler : handlers_) schemas_.push_back(handler->schema());
}

const KindHandler* KindHandlers::find(std::string_view kind) const {
  for (const auto& handler : handlers_) {
    if (handler->schema().kind == kind) return handler.get();
  }
  return nullptr;
}

ReadResponse KindHandlers::read(std::string_view plugin, const ReadRequest& request) const {
  return dispatch<ReadResponse>(*this, plugin, request, "read", [](const KindHandler& h, const ReadRequest& r) { return h.read(r); });
}

ObserveResponse KindHandlers::observe(std::string_view plugin, const ObserveRequest& request) const {
  return dispatch<ObserveResponse>(*this, plugin, request, "read", [](const KindHandler& h, const ObserveRequest& r) { return h.observe(r); });
}

DiffResponse KindHandlers::diff(std::string_view plugin, const DiffRequest& request) const {
  return dispatch<DiffResponse>(*this, plugin, request, "compare", [](const KindHandler& h, const DiffRequest& r) { return h.diff(r); });
}

ApplyResponse KindHandlers::apply(std::string_view plugin, const ApplyRequest& request) const {
  return dispatch<ApplyResponse>(*this, plugin, request, "change", [](const KindHandler& h, const ApplyRequest& r) { return h.apply(r); });
}

}  // namespace supctl::plugin
