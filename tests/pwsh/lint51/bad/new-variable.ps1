# expect: new-variable 4
# expect: new-variable 5
# Automatic and preference variables of PowerShell 6.0+.
if ($IsWindows) { 'windows' }
$PSNativeCommandUseErrorActionPreference = $true
