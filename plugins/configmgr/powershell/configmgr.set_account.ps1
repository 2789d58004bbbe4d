# configmgr.set_account {user, site?, password} -> {}: New-CMAccount at the site (this SMS Provider's own site when none
# is given) when the account is missing there, otherwise Set-CMAccount on that account: the password is never read
# back, so it is set each time (a rotated password reaches ConfigMgr). Only the exact user name at that site counts.
$local = [string](Get-SupctlProvider).SiteCode
$site = $local
if ($p.site) { $site = ([string]$p.site).ToUpperInvariant() }
$previous = Enter-SupctlSite $local
try {
  $user = [string]$p.user
  $secure = ConvertTo-SecureString -String ([string]$p.password) -AsPlainText -Force
  $found = @(Get-CMAccount -UserName $user -SiteCode $site | Where-Object { [string]$_.UserName -eq $user })
  if ($found.Count -gt 1) { throw ("ConfigMgr has {0} accounts named '{1}' at site {2}; keep one (Administration > Security > Accounts)" -f $found.Count, $user, $site) }
  if ($found.Count -eq 0) {
    New-CMAccount -UserName $user -Password $secure -SiteCode $site | Out-Null
  } else {
    Set-CMAccount -InputObject $found[0] -Password $secure | Out-Null
  }
} finally {
  Set-Location $previous
}
return @{}
