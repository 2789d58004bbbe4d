# configmgr.get_sup {fqdn, site} -> {exists, fqdn, site, <SUP attributes by their manifest names>, installed}
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$result = @{ exists = $false; fqdn = $fqdn; site = $site; installed = $false }
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
    # The role is installed once its registry key exists on the SUP's server (SiteComp creates it).
    # A read that fails is an error, not a guess: 'installed' would hide a role that never installed.
    try {
      $base = Open-SupctlRegistryBaseKey LocalMachine $fqdn
    } catch {
      throw ("cannot read the registry of '{0}' to tell whether its software update point role is installed; check the Remote Registry service and the firewall there, and that this session's credentials can reach it (Kerberos delegation from {1}): {2}" -f $fqdn, $env:COMPUTERNAME, $_.Exception.Message)
    }
    try {
      $key = $base.OpenSubKey('SOFTWARE\Microsoft\SMS\Operations Management\SMS Server Role\SMS Software Update Point')
      $result.installed = $null -ne $key
      if ($null -ne $key) { $key.Close() }
    } finally {
      $base.Close()
    }
  }
} finally {
  Set-Location $previous
}
return $result
