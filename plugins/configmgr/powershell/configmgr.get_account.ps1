# configmgr.get_account {user} -> {exists, user, site}
$local = [string](Get-SupctlProvider).SiteCode
$previous = Enter-SupctlSite $local
try {
  $user = [string]$p.user
  $account = Get-CMAccount -UserName $user | Select-Object -First 1
  $result = @{ exists = $false; user = $user; site = $null }
  if ($null -ne $account) {
    $result.exists = $true
    $result.user = [string]$account.UserName
    $result.site = [string]$account.SiteCode
  }
} finally {
  Set-Location $previous
}
return $result
