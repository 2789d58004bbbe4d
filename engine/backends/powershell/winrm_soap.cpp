#include "backends/powershell/winrm_soap.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <pugixml.hpp>
#include <sstream>

namespace supctl::powershell::wsman {
namespace {

constexpr const char* kNsEnvelope = "http://www.w3.org/2003/05/soap-envelope";
constexpr const char* kNsAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
constexpr const char* kNsWsman = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
constexpr const char* kNsMsWsman = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd";
constexpr const char* kNsShell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
constexpr const char* kNsTransfer = "http://schemas.xmlsoap.org/ws/2004/09/transfer";
constexpr const char* kNsWsmanFault = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";
constexpr const char* kAnonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
constexpr std::string_view kCommandStateDone =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";

// ---- building ----

using Option = std::pair<std::string_view, std::string_view>;

pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view text) {
  pugi::xml_node node = parent.append_child(name);
  node.text().set(std::string(text).c_str());
  return node;
}

/// The envelope with the header of every request; returns the env:Body to fill.
pugi::xml_node start_envelope(pugi::xml_document& doc, const RequestHeader& header, std::string_view action,
                              std::string_view shell_id, std::span<const Option> options) {
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
  pugi::xml_node envelope = doc.append_child("env:Envelope");
  envelope.append_attribute("xmlns:env") = kNsEnvelope;
  envelope.append_attribute("xmlns:a") = kNsAddressing;
  envelope.append_attribute("xmlns:w") = kNsWsman;
  envelope.append_attribute("xmlns:p") = kNsMsWsman;
  envelope.append_attribute("xmlns:rsp") = kNsShell;
  pugi::xml_node head = envelope.append_child("env:Header");
  add_text(head, "a:To", header.to);
  pugi::xml_node address = add_text(head.append_child("a:ReplyTo"), "a:Address", kAnonymous);
  address.append_attribute("mustUnderstand") = "true";
  add_text(head, "w:MaxEnvelopeSize", std::to_string(header.max_envelope_size)).append_attribute("mustUnderstand") =
      "true";
  add_text(head, "a:MessageID", header.message_id);
  pugi::xml_node locale = head.append_child("w:Locale");
  locale.append_attribute("mustUnderstand") = "false";
  locale.append_attribute("xml:lang") = "en-US";
  pugi::xml_node data_locale = head.append_child("p:DataLocale");
  data_locale.append_attribute("mustUnderstand") = "false";
  data_locale.append_attribute("xml:lang") = "en-US";
  add_text(head, "w:OperationTimeout", fmt::format("PT{}S", header.operation_timeout_seconds));
  add_text(head, "w:ResourceURI", kShellResourceUri).append_attribute("mustUnderstand") = "true";
  add_text(head, "a:Action", action).append_attribute("mustUnderstand") = "true";
  if (!shell_id.empty()) {
    add_text(head.append_child("w:SelectorSet"), "w:Selector", shell_id).append_attribute("Name") = "ShellId";
  }
  if (!options.empty()) {
    pugi::xml_node set = head.append_child("w:OptionSet");
    for (const auto& [name, value] : options) {
      add_text(set, "w:Option", value).append_attribute("Name") = std::string(name).c_str();
    }
  }
  return envelope.append_child("env:Body");
}

std::string to_text(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  return out.str();
}

// ---- reading: namespaces by URI, never by prefix ----

std::string_view local_name(std::string_view qname) {
  auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

/// The namespace URI bound to `prefix` where `node` stands ("" when unbound).
std::string_view namespace_of_prefix(pugi::xml_node node, std::string_view prefix) {
  std::string attribute = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (n.type() != pugi::node_element) continue;
    if (pugi::xml_attribute a = n.attribute(attribute.c_str())) return a.value();
  }
  return {};
}

bool is(pugi::xml_node node, std::string_view uri, std::string_view local) {
  if (node.type() != pugi::node_element) return false;
  std::string_view qname = node.name();
  if (local_name(qname) != local) return false;
  auto colon = qname.find(':');
  std::string_view prefix = colon == std::string_view::npos ? std::string_view{} : qname.substr(0, colon);
  return namespace_of_prefix(node, prefix) == uri;
}

pugi::xml_node child(pugi::xml_node parent, std::string_view uri, std::string_view local) {
  for (pugi::xml_node c : parent.children()) {
    if (is(c, uri, local)) return c;
  }
  return {};
}

/// The first element below `root` (depth first) matching; an empty uri matches by local name only.
pugi::xml_node descendant(pugi::xml_node root, std::string_view uri, std::string_view local) {
  for (pugi::xml_node c : root.children()) {
    if (c.type() != pugi::node_element) continue;
    if (uri.empty() ? local_name(c.name()) == local : is(c, uri, local)) return c;
    if (pugi::xml_node found = descendant(c, uri, local)) return found;
  }
  return {};
}

/// An attribute by local name: WinRS sends them unqualified, others may qualify them.
pugi::xml_attribute attribute(pugi::xml_node node, std::string_view local) {
  for (pugi::xml_attribute a : node.attributes()) {
    std::string_view name = a.name();
    if (name.starts_with("xmlns")) continue;
    if (local_name(name) == local) return a;
  }
  return {};
}

std::string trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

std::optional<std::uint64_t> to_unsigned(std::string_view text) {
  std::string trimmed = trim(text);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (ec != std::errc() || end != trimmed.data() + trimmed.size() || trimmed.empty()) return std::nullopt;
  return value;
}

struct Loaded {
  pugi::xml_document doc;
  pugi::xml_node envelope;
  pugi::xml_node body;
};

bool load(std::string_view text, Loaded& out, std::string* error) {
  pugi::xml_parse_result parsed =
      out.doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    *error = fmt::format("the response is not XML ({} at byte {})", parsed.description(), parsed.offset);
    return false;
  }
  out.envelope = out.doc.document_element();
  if (!is(out.envelope, kNsEnvelope, "Envelope")) {
    *error = fmt::format("the response is not a SOAP 1.2 envelope (its root is '{}')", out.envelope.name());
    return false;
  }
  out.body = child(out.envelope, kNsEnvelope, "Body");
  if (!out.body) {
    *error = "the response envelope has no Body";
    return false;
  }
  return true;
}

Fault read_fault(pugi::xml_node fault) {
  Fault out;
  if (pugi::xml_node code = child(fault, kNsEnvelope, "Code")) {
    if (pugi::xml_node sub = child(child(code, kNsEnvelope, "Subcode"), kNsEnvelope, "Value")) {
      out.subcode = std::string(local_name(trim(sub.text().get())));
    }
  }
  if (pugi::xml_node text = child(child(fault, kNsEnvelope, "Reason"), kNsEnvelope, "Text")) {
    out.reason = trim(text.text().get());
  }
  pugi::xml_node detail = child(fault, kNsEnvelope, "Detail");
  if (pugi::xml_node wsman_fault = descendant(detail, kNsWsmanFault, "WSManFault")) {
    out.wsman_code = to_unsigned(attribute(wsman_fault, "Code").value());
    if (out.reason.empty()) out.reason = trim(descendant(wsman_fault, kNsWsmanFault, "Message").text().get());
  }
  if (pugi::xml_node wmi = descendant(detail, {}, "MSFT_WmiError")) {
    out.wmi_code = to_unsigned(descendant(wmi, {}, "error_Code").text().get());
    if (out.reason.empty()) out.reason = trim(descendant(wmi, {}, "Message").text().get());
  }
  return out;
}

}  // namespace

// ---- requests ----

std::string create_shell_request(const RequestHeader& header, int codepage) {
  pugi::xml_document doc;
  std::string codepage_text = std::to_string(codepage);
  const std::array<Option, 2> options{{{"WINRS_NOPROFILE", "TRUE"}, {"WINRS_CODEPAGE", codepage_text}}};
  pugi::xml_node body = start_envelope(doc, header, kActionCreate, {}, options);
  pugi::xml_node shell = body.append_child("rsp:Shell");
  add_text(shell, "rsp:InputStreams", "stdin");
  add_text(shell, "rsp:OutputStreams", "stdout stderr");
  return to_text(doc);
}

std::string command_request(const RequestHeader& header, std::string_view shell_id, std::string_view command,
                            std::span<const std::string> arguments) {
  pugi::xml_document doc;
  // Stdin is a pipe, read to its end by the bootstrap (FALSE: not a console, as Ansible does when
  // it streams stdin); powershell is started directly, without cmd.exe /c around it.
  const std::array<Option, 2> options{{{"WINRS_CONSOLEMODE_STDIN", "FALSE"}, {"WINRS_SKIP_CMD_SHELL", "TRUE"}}};
  pugi::xml_node body = start_envelope(doc, header, kActionCommand, shell_id, options);
  pugi::xml_node line = body.append_child("rsp:CommandLine");
  add_text(line, "rsp:Command", command);
  if (!arguments.empty()) {
    std::string joined;
    for (const std::string& argument : arguments) {
      if (!joined.empty()) joined += ' ';
      joined += quote_windows_argument(argument);
    }
    add_text(line, "rsp:Arguments", joined);
  }
  return to_text(doc);
}

std::string send_request(const RequestHeader& header, std::string_view shell_id, std::string_view command_id,
                         std::string_view chunk, bool end) {
  pugi::xml_document doc;
  pugi::xml_node body = start_envelope(doc, header, kActionSend, shell_id, {});
  pugi::xml_node stream = add_text(body.append_child("rsp:Send"), "rsp:Stream", base64_encode(chunk));
  stream.append_attribute("Name") = "stdin";
  stream.append_attribute("CommandId") = std::string(command_id).c_str();
  if (end) stream.append_attribute("End") = "true";
  return to_text(doc);
}

std::string receive_request(const RequestHeader& header, std::string_view shell_id, std::string_view command_id) {
  pugi::xml_document doc;
  pugi::xml_node body = start_envelope(doc, header, kActionReceive, shell_id, {});
  pugi::xml_node desired = add_text(body.append_child("rsp:Receive"), "rsp:DesiredStream", "stdout stderr");
  desired.append_attribute("CommandId") = std::string(command_id).c_str();
  return to_text(doc);
}

std::string signal_request(const RequestHeader& header, std::string_view shell_id, std::string_view command_id,
                           std::string_view code) {
  pugi::xml_document doc;
  pugi::xml_node body = start_envelope(doc, header, kActionSignal, shell_id, {});
  pugi::xml_node signal = body.append_child("rsp:Signal");
  signal.append_attribute("CommandId") = std::string(command_id).c_str();
  add_text(signal, "rsp:Code", code);
  return to_text(doc);
}

std::string delete_shell_request(const RequestHeader& header, std::string_view shell_id) {
  pugi::xml_document doc;
  start_envelope(doc, header, kActionDelete, shell_id, {});
  return to_text(doc);
}

// ---- responses ----

bool Fault::timed_out() const { return subcode == "TimedOut" || wsman_code == kFaultOperationTimeout; }

bool Fault::quota() const {
  if (wsman_code == kFaultQuotaMaxOperations || wmi_code == kFaultQuotaMaxOperations) return true;
  return reason.find("MaxShellsPerUser") != std::string::npos ||
         reason.find("MaxConcurrentOperationsPerUser") != std::string::npos;
}

std::string Fault::describe() const {
  std::string text = reason.empty() ? std::string("the server gave no reason") : reason;
  if (auto code = wsman_code ? wsman_code : wmi_code) return fmt::format("{} (WS-Management fault {})", text, *code);
  if (!subcode.empty()) return fmt::format("{} (WS-Management fault {})", text, subcode);
  return text;
}

Response parse_response(std::string_view text) {
  Response out;
  Loaded loaded;
  if (!load(text, loaded, &out.error)) return out;
  pugi::xml_node header = child(loaded.envelope, kNsEnvelope, "Header");
  out.relates_to = trim(child(header, kNsAddressing, "RelatesTo").text().get());
  if (pugi::xml_node fault = child(loaded.body, kNsEnvelope, "Fault")) out.fault = read_fault(fault);
  return out;
}

std::optional<std::string> parse_shell_id(std::string_view text, std::string* error) {
  Loaded loaded;
  if (!load(text, loaded, error)) return std::nullopt;
  pugi::xml_node created = child(loaded.body, kNsTransfer, "ResourceCreated");
  pugi::xml_node set = descendant(child(created, kNsAddressing, "ReferenceParameters"), kNsWsman, "SelectorSet");
  for (pugi::xml_node selector : set.children()) {
    if (is(selector, kNsWsman, "Selector") && std::string_view(attribute(selector, "Name").value()) == "ShellId") {
      std::string id = trim(selector.text().get());
      if (!id.empty()) return id;
    }
  }
  std::string id = trim(child(child(loaded.body, kNsShell, "Shell"), kNsShell, "ShellId").text().get());
  if (!id.empty()) return id;
  *error = "the Create response carries no ShellId";
  return std::nullopt;
}

std::optional<std::string> parse_command_id(std::string_view text, std::string* error) {
  Loaded loaded;
  if (!load(text, loaded, error)) return std::nullopt;
  std::string id = trim(child(child(loaded.body, kNsShell, "CommandResponse"), kNsShell, "CommandId").text().get());
  if (!id.empty()) return id;
  *error = "the Command response carries no CommandId";
  return std::nullopt;
}

std::optional<ReceiveOutput> parse_receive(std::string_view text, std::string_view command_id, std::string* error) {
  Loaded loaded;
  if (!load(text, loaded, error)) return std::nullopt;
  pugi::xml_node response = child(loaded.body, kNsShell, "ReceiveResponse");
  if (!response) {
    *error = "the Receive response has no ReceiveResponse";
    return std::nullopt;
  }
  auto ours = [&](pugi::xml_node node) {
    pugi::xml_attribute id = attribute(node, "CommandId");
    return !id || std::string_view(id.value()) == command_id;
  };
  ReceiveOutput out;
  for (pugi::xml_node node : response.children()) {
    if (is(node, kNsShell, "Stream") && ours(node)) {
      std::string_view name = attribute(node, "Name").value();
      auto bytes = base64_decode(node.text().get());
      if (!bytes) {
        *error = fmt::format("the Receive response's {} stream is not base64", name);
        return std::nullopt;
      }
      if (name == "stdout") {
        out.stdout_bytes += *bytes;
      } else if (name == "stderr") {
        out.stderr_bytes += *bytes;
      }
    } else if (is(node, kNsShell, "CommandState") && ours(node)) {
      std::string_view state = attribute(node, "State").value();
      out.done = state == kCommandStateDone;
      if (pugi::xml_node code = child(node, kNsShell, "ExitCode")) {
        std::string value = trim(code.text().get());
        std::int64_t number = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
        if (ec != std::errc() || end != value.data() + value.size()) {
          *error = fmt::format("the exit code '{}' is not a number", value);
          return std::nullopt;
        }
        // Windows exit codes are 32-bit; WinRS reports them unsigned (4294967295 for -1).
        out.exit_code = static_cast<std::int32_t>(static_cast<std::uint32_t>(number));
      }
    }
  }
  return out;
}

// ---- helpers ----

std::string quote_windows_argument(std::string_view argument) {
  if (!argument.empty() && argument.find_first_of(" \t\n\v\"") == std::string_view::npos) {
    return std::string(argument);
  }
  std::string out = "\"";
  std::size_t backslashes = 0;
  for (char c : argument) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    if (c == '"') {
      out.append(backslashes * 2 + 1, '\\');
    } else {
      out.append(backslashes, '\\');
    }
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, '\\');
  out += '"';
  return out;
}

}  // namespace supctl::powershell::wsman
