# expect: new-parameter 18
# expect: new-parameter 18
# expect: new-parameter 19
# expect: new-parameter 20
# expect: new-parameter 21
# expect: new-parameter 22
# expect: new-parameter 23
# expect: new-parameter 24
# expect: new-parameter 25
# expect: new-parameter 26
# expect: new-parameter 27
# expect: new-parameter 28
# expect: new-parameter 29
# expect: new-parameter 30
# expect: new-parameter 31
# Cmdlet parameters added after 5.1, by full name, by unambiguous prefix (-AsHash), through aliases (%, gc),
# by position (Join-Path's third path), for a cmdlet this platform may not have (Set-Service), and -ProgressAction.
$names | ForEach-Object -Parallel { $_ } -ThrottleLimit 4
$table = $json | ConvertFrom-Json -AsHash
$json = ConvertTo-Json -InputObject $value -EnumsAsStrings
$page = Invoke-RestMethod -Uri $uri -SkipCertificateCheck
$bytes = gc -LiteralPath $path -AsByteStream
$rest = $items | Select-Object -SkipIndex 0
$path = Join-Path $env:ProgramFiles 'Update Services' 'Tools'
Set-Service -Name WsusService -SecurityDescriptorSddl $sddl
$now = Get-Date -AsUTC
$items | % -Parallel { $_ }
$open = $items | Where-Object -Not Closed
$data = ConvertFrom-Json $text -Depth 64
Get-SupctlThing -ProgressAction SilentlyContinue
$ok = Test-Connection -TargetName $server -Quiet
