# configmgr.get_site_system {fqdn, site} -> {exists, fqdn, site, proxy, public_fqdn, fdm_operation,
# use_site_server_account, installation_account}; proxy is {server, port, account} or null.
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$result = @{ exists = $false; fqdn = $fqdn; site = $site; proxy = $null; public_fqdn = $null; fdm_operation = $null
             use_site_server_account = $null; installation_account = $null }
$previous = Enter-SupctlSite $site
try {
  $server = Get-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn
  if ($null -ne $server) {
    $result.exists = $true
    if ([int](Get-SupctlProp $server 'UseProxy' 'Value') -eq 1) {
      $account = $null
      if ([int](Get-SupctlProp $server 'AnonymousProxyAccess' 'Value') -ne 1) { $account = Get-SupctlProp $server 'ProxyUserName' 'Value2' }
      $result.proxy = @{ server = [string](Get-SupctlProp $server 'ProxyName' 'Value2'); port = [int](Get-SupctlProp $server 'ProxyServerPort' 'Value'); account = $account }
    }
    $public = Get-SupctlProp $server 'Server Remote Public Name' 'Value1'
    if ($public) { $result.public_fqdn = [string]$public }
    $result.fdm_operation = [int](Get-SupctlProp $server 'FDMOperation' 'Value') -eq 1
    $result.use_site_server_account = [int](Get-SupctlProp $server 'UseMachineAccount' 'Value') -eq 1
    $user = Get-SupctlProp $server 'UserName' 'Value2'
    if ($user) { $result.installation_account = [string]$user }
  }
} finally {
  Set-Location $previous
}
return $result
