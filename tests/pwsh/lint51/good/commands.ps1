# Cmdlet calls with parameters and values Windows PowerShell 5.1 has: no finding.
$json = ConvertTo-Json -InputObject $value -Depth 8 -Compress
$object = ConvertFrom-Json -InputObject $json
$object = $json | ConvertFrom-Json
$running = Get-Service | ? { $_.Status -eq 'Running' }
$running = Get-Service | ? Status -eq 'Running'
$running = Get-Service | Where-Object -Property Status -EQ -Value 'Running'
$names = $running | % { $_.Name }
$names = $running | ForEach-Object -Process { $_.Name } -Begin { } -End { }
$names = $running | ForEach-Object -MemberName Name
$first = $names | Select-Object -First 1 -Skip 2
$most = $names | Select-Object -SkipLast 1 -Unique
$picked = $names | Select-Object -Index 0, 2
$sorted = $names | Sort-Object -Descending -Unique
$stats = 1, 2, 3 | Measure-Object -Sum -Average -Maximum -Minimum
$page = Invoke-WebRequest -Uri 'http://localhost:8530/' -UseBasicParsing -TimeoutSec 30
$page = iwr -Uri 'http://localhost:8530/' -UseBasicP
$data = Invoke-RestMethod -Uri 'http://localhost:8530/' -Method Get -TimeoutSec 30
$text = Get-Content -LiteralPath $path -Raw -Encoding UTF8
$head = Get-Content -LiteralPath $path -TotalCount 5
$bytes = Get-Content -LiteralPath $path -Encoding Byte
Set-Content -LiteralPath $path -Value $text -Encoding ASCII
Add-Content -LiteralPath $path -Value $text -Encoding Unicode
$text | Out-File -FilePath $path -Encoding utf8 -NoNewline
$rows | Export-Csv -Path $path -NoTypeInformation -Encoding ASCII
$csv = $rows | ConvertTo-Csv -NoTypeInformation
$tools = Join-Path $env:ProgramFiles 'Update Services\Tools'
$tools = Join-Path -Path $env:ProgramFiles -ChildPath 'Update Services'
$leaf = Split-Path -Path $path -Leaf
$files = Get-ChildItem -LiteralPath $root -Recurse -Depth 2 -File -Force
Start-Sleep -Seconds 5
Start-Sleep -Milliseconds 500
Start-Sleep 2
Set-Service -Name W3SVC -StartupType Automatic
Set-Service -Name W3SVC -StartupType Disabled -Status Stopped
$ok = Test-Connection -ComputerName 'localhost' -Count 1 -Quiet
$stamp = Get-Date -Format o
$utc = (Get-Date).ToUniversalTime()
$found = Select-String -Path $path -Pattern 'error' -SimpleMatch
$item = Get-Item -LiteralPath $path -ErrorAction SilentlyContinue
$item = Get-Item -LiteralPath $path 2>$null
Remove-Item -LiteralPath $path -ErrorAction Ignore
Write-Output -InputObject @(1, 2) -NoEnumerate
Import-Module -Name ConfigurationManager -Global -ErrorAction Stop
$job = Start-Job -ScriptBlock { 1 }
$out = & sc.exe query WsusService > $null
$run = Invoke-SupctlNative 'sc.exe' @('query', 'WsusService')
Get-SupctlThing -Name x -Verbose
