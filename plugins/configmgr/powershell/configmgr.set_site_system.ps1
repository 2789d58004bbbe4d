# configmgr.set_site_system {fqdn, site, proxy?: {server, port, account, account_site} | null, public_fqdn?,
# fdm_operation?, use_site_server_account?, installation_account?} -> {}: New-CMSiteSystemServer when missing, then
# Set-CMSiteSystemServer with the settings given (an absent key is left as it is). The proxy account is the one
# account of that user at account_site (the site system's site when none is given): -ProxyAccessAccount takes the
# account object of Get-CMAccount, one of them.
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$names = @($p.PSObject.Properties | ForEach-Object { $_.Name })
$previous = Enter-SupctlSite $site
try {
  if ($null -eq (Get-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn)) {
    New-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn | Out-Null
  }
  $set = @{ SiteCode = $site; SiteSystemServerName = $fqdn }
  if ($names -contains 'proxy') {
    if ($null -eq $p.proxy) {
      $set.EnableProxy = $false
    } else {
      $set.EnableProxy = $true
      $set.ProxyServerName = [string]$p.proxy.server
      $set.ProxyServerPort = [uint32]$p.proxy.port
      if ($p.proxy.account) {
        $user = [string]$p.proxy.account
        $accountSite = $site
        if ($p.proxy.account_site) { $accountSite = ([string]$p.proxy.account_site).ToUpperInvariant() }
        $found = @(Get-CMAccount -UserName $user -SiteCode $accountSite | Where-Object { [string]$_.UserName -eq $user })
        if ($found.Count -gt 1) { throw ("ConfigMgr has {0} accounts named '{1}' at site {2}; keep one (Administration > Security > Accounts)" -f $found.Count, $user, $accountSite) }
        if ($found.Count -eq 0) { throw ("the proxy account '{0}' is not a ConfigMgr account at site {1}" -f $user, $accountSite) }
        $set.ProxyAccessAccount = $found[0]
      }
    }
  }
  if ($names -contains 'public_fqdn') { $set.PublicFqdn = [string]$p.public_fqdn }
  if ($names -contains 'fdm_operation') { $set.FdmOperation = [bool]$p.fdm_operation }
  if ($names -contains 'use_site_server_account' -and [bool]$p.use_site_server_account) { $set.UseSiteServerAccount = $true }
  if ($names -contains 'installation_account' -and $p.installation_account) { $set.AccountName = [string]$p.installation_account }
  if ($set.Count -gt 2) { Set-CMSiteSystemServer @set | Out-Null }
} finally {
  Set-Location $previous
}
return @{}
