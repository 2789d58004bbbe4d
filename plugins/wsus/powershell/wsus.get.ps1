# wsus.get {catalog?} -> {installed: false}, or {installed: true, version, content_dir, database, configuration, subscription,
# features, catalog (when $p.catalog is true)}. configuration and subscription use the wsus_server attribute names; proxy is
# {server, port, account, has_password}. subscription.products are the subscribed products' titles and
# subscription.product_ids their GUIDs, in the same order; catalog is [{title, id, family}], every product and product
# family the server offers. GUIDs are upper case without braces. Times of day are UTC, as HH:MM.
$withCatalog = ($null -ne $p) -and (@($p.PSObject.Properties | ForEach-Object { $_.Name }) -contains 'catalog') -and [bool]$p.catalog
$features = @(Get-WindowsFeature -Name 'UpdateServices*' -ErrorAction Stop | Where-Object { $_.Installed } | ForEach-Object { [string]$_.Name })
if ($features -notcontains 'UpdateServices-Services') { return @{ installed = $false } }
$base = Open-SupctlRegistryBaseKey LocalMachine
try {
  $setup = $base.OpenSubKey('SOFTWARE\Microsoft\Update Services\Server\Setup', $false)
  if ($null -eq $setup) { return @{ installed = $false } }
  try {
    $contentDir = [string]$setup.GetValue('ContentDir', '')
    $sqlServer = [string]$setup.GetValue('SqlServerName', '')
  } finally {
    $setup.Close()
  }
} finally {
  $base.Close()
}
# Before postinstall the feature is there but Get-WsusServer finds no server: not installed yet.
if ($contentDir -eq '') { return @{ installed = $false } }
$database = $sqlServer
if ($sqlServer -eq '' -or $sqlServer -like '*MICROSOFT##WID*') { $database = 'wid' }

$server = Get-WsusServer -ErrorAction Stop
$v = $server.Version
$version = '{0}.{1}' -f $v.Major, $v.Minor
if ($v.Major -ge 10) { $version = '{0}.{1}.{2}' -f $v.Major, $v.Minor, $v.Build }

$c = $server.GetConfiguration()
$configuration = @{
  auto_approve_wsus_infrastructure_updates = [bool]$c.AutoApproveWsusInfrastructureUpdates
  auto_refresh_update_approvals = [bool]$c.AutoRefreshUpdateApprovals
  auto_refresh_update_approvals_decline_expired = [bool]$c.AutoRefreshUpdateApprovalsDeclineExpired
  bits_download_priority_foreground = [bool]$c.BitsDownloadPriorityForeground
  client_targeting_mode = ([string]$c.TargetingMode).ToLowerInvariant()
  do_detailed_rollup = [bool]$c.DoDetailedRollup
  download_express_packages = [bool]$c.DownloadExpressPackages
  download_update_binaries_as_needed = [bool]$c.DownloadUpdateBinariesAsNeeded
  get_content_from_mu = [bool]$c.GetContentFromMU
  host_binaries_on_microsoft_update = [bool]$c.HostBinariesOnMicrosoftUpdate
  local_publishing_max_cab_size = [int]$c.LocalPublishingMaxCabSize
  max_simultaneous_file_downloads = [int]$c.MaxSimultaneousFileDownloads
  proxy_basic_authentication = [bool]$c.AllowProxyCredentialsOverNonSsl
  update_improvement_program = [bool]$c.MURollupOptin
  upstream_server_replica = [bool]$c.IsReplicaServer
}
if ($c.AllUpdateLanguagesEnabled) {
  $configuration.languages = @($c.SupportedUpdateLanguages | ForEach-Object { ([string]$_).ToLowerInvariant() })
} else {
  $configuration.languages = @($c.GetEnabledUpdateLanguages() | ForEach-Object { ([string]$_).ToLowerInvariant() })
}
if (-not $c.SyncFromMicrosoftUpdate) {
  $configuration.upstream_server_name = [string]$c.UpstreamWsusServerName
  $configuration.upstream_server_port = [int]$c.UpstreamWsusServerPortNumber
  $configuration.upstream_server_ssl = [bool]$c.UpstreamWsusServerUseSsl
}
if ($c.UseProxy) {
  $account = $null
  if (-not $c.AnonymousProxyAccess) {
    $account = [string]$c.ProxyUserName
    if ([string]$c.ProxyUserDomain -ne '') { $account = [string]$c.ProxyUserDomain + '\' + $account }
  }
  $configuration.proxy = @{ server = [string]$c.ProxyName; port = [int]$c.ProxyServerPort; account = $account; has_password = -not $c.AnonymousProxyAccess }
}

$e = $server.GetEmailNotificationConfiguration()
$configuration.sync_notification_recipients = @($e.SyncNotificationRecipients | ForEach-Object { [string]$_ })
$configuration.status_notification_recipients = @($e.StatusNotificationRecipients | ForEach-Object { [string]$_ })
$configuration.status_notification_frequency = ([string]$e.StatusNotificationFrequency).ToLowerInvariant()
$configuration.status_notification_time_of_day = $e.StatusNotificationTimeOfDay.ToString('hh\:mm')
$configuration.email_language = [string]$e.EmailLanguage
$configuration.smtp_host_name = [string]$e.SmtpHostName
$configuration.smtp_port = [int]$e.SmtpPort
$configuration.sender_display_name = [string]$e.SenderDisplayName
$configuration.sender_email_address = [string]$e.SenderEmailAddress
$configuration.email_server_account = if ($e.SmtpServerRequiresAuthentication) { [string]$e.SmtpUserName } else { $null }

$compression = Get-SupctlWebConfigurationProperty 'IIS:\Sites\WSUS Administration' 'system.webServer/urlCompression' 'doDynamicCompression'
if ($null -ne $compression) { $configuration.iis_dynamic_compression = [bool]$compression }

$s = $server.GetSubscription()
$subscribed = @($s.GetUpdateCategories())
$subscription = @{
  classifications = @($s.GetUpdateClassifications() | ForEach-Object { $_.Id.ToString().ToUpperInvariant() })
  products = @($subscribed | ForEach-Object { [string]$_.Title })
  product_ids = @($subscribed | ForEach-Object { $_.Id.ToString().ToUpperInvariant() })
  synchronize_automatically = [bool]$s.SynchronizeAutomatically
  synchronize_automatically_time_of_day = $s.SynchronizeAutomaticallyTimeOfDay.ToString('hh\:mm')
  synchronizations_per_day = [int]$s.NumberOfSynchronizationsPerDay
}
$result = @{
  installed = $true
  version = $version
  content_dir = $contentDir
  database = $database
  configuration = $configuration
  subscription = $subscription
  features = $features
}
if ($withCatalog) {
  # What a subscription can name, once WSUS has synchronized its categories: products and product families.
  $result.catalog = @($server.GetUpdateCategories() | Where-Object { $_.Type -eq 'Product' -or $_.Type -eq 'ProductFamily' } | ForEach-Object {
    @{ title = [string]$_.Title; id = $_.Id.ToString().ToUpperInvariant(); family = ($_.Type -eq 'ProductFamily') }
  })
}
return $result
