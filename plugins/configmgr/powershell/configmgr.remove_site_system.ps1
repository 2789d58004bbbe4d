# configmgr.remove_site_system {fqdn, site} -> {}: Remove-CMSiteSystemServer; refused while the server holds a
# software update point. A missing site system is not an error.
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$previous = Enter-SupctlSite $site
try {
  $system = Get-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn
  if ($null -ne $system) {
    if ($null -ne (Get-CMSoftwareUpdatePoint -SiteCode $site -SiteSystemServerName $fqdn)) {
      throw ("{0} still holds the software update point role: remove the role before the site system" -f $fqdn)
    }
    Remove-CMSiteSystemServer -SiteCode $site -SiteSystemServerName $fqdn -Force
  }
} finally {
  Set-Location $previous
}
return @{}
