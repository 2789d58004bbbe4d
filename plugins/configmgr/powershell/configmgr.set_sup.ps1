# configmgr.set_sup {fqdn, site, <changed SUP attributes>} -> {}: Set-CMSoftwareUpdatePoint with the settings given.
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$names = @($p.PSObject.Properties | ForEach-Object { $_.Name })
$types = @{ intranet = 'Intranet'; internet = 'Internet'; internet_and_intranet = 'InternetAndIntranet' }
$previous = Enter-SupctlSite $site
try {
  $sup = Get-CMSoftwareUpdatePoint -SiteCode $site -SiteSystemServerName $fqdn
  if ($null -eq $sup) { throw ("{0} has no software update point role to change" -f $fqdn) }
  $set = @{ InputObject = $sup }
  if ($names -contains 'wsus_iis_port') { $set.HttpPort = [int]$p.wsus_iis_port }
  if ($names -contains 'wsus_iis_ssl_port') { $set.HttpsPort = [int]$p.wsus_iis_ssl_port }
  if ($names -contains 'wsus_ssl') { $set.EnableSsl = [bool]$p.wsus_ssl }
  if ($names -contains 'client_connection_type') { $set.ClientConnectionType = $types[[string]$p.client_connection_type] }
  if ($names -contains 'use_proxy') { $set.UseProxy = [bool]$p.use_proxy }
  if ($names -contains 'use_proxy_for_adr') { $set.UseProxyForAutoDeploymentRule = [bool]$p.use_proxy_for_adr }
  if ($names -contains 'enable_cloud_gateway') { $set.EnableCloudGateway = [bool]$p.enable_cloud_gateway }
  if ($names -contains 'connection_account' -and $p.connection_account) { $set.WsusAccessAccount = [string]$p.connection_account }
  elseif ($names -contains 'anonymous_wsus_access' -and [bool]$p.anonymous_wsus_access) { $set.AnonymousWsusAccess = $true }
  if ($names -contains 'public_virtual_ip' -and $p.public_virtual_ip) { $set.PublicVirtualIP = [string]$p.public_virtual_ip }
  if ($set.Count -gt 1) { Set-CMSoftwareUpdatePoint @set | Out-Null }
} finally {
  Set-Location $previous
}
return @{}
