# configmgr.get_members {fqdn, member} -> {groups}: which of the local groups Administrators and WSUS Administrators
# on the SUP's server hold the member (DOMAIN\user), read remotely from the site server as WCM needs them.
$fqdn = [string]$p.fqdn
$member = [string]$p.member
$groups = Invoke-Command -ComputerName $fqdn -ErrorAction Stop -ArgumentList $member -ScriptBlock {
  param([string]$member)
  $found = @()
  foreach ($group in @('Administrators', 'WSUS Administrators')) {
    $names = @(Get-LocalGroupMember -Group $group -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.Name })
    if ($names | Where-Object { $_ -eq $member }) { $found += $group }
  }
  return ,$found
}
return @{ groups = @($groups) }
