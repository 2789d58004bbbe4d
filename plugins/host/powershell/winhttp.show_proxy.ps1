# winhttp.show_proxy {} -> {output}: what `netsh winhttp show proxy` prints for the SYSTEM
# account's WinHTTP settings (the 64-bit netsh, whatever the PowerShell's bitness).
$netsh = Join-Path $env:windir 'System32\netsh.exe'
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) { $netsh = Join-Path $env:windir 'Sysnative\netsh.exe' }
$run = Invoke-SupctlNative $netsh @('winhttp', 'show', 'proxy')
$output = ($run.Output -join "`r`n") + "`r`n"
if ($run.ExitCode -ne 0) { throw ("netsh winhttp show proxy failed ({0}): {1}" -f $run.ExitCode, $output.Trim()) }
return @{ output = $output }
