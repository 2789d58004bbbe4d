# The estate's Windows: registry, services, local groups, features and native programs of each host.
# Dot-sourced by SupctlEstate.psm1.

# ---- registry. hosts[h].registry maps a key path in lower case ('hklm\software\x') to
# {path, values: {lower-case name: {name, kind, data}}}; kind is a RegistryValueKind name and data
# what .NET returns (DWord and QWord signed, Binary a byte list, MultiString a string list).
$script:HiveNames = @{ LocalMachine = 'HKLM'; CurrentUser = 'HKCU'; ClassesRoot = 'HKCR'; Users = 'HKU'; CurrentConfig = 'HKCC' }

function Get-EstateRegistry($HostState) {
  if (-not $HostState.ContainsKey('registry')) { $HostState['registry'] = @{} }
  return $HostState['registry']
}

# A key of one host's registry. It names its host rather than holding its state, which another
# process may replace (Sync-EstateState) while the key is open.
class EstateRegistryKey {
  [string]$HostName
  [string]$Path
  [bool]$Writable

  EstateRegistryKey([string]$hostName, [string]$path, [bool]$writable) { $this.HostName = $hostName; $this.Path = $path; $this.Writable = $writable }

  hidden [string] Child([string]$sub) { return ($this.Path + '\' + $sub.Trim('\')) }
  hidden [hashtable] Registry() { return Get-EstateRegistry (Get-EstateHost $this.HostName) }
  hidden [hashtable] Entry() { return $this.Registry()[$this.Path.ToLowerInvariant()] }

  [object] OpenSubKey([string]$sub) { return $this.OpenSubKey($sub, $false) }
  [object] OpenSubKey([string]$sub, [bool]$writable) {
    $keyPath = $this.Child($sub)
    if (-not $this.Registry().ContainsKey($keyPath.ToLowerInvariant())) { return $null }
    return [EstateRegistryKey]::new($this.HostName, $keyPath, $writable)
  }
  [object] CreateSubKey([string]$sub) {
    $registry = $this.Registry()
    $keyPath = $this.Path
    foreach ($part in ($sub.Trim('\') -split '\\')) {
      $keyPath = $keyPath + '\' + $part
      if (-not $registry.ContainsKey($keyPath.ToLowerInvariant())) { $registry[$keyPath.ToLowerInvariant()] = @{ path = $keyPath; values = @{} } }
    }
    Save-EstateState
    return [EstateRegistryKey]::new($this.HostName, $keyPath, $true)
  }
  [void] DeleteSubKeyTree([string]$sub, [bool]$throwOnMissing) {
    $registry = $this.Registry()
    $prefix = $this.Child($sub).ToLowerInvariant()
    $doomed = @($registry.Keys | Where-Object { $_ -eq $prefix -or $_.StartsWith($prefix + '\') })
    if ($doomed.Count -eq 0 -and $throwOnMissing) { throw [System.ArgumentException]::new('Cannot delete a subkey tree because the subkey does not exist.') }
    foreach ($key in $doomed) { $registry.Remove($key) }
    Save-EstateState
  }
  [string[]] GetValueNames() {
    $entry = $this.Entry()
    if ($null -eq $entry) { return @() }
    return @($entry.values.Values | ForEach-Object { [string]$_.name })
  }
  hidden [hashtable] Value([string]$name) {
    $entry = $this.Entry()
    if ($null -eq $entry) { return $null }
    return $entry.values[$name.ToLowerInvariant()]
  }
  [Microsoft.Win32.RegistryValueKind] GetValueKind([string]$name) {
    $value = $this.Value($name)
    if ($null -eq $value) { throw [System.IO.IOException]::new('The system cannot find the file specified.') }
    return [Microsoft.Win32.RegistryValueKind]$value.kind
  }
  [object] GetValue([string]$name) { return $this.GetValue($name, $null) }
  [object] GetValue([string]$name, [object]$default) { return $this.GetValue($name, $default, [Microsoft.Win32.RegistryValueOptions]::None) }
  [object] GetValue([string]$name, [object]$default, [Microsoft.Win32.RegistryValueOptions]$options) {
    $value = $this.Value($name)
    if ($null -eq $value) { return $default }
    switch ($value.kind) {
      'DWord' { return [int32]$value.data }
      'QWord' { return [int64]$value.data }
      'Binary' { return [byte[]]@($value.data) }
      'MultiString' { return [string[]]@($value.data) }
      'ExpandString' {
        if ($options -eq [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames) { return [string]$value.data }
        return [Environment]::ExpandEnvironmentVariables([string]$value.data)
      }
    }
    return [string]$value.data
  }
  [void] SetValue([string]$name, [object]$value, [Microsoft.Win32.RegistryValueKind]$kind) {
    if (-not $this.Writable) { throw [System.UnauthorizedAccessException]::new('Cannot write to the registry key.') }
    $data = switch ($kind) {
      'DWord' { [int32]$value }
      'QWord' { [int64]$value }
      'Binary' { , [int[]]@([byte[]]$value) }
      'MultiString' { , [string[]]@($value) }
      default { [string]$value }
    }
    $entry = $this.Entry()
    if ($null -eq $entry) {  # a hive's root, written to for the first time
      $entry = @{ path = $this.Path; values = @{} }
      $this.Registry()[$this.Path.ToLowerInvariant()] = $entry
    }
    $entry.values[$name.ToLowerInvariant()] = @{ name = $name; kind = [string]$kind; data = $data }
    Save-EstateState
  }
  [void] DeleteValue([string]$name, [bool]$throwOnMissing) {
    if (-not $this.Writable) { throw [System.UnauthorizedAccessException]::new('Cannot write to the registry key.') }
    $entry = $this.Entry()
    if ($null -ne $entry -and $entry.values.ContainsKey($name.ToLowerInvariant())) {
      $entry.values.Remove($name.ToLowerInvariant())
      Save-EstateState
    } elseif ($throwOnMissing) { throw [System.ArgumentException]::new('No value exists with that name.') }
  }
  [void] Close() { }
}

# Seam: a hive's base key on this host of the estate.
function Open-SupctlRegistryBaseKey([string]$Hive) {
  $short = $script:HiveNames[[string][Microsoft.Win32.RegistryHive]$Hive]
  $null = Get-EstateCurrentHost  # throws for a host the estate does not have
  return [EstateRegistryKey]::new($script:Here, $short, $true)
}

# 'HKLM:\X', 'Registry::HKEY_LOCAL_MACHINE\X' -> 'HKLM\X'; $null for a path that is not the registry.
function ConvertTo-EstateRegistryPath([string]$Path) {
  $long = @{ HKEY_LOCAL_MACHINE = 'HKLM'; HKEY_CURRENT_USER = 'HKCU'; HKEY_CLASSES_ROOT = 'HKCR'; HKEY_USERS = 'HKU'; HKEY_CURRENT_CONFIG = 'HKCC' }
  if ($Path -match '^(HKLM|HKCU):\\?(.*)$') { return ($Matches[1] + '\' + $Matches[2]).TrimEnd('\') }
  if ($Path -match '^(Microsoft\.PowerShell\.Core\\)?Registry::(HKEY_[A-Z_]+)\\?(.*)$') { return ($long[$Matches[2]] + '\' + $Matches[3]).TrimEnd('\') }
  return $null
}

Register-EstateCmdlet 'Get-ItemProperty' @('Path', 'LiteralPath', 'Name') {
  param($Bound)
  $paths = if (Test-Bound $Bound 'LiteralPath') { $Bound.LiteralPath } else { $Bound.Path }
  foreach ($path in @($paths)) {
    $key = ConvertTo-EstateRegistryPath $path
    if ($null -eq $key) { return Microsoft.PowerShell.Management\Get-ItemProperty @Bound }
    $entry = (Get-EstateRegistry (Get-EstateCurrentHost))[$key.ToLowerInvariant()]
    if ($null -eq $entry) {
      $record = [System.Management.Automation.ErrorRecord]::new([System.Management.Automation.ItemNotFoundException]::new("Cannot find path '$path' because it does not exist."), 'PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand', 'ObjectNotFound', $path)
      if ($Bound['ErrorAction'] -in 'SilentlyContinue', 'Ignore') { return }
      throw $record
    }
    $object = [ordered]@{}
    foreach ($value in $entry.values.Values) {
      if ((Test-Bound $Bound 'Name') -and @($Bound.Name) -notcontains $value.name) { continue }
      $object[$value.name] = $value.data
    }
    if ((Test-Bound $Bound 'Name') -and $object.Count -eq 0) {
      if ($Bound['ErrorAction'] -in 'SilentlyContinue', 'Ignore') { return }
      throw "Property $(@($Bound.Name) -join ', ') does not exist at path $path."
    }
    [pscustomobject]$object
  }
}

# ---- native programs (seam): sc.exe, wsusutil and netsh, as the estate models them.
function Invoke-SupctlNative([string]$FilePath, [string[]]$ArgumentList) {
  $program = [System.IO.Path]::GetFileName($FilePath.Replace('\', '/')).ToLowerInvariant()
  $state = Get-EstateCurrentHost
  switch ($program) {
    'sc.exe' {
      # sc.exe config NAME start= auto|delayed-auto: "start=" and its value are two arguments.
      if ($ArgumentList.Count -ne 4 -or $ArgumentList[0] -ne 'config' -or $ArgumentList[2] -cne 'start=' -or $ArgumentList[3] -cnotin 'auto', 'delayed-auto') {
        return @{ ExitCode = 1639; Output = @('DESCRIPTION:', '        Modifies a service entry in the registry and Service Database.', 'USAGE:', '        sc <server> config [service name] <option1> <option2>...') }
      }
      $service = Get-EstateServiceState $ArgumentList[1]
      if ($null -eq $service) {
        return @{ ExitCode = 1060; Output = @('[SC] OpenService FAILED 1060:', '', 'The specified service does not exist as an installed service.') }
      }
      $service.start_mode = 'Auto'
      $delayed = if ($ArgumentList[3] -eq 'delayed-auto') { 1 } else { 0 }
      $key = (Open-SupctlRegistryBaseKey LocalMachine).CreateSubKey('SYSTEM\CurrentControlSet\Services\' + $service.name)
      $key.SetValue('DelayedAutostart', $delayed, [Microsoft.Win32.RegistryValueKind]::DWord)
      Save-EstateState
      return @{ ExitCode = 0; Output = @('[SC] ChangeServiceConfig SUCCESS') }
    }
    'wsusutil.exe' { return Invoke-EstateWsusUtil $ArgumentList }
    'netsh.exe' {
      $proxy = if ($state.ContainsKey('winhttp_proxy') -and $state['winhttp_proxy']) { $state['winhttp_proxy'] } else { $null }
      $lines = @('', 'Current WinHTTP proxy settings:', '')
      if ($null -eq $proxy) { $lines += '    Direct access (no proxy server).' }
      else { $lines += ('    Proxy Server(s) :  ' + $proxy.server); $lines += ('    Bypass List     :  ' + $proxy.bypass) }
      return @{ ExitCode = 0; Output = $lines + @('') }
    }
  }
  throw "the test estate does not model the program '$FilePath'"
}

# ---- local groups. hosts[h].groups[name] = list of {name, sid}; name is $null for an orphaned SID.
# hosts[h].administrators is the local name of the built-in Administrators (S-1-5-32-544) when this
# Windows is in another language ('Administratoren').
function Get-EstateAdministratorsName {
  $state = Get-EstateCurrentHost
  if ($state.ContainsKey('administrators') -and $state['administrators']) { return [string]$state['administrators'] }
  return 'Administrators'
}

function Get-EstateGroup([string]$Group) {
  $state = Get-EstateCurrentHost
  foreach ($key in $state.groups.Keys) { if ($key -eq $Group) { return , $state.groups[$key] } }
  return $null
}

# Seam: read as ADSI reads them, orphaned SIDs included; 'Administrators' by its SID, as the real seam.
function Get-SupctlLocalGroupMember([string]$Group) {
  if ($Group -eq 'Administrators') { $Group = Get-EstateAdministratorsName }
  $members = Get-EstateGroup $Group
  if ($null -eq $members) { throw [System.Runtime.InteropServices.COMException]::new('The group name could not be found.', -2147022676) }
  return @($members | ForEach-Object { @{ Name = $_.name; Sid = $_.sid } })
}

Register-EstateCmdlet 'Get-LocalGroupMember' @('Group', 'Name', 'Member') {
  param($Bound, $Set)
  $name = if ($Set -eq 'Group') { [string]$Bound.Group } else { [string]$Bound.Name }
  $members = Get-EstateGroup $name
  if ($null -eq $members) { throw [System.Management.Automation.ItemNotFoundException]::new("Group $name was not found.") }
  # What the LocalAccounts module does on a group holding an SID that no longer resolves.
  if (@($members | Where-Object { $null -eq $_.name }).Count -gt 0) { throw [System.InvalidOperationException]::new('Failed to compare two elements in the array.') }
  foreach ($member in $members) {
    [pscustomobject]@{ Name = $member.name; SID = $member.sid; ObjectClass = 'User'; PrincipalSource = 'ActiveDirectory' }
  }
}

Register-EstateCmdlet 'Add-LocalGroupMember' @('Group', 'Name', 'SID', 'Member') {
  param($Bound, $Set)
  $name = if ($Set -eq 'Group') { [string]$Bound.Group } elseif ($Set -eq 'SecurityIdentifier') { [string]$Bound.SID } else { [string]$Bound.Name }
  if ($Set -eq 'SecurityIdentifier') {
    if ($name -ne 'S-1-5-32-544') { throw "the test estate knows only the built-in Administrators by SID, not $name" }
    $name = Get-EstateAdministratorsName
  }
  $state = Get-EstateCurrentHost
  $key = @($state.groups.Keys | Where-Object { $_ -eq $name })
  if ($key.Count -eq 0) { throw [System.Management.Automation.ItemNotFoundException]::new("Group $name was not found.") }
  $members = @($state.groups[$key[0]])
  foreach ($member in @($Bound.Member)) {
    if (@($members | Where-Object { $_.name -eq [string]$member }).Count -gt 0) { throw "$member is already a member of group $name." }
    $members += @{ name = [string]$member; sid = 'S-1-5-21-1004336348-1177238915-682003330-' + (2000 + $members.Count) }
  }
  $state.groups[$key[0]] = $members
  Save-EstateState
}

# ---- services. hosts[h].services[name] = {name, display_name, start_mode (Auto|Manual|Disabled),
# state (Running|Stopped), depends_on}; a delayed start is DelayedAutostart under the service's key.
function Get-EstateServiceState([string]$Name) {
  $state = Get-EstateCurrentHost
  foreach ($key in $state.services.Keys) { if ($key -eq $Name) { return $state.services[$key] } }
  return $null
}

Register-EstateCmdlet 'Get-CimInstance' @('ClassName', 'Namespace', 'Filter') {
  param($Bound)
  $namespace = if (Test-Bound $Bound 'Namespace') { [string]$Bound.Namespace } else { 'root\cimv2' }
  $filter = if (Test-Bound $Bound 'Filter') { [string]$Bound.Filter } else { '' }
  switch ([string]$Bound.ClassName) {
    'Win32_Service' {
      if ($filter -notmatch "^Name='((?:[^'\\]|\\.)*)'$") { throw "the test estate reads Win32_Service by Name='...' only, not: $filter" }
      $name = $Matches[1] -replace '\\(.)', '$1'
      $service = Get-EstateServiceState $name
      if ($null -eq $service) { return }
      return [pscustomobject]@{ Name = $service.name; DisplayName = $service.display_name; StartMode = $service.start_mode; State = $service.state }
    }
    'Win32_ComputerSystem' {
      $parts = $script:Here -split '\.', 2
      return [pscustomobject]@{ DNSHostName = $parts[0]; Domain = if ($parts.Count -gt 1) { $parts[1] } else { 'WORKGROUP' } }
    }
  }
  return Get-EstateCimConfigMgr $namespace ([string]$Bound.ClassName) $filter
}

Register-EstateCmdlet 'Set-Service' @('Name', 'StartupType') {
  param($Bound)
  $service = Get-EstateServiceState ([string]$Bound.Name)
  if ($null -eq $service) { throw "Service '$($Bound.Name)' was not found on computer '.'." }
  if (Test-Bound $Bound 'StartupType') { $service.start_mode = @{ Automatic = 'Auto'; Manual = 'Manual'; Disabled = 'Disabled' }[[string]$Bound.StartupType] }
  Save-EstateState
}

class EstateServiceController {
  [string]$ServiceName
  EstateServiceController([string]$name) { $this.ServiceName = $name }
  [System.ServiceProcess.ServiceControllerStatus] get_Status() { return [System.ServiceProcess.ServiceControllerStatus](Get-EstateServiceState $this.ServiceName).state }
  [object[]] get_DependentServices() {
    $name = $this.ServiceName
    $dependents = @((Get-EstateCurrentHost).services.Values | Where-Object { @($_.depends_on) -contains $name })
    return @($dependents | ForEach-Object { [EstateServiceController]::new($_.name) })
  }
  [void] WaitForStatus([System.ServiceProcess.ServiceControllerStatus]$status, [timespan]$timeout) {
    if ($this.get_Status() -ne $status) { throw [System.ServiceProcess.TimeoutException]::new('Time out has expired and the operation has not been completed.') }
  }
}

# Seam: a service controller; Status and DependentServices are methods here, read as properties.
function Get-SupctlService([string]$Name) {
  $controller = [EstateServiceController]::new($Name)
  $object = [pscustomobject]@{ EstateKind = 'ServiceController'; ServiceName = $Name; Controller = $controller }
  $object | Add-Member -MemberType ScriptProperty -Name Status -Value { $this.Controller.get_Status() }
  $object | Add-Member -MemberType ScriptProperty -Name DependentServices -Value { @($this.Controller.get_DependentServices() | ForEach-Object { [pscustomobject]@{ ServiceName = $_.ServiceName; Status = $_.get_Status() } }) }
  $object | Add-Member -MemberType ScriptMethod -Name WaitForStatus -Value { param($status, $timeout) $this.Controller.WaitForStatus($status, $timeout) }
  return $object
}

Register-EstateCmdlet 'Start-Service' @('InputObject') {
  param($Bound)
  foreach ($controller in @($Bound.InputObject)) {
    $service = Get-EstateServiceState ([string]$controller.ServiceName)
    if ($service.start_mode -eq 'Disabled') { throw "Service '$($service.name)' cannot be started due to the following error: Cannot start service $($service.name) on computer '.'." }
    if ($service.ContainsKey('will_not_start') -and $service['will_not_start']) { throw "Service '$($service.name)' start failed." }
    $service.state = 'Running'
  }
  Save-EstateState
}
Register-EstateCmdlet 'Stop-Service' @('InputObject') {
  param($Bound)
  foreach ($controller in @($Bound.InputObject)) { (Get-EstateServiceState ([string]$controller.ServiceName)).state = 'Stopped' }
  Save-EstateState
}

# ---- Windows features. hosts[h].features[name] = installed (bool).
Register-EstateCmdlet 'Get-WindowsFeature' @('Name') {
  param($Bound)
  $state = Get-EstateCurrentHost
  foreach ($pattern in @($Bound.Name)) {
    foreach ($name in ($state.features.Keys | Sort-Object)) {
      if ($name -like $pattern) { [pscustomobject]@{ Name = $name; Installed = [bool]$state.features[$name] } }
    }
  }
}

Register-EstateCmdlet 'Install-WindowsFeature' @('Name') {
  param($Bound)
  $state = Get-EstateCurrentHost
  foreach ($name in @($Bound.Name)) {
    if (-not $state.features.ContainsKey($name)) { throw "ArgumentNotValid: The role, role service, or feature name is not valid: '$name'. The name was not found." }
    $state.features[$name] = $true
  }
  if (@($Bound.Name) -contains 'UpdateServices-Services' -and -not $state.groups.ContainsKey('WSUS Administrators')) {
    $state.groups['WSUS Administrators'] = @()
  }
  Save-EstateState
  return [pscustomobject]@{ Success = $true; RestartNeeded = 'No'; ExitCode = 'Success'; FeatureResult = @() }
}

# Seam: IIS settings of a site; hosts[h].iis[filter/name] when IIS is there.
function Get-SupctlWebConfigurationProperty([string]$PSPath, [string]$Filter, [string]$Name) {
  $state = Get-EstateCurrentHost
  if (-not $state.ContainsKey('iis')) { return $null }
  return $state.iis["$PSPath|$Filter|$Name"]
}

function Set-SupctlWebConfigurationProperty([string]$PSPath, [string]$Filter, [string]$Name, $Value) {
  $state = Get-EstateCurrentHost
  if (-not $state.ContainsKey('iis')) { throw "The term 'Import-Module WebAdministration' failed: IIS is not installed on $($script:Here)" }
  $state.iis["$PSPath|$Filter|$Name"] = $Value
  Save-EstateState
}

