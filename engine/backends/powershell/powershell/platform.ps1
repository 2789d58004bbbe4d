# platform: the seams between the fragments and what only Windows has (the registry through .NET,
# ADSI, service controllers, native programs, IIS). None reaches another machine: supctl sends each
# operation to the machine that owns what it reads or changes, through that machine's own session. Every fragment reaches those
# through these functions and nothing else, so that a test estate can stand in for Windows by
# defining the same functions before the script runs (tests/pwsh). On a server nothing defines them
# first, and these are what run. Keep each one thin: logic belongs in the fragments, where it is tested.
if ($null -eq (Get-Command -Name 'Open-SupctlRegistryBaseKey' -CommandType Function -ErrorAction SilentlyContinue)) {

  # A hive's base key in the 64-bit view (whatever the bitness of this PowerShell), on this machine.
  # $Hive: LocalMachine, CurrentUser, ClassesRoot, Users or CurrentConfig.
  function Open-SupctlRegistryBaseKey([string]$Hive) {
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]$Hive, [Microsoft.Win32.RegistryView]::Registry64)
  }

  # Runs a native program and returns {ExitCode, Output}: its stdout and stderr lines, as text.
  # Windows PowerShell 5.1 turns a native program's first stderr line into a terminating error when
  # it is merged (2>&1) under $ErrorActionPreference = 'Stop', which the bootstrap sets: the exit
  # code would never be looked at. Here the preference is Continue, for this call only.
  function Invoke-SupctlNative([string]$FilePath, [string[]]$ArgumentList) {
    $ErrorActionPreference = 'Continue'
    $output = @(& $FilePath @ArgumentList 2>&1 | ForEach-Object { [string]$_ })  # lint51: allow native-stderr (the one place native programs run)
    return @{ ExitCode = $LASTEXITCODE; Output = $output }
  }

  # The members of a local group as {Name, Sid}: Name is DOMAIN\user, or $null for an account that
  # no longer resolves (an orphaned SID, common in Administrators). Get-LocalGroupMember throws
  # "Failed to compare two elements in the array" on such a group, so this reads it through ADSI.
  # 'Administrators' is the built-in group (S-1-5-32-544) by whatever name this Windows gives it.
  function Get-SupctlLocalGroupMember([string]$Group) {
    if ($Group -eq 'Administrators') {
      $Group = (New-Object System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544').Translate([System.Security.Principal.NTAccount]).Value.Split('\')[-1]
    }
    $adsi = [ADSI]('WinNT://./{0},group' -f $Group)
    $members = New-Object System.Collections.ArrayList
    foreach ($member in @($adsi.psbase.Invoke('Members'))) {
      $sid = New-Object System.Security.Principal.SecurityIdentifier -ArgumentList ([byte[]]$member.GetType().InvokeMember('objectSid', 'GetProperty', $null, $member, $null)), 0
      $name = $null
      try { $name = $sid.Translate([System.Security.Principal.NTAccount]).Value } catch { $name = $null }
      [void]$members.Add(@{ Name = $name; Sid = $sid.Value })
    }
    # One object per member down the pipeline (callers wrap the call in @()).
    return $members.ToArray()
  }

  # A service controller by the service's exact name (Get-Service -Name would read it as a wildcard).
  function Get-SupctlService([string]$Name) {
    Add-Type -AssemblyName System.ServiceProcess
    return New-Object System.ServiceProcess.ServiceController -ArgumentList $Name
  }

  # An IIS configuration property of a site, or $null when IIS's WebAdministration module is absent.
  function Get-SupctlWebConfigurationProperty([string]$PSPath, [string]$Filter, [string]$Name) {
    if (-not (Get-Module -ListAvailable -Name WebAdministration)) { return $null }
    Import-Module WebAdministration -ErrorAction Stop
    $property = Get-WebConfigurationProperty -PSPath $PSPath -Filter $Filter -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $property) { return $null }
    return $property.Value
  }

  function Set-SupctlWebConfigurationProperty([string]$PSPath, [string]$Filter, [string]$Name, $Value) {
    Import-Module WebAdministration -ErrorAction Stop
    Set-WebConfigurationProperty -PSPath $PSPath -Filter $Filter -Name $Name -Value $Value -ErrorAction Stop
  }
}
