# The estate's WSUS: Get-WsusServer answers with objects that have exactly the members of the WSUS
# administration API in the reference (wsus-api.json, plus wsus-api-supplement.json for members the
# reference lacks, each with its Microsoft page): a misspelled property reads as nothing and cannot be
# written, a read-only one cannot be set, and nothing is kept until Save(). Dot-sourced.

# Both files sit beside the module, copied there by New-SupctlEstateModules.ps1.
$script:WsusApi = (Get-Content -LiteralPath (Join-Path $PSScriptRoot '..' 'wsus-api.json') -Raw | ConvertFrom-Json -AsHashtable).types
$supplement = (Get-Content -LiteralPath (Join-Path $PSScriptRoot '..' 'wsus-api-supplement.json') -Raw | ConvertFrom-Json -AsHashtable).types
foreach ($type in $supplement.Keys) {
  if (-not $script:WsusApi.ContainsKey($type)) { $script:WsusApi[$type] = @{} }
  foreach ($kind in 'properties', 'methods') {
    if (-not $supplement[$type].ContainsKey($kind)) { continue }
    if (-not $script:WsusApi[$type].ContainsKey($kind)) { $script:WsusApi[$type][$kind] = @{} }
    foreach ($name in $supplement[$type][$kind].Keys) { $script:WsusApi[$type][$kind][$name] = $supplement[$type][$kind][$name] }
  }
}

class EstateUpdateCategoryCollection : System.Collections.ObjectModel.Collection[object] {}
class EstateUpdateClassificationCollection : System.Collections.ObjectModel.Collection[object] {}
$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$accelerators::Add('Microsoft.UpdateServices.Administration.UpdateCategoryCollection', [EstateUpdateCategoryCollection])
$accelerators::Add('Microsoft.UpdateServices.Administration.UpdateClassificationCollection', [EstateUpdateClassificationCollection])

# A value as a property of this .NET type holds it (what an assignment would convert it to).
function ConvertTo-EstateApiValue([string]$Type, [hashtable]$Property, $Value) {
  switch ($Type) {
    'bool' { return [bool]$Value }
    'int' { return [int]$Value }
    'string' { return [string]$Value }
    'System.TimeSpan' { return ([timespan]$Value).ToString() }
    'System.Net.Mail.MailAddress' { return ([System.Net.Mail.MailAddress][string]$Value).Address }
  }
  $enum = if ($Property.ContainsKey('values')) { $Property } elseif ($script:WsusApi.ContainsKey($Type) -and $script:WsusApi[$Type].ContainsKey('values')) { $script:WsusApi[$Type] } else { $null }
  if ($null -ne $enum) {
    $names = if ($enum.values -is [System.Collections.IDictionary]) { @($enum.values.Keys) } else { @($enum.values) }
    $match = @($names | Where-Object { $_ -eq [string]$Value })
    if ($match.Count -eq 0) { throw [System.Management.Automation.PSInvalidCastException]::new("Cannot convert value `"$Value`" to type `"$Type`". Specify one of the following enumerator names and try again: $($names -join ', ')") }
    return $match[0]
  }
  return $Value
}

# A stored value as the property's .NET type returns it (JSON keeps times, versions and GUIDs as text).
function ConvertFrom-EstateStored([string]$Type, $Value) {
  if ($null -eq $Value) { return $null }
  switch ($Type) {
    'System.TimeSpan' { return [timespan]$Value }
    'System.Version' { return [version]$Value }
    'System.Guid' { return [guid]$Value }
    'System.DateTime' { return [datetime]$Value }
  }
  return $Value
}

# An object of an API type: a property per member the reference lists, read from $Store (through
# $Read, when the stored form is not the API's); methods only those the reference lists, each
# from $Methods or else an error saying the estate does not model it.
function New-EstateApiObject([string]$Type, [hashtable]$Store, [hashtable]$Methods = @{}, [hashtable]$Read = @{}) {
  $api = $script:WsusApi[$Type]
  if ($null -eq $api) { throw "the WSUS API reference has no type $Type" }
  $object = New-Object psobject
  $properties = if ($api.ContainsKey('properties')) { $api.properties } else { @{} }
  foreach ($name in $properties.Keys) {
    $property = $properties[$name]
    $type = [string]$property.type
    $get = if ($Read.ContainsKey($name)) { $Read[$name] } else { { ConvertFrom-EstateStored $type $Store[$name] }.GetNewClosure() }
    if ($property.writable) {
      $set = { param($value) $Store[$name] = ConvertTo-EstateApiValue $type $property $value }.GetNewClosure()
      $object | Add-Member -MemberType ScriptProperty -Name $name -Value $get -SecondValue $set
    } else {
      $object | Add-Member -MemberType ScriptProperty -Name $name -Value $get
    }
  }
  $listed = if ($api.ContainsKey('methods')) { $api.methods } else { @{} }
  foreach ($name in $Methods.Keys) { if (-not $listed.ContainsKey($name)) { throw "the estate gives $Type a method the reference does not list: $name" } }
  foreach ($name in $listed.Keys) {
    $body = if ($Methods.ContainsKey($name)) { $Methods[$name] } else { [scriptblock]::Create("throw 'the test estate does not model $Type.$name()'") }
    $object | Add-Member -MemberType ScriptMethod -Name $name -Value $body
  }
  return $object
}

function Get-EstateWsus {
  $state = Get-EstateCurrentHost
  if (-not $state.ContainsKey('wsus') -or $null -eq $state['wsus']) {
    throw [System.Net.WebException]::new('The request failed with HTTP status 503: Service Unavailable.')
  }
  return $state['wsus']
}

function New-EstateCategory([hashtable]$Category) {
  $store = @{ Id = [guid]$Category.id; Title = $Category.title; Type = $Category.type; ArrivalDate = [datetime]'2020-01-01'; ProhibitsSubcategories = $false
              ProhibitsUpdates = $Category.type -ne 'Product'; Description = '' }
  return New-EstateApiObject 'IUpdateCategory' $store
}

function New-EstateClassification([hashtable]$Classification) {
  $store = @{ Id = [guid]$Classification.id; Title = $Classification.title; Description = ''; ReleaseNotes = ''; ArrivalDate = [datetime]'2020-01-01' }
  return New-EstateApiObject 'IUpdateClassification' $store
}

function Find-EstateCatalogEntry($List, [guid]$Id) {
  $wanted = $Id.ToString()
  return , @($List | Where-Object { ([string]$_.id) -eq $wanted })
}

Register-EstateCmdlet 'Get-WsusServer' @() {
  param($Bound)
  $wsus = Get-EstateWsus
  $v = [version]$wsus.version
  $server = New-EstateApiObject 'IUpdateServer' @{ Name = $env:COMPUTERNAME; PortNumber = 8530; IsConnectionSecureForApiRemoting = $false; PreferredCulture = 'en'; Version = $v } @{
    GetConfiguration = { New-EstateConfiguration }
    GetSubscription = { New-EstateSubscription }
    GetEmailNotificationConfiguration = { New-EstateEmailConfiguration }
    GetUpdateCategories = { foreach ($c in (Get-EstateWsus).catalog) { New-EstateCategory $c } }
    GetUpdateClassifications = { foreach ($c in (Get-EstateWsus).classifications) { New-EstateClassification $c } }
    GetUpdateClassification = {
      param([guid]$id)
      $found = Find-EstateCatalogEntry (Get-EstateWsus).classifications $id
      if ($found.Count -eq 0) { throw [System.ArgumentException]::new("The specified item could not be found in the database. ($id)") }
      New-EstateClassification $found[0]
    }
  }
  return $server
}

function New-EstateConfiguration {
  $wsus = Get-EstateWsus
  $pending = @{} + $wsus.configuration
  $pending['HasProxyPassword'] = [bool]$wsus['proxy_password_set']
  $proxyPassword = @{ set = $null }
  $languages = @{ enabled = @($wsus.enabled_languages) }
  return New-EstateApiObject 'IUpdateServerConfiguration' $pending @{
    SetProxyPassword = { param($password) $proxyPassword.set = $true }.GetNewClosure()
    GetEnabledUpdateLanguages = { $c = New-Object System.Collections.Specialized.StringCollection; foreach ($l in $languages.enabled) { [void]$c.Add($l) }; , $c }.GetNewClosure()
    SetEnabledUpdateLanguages = {
      param([System.Collections.Specialized.StringCollection]$list)
      $languages.enabled = @($list | ForEach-Object { [string]$_ })
    }.GetNewClosure()
    Save = {
      $wsus = Get-EstateWsus
      foreach ($key in @($pending.Keys)) { if ($key -ne 'HasProxyPassword') { $wsus.configuration[$key] = $pending[$key] } }
      $wsus['enabled_languages'] = @($languages.enabled)
      if ($proxyPassword.set) { $wsus['proxy_password_set'] = $true; $wsus['proxy_password_sets'] = [int]$wsus['proxy_password_sets'] + 1 }
      Save-EstateState
    }.GetNewClosure()
  }
}

function New-EstateEmailConfiguration {
  $wsus = Get-EstateWsus
  $pending = @{} + $wsus.email
  $pending['HasSmtpUserPassword'] = [bool]$wsus['smtp_password_set']
  $sync = New-Object System.Net.Mail.MailAddressCollection
  foreach ($a in @($wsus.email['SyncNotificationRecipients'])) { if ($a) { $sync.Add([string]$a) } }
  $status = New-Object System.Net.Mail.MailAddressCollection
  foreach ($a in @($wsus.email['StatusNotificationRecipients'])) { if ($a) { $status.Add([string]$a) } }
  $smtpPassword = @{ set = $null }
  $read = @{
    SyncNotificationRecipients = { , $sync }.GetNewClosure()
    StatusNotificationRecipients = { , $status }.GetNewClosure()
    SenderEmailAddress = { if ($pending['SenderEmailAddress']) { [System.Net.Mail.MailAddress][string]$pending['SenderEmailAddress'] } else { $null } }.GetNewClosure()
  }
  return New-EstateApiObject 'IEmailNotificationConfiguration' $pending @{
    SetSmtpUserPassword = { param($password) $smtpPassword.set = $true }.GetNewClosure()
    Save = {
      $wsus = Get-EstateWsus
      foreach ($key in @($pending.Keys)) { if ($key -ne 'HasSmtpUserPassword') { $wsus.email[$key] = $pending[$key] } }
      $wsus.email['SyncNotificationRecipients'] = @($sync | ForEach-Object { $_.Address })
      $wsus.email['StatusNotificationRecipients'] = @($status | ForEach-Object { $_.Address })
      if ($smtpPassword.set) { $wsus['smtp_password_set'] = $true }
      Save-EstateState
    }.GetNewClosure()
  } $read
}

function New-EstateSubscription {
  $wsus = Get-EstateWsus
  $pending = @{} + $wsus.subscription
  $sets = @{ categories = @($wsus.subscribed_categories); classifications = @($wsus.subscribed_classifications) }
  return New-EstateApiObject 'ISubscription' $pending @{
    GetUpdateCategories = { foreach ($id in $sets.categories) { New-EstateCategory (Find-EstateCatalogEntry (Get-EstateWsus).catalog $id)[0] } }.GetNewClosure()
    SetUpdateCategories = {
      param([EstateUpdateCategoryCollection]$categories)
      $sets.categories = @($categories | ForEach-Object { $_.Id.ToString() })
    }.GetNewClosure()
    GetUpdateClassifications = { foreach ($id in $sets.classifications) { New-EstateClassification (Find-EstateCatalogEntry (Get-EstateWsus).classifications $id)[0] } }.GetNewClosure()
    SetUpdateClassifications = {
      param([EstateUpdateClassificationCollection]$classifications)
      $sets.classifications = @($classifications | ForEach-Object { $_.Id.ToString() })
    }.GetNewClosure()
    Save = {
      $wsus = Get-EstateWsus
      foreach ($key in @($pending.Keys)) { $wsus.subscription[$key] = $pending[$key] }
      $wsus['subscribed_categories'] = @($sets.categories)
      $wsus['subscribed_classifications'] = @($sets.classifications)
      Save-EstateState
    }.GetNewClosure()
  }
}

# wsusutil postinstall CONTENT_DIR=... [SQL_INSTANCE_NAME=...]: needs the features; creates the
# database, the Setup key and the WSUS server with its defaults.
function Invoke-EstateWsusUtil([string[]]$Arguments) {
  $state = Get-EstateCurrentHost
  if ($Arguments[0] -ne 'postinstall') { throw "the test estate models only wsusutil postinstall, not: $($Arguments -join ' ')" }
  if (-not $state.features['UpdateServices-Services']) {
    return @{ ExitCode = 1; Output = @('Log file is located at C:\Users\svc\AppData\Local\Temp\WSUS_PostInstall_20261207T000000.log', 'Post install has failed') }
  }
  $content = ''; $sql = 'MICROSOFT##WID'
  foreach ($argument in $Arguments[1..($Arguments.Count - 1)]) {
    if ($argument -like 'CONTENT_DIR=*') { $content = $argument.Substring(12) }
    if ($argument -like 'SQL_INSTANCE_NAME=*') { $sql = $argument.Substring(18) }
  }
  if ($state.ContainsKey('postinstall_fails') -and $state['postinstall_fails']) {
    return @{ ExitCode = 1; Output = @('Log file is located at C:\Users\svc\AppData\Local\Temp\WSUS_PostInstall_20261207T000000.log', 'Fatal Error: A network-related or instance-specific error occurred while establishing a connection to SQL Server.') }
  }
  $key = (Open-SupctlRegistryBaseKey LocalMachine).CreateSubKey('SOFTWARE\Microsoft\Update Services\Server\Setup')
  $version = if ($state.ContainsKey('wsus_version')) { [string]$state['wsus_version'] } else { '10.0.20348.1' }
  $key.SetValue('ContentDir', $content, [Microsoft.Win32.RegistryValueKind]::String)
  $key.SetValue('SqlServerName', $sql, [Microsoft.Win32.RegistryValueKind]::String)
  $key.SetValue('VersionString', $version, [Microsoft.Win32.RegistryValueKind]::String)
  $state['wsus'] = New-EstateWsusDefaults $version
  Save-EstateState
  return @{ ExitCode = 0; Output = @('Log file is located at C:\Users\svc\AppData\Local\Temp\WSUS_PostInstall_20261207T000000.log', 'Post install is starting', 'Post install has successfully completed') }
}

# A WSUS server as postinstall leaves it: synchronising from Microsoft Update, English only,
# the default classifications, and the catalog of products it learns at its first synchronisation.
function New-EstateWsusDefaults([string]$Version) {
  return @{
    version = $Version
    configuration = @{
      UseProxy = $false; ProxyName = ''; ProxyServerPort = 80; ProxyUserName = ''; ProxyUserDomain = ''; AnonymousProxyAccess = $true
      AllowProxyCredentialsOverNonSsl = $false; UseSeparateProxyForSsl = $false; SslProxyName = ''; SslProxyServerPort = 443
      SyncFromMicrosoftUpdate = $true; UpstreamWsusServerName = ''; UpstreamWsusServerPortNumber = 8530; UpstreamWsusServerUseSsl = $false
      IsReplicaServer = $false; TargetingMode = 'Server'; HostBinariesOnMicrosoftUpdate = $false; DownloadExpressPackages = $false
      DownloadUpdateBinariesAsNeeded = $false; GetContentFromMU = $false; AllUpdateLanguagesEnabled = $false; AllUpdateLanguagesUssEnabled = $false
      OobeInitialized = $false; AutoApproveWsusInfrastructureUpdates = $true; AutoRefreshUpdateApprovals = $true
      AutoRefreshUpdateApprovalsDeclineExpired = $true; BitsDownloadPriorityForeground = $false; DoDetailedRollup = $false
      LocalPublishingMaxCabSize = 384; MaxSimultaneousFileDownloads = 0; MURollupOptin = $true
      SupportedUpdateLanguages = @('en', 'de', 'fr', 'ja', 'es', 'it', 'nl', 'sv', 'pt', 'zh-cn', 'zh-tw', 'ko', 'ru', 'pl', 'cs', 'hu', 'tr', 'da', 'fi', 'nb', 'el', 'he', 'ar', 'pt-br')
    }
    enabled_languages = @('en')
    email = @{
      SmtpHostName = ''; SmtpPort = 25; SmtpUserName = ''; SmtpServerRequiresAuthentication = $false; SenderEmailAddress = ''; SenderDisplayName = ''
      SyncNotificationRecipients = @(); StatusNotificationRecipients = @(); SendSyncNotification = $false; SendStatusNotification = $false
      StatusNotificationFrequency = 'Daily'; StatusNotificationTimeOfDay = '00:00:00'; EmailLanguage = 'en'
    }
    subscription = @{ SynchronizeAutomatically = $false; SynchronizeAutomaticallyTimeOfDay = '00:00:00'; NumberOfSynchronizationsPerDay = 1 }
    subscribed_categories = @()
    subscribed_classifications = @('e6cf1350-c01b-414d-a61f-263d14d133b4', '0fa1201d-4330-4fa8-8ae9-b877473b6441')
    catalog = @($script:State['wsus_catalog'])
    classifications = @($script:State['wsus_classifications'])
  }
}
