# winhttp.show_proxy {} -> {output}: what `netsh winhttp show proxy` prints for the SYSTEM
# account's WinHTTP settings (the 64-bit netsh, whatever the PowerShell's bitness).
$netsh = Join-Path $env:windir 'System32\netsh.exe'
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) { $netsh = Join-Path $env:windir 'Sysnative\netsh.exe' }
$output = (& $netsh winhttp show proxy 2>&1 | Out-String)
if ($LASTEXITCODE -ne 0) { throw ("netsh winhttp show proxy failed ({0}): {1}" -f $LASTEXITCODE, $output.Trim()) }
return @{ output = $output }
