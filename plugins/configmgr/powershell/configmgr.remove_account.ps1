# configmgr.remove_account {user} -> {}: Remove-CMAccount. A missing account is not an error.
$local = [string](Get-SupctlProvider).SiteCode
$previous = Enter-SupctlSite $local
try {
  $account = Get-CMAccount -UserName ([string]$p.user)
  if ($null -ne $account) { Remove-CMAccount -InputObject $account -Force }
} finally {
  Set-Location $previous
}
return @{}
