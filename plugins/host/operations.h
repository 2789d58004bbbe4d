#pragma once
/// Operations every plugin and the verifier may use on any Windows host, beyond a resource kind:
/// reading a log and showing the WinHTTP proxy. Two interpreters each, as for the plugins: PowerShell
/// fragments (powershell/<operation>.ps1, here) and the lab's (lab/interpreters.h).
///   logs.read {log, component, offset, max_bytes, rolled}
///       -> {exists, path, size, encoding, offset, next_offset, data, rotated, previous}
///     `log` is a file name (SiteComp.log); its path comes from the component's Tracing key
///     (HKLM\SOFTWARE\Microsoft\SMS\Tracing\<component>\TraceFileName), else the site's
///     installation directory's Logs folder, else <drive>:\SMS\Logs on a remote site system.
///     `rolled` reads the rolled-over copy (.lo_) instead. `offset` -1 reads nothing and reports
///     the size (where a tracker starts). `data` is base64 of at most `max_bytes` bytes from
///     `offset`; `encoding` ("utf-8" | "utf-16le") is what the file's first bytes say. When the
///     file is shorter than `offset` it rolled over: `rotated` is true, `previous` holds the rest
///     of the .lo_ from `offset` (base64) and `data` starts at 0 of the new file.
///   winhttp.show_proxy {} -> {output}   the text `netsh winhttp show proxy` prints
/// The lab keeps its logs as files (Estate::log_path) and never rolls them over; its netsh output
/// is rendered from the host's WinHttpSettings registry value, as Windows does.

#include <span>

#include "plugin/operation.h"

namespace supctl::plugins::host {

/// The PowerShell twin of every host operation, sorted by operation name.
std::span<const plugin::ScriptFragment> powershell_fragments();

}  // namespace supctl::plugins::host
