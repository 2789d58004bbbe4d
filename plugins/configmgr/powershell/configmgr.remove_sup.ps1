# configmgr.remove_sup {fqdn, site} -> {}: a missing role is not an error.
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$previous = Enter-SupctlSite $site
try {
  $sup = Get-CMSoftwareUpdatePoint -SiteCode $site -SiteSystemServerName $fqdn
  if ($null -ne $sup) { Remove-CMSoftwareUpdatePoint -InputObject $sup -Force | Out-Null }
} finally {
  Set-Location $previous
}
return @{}
