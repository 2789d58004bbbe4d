# configmgr.get_site_system {fqdn, site} -> {exists, fqdn, site, proxy, public_fqdn, fdm_operation,
# use_site_server_account, installation_account}; proxy is {server, port, account} or null.
Import-Module "$($env:SMS_ADMIN_UI_PATH)\..\ConfigurationManager.psd1" -ErrorAction Stop
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
function Get-Prop($object, [string]$name, [string]$field) {
  $prop = @($object.Props) | Where-Object { $_.PropertyName -eq $name } | Select-Object -First 1
  if ($null -eq $prop) { return $null }
  return $prop.$field
}
$result = @{ exists = $false; fqdn = $fqdn; site = $site; proxy = $null; public_fqdn = $null; fdm_operation = $null
             use_site_server_account = $null; installation_account = $null }
$previous = Get-Location
Set-Location "$($site):\"
try {
  $server = Get-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn
  if ($null -ne $server) {
    $result.exists = $true
    if ([int](Get-Prop $server 'UseProxy' 'Value') -eq 1) {
      $account = $null
      if ([int](Get-Prop $server 'AnonymousProxyAccess' 'Value') -ne 1) { $account = Get-Prop $server 'ProxyUserName' 'Value2' }
      $result.proxy = @{ server = [string](Get-Prop $server 'ProxyName' 'Value2'); port = [int](Get-Prop $server 'ProxyServerPort' 'Value'); account = $account }
    }
    $public = Get-Prop $server 'Server Remote Public Name' 'Value1'
    if ($public) { $result.public_fqdn = [string]$public }
    $result.fdm_operation = [int](Get-Prop $server 'FDMOperation' 'Value') -eq 1
    $result.use_site_server_account = [int](Get-Prop $server 'UseMachineAccount' 'Value') -eq 1
    $user = Get-Prop $server 'UserName' 'Value2'
    if ($user) { $result.installation_account = [string]$user }
  }
} finally {
  Set-Location $previous
}
return $result
