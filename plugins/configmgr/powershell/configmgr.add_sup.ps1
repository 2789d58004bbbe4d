# configmgr.add_sup {fqdn, site, <SUP attributes>} -> {installed, log_lines}: creates the site system
# when missing, then Add-CMSoftwareUpdatePoint with the desired ports, SSL, proxy use and connection account at once
# (not Add- with defaults then Set-, the ConfigMgrCBDsc defect). Site Component Manager installs the role afterwards.
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$names = @($p.PSObject.Properties | ForEach-Object { $_.Name })
$types = @{ intranet = 'Intranet'; internet = 'Internet'; internet_and_intranet = 'InternetAndIntranet' }
$previous = Enter-SupctlSite $site
try {
  if ($null -ne (Get-CMSoftwareUpdatePoint -SiteCode $site -SiteSystemServerName $fqdn)) {
    throw ("{0} already has the software update point role" -f $fqdn)
  }
  if ($null -eq (Get-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn)) {
    New-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn | Out-Null
  }
  $add = @{ SiteCode = $site; SiteSystemServerName = $fqdn }
  if ($names -contains 'wsus_iis_port') { $add.WsusIisPort = [int]$p.wsus_iis_port }
  if ($names -contains 'wsus_iis_ssl_port') { $add.WsusIisSslPort = [int]$p.wsus_iis_ssl_port }
  if ($names -contains 'wsus_ssl') { $add.WsusSsl = [bool]$p.wsus_ssl }
  if ($names -contains 'client_connection_type') { $add.ClientConnectionType = $types[[string]$p.client_connection_type] }
  if ($names -contains 'use_proxy') { $add.UseProxy = [bool]$p.use_proxy }
  if ($names -contains 'use_proxy_for_adr') { $add.UseProxyForAutoDeploymentRule = [bool]$p.use_proxy_for_adr }
  if ($names -contains 'enable_cloud_gateway' -and [bool]$p.enable_cloud_gateway) { $add.EnableCloudGateway = $true }
  if ($names -contains 'connection_account' -and $p.connection_account) { $add.ConnectionAccountUserName = [string]$p.connection_account }
  elseif ($names -contains 'anonymous_wsus_access' -and [bool]$p.anonymous_wsus_access) { $add.AnonymousWsusAccess = $true }
  Add-CMSoftwareUpdatePoint @add | Out-Null
} finally {
  Set-Location $previous
}
return @{ installed = $false; log_lines = @() }
