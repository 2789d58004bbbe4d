# expect: new-value 5
# expect: new-value 6
# expect: new-value 7
# Values 5.1 rejects: a startup type and encodings of PowerShell 6.0+, and the action preference Break.
Set-Service -Name WsusService -StartupType AutomaticDelayedStart
Set-Content -LiteralPath $path -Value $text -Encoding utf8NoBOM
Get-Item -LiteralPath $path -ErrorAction Break
