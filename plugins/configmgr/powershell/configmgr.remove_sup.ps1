# configmgr.remove_sup {fqdn, site} -> {}: a missing role is not an error.
Import-Module "$($env:SMS_ADMIN_UI_PATH)\..\ConfigurationManager.psd1" -ErrorAction Stop
$site = ([string]$p.site).ToUpperInvariant()
$fqdn = [string]$p.fqdn
$previous = Get-Location
Set-Location "$($site):\"
try {
  $sup = Get-CMSoftwareUpdatePoint -SiteCode $site -SiteSystemServerName $fqdn
  if ($null -ne $sup) { Remove-CMSoftwareUpdatePoint -InputObject $sup -Force | Out-Null }
} finally {
  Set-Location $previous
}
return @{}
