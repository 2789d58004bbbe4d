# service.get {name} -> {exists, name, display_name, startup, state}; the last three are null when it does not exist.
# startup: automatic | delayed | manual | disabled; state: running | stopped (others in lower case, e.g. start_pending).
$name = [string]$p.name
# A WQL string literal escapes backslash and quote with a backslash.
$filter = "Name='{0}'" -f $name.Replace('\', '\\').Replace("'", "\'")
$service = Get-CimInstance -ClassName Win32_Service -Filter $filter -ErrorAction Stop
if ($null -eq $service) {
  return @{ exists = $false; name = $name; display_name = $null; startup = $null; state = $null }
}
switch ([string]$service.StartMode) {
  'Auto' {
    # Delayed start is Auto plus DelayedAutostart = 1 under the service's key.
    $startup = 'automatic'
    $base = Open-SupctlRegistryBaseKey LocalMachine
    try {
      $key = $base.OpenSubKey('SYSTEM\CurrentControlSet\Services\' + $service.Name, $false)
      if ($null -ne $key) {
        if ($key.GetValue('DelayedAutostart', 0) -eq 1) { $startup = 'delayed' }
        $key.Close()
      }
    } finally {
      $base.Close()
    }
  }
  'Manual' { $startup = 'manual' }
  'Disabled' { $startup = 'disabled' }
  default { $startup = ([string]$service.StartMode).ToLowerInvariant() }
}
switch ([string]$service.State) {
  'Running' { $state = 'running' }
  'Stopped' { $state = 'stopped' }
  default { $state = ([string]$service.State).ToLowerInvariant().Replace(' ', '_') }
}
return @{ exists = $true; name = [string]$service.Name; display_name = [string]$service.DisplayName; startup = $startup; state = $state }
