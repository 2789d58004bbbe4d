# configmgr.get_sup {fqdn, site} -> {exists, fqdn, site, <SUP attributes by their manifest names>, site_version}:
# the role as the SMS Provider stores it, and the site's version (which WSUS versions its role setup accepts).
# Whether the role is installed is read on the SUP's own server (registry.get_key), never from here.
$site = ([string]$p.site).ToUpperInvariant()
if ($site -notmatch '^[A-Z0-9]{3}$') { throw ("'{0}' is not a site code: three letters or digits" -f $site) }
$fqdn = [string]$p.fqdn
$result = @{ exists = $false; fqdn = $fqdn; site = $site; site_version = $null }
$previous = Enter-SupctlSite $site
try {
  $sup = Get-CMSoftwareUpdatePoint -SiteCode $site -SiteSystemServerName $fqdn
  if ($null -ne $sup) {
    $result.exists = $true
    $result.wsus_iis_port = [int](Get-SupctlProp $sup 'WSUSIISPort' 'Value')
    $result.wsus_iis_ssl_port = [int](Get-SupctlProp $sup 'WSUSIISSSLPort' 'Value')
    $result.wsus_ssl = [int](Get-SupctlProp $sup 'SSLWSUS' 'Value') -eq 1
    $internet = [int](Get-SupctlProp $sup 'IsINF' 'Value') -eq 1
    $intranet = [int](Get-SupctlProp $sup 'IsIntranet' 'Value') -eq 1
    if ($internet -and $intranet) { $result.client_connection_type = 'internet_and_intranet' }
    elseif ($internet) { $result.client_connection_type = 'internet' }
    else { $result.client_connection_type = 'intranet' }
    $result.use_proxy = [int](Get-SupctlProp $sup 'UseProxy' 'Value') -eq 1
    $result.use_proxy_for_adr = [int](Get-SupctlProp $sup 'UseProxyForADR' 'Value') -eq 1
    $result.enable_cloud_gateway = [int](Get-SupctlProp $sup 'AllowProxyTraffic' 'Value') -eq 1
    $account = Get-SupctlProp $sup 'WSUSAccessAccount' 'Value2'
    $result.connection_account = $null
    if ($account) { $result.connection_account = [string]$account }
    $result.anonymous_wsus_access = -not $account
  }
  $local = [string](Get-SupctlProvider).SiteCode
  $known = Get-CimInstance -Namespace "root\sms\site_$local" -ClassName SMS_Site -Filter "SiteCode='$site'" -ErrorAction Stop
  if ($null -ne $known) { $result.site_version = [string]$known.Version }
} finally {
  Set-Location $previous
}
return $result
