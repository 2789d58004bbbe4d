# configmgr.set_sync {site, <changed sync attributes>, language_names?} -> {log_lines}: Set-CMSoftwareUpdatePointComponent
# with the settings given, by the manifest's names. products are GUIDs (resolved at plan time) and classifications titles
# or GUIDs, each an array (the exact set) or {include, exclude}. languages and update_file_languages are culture codes,
# as the component keeps them; the cmdlet takes the names ConfigMgr gives them, which the plugin sends in language_names
# (code -> name), so nothing here depends on this console's cultures. schedule is {text, recurrence, interval, start,
# day_of_week, week_order, day_of_month}, or null for no schedule: ConfigMgr keeps no flag of its own, a site
# synchronizes on a schedule when its SMS_WSUS_SYNC_MANAGER has one (-Schedule $null clears it). A child site takes only
# update_file_languages and reporting_events.
$code = ([string]$p.site).ToUpperInvariant()
$names = @($p.PSObject.Properties | ForEach-Object { $_.Name })
$previous = Enter-SupctlSite $code
try {
  $set = @{ SiteCode = $code }
  # The Add*/Remove* lists are [ValidateNotNullOrEmpty()][string[]]: an empty one fails to bind, so it is left out.
  function Add-SupctlList([hashtable]$set, [string]$name, $items) {
    $items = @($items)
    if ($items.Count -gt 0) { $set[$name] = [string[]]$items }
  }
  # The categories to add and remove so that a set becomes what the manifest asks for.
  function Get-SetChange([string[]]$current, $value) {
    $add = @(); $remove = @()
    if ($value -is [System.Array]) {
      $wanted = @($value | ForEach-Object { [string]$_ })
      $add = @($wanted | Where-Object { $current -notcontains $_ })
      $remove = @($current | Where-Object { $wanted -notcontains $_ })
    } else {
      if ($value.PSObject.Properties.Name -contains 'include') { $add = @($value.include | Where-Object { $current -notcontains [string]$_ }) }
      if ($value.PSObject.Properties.Name -contains 'exclude') { $remove = @($value.exclude | Where-Object { $current -contains [string]$_ }) }
    }
    return @{ Add = $add; Remove = $remove }
  }
  function Get-Subscribed([string]$type) {
    return @(Get-CMSoftwareUpdateCategory -Fast | Where-Object { $_.IsSubscribed -and $_.CategoryTypeName -eq $type -and $_.SourceSite -eq $code })
  }
  if ($names -contains 'products') {
    $subscribed = Get-Subscribed 'Product'
    $current = @($subscribed | ForEach-Object { ([string]$_.CategoryInstance_UniqueID).Split(':')[1].ToUpperInvariant() })
    $change = Get-SetChange $current $p.products
    # By unique ID: titles are localised and not unique (a product and a family may share one).
    $adding = @($change.Add | ForEach-Object {
      $category = Get-CMSoftwareUpdateCategory -Fast -UniqueId "Product:$($_.ToLowerInvariant())" | Select-Object -First 1
      if ($null -eq $category) { throw ("configmgr.set_sync: site {0} has no product with the ID '{1}'; synchronize the catalog first" -f $code, $_) }
      [string]$category.LocalizedCategoryInstanceName
    })
    $removing = @($change.Remove | ForEach-Object { $guid = $_; ($subscribed | Where-Object { $_.CategoryInstance_UniqueID -like "*$guid" }).LocalizedCategoryInstanceName })
    Add-SupctlList $set 'AddProduct' $adding
    Add-SupctlList $set 'RemoveProduct' $removing
  }
  if ($names -contains 'classifications') {
    $titles = @{}
    foreach ($c in (Get-CMSoftwareUpdateCategory -Fast -TypeName 'UpdateClassification')) {
      $titles[([string]$c.CategoryInstance_UniqueID).Split(':')[1].ToUpperInvariant()] = [string]$c.LocalizedCategoryInstanceName
    }
    function ConvertTo-Title($item) { $key = ([string]$item).ToUpperInvariant(); if ($titles.ContainsKey($key)) { return $titles[$key] } return [string]$item }
    $current = @(Get-Subscribed 'UpdateClassification' | ForEach-Object { [string]$_.LocalizedCategoryInstanceName })
    $value = $p.classifications
    if ($value -is [System.Array]) { $value = @($value | ForEach-Object { ConvertTo-Title $_ }) }
    else {
      $converted = @{}
      if ($value.PSObject.Properties.Name -contains 'include') { $converted.include = @($value.include | ForEach-Object { ConvertTo-Title $_ }) }
      if ($value.PSObject.Properties.Name -contains 'exclude') { $converted.exclude = @($value.exclude | ForEach-Object { ConvertTo-Title $_ }) }
      $value = [pscustomobject]$converted
    }
    $change = Get-SetChange $current $value
    Add-SupctlList $set 'AddUpdateClassification' $change.Add
    Add-SupctlList $set 'RemoveUpdateClassification' $change.Remove
  }
  # The name ConfigMgr gives a culture code, from the plugin's table.
  function ConvertTo-LanguageName([string]$culture) {
    $name = $null
    if ($null -ne $p.language_names) { $name = $p.language_names.($culture.ToLowerInvariant()) }
    if (-not $name) { throw ("configmgr.set_sync: no ConfigMgr language name for the culture code '{0}' (language_names)" -f $culture) }
    return [string]$name
  }
  $component = $null
  foreach ($pair in @(@('languages', 'LanguageSummaryDetail', 'SupportedTitleLanguages'), @('update_file_languages', 'LanguageUpdateFile', 'SupportedUpdateLanguages'))) {
    if ($names -notcontains $pair[0]) { continue }
    if ($null -eq $component) { $component = Get-CMSoftwareUpdatePointComponent -SiteCode $code }
    # The component keeps codes ("en,pt-br"), compared as the manifest writes them: lower case.
    $current = @(([string](Get-SupctlProp $component $pair[2] 'Value2')).Split(',') | Where-Object { $_ } | ForEach-Object { $_.Trim().ToLowerInvariant() })
    $change = Get-SetChange $current $p.($pair[0])
    Add-SupctlList $set "Add$($pair[1])" @($change.Add | ForEach-Object { ConvertTo-LanguageName $_ })
    Add-SupctlList $set "Remove$($pair[1])" @($change.Remove | ForEach-Object { ConvertTo-LanguageName $_ })
  }
  $actions = @{ microsoft_update = 'SynchronizeFromMicrosoftUpdate'; upstream = 'SynchronizeFromAnUpstreamDataSourceLocation'; none = 'DoNotSynchronizeFromMicrosoftUpdateOrUpstreamDataSource' }
  $events = @{ none = 'DoNotCreateWsusReportingEvents'; status_only = 'CreateOnlyWsusStatusReportingEvents'; all = 'CreateAllWsusReportingEvents' }
  $files = @{ full_files_only = 'FullFilesOnly'; express_for_windows10_only = 'ExpressForWindows10Only' }
  if ($names -contains 'source') { $set.SynchronizeAction = $actions[[string]$p.source] }
  if ($names -contains 'upstream') { $set.UpstreamSourceLocation = [string]$p.upstream }
  if ($names -contains 'default_wsus_server') { $set.DefaultWsusServer = [string]$p.default_wsus_server }
  if ($names -contains 'reporting_events') { $set.ReportingEvent = $events[[string]$p.reporting_events] }
  if ($names -contains 'content_file_option') { $set.ContentFileOption = $files[[string]$p.content_file_option] }
  $switches = @{ enable_call_wsus_cleanup_wizard = 'EnableCallWsusCleanupWizard'; enable_sync_failure_alert = 'EnableSyncFailureAlert'
                 immediately_expire_supersedence = 'ImmediatelyExpireSupersedence'; immediately_expire_supersedence_for_feature = 'ImmediatelyExpireSupersedenceForFeature'
                 enable_third_party_updates = 'EnableThirdPartyUpdates'; enable_manual_cert_management = 'EnableManualCertManagement' }
  foreach ($name in $switches.Keys) { if ($names -contains $name) { $set[$switches[$name]] = [bool]$p.$name } }
  $numbers = @{ wait_month = 'WaitMonth'; wait_month_for_feature = 'WaitMonthForFeature'
                feature_update_max_runtime_mins = 'FeatureUpdateMaxRuntimeMins'; non_feature_update_max_runtime_mins = 'NonFeatureUpdateMaxRuntimeMins' }
  foreach ($name in $numbers.Keys) { if ($names -contains $name) { $set[$numbers[$name]] = [int]$p.$name } }
  # -EnableSynchronization is in the 1902 module and gone from later ones: sent only where the cmdlet has it. The
  # schedule is what decides (the plugin sends it with enable_synchronization, null to turn synchronization off).
  if ($names -contains 'enable_synchronization' -and (Get-Command Set-CMSoftwareUpdatePointComponent).Parameters.ContainsKey('EnableSynchronization')) {
    $set.EnableSynchronization = [bool]$p.enable_synchronization
  }
  if ($names -contains 'schedule') {
    if ($null -eq $p.schedule) {
      $set.Schedule = $null
    } else {
      $s = $p.schedule
      # Invariant: ':' in a format is the culture's time separator otherwise.
      $start = [datetime]::ParseExact("2026-01-01 $($s.start)", 'yyyy-MM-dd HH:mm', [System.Globalization.CultureInfo]::InvariantCulture)
      $days = @('Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday')
      $orders = @('Last', 'First', 'Second', 'Third', 'Fourth')
      switch ([string]$s.recurrence) {
        'hours' { $set.Schedule = New-CMSchedule -Start $start -RecurInterval Hours -RecurCount ([int]$s.interval) }
        'days' { $set.Schedule = New-CMSchedule -Start $start -RecurInterval Days -RecurCount ([int]$s.interval) }
        'weekly' { $set.Schedule = New-CMSchedule -Start $start -DayOfWeek $days[[int]$s.day_of_week] -RecurCount ([int]$s.interval) }
        'monthly_by_day' {
          if ([int]$s.day_of_month -eq 0) { $set.Schedule = New-CMSchedule -Start $start -LastDayOfMonth -RecurCount ([int]$s.interval) }
          else { $set.Schedule = New-CMSchedule -Start $start -DayOfMonth ([int]$s.day_of_month) -RecurCount ([int]$s.interval) }
        }
        'monthly_by_week' { $set.Schedule = New-CMSchedule -Start $start -DayOfWeek $days[[int]$s.day_of_week] -WeekOrder $orders[[int]$s.week_order] -RecurCount ([int]$s.interval) }
        default { throw ("configmgr.set_sync: unknown schedule recurrence '{0}'" -f $s.recurrence) }
      }
    }
  }
  if ($set.Count -gt 1) { Set-CMSoftwareUpdatePointComponent @set | Out-Null }
} finally {
  Set-Location $previous
}
return @{ log_lines = @() }
