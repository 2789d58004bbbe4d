#pragma once
/// The WS-Management remote shell messages (MS-WSMV, as WinRS and pywinrm use them): the request
/// envelopes supctl sends and what it reads from the responses. Pure functions, no I/O.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/base64.h"

namespace supctl::powershell::wsman {

inline constexpr std::string_view kActionCreate = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create";
inline constexpr std::string_view kActionCommand = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
inline constexpr std::string_view kActionSend = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send";
inline constexpr std::string_view kActionReceive = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive";
inline constexpr std::string_view kActionSignal = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
inline constexpr std::string_view kActionDelete = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";
inline constexpr std::string_view kShellResourceUri = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
inline constexpr std::string_view kSignalTerminate =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate";

/// WSManFault codes supctl acts on.
inline constexpr std::uint64_t kFaultOperationTimeout = 2150858793;    ///< 0x80338029: no output yet
inline constexpr std::uint64_t kFaultQuotaMaxOperations = 2150859174;  ///< 0x803381A6

/// The raw stdin bytes one Send carries at most (before base64).
inline constexpr std::size_t kMaxSendChunk = 200000;

/// What every request's header carries besides its action and selectors.
struct RequestHeader {
  std::string to;                      ///< the endpoint, e.g. https://sup01.contoso.com:5986/wsman
  std::string message_id;              ///< "uuid:..."; the response's RelatesTo echoes it
  int max_envelope_size = 512000;      ///< bytes
  int operation_timeout_seconds = 60;  ///< w:OperationTimeout, sent as PT<n>S
};

/// Request envelopes, UTF-8 XML text. `shell_id` and `command_id` are the server's identifiers.
std::string create_shell_request(const RequestHeader& header, int codepage);
/// `arguments` are joined by spaces into one rsp:Arguments, each quoted the way Windows parses a
/// command line (CommandLineToArgvW) when it holds a space, a tab or a quote.
std::string command_request(const RequestHeader& header, std::string_view shell_id, std::string_view command,
                            std::span<const std::string> arguments);
/// One stdin chunk (raw bytes, at most kMaxSendChunk), base64-encoded; `end` marks the last.
std::string send_request(const RequestHeader& header, std::string_view shell_id, std::string_view command_id,
                         std::string_view chunk, bool end);
std::string receive_request(const RequestHeader& header, std::string_view shell_id, std::string_view command_id);
std::string signal_request(const RequestHeader& header, std::string_view shell_id, std::string_view command_id,
                           std::string_view code = kSignalTerminate);
std::string delete_shell_request(const RequestHeader& header, std::string_view shell_id);

/// A SOAP fault (env:Fault), from any response.
struct Fault {
  std::string subcode;                      ///< local part of Code/Subcode/Value, e.g. "TimedOut"; may be empty
  std::string reason;                       ///< Reason/Text, else the WSManFault's Message; trimmed
  std::optional<std::uint64_t> wsman_code;  ///< Detail/WSManFault@Code
  std::optional<std::uint64_t> wmi_code;    ///< Detail/MSFT_WmiError/error_Code

  /// The operation timed out on the server: for Receive only "no output yet".
  bool timed_out() const;
  /// A per-user quota of shells or operations is exhausted.
  bool quota() const;
  /// "<reason> (WS-Management fault <code>)", for error messages.
  std::string describe() const;
};

/// A parsed response: either a fault, or an envelope whose body the caller reads next.
struct Response {
  std::optional<Fault> fault;  ///< set when the body is an env:Fault
  std::string relates_to;      ///< a:RelatesTo, empty when absent
  std::string error;           ///< set when the text is not a SOAP envelope at all
  bool ok() const { return error.empty() && !fault; }
};
Response parse_response(std::string_view text);

/// The ShellId of a Create response (the ShellId selector, else rsp:Shell/rsp:ShellId); nullopt
/// when absent, with `error` saying what was missing.
std::optional<std::string> parse_shell_id(std::string_view text, std::string* error);
/// The CommandId of a Command response.
std::optional<std::string> parse_command_id(std::string_view text, std::string* error);

/// What one Receive response carried.
struct ReceiveOutput {
  std::string stdout_bytes;      ///< decoded stdout chunks of this response, in document order
  std::string stderr_bytes;      ///< decoded stderr chunks
  bool done = false;             ///< the CommandState was .../CommandState/Done
  std::optional<int> exit_code;  ///< with done, when the server sent rsp:ExitCode (as a signed 32-bit value)
};
/// Reads streams and CommandState for `command_id` (elements naming another command are skipped).
std::optional<ReceiveOutput> parse_receive(std::string_view text, std::string_view command_id, std::string* error);

using model::base64_decode;
using model::base64_encode;

/// Quotes one argument the way CommandLineToArgvW and the MSVC runtime parse it back.
std::string quote_windows_argument(std::string_view argument);

}  // namespace supctl::powershell::wsman
