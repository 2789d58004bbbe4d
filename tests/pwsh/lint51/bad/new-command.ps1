# expect: new-command 5
# expect: new-command 6
# expect: new-command 7
# Cmdlets of PowerShell 6.0+.
Get-Error -Newest 1
$text = $names | Join-String -Separator ', '
if (Test-Json -Json $payload) { 'valid' }
