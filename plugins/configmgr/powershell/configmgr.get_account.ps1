# configmgr.get_account {user, site?} -> {exists, user, site}: the user's account at the site (this SMS Provider's own
# site when none is given). Get-CMAccount without -SiteCode answers for every site of the hierarchy and -UserName is a
# pattern, so only the exact name at that site counts; two of them are an error, not a guess.
$local = [string](Get-SupctlProvider).SiteCode
$site = $local
if ($p.site) { $site = ([string]$p.site).ToUpperInvariant() }
$previous = Enter-SupctlSite $local
try {
  $user = [string]$p.user
  $found = @(Get-CMAccount -UserName $user -SiteCode $site | Where-Object { [string]$_.UserName -eq $user })
  if ($found.Count -gt 1) { throw ("ConfigMgr has {0} accounts named '{1}' at site {2}; keep one (Administration > Security > Accounts)" -f $found.Count, $user, $site) }
  $result = @{ exists = $false; user = $user; site = $null }
  if ($found.Count -eq 1) {
    $result.exists = $true
    $result.user = [string]$found[0].UserName
    $result.site = [string]$found[0].SiteCode
  }
} finally {
  Set-Location $previous
}
return $result
