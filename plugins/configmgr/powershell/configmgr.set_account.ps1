# configmgr.set_account {user, site?, password} -> {}: New-CMAccount when the account is missing,
# otherwise Set-CMAccount: the password is never read back, so it is set each time (a rotated
# password reaches ConfigMgr).
$local = [string](Get-SupctlProvider).SiteCode
$site = $local
if ($p.site) { $site = ([string]$p.site).ToUpperInvariant() }
$previous = Enter-SupctlSite $site
try {
  $user = [string]$p.user
  $secure = ConvertTo-SecureString -String ([string]$p.password) -AsPlainText -Force
  if ($null -eq (Get-CMAccount -UserName $user | Select-Object -First 1)) {
    New-CMAccount -UserName $user -Password $secure -SiteCode $site | Out-Null
  } else {
    Set-CMAccount -UserName $user -Password $secure -SiteCode $site | Out-Null
  }
} finally {
  Set-Location $previous
}
return @{}
