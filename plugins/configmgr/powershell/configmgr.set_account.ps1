# configmgr.set_account {user, site?, password} -> {}: New-CMAccount when the account is missing.
# The password is never read back; an existing account is kept as it is.
$local = [string](Get-SupctlProvider).SiteCode
$site = $local
if ($p.site) { $site = ([string]$p.site).ToUpperInvariant() }
$previous = Enter-SupctlSite $site
try {
  $user = [string]$p.user
  if ($null -eq (Get-CMAccount -UserName $user | Select-Object -First 1)) {
    $secure = ConvertTo-SecureString -String ([string]$p.password) -AsPlainText -Force
    New-CMAccount -UserName $user -Password $secure -SiteCode $site | Out-Null
  }
} finally {
  Set-Location $previous
}
return @{}
