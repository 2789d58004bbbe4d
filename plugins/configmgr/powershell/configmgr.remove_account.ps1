# configmgr.remove_account {user, site?} -> {}: Remove-CMAccount of the user's account at the site (this SMS Provider's
# own site when none is given); a missing account is not an error. Only the exact user name at that site counts; should
# ConfigMgr hold it twice, both go (the manifests want none), one at a time: -InputObject takes one account.
$local = [string](Get-SupctlProvider).SiteCode
$site = $local
if ($p.site) { $site = ([string]$p.site).ToUpperInvariant() }
$previous = Enter-SupctlSite $local
try {
  $user = [string]$p.user
  $found = @(Get-CMAccount -UserName $user -SiteCode $site | Where-Object { [string]$_.UserName -eq $user })
  foreach ($account in $found) { Remove-CMAccount -InputObject $account -Force }
} finally {
  Set-Location $previous
}
return @{}
