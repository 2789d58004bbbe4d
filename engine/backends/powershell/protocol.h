#pragma once
/// The session protocol between supctl and one long-lived PowerShell process: the constant
/// bootstrap on PowerShell's command line, which reads framed requests from stdin, and the frames
/// and response lines both sides agree on. session.h speaks it over a Channel (channel.h).
///
/// A request frame is a 75-byte ASCII header, then the script and the JSON parameters (UTF-8):
///   "SUPCTL R <nonce: 32 hex> <script bytes: 10 digits> <json bytes: 10 digits> <idle s: 10 digits>\n"
/// The bootstrap reads exactly those byte counts (no end-of-input needed), writes the line
/// response_begin(nonce), runs the script as a ScriptBlock with the JSON as its one argument, and
/// writes response_end(nonce). Everything a request prints lands between the two lines; output
/// outside any pair is ignored. The nonce is fresh for every request and never part of the script
/// or JSON, so no value a script prints can forge or end its response. A stop frame
/// ("SUPCTL S ..." with zero counts) or the end of stdin ends the process with exit code 0, and so
/// does waiting longer than the idle timeout of the last request for the next one.
///
/// Per request: $ErrorActionPreference = 'Stop' and a scope of its own, so functions and variables
/// of one request do not reach the next; modules imported -Global (the ConfigMgr prologue) stay.
/// A request whose script does not parse or throws outside the runner gets a result document
/// {"supctl":1,"results":[],"error":"..."} and the session goes on. A script that calls `exit`
/// ends the PowerShell process with that exit code: its request fails like any other death of the
/// session (session.h), and the session is opened again for the next request.

#include <string>
#include <string_view>
#include <vector>

namespace supctl::powershell {

/// The lines around the result document the assembled script's runner writes (script.h). Each
/// stands alone on its line.
inline constexpr std::string_view kResultBegin = "--- supctl result begin ---";
inline constexpr std::string_view kResultEnd = "--- supctl result end ---";

/// The size of every frame header, in bytes.
inline constexpr std::size_t kFrameHeaderSize = 75;
/// The characters of a nonce: lower-case hex digits.
inline constexpr std::size_t kNonceSize = 32;

/// The bootstrap: the same text for every session (Windows PowerShell 5.1 and later), ASCII.
std::string_view bootstrap_script();

/// The command-line arguments that run the bootstrap:
/// {-NoProfile, -NonInteractive, -ExecutionPolicy, Bypass, -EncodedCommand, <base64 of UTF-16LE>}.
std::vector<std::string> bootstrap_arguments();

/// The same command line for another ASCII script: {-NoProfile, ..., -EncodedCommand, <base64 of UTF-16LE>}.
std::vector<std::string> encoded_command_arguments(std::string_view ascii_script);

/// A fresh random nonce (kNonceSize lower-case hex digits).
std::string new_nonce();

/// The bytes of one request. `idle_seconds`: how long the process waits for the next request
/// after answering this one before it ends itself (at most 9,999,999,999; 0 is taken as 1).
std::string request_frame(std::string_view nonce, std::string_view script, std::string_view json,
                          long long idle_seconds);

/// The bytes that end a session cleanly.
std::string stop_frame();

/// The lines (without line ends) around the response to the request with `nonce`.
std::string response_begin(std::string_view nonce);
std::string response_end(std::string_view nonce);

}  // namespace supctl::powershell
