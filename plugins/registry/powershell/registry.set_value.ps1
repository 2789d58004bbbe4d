# registry.set_value {key, name, type, data} -> {}: creates the key and the keys above it.
# Types: string | expand_string | multi_string | dword | qword | binary (hex bytes such as "01 0a ff", or an array of bytes).
$path = [string]$p.key
$name = [string]$p.name
$type = [string]$p.type
$hives = @{ HKLM = 'LocalMachine'; HKCU = 'CurrentUser'; HKCR = 'ClassesRoot'; HKU = 'Users'; HKCC = 'CurrentConfig' }
$slash = $path.IndexOf([char]'\')
if ($slash -lt 1 -or $slash -eq $path.Length - 1 -or -not $hives.ContainsKey($path.Substring(0, $slash))) {
  throw ("'{0}' is not a registry key: expected HKLM, HKCU, HKCR, HKU or HKCC, a backslash and a key below it" -f $path)
}
$subkey = $path.Substring($slash + 1)
if ($null -eq $p.data) { throw 'registry.set_value: the parameter ''data'' is missing' }
switch -CaseSensitive ($type) {
  'string' { $kind = [Microsoft.Win32.RegistryValueKind]::String; $value = [string]$p.data }
  'expand_string' { $kind = [Microsoft.Win32.RegistryValueKind]::ExpandString; $value = [string]$p.data }
  'multi_string' { $kind = [Microsoft.Win32.RegistryValueKind]::MultiString; $value = [string[]]@($p.data) }
  # .NET takes REG_DWORD and REG_QWORD signed: reinterpret the unsigned value's bytes.
  'dword' { $kind = [Microsoft.Win32.RegistryValueKind]::DWord; $value = [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32]$p.data), 0) }
  'qword' { $kind = [Microsoft.Win32.RegistryValueKind]::QWord; $value = [BitConverter]::ToInt64([BitConverter]::GetBytes([uint64]$p.data), 0) }
  'binary' {
    $kind = [Microsoft.Win32.RegistryValueKind]::Binary
    if ($p.data -is [string]) {
      $hex = ([string]$p.data) -replace '[\s,]', ''
      if ($hex.Length % 2 -ne 0 -or $hex -notmatch '^[0-9a-fA-F]*$') {
        throw ("binary data must be hex bytes such as ""01 0a ff""; found '{0}'" -f $p.data)
      }
      $value = New-Object byte[] ([int]($hex.Length / 2))
      for ($i = 0; $i -lt $value.Length; $i++) { $value[$i] = [Convert]::ToByte($hex.Substring($i * 2, 2), 16) }
    } else {
      $value = [byte[]]@($p.data)
    }
  }
  default { throw ("'{0}' is not a registry type: expected string, expand_string, multi_string, dword, qword or binary" -f $type) }
}
$base = Open-SupctlRegistryBaseKey $hives[$path.Substring(0, $slash)]
try {
  $key = $base.CreateSubKey($subkey)
  if ($null -eq $key) { throw ("cannot create the registry key '{0}'" -f $path) }
  try {
    $key.SetValue($name, $value, $kind)
  } finally {
    $key.Close()
  }
} finally {
  $base.Close()
}
return @{}
