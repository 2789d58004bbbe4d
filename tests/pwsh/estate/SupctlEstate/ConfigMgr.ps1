# The estate's ConfigMgr hierarchy, as its SMS Providers answer: sites, site systems and their
# software update point roles as embedded property lists (Props of PropertyName, Value, Value1,
# Value2, as SMS_SCI_SysResUse has them), accounts, the software update point components, update
# categories and schedules. Dot-sourced. State: configmgr.{sites, systems, sups, accounts,
# components, categories}.

function Get-EstateConfigMgr {
  Sync-EstateState
  return $script:State.configmgr
}

function Get-EstateSite([string]$Code) {
  foreach ($key in (Get-EstateConfigMgr).sites.Keys) { if ($key -eq $Code) { return (Get-EstateConfigMgr).sites[$key] } }
  return $null
}

# Props as the cmdlets return them: objects with PropertyName, Value, Value1, Value2.
function ConvertTo-EstateProps([hashtable]$Props) {
  foreach ($name in ($Props.Keys | Sort-Object)) {
    $p = $Props[$name]
    [pscustomobject]@{ PropertyName = $name; Value = $p[0]; Value1 = $p[1]; Value2 = $p[2] }
  }
}

function Get-EstateRoleKey([string]$Site, [string]$Server) { return ('{0}|{1}' -f $Site.ToUpperInvariant(), $Server.ToLowerInvariant()) }

function New-EstateRoleObject([string]$Kind, [string]$Site, [string]$Server, [hashtable]$Props, [string]$Role) {
  return [pscustomobject]@{ EstateKind = $Kind; SiteCode = $Site.ToUpperInvariant(); NetworkOSPath = '\\' + $Server; RoleName = $Role
                            Props = @(ConvertTo-EstateProps $Props) }
}

function Assert-EstateSite([string]$Code) {
  if ($null -eq (Get-EstateSite $Code)) { throw [System.ArgumentException]::new("No object corresponds to the site code '$Code'.") }
}

# An SMS Provider manages its own site and the sites below it (a CAS's: every site; a primary's: its
# secondaries), as the console does; a site elsewhere in the hierarchy is not its to change. A site
# that does not exist is left to the cmdlet's own error.
function Assert-EstateProviderFor([string]$Code) {
  $site = Get-EstateSite $Code
  if ($null -eq $site) { return }
  $own = $script:ProviderSite
  for ($at = $Code; $at; $at = [string](Get-EstateSite $at).parent) {
    if ($at -eq $own) { return }
    if ($null -eq (Get-EstateSite $at)) { break }
  }
  $where = if ($own) { "the SMS Provider of site $own" } else { 'not an SMS Provider' }
  throw [System.InvalidOperationException]::new("$($script:Here) is $where and does not manage site '$Code'.")
}

# The site and server a role cmdlet names, by -InputObject or by -SiteCode and -SiteSystemServerName.
function Get-EstateRoleTarget($Bound) {
  if (Test-Bound $Bound 'InputObject') { return @($Bound.InputObject.SiteCode, $Bound.InputObject.NetworkOSPath.TrimStart('\')) }
  $site = if (Test-Bound $Bound 'SiteCode') { [string]$Bound.SiteCode } else { $script:ProviderSite }
  Assert-EstateProviderFor $site
  return @($site, [string]$Bound.SiteSystemServerName)
}

# ---- WMI through CIM: the SMS Provider's location and sites.
function Get-EstateCimConfigMgr([string]$Namespace, [string]$Class, [string]$Filter) {
  if ($Namespace -eq 'root\sms' -and $Class -eq 'SMS_ProviderLocation') {
    foreach ($code in (Get-EstateConfigMgr).sites.Keys) {
      $site = (Get-EstateConfigMgr).sites[$code]
      if ($site.ContainsKey('provider') -and $site.provider -and (Get-EstateHost $site.provider) -eq (Get-EstateCurrentHost)) {
        [pscustomobject]@{ SiteCode = $code; Machine = $site.provider; ProviderForLocalSite = $true; NamespacePath = "\\$($site.provider)\root\sms\site_$code" }
      }
    }
    return
  }
  if ($Namespace -match '^root\\sms\\site_(\w+)$' -and $Class -eq 'SMS_Site') {
    if ($Filter -notmatch "^SiteCode='(\w+)'$") { throw "the test estate reads SMS_Site by SiteCode='...' only" }
    $site = Get-EstateSite $Matches[1]
    if ($null -ne $site) { return [pscustomobject]@{ SiteCode = $Matches[1]; Version = $site.version } }
    return
  }
  throw [Microsoft.Management.Infrastructure.CimException]::new("Invalid namespace or class: $Namespace $Class")
}

# ---- sites
Register-EstateCmdlet 'Get-CMSite' @('SiteCode') {
  param($Bound)
  $code = [string]$Bound.SiteCode
  $site = Get-EstateSite $code
  if ($null -eq $site) { return }
  $types = @{ secondary = 1; primary = 2; cas = 4 }
  return [pscustomobject]@{ SiteCode = $code.ToUpperInvariant(); Type = $types[$site.type]; ReportingSiteCode = [string]$site.parent; ServerName = $site.server; Version = $site.version }
}

# ---- site systems
function New-EstateSystemProps {
  return @{ UseProxy = @(0, $null, $null); ProxyName = @(0, $null, ''); ProxyServerPort = @(80, $null, $null); AnonymousProxyAccess = @(1, $null, $null)
            ProxyUserName = @(0, $null, ''); 'Server Remote Public Name' = @(0, '', $null); FDMOperation = @(0, $null, $null)
            UseMachineAccount = @(1, $null, $null); UserName = @(0, $null, '') }
}

Register-EstateCmdlet 'Get-CMSiteSystemServer' @('SiteCode', 'SiteSystemServerName', 'InputObject') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  $props = (Get-EstateConfigMgr).systems[(Get-EstateRoleKey $site $server)]
  if ($null -eq $props) { return }
  return New-EstateRoleObject 'SMS_SCI_SysResUse' $site $server $props 'SMS Site System'
}

Register-EstateCmdlet 'New-CMSiteSystemServer' @('SiteCode', 'SiteSystemServerName') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  Assert-EstateSite $site
  $key = Get-EstateRoleKey $site $server
  if ((Get-EstateConfigMgr).systems.ContainsKey($key)) { throw "The site system server '$server' already exists in site '$site'." }
  (Get-EstateConfigMgr).systems[$key] = New-EstateSystemProps
  Save-EstateState
  return New-EstateRoleObject 'SMS_SCI_SysResUse' $site $server (Get-EstateConfigMgr).systems[$key] 'SMS Site System'
}

Register-EstateCmdlet 'Set-CMSiteSystemServer' @('SiteCode', 'SiteSystemServerName', 'InputObject', 'EnableProxy', 'ProxyServerName', 'ProxyServerPort', 'ProxyAccessAccount', 'PublicFqdn', 'FdmOperation', 'UseSiteServerAccount', 'AccountName') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  $props = (Get-EstateConfigMgr).systems[(Get-EstateRoleKey $site $server)]
  if ($null -eq $props) { throw [System.Management.Automation.ItemNotFoundException]::new("No object corresponds to the specified parameters.") }
  if (Test-Bound $Bound 'EnableProxy') { $props.UseProxy[0] = [int][bool]$Bound.EnableProxy }
  if (Test-Bound $Bound 'ProxyServerName') { $props.ProxyName[2] = [string]$Bound.ProxyServerName }
  if (Test-Bound $Bound 'ProxyServerPort') { $props.ProxyServerPort[0] = [int]$Bound.ProxyServerPort }
  if (Test-Bound $Bound 'ProxyAccessAccount') {
    # The account object of Get-CMAccount (IResultObject#SMS_SCI_Reserved), as the console module takes it.
    $account = $Bound.ProxyAccessAccount
    if ($account -isnot [psobject] -or $null -eq $account.PSObject.Properties['UserName']) { throw "Cannot convert '$account' to IResultObject#SMS_SCI_Reserved: pass the account object of Get-CMAccount." }
    $user = [string]$account.UserName
    if (@((Get-EstateConfigMgr).accounts | Where-Object { $_.user -eq $user -and $_.site -eq $account.SiteCode }).Count -eq 0) { throw "The account '$user' is not a Configuration Manager account of site '$($account.SiteCode)'." }
    $props.ProxyUserName[2] = $user; $props.AnonymousProxyAccess[0] = 0
  }
  if (Test-Bound $Bound 'PublicFqdn') { $props.'Server Remote Public Name'[1] = [string]$Bound.PublicFqdn }
  if (Test-Bound $Bound 'FdmOperation') { $props.FDMOperation[0] = [int][bool]$Bound.FdmOperation }
  if (Test-Bound $Bound 'UseSiteServerAccount') { $props.UseMachineAccount[0] = 1; $props.UserName[2] = '' }
  if (Test-Bound $Bound 'AccountName') { $props.UseMachineAccount[0] = 0; $props.UserName[2] = [string]$Bound.AccountName }
  Save-EstateState
}

Register-EstateCmdlet 'Remove-CMSiteSystemServer' @('SiteCode', 'SiteSystemServerName', 'InputObject', 'Force') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  (Get-EstateConfigMgr).systems.Remove((Get-EstateRoleKey $site $server))
  Save-EstateState
}

# ---- software update points
$script:ConnectionTypes = @{ Intranet = @(0, 1); Internet = @(1, 0); InternetAndIntranet = @(1, 1) }

Register-EstateCmdlet 'Get-CMSoftwareUpdatePoint' @('SiteCode', 'SiteSystemServerName', 'InputObject') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  $props = (Get-EstateConfigMgr).sups[(Get-EstateRoleKey $site $server)]
  if ($null -eq $props) { return }
  return New-EstateRoleObject 'SMS_SCI_SysResUse' $site $server $props 'SMS Software Update Point'
}

function Set-EstateSupProps([hashtable]$Props, $Bound, [string]$Site) {
  $names = @{ WsusIisPort = 'WSUSIISPort'; HttpPort = 'WSUSIISPort'; WsusIisSslPort = 'WSUSIISSSLPort'; HttpsPort = 'WSUSIISSSLPort'
              WsusSsl = 'SSLWSUS'; EnableSsl = 'SSLWSUS'; UseProxy = 'UseProxy'; UseProxyForAutoDeploymentRule = 'UseProxyForADR'; EnableCloudGateway = 'AllowProxyTraffic' }
  foreach ($parameter in $names.Keys) {
    if (Test-Bound $Bound $parameter) { $Props[$names[$parameter]] = @([int]$Bound[$parameter], $null, $null) }
  }
  if (Test-Bound $Bound 'ClientConnectionType') {
    $pair = $script:ConnectionTypes[[string]$Bound.ClientConnectionType]
    if ($null -eq $pair) { throw "Cannot convert value `"$($Bound.ClientConnectionType)`" to type ClientConnectionTypes: Intranet, Internet, InternetAndIntranet" }
    $Props.IsINF = @($pair[0], $null, $null); $Props.IsIntranet = @($pair[1], $null, $null)
  }
  foreach ($parameter in 'ConnectionAccountUserName', 'WsusAccessAccount') {
    if (-not (Test-Bound $Bound $parameter)) { continue }
    $user = [string]$Bound[$parameter]
    # By name, anywhere in the hierarchy: whether the console insists on the role's own site is unverified.
    if (@((Get-EstateConfigMgr).accounts | Where-Object { $_.user -eq $user }).Count -eq 0) { throw "The account '$user' is not a Configuration Manager account." }
    $Props.WSUSAccessAccount = @(0, $null, $user)
  }
  if (Test-Bound $Bound 'AnonymousWsusAccess') { $Props.WSUSAccessAccount = @(0, $null, '') }
  if (Test-Bound $Bound 'PublicVirtualIP') { $Props.PublicVirtualIP = @(0, $null, [string]$Bound.PublicVirtualIP) }
}

# ---- installing the role, as the seeds show it: the SMS Provider stores it (SMSProv.log), Site
# Component Manager on the site server creates the role's key on the SUP's server and starts the
# bootstrap (SiteComp.log), the role setup there checks for WSUS (SUPSetup.log), and WSUS
# Configuration Manager on the site server connects to that WSUS (WCM.log). A role whose setup or
# connection fails leaves the registry as it found it, and says why in the log that tells.

# Runs $Script as host $Name (its registry, groups, WSUS), then comes back.
function Invoke-EstateAsHost([string]$Name, [scriptblock]$Script) {
  $previous = $script:Here; $script:Here = $Name
  try { & $Script } finally { $script:Here = $previous }
}

# Appends lines to a log of host $Name. Each host's logs are a folder of the estate's
# (<state dir>/logs/<host>/Logs); the host's HKLM\SOFTWARE\Microsoft\SMS\Setup 'Installation
# Directory' names the folder above it, where supctl's logs.read looks first after the Tracing keys.
# (A remote site system keeps its logs in <drive>:\SMS\Logs, a drive the estate cannot present.)
function Write-EstateLog([string]$Name, [string]$Log, [string[]]$Lines) {
  if ($null -eq (Get-EstateHost $Name)) { return }
  $root = [System.IO.Path]::Combine([System.IO.Path]::GetDirectoryName($script:StatePath), 'logs', $Name.ToLowerInvariant())
  $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($root, 'Logs'))
  Invoke-EstateAsHost $Name { (Open-SupctlRegistryBaseKey LocalMachine).CreateSubKey('SOFTWARE\Microsoft\SMS\Setup').SetValue('Installation Directory', $root, [Microsoft.Win32.RegistryValueKind]::String) }
  [System.IO.File]::AppendAllText([System.IO.Path]::Combine($root, 'Logs', $Log), (($Lines | ForEach-Object { $_ + "`r`n" }) -join ''))
}

# A CMTrace line (SMSProv.log, SiteComp.log, WCM.log); type 1 information, 3 error.
function Format-EstateTrace([string]$Component, [string]$Message, [int]$Type = 1) {
  return ('<![LOG[{0}]LOG]!><time="{1:HH:mm:ss.fff}+000" date="{1:MM-dd-yyyy}" component="{2}" context="" type="{3}" thread="{4}" file="">' -f $Message, [datetime]::UtcNow, $Component, $Type, $PID)
}

# A SUPSetup.log line.
function Format-EstateSetupLine([string]$Message) { return ('<{0:MM/dd/yy HH:mm:ss}> {1}' -f [datetime]::UtcNow, $Message) }

function Install-EstateSupRole([string]$Site, [string]$Server, [hashtable]$Props) {
  $siteServer = [string](Get-EstateSite $Site).server
  $upper = $Server.ToUpperInvariant()
  $netbios = ($Server -split '\.')[0].ToUpperInvariant()
  $bootstrap = "SMS_SERVER_BOOTSTRAP_$netbios"
  $rolesetup = 'E:\ConfigMgr\bin\x64\rolesetup.exe'
  $roleKey = 'SOFTWARE\Microsoft\SMS\Operations Management\SMS Server Role\SMS Software Update Point'
  $siteComp = { param([string]$Message, [int]$Type = 1) Format-EstateTrace 'SMS_SITE_COMPONENT_MANAGER' $Message $Type }
  $wcm = { param([string]$Message, [int]$Type = 1) Format-EstateTrace 'SMS_WSUS_CONFIGURATION_MANAGER' $Message $Type }
  Write-EstateLog $script:Here 'SMSProv.log' @(Format-EstateTrace 'SMS Provider' 'PutInstanceAsync SMS_SCI_SysResUse')
  Write-EstateLog $siteServer 'SiteComp.log' @(
    (& $siteComp 'Installing component SMS_WSUS_CONTROL_MANAGER...'),
    (& $siteComp "Creating registry keys Operations Management\SMS Server Role\SMS Software Update Point on server $upper."))
  if ($null -eq (Get-EstateHost $Server)) { return }
  Invoke-EstateAsHost $Server { $null = (Open-SupctlRegistryBaseKey LocalMachine).CreateSubKey($roleKey) }
  Write-EstateLog $siteServer 'SiteComp.log' @(
    (& $siteComp "Installed service $bootstrap."),
    (& $siteComp "Starting service $bootstrap with command-line arguments `"$Site E:\ConfigMgr $rolesetup /install SMSWSUS `"..."))
  $setup = @('SMSWSUS Setup Started....', "Parameters: $rolesetup /install /siteserver:$(($siteServer -split '\.')[0].ToUpperInvariant()) SMSWSUS 0",
             '   ======== Completed Installation of Pre Reqs for Role SMSWSUS ========', 'Installing the SMSWSUS',
             'Checking for supported version of WSUS (min WSUS 3.0 SP2 + KB2720211 + KB2734608)')
  $wsus = Invoke-EstateAsHost $Server { $h = Get-EstateCurrentHost; if ($h.ContainsKey('wsus') -and $null -ne $h['wsus']) { $h['wsus'] } }
  if ($null -eq $wsus) {
    # The role setup finds no WSUS: it fails, and the bootstrap is rolled back with the role's key.
    $setup += @('ERROR: WSUS is not installed on this server. Install WSUS before the software update point.', 'Installation failed.', '~RoleSetup().')
    Write-EstateLog $Server 'SUPSetup.log' @($setup | ForEach-Object { Format-EstateSetupLine $_ })
    Invoke-EstateAsHost $Server { (Open-SupctlRegistryBaseKey LocalMachine).DeleteSubKeyTree($roleKey, $false) }
    Write-EstateLog $siteServer 'SiteComp.log' @(
      (& $siteComp "`"$rolesetup /install /siteserver:$($siteServer.ToUpperInvariant())`" failed on server $upper; see SUPSetup.log on that server." 3),
      (& $siteComp 'Bootstrap operation failed.' 3), (& $siteComp "Deinstalled service $bootstrap."))
    return
  }
  $setup += @('Supported WSUS version found', 'Installation was successful.', '~RoleSetup().')
  Write-EstateLog $Server 'SUPSetup.log' @($setup | ForEach-Object { Format-EstateSetupLine $_ })
  Write-EstateLog $siteServer 'SiteComp.log' @(
    (& $siteComp "`"$rolesetup /install /siteserver:$($siteServer.ToUpperInvariant())`" executed successfully on server $upper."),
    (& $siteComp 'Bootstrap operation successful.'), (& $siteComp "Deinstalled service $bootstrap."), (& $siteComp 'Bootstrap operations completed.'))
  # WSUS Configuration Manager connects as the connection account, or as the site server's computer
  # account, which must be in the local Administrators and WSUS Administrators groups of a remote SUP.
  $account = [string]$Props.WSUSAccessAccount[2]
  if (-not $account) { $account = '{0}\{1}$' -f ($siteServer -split '\.')[1].ToUpperInvariant(), ($siteServer -split '\.')[0].ToUpperInvariant() }
  $missing = @()
  if ($Server -ne $siteServer) {
    $missing = @(Invoke-EstateAsHost $Server {
      foreach ($group in @((Get-EstateAdministratorsName), 'WSUS Administrators')) {
        $members = Get-EstateGroup $group
        if (@($members | Where-Object { $_.name -eq $account }).Count -eq 0) { $group }
      }
    })
  }
  if ($missing.Count -gt 0) {
    Write-EstateLog $siteServer 'WCM.log' @(
      (& $wcm "Failed to connect to WSUS server ${upper}: access denied for $account (not a member of the local $($missing -join ' and ') group$(if ($missing.Count -gt 1) { 's' }) on $upper)." 3),
      (& $wcm 'Setting new configuration state to 3 (WSUS_CONFIG_FAILED)' 3))
    return
  }
  Write-EstateLog $siteServer 'WCM.log' @(
    (& $wcm "Successfully connected to server: $upper, port: $($Props.WSUSIISPort[0]), useSSL: $([bool]$Props.SSLWSUS[0])"),
    (& $wcm "There are no unhealthy WSUS Server components on WSUS Server $upper"),
    (& $wcm "Successfully checked database connection on WSUS server $upper"))
}

Register-EstateCmdlet 'Add-CMSoftwareUpdatePoint' @('SiteCode', 'SiteSystemServerName', 'WsusIisPort', 'WsusIisSslPort', 'WsusSsl', 'ClientConnectionType', 'UseProxy', 'UseProxyForAutoDeploymentRule', 'EnableCloudGateway', 'ConnectionAccountUserName', 'AnonymousWsusAccess') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  $key = Get-EstateRoleKey $site $server
  if (-not (Get-EstateConfigMgr).systems.ContainsKey($key)) { throw "The site system server '$server' does not exist in site '$site'." }
  if ((Get-EstateConfigMgr).sups.ContainsKey($key)) { throw "The software update point role already exists on '$server'." }
  $props = @{ WSUSIISPort = @(8530, $null, $null); WSUSIISSSLPort = @(8531, $null, $null); SSLWSUS = @(0, $null, $null); IsINF = @(0, $null, $null)
              IsIntranet = @(1, $null, $null); UseProxy = @(0, $null, $null); UseProxyForADR = @(0, $null, $null); AllowProxyTraffic = @(0, $null, $null)
              WSUSAccessAccount = @(0, $null, '') }
  Set-EstateSupProps $props $Bound $site
  (Get-EstateConfigMgr).sups[$key] = $props
  Install-EstateSupRole $site $server $props
  Save-EstateState
}

Register-EstateCmdlet 'Set-CMSoftwareUpdatePoint' @('InputObject', 'SiteCode', 'SiteSystemServerName', 'HttpPort', 'HttpsPort', 'EnableSsl', 'ClientConnectionType', 'UseProxy', 'UseProxyForAutoDeploymentRule', 'EnableCloudGateway', 'WsusAccessAccount', 'AnonymousWsusAccess', 'PublicVirtualIP') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  $props = (Get-EstateConfigMgr).sups[(Get-EstateRoleKey $site $server)]
  if ($null -eq $props) { throw "No software update point on '$server'." }
  Set-EstateSupProps $props $Bound $site
  # A role that never installed: Site Component Manager tries again, with what this change fixed.
  if ($null -ne (Get-EstateHost $server)) {
    $installed = Invoke-EstateAsHost $server { $null -ne (Open-SupctlRegistryBaseKey LocalMachine).OpenSubKey('SOFTWARE\Microsoft\SMS\Operations Management\SMS Server Role\SMS Software Update Point') }
    if (-not $installed) { Install-EstateSupRole $site $server $props }
  }
  Save-EstateState
}

Register-EstateCmdlet 'Remove-CMSoftwareUpdatePoint' @('InputObject', 'SiteCode', 'SiteSystemServerName', 'Force') {
  param($Bound)
  $site, $server = Get-EstateRoleTarget $Bound
  (Get-EstateConfigMgr).sups.Remove((Get-EstateRoleKey $site $server))
  Save-EstateState
}

# ---- accounts: configmgr.accounts = [{site, user, password_sets}]
function Find-EstateAccount($Bound) {
  $accounts = @((Get-EstateConfigMgr).accounts)
  if (Test-Bound $Bound 'UserName') { $accounts = @($accounts | Where-Object { $_.user -like [string]$Bound.UserName }) }
  if (Test-Bound $Bound 'SiteCode') { $accounts = @($accounts | Where-Object { $_.site -eq [string]$Bound.SiteCode }) }
  return , $accounts
}

function ConvertTo-EstateAccountObject($Account) {
  return [pscustomobject]@{ EstateKind = 'SMS_SCI_Reserved'; UserName = $Account.user; SiteCode = $Account.site }
}

Register-EstateCmdlet 'Get-CMAccount' @('UserName', 'SiteCode') {
  param($Bound)
  foreach ($account in (Find-EstateAccount $Bound)) { ConvertTo-EstateAccountObject $account }
}

Register-EstateCmdlet 'New-CMAccount' @('UserName', 'Password', 'SiteCode') {
  param($Bound)
  $site = if (Test-Bound $Bound 'SiteCode') { [string]$Bound.SiteCode } else { $script:ProviderSite }
  if (@((Get-EstateConfigMgr).accounts | Where-Object { $_.user -eq [string]$Bound.UserName -and $_.site -eq $site }).Count -gt 0) { throw "The account '$($Bound.UserName)' already exists." }
  (Get-EstateConfigMgr).accounts = @((Get-EstateConfigMgr).accounts) + @(@{ site = $site; user = [string]$Bound.UserName; password_sets = 1 })
  Save-EstateState
}

Register-EstateCmdlet 'Set-CMAccount' @('UserName', 'Password', 'SiteCode', 'InputObject') {
  param($Bound, $Set)
  if (Test-Bound $Bound 'InputObject') {
    $found = @((Get-EstateConfigMgr).accounts | Where-Object { $_.user -eq $Bound.InputObject.UserName -and $_.site -eq $Bound.InputObject.SiteCode })
  } else { $found = @(Find-EstateAccount $Bound) }
  if ($found.Count -ne 1) { throw "Set-CMAccount: $($found.Count) accounts match '$($Bound.UserName)'." }
  if (Test-Bound $Bound 'Password') { $found[0].password_sets = [int]$found[0].password_sets + 1 }
  Save-EstateState
}

Register-EstateCmdlet 'Remove-CMAccount' @('InputObject', 'UserName', 'Force') {
  param($Bound)
  $target = $Bound.InputObject
  if (@($target).Count -ne 1) { throw 'Cannot bind parameter InputObject: more than one account.' }
  (Get-EstateConfigMgr).accounts = @((Get-EstateConfigMgr).accounts | Where-Object { -not ($_.user -eq $target.UserName -and $_.site -eq $target.SiteCode) })
  Save-EstateState
}

# ---- software update point components: components[site] = {config: props, sync: props}
Register-EstateCmdlet 'Get-CMSoftwareUpdatePointComponent' @('SiteCode', 'WsusSyncManager') {
  param($Bound)
  $site = if (Test-Bound $Bound 'SiteCode') { [string]$Bound.SiteCode } else { $script:ProviderSite }
  Assert-EstateProviderFor $site
  $component = (Get-EstateConfigMgr).components[$site.ToUpperInvariant()]
  if ($null -eq $component) { return }
  if (Test-Bound $Bound 'WsusSyncManager') { return [pscustomobject]@{ EstateKind = 'SMS_SCI_Component'; ComponentName = 'SMS_WSUS_SYNC_MANAGER'; SiteCode = $site; Props = @(ConvertTo-EstateProps $component.sync) } }
  return [pscustomobject]@{ EstateKind = 'SMS_SCI_Component'; ComponentName = 'SMS_WSUS_CONFIGURATION_MANAGER'; SiteCode = $site; Props = @(ConvertTo-EstateProps $component.config) }
}

Register-EstateCmdlet 'Set-CMSoftwareUpdatePointComponent' @('SiteCode', 'SynchronizeAction', 'UpstreamSourceLocation', 'DefaultWsusServer', 'ReportingEvent', 'ContentFileOption', 'EnableCallWsusCleanupWizard', 'EnableSyncFailureAlert', 'ImmediatelyExpireSupersedence', 'WaitMonth', 'ImmediatelyExpireSupersedenceForFeature', 'WaitMonthForFeature', 'EnableThirdPartyUpdates', 'EnableManualCertManagement', 'FeatureUpdateMaxRuntimeMins', 'NonFeatureUpdateMaxRuntimeMins', 'EnableSynchronization', 'Schedule', 'AddLanguageSummaryDetail', 'RemoveLanguageSummaryDetail', 'AddLanguageUpdateFile', 'RemoveLanguageUpdateFile', 'AddProduct', 'RemoveProduct', 'AddUpdateClassification', 'RemoveUpdateClassification') {
  param($Bound)
  $site = ([string]$Bound.SiteCode).ToUpperInvariant()
  Assert-EstateProviderFor $site
  $component = (Get-EstateConfigMgr).components[$site]
  if ($null -eq $component) { throw "No software update point component in site '$site'." }
  $config = $component.config; $sync = $component.sync
  $actions = @{ SynchronizeFromMicrosoftUpdate = 0; SynchronizeFromAnUpstreamDataSourceLocation = 1; DoNotSynchronizeFromMicrosoftUpdateOrUpstreamDataSource = 2 }
  $events = @{ DoNotCreateWsusReportingEvents = 0; CreateOnlyWsusStatusReportingEvents = 1; CreateAllWsusReportingEvents = 2 }
  if (Test-Bound $Bound 'SynchronizeAction') { $config.DefaultUseParentWSUS = @($actions[[string]$Bound.SynchronizeAction], $null, $null) }
  if (Test-Bound $Bound 'DefaultWsusServer') { $config.DefaultWSUS = @(0, $null, [string]$Bound.DefaultWsusServer) }
  if (Test-Bound $Bound 'EnableSyncFailureAlert') {
    # The alert ConfigMgr creates for the site's software update point synchronization.
    $alert = "Synchronization failure alert for software update point: $site"
    $others = @((Get-EstateConfigMgr).alerts | Where-Object { $_ -ne $alert })
    (Get-EstateConfigMgr).alerts = if ([bool]$Bound.EnableSyncFailureAlert) { @($others) + @($alert) } else { $others }
  }
  if (Test-Bound $Bound 'UpstreamSourceLocation') { $config.ParentWSUS = @(0, $null, [string]$Bound.UpstreamSourceLocation) }
  if (Test-Bound $Bound 'ReportingEvent') { $config.ClientReportingLevel = @($events[[string]$Bound.ReportingEvent], $null, $null) }
  if (Test-Bound $Bound 'ContentFileOption') { $sync.'Sync ExpressFiles' = @([int]([string]$Bound.ContentFileOption -eq 'ExpressForWindows10Only'), $null, $null) }
  if (Test-Bound $Bound 'EnableCallWsusCleanupWizard') { $config.'Call WSUS Cleanup' = @([int][bool]$Bound.EnableCallWsusCleanupWizard, $null, $null) }
  if (Test-Bound $Bound 'ImmediatelyExpireSupersedence') { $config.'Sync Supersedence Mode For NonFeature' = @([int](-not [bool]$Bound.ImmediatelyExpireSupersedence), $null, $null) }
  if (Test-Bound $Bound 'WaitMonth') { $config.'Sync Supersedence Age For NonFeature' = @([int]$Bound.WaitMonth, $null, $null) }
  if (Test-Bound $Bound 'ImmediatelyExpireSupersedenceForFeature') { $config.'Sync Supersedence Mode For Feature' = @([int](-not [bool]$Bound.ImmediatelyExpireSupersedenceForFeature), $null, $null) }
  if (Test-Bound $Bound 'WaitMonthForFeature') { $config.'Sync Supersedence Age For Feature' = @([int]$Bound.WaitMonthForFeature, $null, $null) }
  if (Test-Bound $Bound 'EnableThirdPartyUpdates') { $sync.EnableThirdPartyUpdates = @(([int][bool]$Bound.EnableThirdPartyUpdates) * 2, $null, $null) }
  if (Test-Bound $Bound 'EnableManualCertManagement') { if ([bool]$Bound.EnableManualCertManagement) { $sync.EnableThirdPartyUpdates = @(1, $null, $null) } }
  if (Test-Bound $Bound 'FeatureUpdateMaxRuntimeMins') { $sync.'MaxInstallTime-ServicePack' = @([int]$Bound.FeatureUpdateMaxRuntimeMins * 60, $null, $null) }
  if (Test-Bound $Bound 'NonFeatureUpdateMaxRuntimeMins') { $sync.'MaxInstallTime-Windows' = @([int]$Bound.NonFeatureUpdateMaxRuntimeMins * 60, $null, $null) }
  if (Test-Bound $Bound 'EnableSynchronization') { if (-not [bool]$Bound.EnableSynchronization) { $sync.'Sync Schedule' = @(0, '', $null) } }
  # -Schedule $null is how a site stops synchronizing on a schedule.
  if (Test-Bound $Bound 'Schedule') { $sync.'Sync Schedule' = @(0, $(if ($null -eq $Bound.Schedule) { '' } else { [string]$Bound.Schedule.EstateToken }), $null) }
  foreach ($pair in @(@('LanguageSummaryDetail', 'SupportedTitleLanguages'), @('LanguageUpdateFile', 'SupportedUpdateLanguages'))) {
    $held = [System.Collections.Generic.List[string]]::new([string[]]@(([string]$config[$pair[1]][2]).Split(',') | Where-Object { $_ }))
    $changed = $false
    foreach ($name in @($Bound["Add$($pair[0])"])) { if ($name) { $held.Add((ConvertTo-EstateLanguageCode $name)); $changed = $true } }
    foreach ($name in @($Bound["Remove$($pair[0])"])) { if ($name) { [void]$held.Remove((ConvertTo-EstateLanguageCode $name)); $changed = $true } }
    if ($changed) { $config[$pair[1]] = @(0, $null, ($held -join ',')) }
  }
  foreach ($pair in @(@('Product', 'Product'), @('UpdateClassification', 'UpdateClassification'))) {
    foreach ($title in @($Bound["Add$($pair[0])"])) { if ($title) { Set-EstateSubscribed $site $pair[1] $title $true } }
    foreach ($title in @($Bound["Remove$($pair[0])"])) { if ($title) { Set-EstateSubscribed $site $pair[1] $title $false } }
  }
  Save-EstateState
}

# The languages the console lists, by the name Set-CMSoftwareUpdatePointComponent takes.
function ConvertTo-EstateLanguageCode([string]$Name) {
  $languages = $script:State.configmgr.languages
  foreach ($code in $languages.Keys) { if ($languages[$code] -eq $Name) { return $code } }
  throw [System.ArgumentException]::new("'$Name' is not a language the software update point offers.")
}

function Set-EstateSubscribed([string]$Site, [string]$Type, [string]$Title, [bool]$On) {
  $found = @((Get-EstateConfigMgr).categories | Where-Object { $_.type -eq $Type -and $_.title -eq $Title })
  if ($found.Count -eq 0) { throw [System.ArgumentException]::new("No update category '$Title' of type $Type.") }
  foreach ($category in $found) {
    $sites = @($category.subscribed | Where-Object { $_ -ne $Site })
    if ($On) { $sites += $Site }
    $category.subscribed = $sites
  }
}

Register-EstateCmdlet 'Get-CMSoftwareUpdateCategory' @('Fast', 'UniqueId', 'TypeName') {
  param($Bound)
  foreach ($category in (Get-EstateConfigMgr).categories) {
    if ((Test-Bound $Bound 'UniqueId') -and $category.unique_id -ne [string]$Bound.UniqueId) { continue }
    if ((Test-Bound $Bound 'TypeName') -and $category.type -ne [string]$Bound.TypeName) { continue }
    foreach ($site in @($category.site)) {
      [pscustomobject]@{ CategoryInstance_UniqueID = $category.unique_id; LocalizedCategoryInstanceName = $category.title; CategoryTypeName = $category.type
                         IsSubscribed = @($category.subscribed) -contains $site; SourceSite = $site }
    }
  }
}

Register-EstateCmdlet 'Get-CMAlert' @('Name') {
  param($Bound)
  foreach ($name in @((Get-EstateConfigMgr).alerts)) {
    if ((Test-Bound $Bound 'Name') -and $name -ne [string]$Bound.Name) { continue }
    [pscustomobject]@{ EstateKind = 'SMS_Alert'; Name = $name }
  }
}

# ---- schedules: New-CMSchedule's object keeps its own token (opaque here: base64 JSON), which
# Convert-CMSchedule turns back into the SMS_ST_* object.
Register-EstateCmdlet 'New-CMSchedule' @('Start', 'RecurInterval', 'RecurCount', 'DayOfWeek', 'WeekOrder', 'DayOfMonth', 'LastDayOfMonth') {
  param($Bound, $Set)
  $start = [datetime]$Bound.Start
  $s = [ordered]@{ StartTime = $start.ToString('yyyyMMddHHmm', [cultureinfo]::InvariantCulture); HourSpan = 0; DaySpan = 0 }
  if (Test-Bound $Bound 'RecurInterval') {
    $s.Class = 'SMS_ST_RecurInterval'
    if ([string]$Bound.RecurInterval -eq 'Hours') { $s.HourSpan = [int]$Bound.RecurCount } else { $s.DaySpan = [int]$Bound.RecurCount }
  } elseif (Test-Bound $Bound 'WeekOrder') {
    $s.Class = 'SMS_ST_RecurMonthlyByWeekday'; $s.Day = [int][System.DayOfWeek]$Bound.DayOfWeek + 1; $s.ForNumberOfMonths = [int]$Bound.RecurCount
    $s.WeekOrder = @('Last', 'First', 'Second', 'Third', 'Fourth').IndexOf([string]$Bound.WeekOrder)
  } elseif (Test-Bound $Bound 'DayOfWeek') {
    $s.Class = 'SMS_ST_RecurWeekly'; $s.Day = [int][System.DayOfWeek]$Bound.DayOfWeek + 1; $s.ForNumberOfWeeks = [int]$Bound.RecurCount
  } elseif ((Test-Bound $Bound 'DayOfMonth') -or (Test-Bound $Bound 'LastDayOfMonth')) {
    $s.Class = 'SMS_ST_RecurMonthlyByDate'; $s.MonthDay = if (Test-Bound $Bound 'LastDayOfMonth') { 0 } else { [int]$Bound.DayOfMonth }; $s.ForNumberOfMonths = [int]$Bound.RecurCount
  } else { throw "the test estate does not model New-CMSchedule's parameter set $Set" }
  $token = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(($s | ConvertTo-Json -Compress)))
  return [pscustomobject]@{ EstateKind = 'SMS_ScheduleToken'; EstateToken = $token; SmsProviderObjectPath = $s.Class }
}

Register-EstateCmdlet 'Convert-CMSchedule' @('ScheduleString') {
  param($Bound)
  foreach ($token in @($Bound.ScheduleString)) {
    $s = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($token)) | ConvertFrom-Json -AsHashtable
    $object = [pscustomobject]@{ SmsProviderObjectPath = $s.Class; StartTime = [datetime]::ParseExact($s.StartTime, 'yyyyMMddHHmm', [cultureinfo]::InvariantCulture); HourSpan = $s.HourSpan; DaySpan = $s.DaySpan }
    foreach ($name in 'Day', 'ForNumberOfWeeks', 'ForNumberOfMonths', 'MonthDay', 'WeekOrder') { if ($s.ContainsKey($name)) { $object | Add-Member -NotePropertyName $name -NotePropertyValue $s[$name] } }
    $object
  }
}

# The site of this host's SMS Provider, for cmdlets that default to the current site.
$script:ProviderSite = ''
foreach ($code in $script:State.configmgr.sites.Keys) {
  $site = $script:State.configmgr.sites[$code]
  if ($site.ContainsKey('provider') -and $site.provider -and (Get-EstateHost $site.provider) -eq (Get-EstateHost)) { $script:ProviderSite = $code }
}
