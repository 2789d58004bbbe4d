# The test estate: a small in-memory model of the Windows servers, ConfigMgr sites and WSUS that
# supctl's fragments talk to. The generated stub cmdlets (tests/pwsh/stubs) bind their parameters
# exactly as the real ones would, then call Invoke-SupctlEstateCmdlet, which records the call and
# answers from this model. The seams of platform.ps1 are defined here too, so the fragments' own
# definitions step aside. State lives in a JSON file ($env:SUPCTL_ESTATE) shared by every process
# (see Sync-EstateState and Save-EstateState), so a read-back, in this process or another, sees
# what a change did. Nothing here is edited to let a fragment
# pass: a fragment that calls what Windows would reject fails here too.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:StatePath = $env:SUPCTL_ESTATE
if (-not $script:StatePath) { throw 'the test estate needs SUPCTL_ESTATE: the path of its state file' }

# ---- the state file, shared by every estate process: long-lived sessions on several hosts run at
# once. It is read again whenever another process changed it, and written under a lock file held
# only for the write; a write merges by section: the sections this process changed since it last
# read the file replace the file's, the others come from the file. A section is one host, one
# entry of a ConfigMgr table (a site, a site system, a role: two SMS Providers change different
# ones at once), or another top-level key. The file is replaced whole (write then rename), so a
# reader never sees half of it.
$script:SectionDepth = @{ hosts = 1; configmgr = 2 }

function Add-EstateSections([hashtable]$Into, [string]$Path, $Value, [int]$Depth) {
  if ($Depth -gt 0 -and $Value -is [System.Collections.IDictionary]) {
    foreach ($key in $Value.Keys) { Add-EstateSections $Into "$Path/$key" $Value[$key] ($Depth - 1) }
  } else {
    $Into[$Path] = ConvertTo-Json -InputObject $Value -Depth 64 -Compress
  }
}

function Get-EstateSections($State) {
  $sections = @{}
  foreach ($key in $State.Keys) {
    $depth = if ($script:SectionDepth.ContainsKey($key)) { $script:SectionDepth[$key] } else { 0 }
    Add-EstateSections $sections $key $State[$key] $depth
  }
  return $sections
}

function Get-EstateStamp {
  $file = Get-Item -LiteralPath $script:StatePath
  return '{0}/{1}' -f $file.Length, $file.LastWriteTimeUtc.Ticks
}

function Read-EstateFile { return Get-Content -LiteralPath $script:StatePath -Raw | ConvertFrom-Json -AsHashtable }

# Copies one section (a path such as hosts/NAME or configmgr/systems/KEY) from $From into $Into,
# or removes it from $Into when $From has none.
function Set-EstateSection($Into, [string]$Section, $From) {
  $parts = $Section -split '/'
  $source = $From
  $target = $Into
  for ($i = 0; $i -lt $parts.Count - 1; $i++) {
    $part = $parts[$i]
    $source = if ($source -is [System.Collections.IDictionary] -and $source.Contains($part)) { $source[$part] } else { $null }
    if (-not $target.Contains($part) -or $target[$part] -isnot [System.Collections.IDictionary]) { $target[$part] = @{} }
    $target = $target[$part]
  }
  $last = $parts[-1]
  if ($source -is [System.Collections.IDictionary] -and $source.Contains($last)) { $target[$last] = $source[$last] } else { $target.Remove($last) }
}

# Takes what other processes wrote since this one last read the file. Every change is saved as it
# is made, so a section this process holds differently without saving is no change of its own
# (a table made on first use): what the file says of a section another process changed wins.
function Sync-EstateState {
  if ((Get-EstateStamp) -eq $script:Stamp) { return }
  $file = Read-EstateFile
  $mine = Get-EstateSections $script:State
  $theirs = Get-EstateSections $file
  foreach ($section in @($theirs.Keys) + @($mine.Keys) | Sort-Object -Unique) {
    if ($theirs[$section] -ne $script:Base[$section] -and $theirs[$section] -ne $mine[$section]) { Set-EstateSection $script:State $section $file }
  }
  $script:Base = $theirs
  $script:Stamp = Get-EstateStamp
}

function Save-EstateState {
  $lock = $null
  for ($try = 0; $null -eq $lock; $try++) {
    try { $lock = [System.IO.File]::Open("$($script:StatePath).lock", 'OpenOrCreate', 'ReadWrite', 'None') }
    catch [System.IO.IOException] { if ($try -gt 6000) { throw }; Start-Sleep -Milliseconds 10 }
  }
  try {
    $file = Read-EstateFile
    $mine = Get-EstateSections $script:State
    $theirs = Get-EstateSections $file
    foreach ($section in @($theirs.Keys) + @($mine.Keys) | Sort-Object -Unique) {
      if ($mine[$section] -ne $script:Base[$section]) { Set-EstateSection $file $section $script:State }
      elseif ($theirs[$section] -ne $mine[$section]) { Set-EstateSection $script:State $section $file }
    }
    $temporary = "$($script:StatePath).$PID.new"
    $file | ConvertTo-Json -Depth 64 | Set-Content -LiteralPath $temporary -Encoding utf8NoBOM
    # rename(2), which replaces the file in one step; Move-Item -Force deletes it first, and a
    # reader in another process could find no state file in between.
    [System.IO.File]::Move($temporary, $script:StatePath, $true)
    $script:Base = Get-EstateSections $file
    $script:Stamp = Get-EstateStamp
  } finally {
    $lock.Dispose()
  }
}

$script:State = Read-EstateFile
$script:Base = Get-EstateSections $script:State
$script:Stamp = Get-EstateStamp

# The host this process is. Over ssh, the address the client connected to names it.
function Get-EstateHostName {
  if ($env:SUPCTL_ESTATE_HOST) { return $env:SUPCTL_ESTATE_HOST }
  if ($env:SSH_CONNECTION) {
    $address = ($env:SSH_CONNECTION -split ' ')[2]
    foreach ($name in $script:State.hosts.Keys) {
      if ($script:State.hosts[$name]['address'] -eq $address) { return $name }
    }
    throw "the test estate has no host at the address '$address'"
  }
  throw 'the test estate needs SUPCTL_ESTATE_HOST (or an ssh connection) to know which host it is'
}
$script:Here = Get-EstateHostName
$script:Calls = New-Object System.Collections.ArrayList

function Get-EstateHost([string]$Name = $script:Here) {
  Sync-EstateState
  foreach ($key in $script:State.hosts.Keys) {
    if ($key -eq $Name -or ($key -split '\.')[0] -eq $Name) { return $script:State.hosts[$key] }
  }
  return $null
}

function Get-EstateCurrentHost {
  $h = Get-EstateHost
  if ($null -eq $h) { throw "the test estate has no host '$($script:Here)'" }
  return $h
}

$env:COMPUTERNAME = ($script:Here -split '\.')[0].ToUpperInvariant()
# Windows' own variables and its system drive, so that paths such as C:\Program Files resolve.
$systemDrive = Join-Path ([System.IO.Path]::GetDirectoryName($script:StatePath)) 'C'
$null = New-Item -ItemType Directory -Path $systemDrive -Force
$null = New-PSDrive -Name C -PSProvider FileSystem -Root $systemDrive -Scope Global
$env:ProgramFiles = 'C:\Program Files'
$env:windir = 'C:\Windows'
$env:SystemRoot = 'C:\Windows'

# ---- the call record: one JSON line per cmdlet call, for the tests' assertions.
function ConvertTo-EstateRecordValue($Value) {
  if ($null -eq $Value) { return $null }
  if ($Value -is [System.Management.Automation.SwitchParameter]) { return [bool]$Value }
  if ($Value -is [securestring]) { return '(securestring)' }
  if ($Value -is [string] -or $Value -is [bool] -or $Value -is [int] -or $Value -is [long] -or $Value -is [uint32]) { return $Value }
  if ($Value -is [System.Collections.IDictionary]) { return '(object)' }
  if ($Value -is [System.Collections.IEnumerable]) { return , @($Value | ForEach-Object { ConvertTo-EstateRecordValue $_ }) }
  if ($Value -is [psobject] -and $Value.PSObject.Properties['EstateKind']) { return "($($Value.EstateKind))" }
  return [string]$Value
}

# Imports of the ConfigurationManager module, one line per module instance a cmdlet call comes
# through ($env:SUPCTL_ESTATE_IMPORTS), so tests can see the ConfigMgr prologue run once per process.
$script:SeenModules = @{}
function Write-EstateImport([string]$Module) {
  $instance = Get-Module -Name $Module | Select-Object -First 1
  if ($null -eq $instance -or -not $env:SUPCTL_ESTATE_IMPORTS) { return }
  $id = [System.Runtime.CompilerServices.RuntimeHelpers]::GetHashCode($instance)
  if ($script:SeenModules.ContainsKey($id)) { return }
  $script:SeenModules[$id] = $true
  Add-Content -LiteralPath $env:SUPCTL_ESTATE_IMPORTS -Value "$PID $Module" -Encoding utf8NoBOM
}

function Write-EstateCall([string]$Module, [string]$Name, [string]$Set, [hashtable]$Bound) {
  if ($Module -eq 'ConfigurationManager') { Write-EstateImport $Module }
  $record = [ordered]@{ host = $script:Here; module = $Module; cmdlet = $Name; set = $Set; bound = [ordered]@{} }
  foreach ($key in ($Bound.Keys | Sort-Object)) { $record.bound[$key] = ConvertTo-EstateRecordValue $Bound[$key] }
  if ($env:SUPCTL_ESTATE_CALLS) {
    Add-Content -LiteralPath $env:SUPCTL_ESTATE_CALLS -Value ($record | ConvertTo-Json -Depth 8 -Compress) -Encoding utf8NoBOM
  }
}

$script:Handlers = @{}
$script:Modelled = @{}
# Parameters every cmdlet takes that change nothing the estate models.
$script:CommonParameters = @('ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction', 'ErrorVariable', 'WarningVariable',
  'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'Verbose', 'Debug', 'WhatIf', 'Confirm',
  'DisableWildcardHandling', 'ForceWildcardHandling')

# A cmdlet the estate answers, with the parameters it models: a call that binds any other fails
# here rather than having its setting silently ignored.
function Register-EstateCmdlet([string]$Name, [string[]]$Parameters, [scriptblock]$Handler) {
  $script:Handlers[$Name] = $Handler
  $script:Modelled[$Name] = $Parameters
}

# What every generated stub calls once PowerShell has bound its parameters.
function Invoke-SupctlEstateCmdlet {
  param([string]$Module, [string]$Name, [string]$ParameterSetName, [hashtable]$Bound)
  Write-EstateCall $Module $Name $ParameterSetName $Bound
  Sync-EstateState
  $handler = $script:Handlers[$Name]
  if ($null -eq $handler) { throw "the test estate does not model $Name (called with -$(@($Bound.Keys) -join ' -'))" }
  $unmodelled = @($Bound.Keys | Where-Object { $script:Modelled[$Name] -notcontains $_ -and $script:CommonParameters -notcontains $_ })
  if ($unmodelled.Count -gt 0) { throw "the test estate does not model -$($unmodelled -join ' -') of $Name" }
  & $handler $Bound $ParameterSetName
}

function Test-Bound([hashtable]$Bound, [string]$Name) { return $Bound.ContainsKey($Name) }

. (Join-Path $PSScriptRoot 'Windows.ps1')
. (Join-Path $PSScriptRoot 'Wsus.ps1')
. (Join-Path $PSScriptRoot 'ConfigMgr.ps1')

# Tripwires: the injection corpus names these; if a value ever ran as code, the operation fails here
# rather than on the machine that runs the tests.
function Stop-Computer { throw 'supctl-injection: Stop-Computer ran' }
function Restart-Computer { throw 'supctl-injection: Restart-Computer ran' }

# The stubs of the built-in cmdlets shadow PowerShell 7's own (Get-ItemProperty, New-Item...),
# which answer for the file system as before; the modules of ConfigMgr and WSUS load on first use.
Import-Module (Join-Path $PSScriptRoot '..' 'SupctlWindowsBuiltins' 'SupctlWindowsBuiltins.psd1') -Global
$env:SMS_ADMIN_UI_PATH = Join-Path $PSScriptRoot '..' 'AdminConsole' 'bin'

# Everything is exported: the WSUS objects' methods are closures, which see only global commands.
Export-ModuleMember -Function *
