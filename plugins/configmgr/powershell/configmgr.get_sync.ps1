# configmgr.get_sync {site} -> {exists, site, child, <sync attributes by their manifest names>}: the software update
# point component of a site (Get-CMSoftwareUpdatePointComponent, the SMS_WSUS_SYNC_MANAGER component, the
# subscribed categories). Products and classifications are GUIDs; languages are culture codes; the schedule is
# the canonical text of plugins/configmgr/schedule.h.
$code = ([string]$p.site).ToUpperInvariant()
$previous = Enter-SupctlSite $code
try {
  $site = Get-CMSite -SiteCode $code
  if ($null -eq $site) { return @{ exists = $false; site = $code } }
  $result = @{ exists = $true; site = $code; child = [bool]$site.ReportingSiteCode }
  $component = Get-CMSoftwareUpdatePointComponent -SiteCode $code
  $sync = Get-CMSoftwareUpdatePointComponent -SiteCode $code -WsusSyncManager
  $sources = @('microsoft_update', 'upstream', 'none')
  $result.source = $sources[[int](Get-SupctlProp $component 'DefaultUseParentWSUS').Value]
  $parent = [string](Get-SupctlProp $component 'ParentWSUS').Value2
  $result.upstream = if ($parent) { $parent } else { $null }
  $result.default_wsus_server = [string](Get-SupctlProp $component 'DefaultWSUS').Value2
  $levels = @('none', 'status_only', 'all')
  $result.reporting_events = $levels[[int](Get-SupctlProp $component 'ClientReportingLevel').Value]
  $result.languages = @(([string](Get-SupctlProp $component 'SupportedTitleLanguages').Value2).Split(',') | Where-Object { $_ } | ForEach-Object { $_.ToLowerInvariant() })
  $result.update_file_languages = @(([string](Get-SupctlProp $component 'SupportedUpdateLanguages').Value2).Split(',') | Where-Object { $_ } | ForEach-Object { $_.ToLowerInvariant() })
  $result.enable_call_wsus_cleanup_wizard = [bool](Get-SupctlProp $component 'Call WSUS Cleanup').Value
  $nonFeature = [int](Get-SupctlProp $component 'Sync Supersedence Mode For NonFeature').Value
  $result.immediately_expire_supersedence = $nonFeature -eq 0
  $result.wait_month = if ($nonFeature -eq 0) { $null } else { [int](Get-SupctlProp $component 'Sync Supersedence Age For NonFeature').Value }
  $feature = [int](Get-SupctlProp $component 'Sync Supersedence Mode For Feature').Value
  $result.immediately_expire_supersedence_for_feature = $feature -eq 0
  $result.wait_month_for_feature = if ($feature -eq 0) { $null } else { [int](Get-SupctlProp $component 'Sync Supersedence Age For Feature').Value }
  $result.content_file_option = if ([int](Get-SupctlProp $sync 'Sync ExpressFiles').Value -eq 0) { 'full_files_only' } else { 'express_for_windows10_only' }
  $thirdParty = [int](Get-SupctlProp $sync 'EnableThirdPartyUpdates').Value
  $result.enable_third_party_updates = $thirdParty -ne 0
  $result.enable_manual_cert_management = $thirdParty -eq 1
  $result.feature_update_max_runtime_mins = [int]((Get-SupctlProp $sync 'MaxInstallTime-ServicePack').Value / 60)
  $result.non_feature_update_max_runtime_mins = [int]((Get-SupctlProp $sync 'MaxInstallTime-Windows').Value / 60)
  # By its name's prefix, compared here: Get-CMAlert -Name is not declared to take wildcards.
  $result.enable_sync_failure_alert = @(Get-CMAlert | Where-Object { ([string]$_.Name).StartsWith('Synchronization failure alert for software update point:') }).Count -gt 0
  # ConfigMgr keeps no flag: a site synchronizes on a schedule exactly when it has a Sync Schedule token.
  $token = [string](Get-SupctlProp $sync 'Sync Schedule').Value1
  $result.enable_synchronization = [bool]$token
  $result.schedule = $null
  if ($token) {
    $s = Convert-CMSchedule -ScheduleString $token
    $at = '{0:HH:mm}' -f $s.StartTime
    $days = @('sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday')
    $orders = @('last', 'first', 'second', 'third', 'fourth')
    switch ($s.SmsProviderObjectPath) {
      'SMS_ST_RecurInterval' {
        if ($s.HourSpan -gt 0) { $result.schedule = if ($s.HourSpan -eq 1) { "every 1 hour from $at" } else { "every $($s.HourSpan) hours from $at" } }
        else { $result.schedule = if ($s.DaySpan -eq 1) { "every 1 day at $at" } else { "every $($s.DaySpan) days at $at" } }
      }
      'SMS_ST_RecurWeekly' {
        $day = $days[$s.Day - 1]
        $result.schedule = if ($s.ForNumberOfWeeks -eq 1) { "every 1 week on $day at $at" } else { "every $($s.ForNumberOfWeeks) weeks on $day at $at" }
      }
      'SMS_ST_RecurMonthlyByDate' {
        $when = if ($s.MonthDay -eq 0) { 'last day' } else { "day $($s.MonthDay)" }
        $result.schedule = if ($s.ForNumberOfMonths -eq 1) { "every 1 month on $when at $at" } else { "every $($s.ForNumberOfMonths) months on $when at $at" }
      }
      'SMS_ST_RecurMonthlyByWeekday' {
        $when = "$($orders[$s.WeekOrder]) $($days[$s.Day - 1])"
        $result.schedule = if ($s.ForNumberOfMonths -eq 1) { "every 1 month on $when at $at" } else { "every $($s.ForNumberOfMonths) months on $when at $at" }
      }
    }
  }
  $categories = @(Get-CMSoftwareUpdateCategory -Fast | Where-Object { $_.IsSubscribed -and $_.SourceSite -eq $code })
  $result.products = @($categories | Where-Object { $_.CategoryTypeName -eq 'Product' } | ForEach-Object { ([string]$_.CategoryInstance_UniqueID).Split(':')[1].ToUpperInvariant() })
  $result.classifications = @($categories | Where-Object { $_.CategoryTypeName -eq 'UpdateClassification' } | ForEach-Object { ([string]$_.CategoryInstance_UniqueID).Split(':')[1].ToUpperInvariant() })
} finally {
  Set-Location $previous
}
return $result
