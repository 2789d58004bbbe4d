# registry.create_key {key} -> {}: creates the key and the keys above it; an existing key is kept.
$path = [string]$p.key
$hives = @{ HKLM = 'LocalMachine'; HKCU = 'CurrentUser'; HKCR = 'ClassesRoot'; HKU = 'Users'; HKCC = 'CurrentConfig' }
$slash = $path.IndexOf([char]'\')
if ($slash -lt 1 -or $slash -eq $path.Length - 1 -or -not $hives.ContainsKey($path.Substring(0, $slash))) {
  throw ("'{0}' is not a registry key: expected HKLM, HKCU, HKCR, HKU or HKCC, a backslash and a key below it" -f $path)
}
$subkey = $path.Substring($slash + 1)
$base = Open-SupctlRegistryBaseKey $hives[$path.Substring(0, $slash)]
try {
  $key = $base.CreateSubKey($subkey)
  if ($null -eq $key) { throw ("cannot create the registry key '{0}'" -f $path) }
  $key.Close()
} finally {
  $base.Close()
}
return @{}
