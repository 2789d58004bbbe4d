# registry.get_value {key, name} -> {exists, key, name, type, data}; type and data are null when the value is absent.
# Data: a string (string, expand_string, unexpanded), an array of strings (multi_string), an unsigned
# integer (dword, qword), or lower-case hex bytes separated by single spaces (binary).
$path = [string]$p.key
$name = [string]$p.name
$hives = @{ HKLM = 'LocalMachine'; HKCU = 'CurrentUser'; HKCR = 'ClassesRoot'; HKU = 'Users'; HKCC = 'CurrentConfig' }
$slash = $path.IndexOf([char]'\')
if ($slash -lt 1 -or $slash -eq $path.Length - 1 -or -not $hives.ContainsKey($path.Substring(0, $slash))) {
  throw ("'{0}' is not a registry key: expected HKLM, HKCU, HKCR, HKU or HKCC, a backslash and a key below it" -f $path)
}
$subkey = $path.Substring($slash + 1)
$result = @{ exists = $false; key = $path; name = $name; type = $null; data = $null }
$base = Open-SupctlRegistryBaseKey $hives[$path.Substring(0, $slash)]
try {
  $key = $base.OpenSubKey($subkey, $false)
  if ($null -ne $key) {
    try {
      # Value names compare without case, as -contains does; '' is the key's default value.
      if ($key.GetValueNames() -contains $name) {
        $kind = $key.GetValueKind($name).ToString()
        $raw = $key.GetValue($name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
        $result.exists = $true
        switch ($kind) {
          'String' { $result.type = 'string'; $result.data = [string]$raw }
          'ExpandString' { $result.type = 'expand_string'; $result.data = [string]$raw }
          'MultiString' { $result.type = 'multi_string'; $result.data = [string[]]$raw }
          # .NET hands REG_DWORD and REG_QWORD back signed: reinterpret the same bytes as unsigned.
          'DWord' { $result.type = 'dword'; $result.data = [BitConverter]::ToUInt32([BitConverter]::GetBytes([int32]$raw), 0) }
          'QWord' { $result.type = 'qword'; $result.data = [BitConverter]::ToUInt64([BitConverter]::GetBytes([int64]$raw), 0) }
          'Binary' { $result.type = 'binary'; $result.data = (@($raw) | ForEach-Object { $_.ToString('x2') }) -join ' ' }
          default { $result.type = $kind.ToLowerInvariant(); $result.data = $null }
        }
      }
    } finally {
      $key.Close()
    }
  }
} finally {
  $base.Close()
}
return $result
