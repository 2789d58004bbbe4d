# An exemption with a reason, on the line before the finding and on the finding's own line: no finding.
# lint51: allow native-stderr (ping writes nothing on stderr for a reply; its exit code is checked below)
$out = & ping.exe -n 1 localhost 2>&1
$out = & ping.exe -n 1 localhost 2>&1 # lint51: allow native-stderr (the same, allowed on its own line)
if ($LASTEXITCODE -ne 0) { throw "ping failed: $out" }
