# wsus.configure {configuration?, subscription?} -> {}: sets only the settings given, by their
# wsus_server attribute names. A string set is an array (the exact set) or {include, exclude}.
# subscription.products are patterns resolved against the server's catalog (Find-Products); each must select something.
# configuration.proxy is {server, port, user?, password?} and configuration.email_server_account
# {user, password?}; passwords arrive resolved and are handed to WSUS only. Times of day are UTC, as HH:MM.
$cfg = $p.configuration
$sub = $p.subscription

function Test-Setting($settings, [string]$name) {
  return ($null -ne $settings) -and (@($settings.PSObject.Properties | ForEach-Object { $_.Name }) -contains $name)
}

# The items a set setting asks for, given the items the server has now; compared without case.
function Resolve-Set($current, $value) {
  if ($value -is [System.Array]) { return ,@($value | ForEach-Object { [string]$_ }) }
  $items = @($current | ForEach-Object { [string]$_ })
  if (Test-Setting $value 'include') {
    foreach ($item in @($value.include)) { if ($items -notcontains [string]$item) { $items += [string]$item } }
  }
  if (Test-Setting $value 'exclude') {
    foreach ($item in @($value.exclude)) { $items = @($items | Where-Object { $_ -notlike [string]$item }) }
  }
  return ,$items
}

# The Ids (upper case) of the categories of $catalog that a products pattern selects, as the lab does
# (operations.h, match_categories): a GUID, braces tolerated, selects that Id; any other pattern the products whose
# Title is -like it and the product families whose Title equals it, without case. '[' and ']' are literal.
function Find-Products($catalog, [string]$pattern) {
  if ($pattern -match '^(\{[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}|[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})$') {
    $id = ([guid]$pattern).ToString().ToUpperInvariant()
    $found = @($catalog | Where-Object { $_.Id.ToString().ToUpperInvariant() -eq $id })
  } else {
    $like = $pattern -replace '([\[\]])', '`$1'
    $found = @($catalog | Where-Object {
      (($_.Type -eq 'ProductFamily') -and ([string]$_.Title -eq $pattern)) -or (($_.Type -eq 'Product') -and ([string]$_.Title -like $like))
    })
  }
  if ($found.Count -eq 0) { throw ("no product or product family in the WSUS catalog of '{0}' matches '{1}'" -f $env:COMPUTERNAME, $pattern) }
  return ,@($found | ForEach-Object { $_.Id.ToString().ToUpperInvariant() })
}

function Save-WithRetry($object, [string]$what) {
  $attempt = 0
  while ($true) {
    try {
      $object.Save()
      return
    } catch {
      $attempt++
      if ($attempt -ge 5) { throw ("{0}.Save() failed on '{1}' after {2} attempts: {3}" -f $what, $env:COMPUTERNAME, $attempt, $_.Exception.Message) }
      Start-Sleep -Seconds 5
    }
  }
}

$server = Get-WsusServer -ErrorAction Stop

if ($null -ne $cfg) {
  $c = $server.GetConfiguration()
  $properties = @{
    auto_approve_wsus_infrastructure_updates = 'AutoApproveWsusInfrastructureUpdates'
    auto_refresh_update_approvals = 'AutoRefreshUpdateApprovals'
    auto_refresh_update_approvals_decline_expired = 'AutoRefreshUpdateApprovalsDeclineExpired'
    bits_download_priority_foreground = 'BitsDownloadPriorityForeground'
    client_targeting_mode = 'TargetingMode'
    do_detailed_rollup = 'DoDetailedRollup'
    download_express_packages = 'DownloadExpressPackages'
    download_update_binaries_as_needed = 'DownloadUpdateBinariesAsNeeded'
    get_content_from_mu = 'GetContentFromMU'
    host_binaries_on_microsoft_update = 'HostBinariesOnMicrosoftUpdate'
    local_publishing_max_cab_size = 'LocalPublishingMaxCabSize'
    max_simultaneous_file_downloads = 'MaxSimultaneousFileDownloads'
    proxy_basic_authentication = 'AllowProxyCredentialsOverNonSsl'
    update_improvement_program = 'MURollupOptin'
    upstream_server_port = 'UpstreamWsusServerPortNumber'
    upstream_server_replica = 'IsReplicaServer'
    upstream_server_ssl = 'UpstreamWsusServerUseSsl'
  }
  foreach ($name in $properties.Keys) {
    # TargetingMode takes 'client' or 'server': PowerShell converts the string to the enumeration.
    if (Test-Setting $cfg $name) { $c.($properties[$name]) = $cfg.$name }
  }
  if (Test-Setting $cfg 'upstream_server_name') {
    $c.SyncFromMicrosoftUpdate = $false
    $c.UpstreamWsusServerName = [string]$cfg.upstream_server_name
  }
  if (Test-Setting $cfg 'proxy') {
    $proxy = $cfg.proxy
    $c.UseProxy = $true
    $c.ProxyName = [string]$proxy.server
    if (Test-Setting $proxy 'port') { $c.ProxyServerPort = [int]$proxy.port }
    if ((Test-Setting $proxy 'user') -and $null -ne $proxy.user) {
      $user = [string]$proxy.user
      $domain = ''
      $slash = $user.IndexOf([char]'\')
      if ($slash -ge 0) { $domain = $user.Substring(0, $slash); $user = $user.Substring($slash + 1) }
      $c.AnonymousProxyAccess = $false
      $c.ProxyUserName = $user
      $c.ProxyUserDomain = $domain
      if ((Test-Setting $proxy 'password') -and $null -ne $proxy.password) { $c.SetProxyPassword([string]$proxy.password) }
    } else {
      $c.AnonymousProxyAccess = $true
    }
  }
  if (Test-Setting $cfg 'languages') {
    $current = @($c.GetEnabledUpdateLanguages())
    if ($c.AllUpdateLanguagesEnabled) { $current = @($c.SupportedUpdateLanguages) }
    $languages = New-Object System.Collections.Specialized.StringCollection
    foreach ($code in (Resolve-Set $current $cfg.languages)) { [void]$languages.Add(([string]$code).ToLowerInvariant()) }
    $c.AllUpdateLanguagesEnabled = $false
    $c.SetEnabledUpdateLanguages($languages)
  }
  Save-WithRetry $c 'IUpdateServerConfiguration'

  $email = @('sync_notification_recipients', 'status_notification_recipients', 'status_notification_frequency', 'status_notification_time_of_day',
             'email_language', 'smtp_host_name', 'smtp_port', 'sender_display_name', 'sender_email_address')
  $email += 'email_server_account'
  if (@($email | Where-Object { Test-Setting $cfg $_ }).Count -gt 0) {
    $e = $server.GetEmailNotificationConfiguration()
    if (Test-Setting $cfg 'sync_notification_recipients') {
      $e.SyncNotificationRecipients.Clear()
      foreach ($address in @($cfg.sync_notification_recipients)) { [void]$e.SyncNotificationRecipients.Add([string]$address) }
      $e.SendSyncNotification = $e.SyncNotificationRecipients.Count -gt 0
    }
    if (Test-Setting $cfg 'status_notification_recipients') {
      $e.StatusNotificationRecipients.Clear()
      foreach ($address in @($cfg.status_notification_recipients)) { [void]$e.StatusNotificationRecipients.Add([string]$address) }
      $e.SendStatusNotification = $e.StatusNotificationRecipients.Count -gt 0
    }
    if (Test-Setting $cfg 'status_notification_frequency') { $e.StatusNotificationFrequency = [string]$cfg.status_notification_frequency }
    if (Test-Setting $cfg 'status_notification_time_of_day') { $e.StatusNotificationTimeOfDay = [TimeSpan]::Parse([string]$cfg.status_notification_time_of_day) }
    if (Test-Setting $cfg 'email_language') { $e.EmailLanguage = [string]$cfg.email_language }
    if (Test-Setting $cfg 'smtp_host_name') { $e.SmtpHostName = [string]$cfg.smtp_host_name }
    if (Test-Setting $cfg 'smtp_port') { $e.SmtpPort = [int]$cfg.smtp_port }
    if (Test-Setting $cfg 'sender_display_name') { $e.SenderDisplayName = [string]$cfg.sender_display_name }
    if (Test-Setting $cfg 'sender_email_address') { $e.SenderEmailAddress = [string]$cfg.sender_email_address }
    if (Test-Setting $cfg 'email_server_account') {
      # {user, password?}: the SMTP server's account; the password arrives resolved and goes to WSUS only.
      $account = $cfg.email_server_account
      $e.SmtpServerRequiresAuthentication = $true
      $e.SmtpUserName = [string]$account.user
      if ((Test-Setting $account 'password') -and $null -ne $account.password) { $e.SetSmtpUserPassword([string]$account.password) }
    }
    Save-WithRetry $e 'IEmailNotificationConfiguration'
  }

  if (Test-Setting $cfg 'iis_dynamic_compression') {
    Set-SupctlWebConfigurationProperty 'IIS:\Sites\WSUS Administration' 'system.webServer/urlCompression' 'doDynamicCompression' ([bool]$cfg.iis_dynamic_compression)
  }
}

if ($null -ne $sub) {
  $s = $server.GetSubscription()
  if (Test-Setting $sub 'classifications') {
    $current = @($s.GetUpdateClassifications() | ForEach-Object { $_.Id.ToString() })
    $classifications = New-Object Microsoft.UpdateServices.Administration.UpdateClassificationCollection
    # By GUID: titles are localised. GetUpdateClassification throws for an unknown one.
    foreach ($guid in (Resolve-Set $current $sub.classifications)) { [void]$classifications.Add($server.GetUpdateClassification([guid][string]$guid)) }
    $s.SetUpdateClassifications($classifications)
  }
  if (Test-Setting $sub 'products') {
    $catalog = @($server.GetUpdateCategories() | Where-Object { $_.Type -eq 'Product' -or $_.Type -eq 'ProductFamily' })
    $value = $sub.products
    # An array is the exact set; {include, exclude} adds what include selects to the subscription, then removes what exclude selects.
    $ids = @()
    $include = @()
    $exclude = @()
    if ($value -is [System.Array]) {
      $include = @($value)
    } else {
      $ids = @($s.GetUpdateCategories() | ForEach-Object { $_.Id.ToString().ToUpperInvariant() })
      if (Test-Setting $value 'include') { $include = @($value.include) }
      if (Test-Setting $value 'exclude') { $exclude = @($value.exclude) }
    }
    foreach ($pattern in $include) {
      foreach ($id in (Find-Products $catalog ([string]$pattern))) { if ($ids -notcontains $id) { $ids += $id } }
    }
    foreach ($pattern in $exclude) {
      $excluded = Find-Products $catalog ([string]$pattern)
      $ids = @($ids | Where-Object { $excluded -notcontains $_ })
    }
    $products = New-Object Microsoft.UpdateServices.Administration.UpdateCategoryCollection
    foreach ($category in $catalog) { if ($ids -contains $category.Id.ToString().ToUpperInvariant()) { [void]$products.Add($category) } }
    $s.SetUpdateCategories($products)
  }
  if (Test-Setting $sub 'synchronize_automatically') { $s.SynchronizeAutomatically = [bool]$sub.synchronize_automatically }
  if (Test-Setting $sub 'synchronize_automatically_time_of_day') { $s.SynchronizeAutomaticallyTimeOfDay = [TimeSpan]::Parse([string]$sub.synchronize_automatically_time_of_day) }
  if (Test-Setting $sub 'synchronizations_per_day') { $s.NumberOfSynchronizationsPerDay = [int]$sub.synchronizations_per_day }
  Save-WithRetry $s 'ISubscription'
}
return @{}
